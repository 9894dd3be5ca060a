using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticNet;

/// <summary>
/// Adagrad, exactly as Keras 3 computes it: the accumulator starts at
/// <see cref="InitialAccumulatorValue"/>; each step a += g²; w −= lr·g / √(a + ε).
/// </summary>
public sealed class AdaGrad : Optimizer
{
    private AlignedBuffer _accumulator;

    /// <summary>Creates the optimizer; the defaults are Keras's (0.001, 0.1, 1e-7).</summary>
    /// <param name="learningRate">The step size, positive.</param>
    /// <param name="initialAccumulatorValue">The starting value of every accumulator, finite and at least 0.</param>
    /// <param name="epsilon">Added under the square root for numerical stability, positive.</param>
    public AdaGrad(float learningRate = 0.001f, float initialAccumulatorValue = 0.1f, float epsilon = 1e-7f) : base(learningRate)
        => (InitialAccumulatorValue, Epsilon) = Checked(initialAccumulatorValue, epsilon);

    /// <summary>Creates the optimizer with a learning rate that follows <paramref name="learningRate"/> step by step.</summary>
    public AdaGrad(LearningRateSchedule learningRate, float initialAccumulatorValue = 0.1f, float epsilon = 1e-7f) : base(learningRate)
        => (InitialAccumulatorValue, Epsilon) = Checked(initialAccumulatorValue, epsilon);

    private static (float, float) Checked(float initialAccumulatorValue, float epsilon)
    {
        CheckRange(initialAccumulatorValue, 0f, float.MaxValue, nameof(initialAccumulatorValue));
        CheckRange(epsilon, 0f, float.MaxValue, nameof(epsilon), minExclusive: true);
        return (initialAccumulatorValue, epsilon);
    }

    /// <summary>The starting value of the per-parameter sums of squared gradients.</summary>
    public float InitialAccumulatorValue { get; }

    /// <summary>Added to the accumulator under the square root.</summary>
    public float Epsilon { get; }

    private protected override void BuildState(int parameterCount)
    {
        _accumulator = new AlignedBuffer(parameterCount);
        _accumulator.Span.Fill(InitialAccumulatorValue);
    }

    private protected override byte FormatCode => 4;

    private protected override float[] Hyperparameters() => new[] { InitialAccumulatorValue, Epsilon };

    private protected override AlignedBuffer[] StateArrays() => new[] { _accumulator };

    private protected override void Step(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, long step)
    {
        float lr = StepLearningRate, eps = Epsilon;
        int n = parameters.Length, i = 0;
        ref float w = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float acc = ref StateAt(_accumulator, offset);
        // Products that would be subnormal are zero, as under TensorFlow's flush-to-zero (see Subnormal).
        float belowLr = Subnormal.Below(lr);
        if (Vector512.IsHardwareAccelerated)
        {
            // The same arithmetic on 16 lanes (each lane's result is identical to the 8-lane loop's), half the instructions.
            var lr16 = Vector512.Create(lr);
            var belowLr16 = Vector512.Create(belowLr);
            var eps16 = Vector512.Create(eps);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var gv = Vector512.LoadUnsafe(ref g, (nuint)i);
                var av = Vector512.LoadUnsafe(ref acc, (nuint)i) + Subnormal.Square(gv);
                av.StoreUnsafe(ref acc, (nuint)i);
                (Vector512.LoadUnsafe(ref w, (nuint)i) - Subnormal.Times(gv, lr16, belowLr16) / Vector512.Sqrt(av + eps16)).StoreUnsafe(ref w, (nuint)i);
            }
        }
        var lrV = Vector256.Create(lr);
        var belowLrV = Vector256.Create(belowLr);
        var epsV = Vector256.Create(eps);
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var gv = Vector256.LoadUnsafe(ref g, (nuint)i);
            var av = Vector256.LoadUnsafe(ref acc, (nuint)i) + Subnormal.Square(gv);
            av.StoreUnsafe(ref acc, (nuint)i);
            (Vector256.LoadUnsafe(ref w, (nuint)i) - Subnormal.Times(gv, lrV, belowLrV) / Vector256.Sqrt(av + epsV)).StoreUnsafe(ref w, (nuint)i);
        }
        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref g, i);
            ref float ai = ref Unsafe.Add(ref acc, i);
            ai += Subnormal.Square(gi);
            Unsafe.Add(ref w, i) -= Subnormal.Times(gi, lr, belowLr) / MathF.Sqrt(ai + eps);
        }
    }
}
