using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticNet;

/// <summary>
/// Stochastic gradient descent with optional momentum and Nesterov momentum, as Keras's
/// <c>SGD</c>: v = momentum·v − lr·g; w += v (Nesterov: w += momentum·v − lr·g).
/// </summary>
public sealed class Sgd : Optimizer
{
    private AlignedBuffer _velocity;

    /// <summary>Creates the optimizer with Keras's defaults (learning rate 0.01, no momentum).</summary>
    public Sgd(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false) : base(learningRate)
    {
        CheckRange(momentum, 0f, 1f, nameof(momentum));
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <summary>Creates the optimizer with a learning rate that follows <paramref name="learningRate"/> step by step.</summary>
    public Sgd(LearningRateSchedule learningRate, float momentum = 0f, bool nesterov = false) : base(learningRate)
    {
        CheckRange(momentum, 0f, 1f, nameof(momentum));
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <summary>The momentum factor in [0, 1].</summary>
    public float Momentum { get; }

    /// <summary>Whether the Nesterov form is used.</summary>
    public bool Nesterov { get; }

    private protected override void BuildState(int parameterCount) =>
        _velocity = Momentum == 0 ? default : new AlignedBuffer(parameterCount);

    private protected override byte FormatCode => 1;

    private protected override float[] Hyperparameters() => new[] { Momentum, Nesterov ? 1f : 0f };

    private protected override AlignedBuffer[] StateArrays() => new[] { _velocity };

    private protected override void Step(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, long step)
    {
        float lr = StepLearningRate;
        int n = parameters.Length, i = 0;
        ref float w = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        // Products that would be subnormal are zero, as under TensorFlow's flush-to-zero (see Subnormal).
        float belowLr = Subnormal.Below(lr);
        var lrv = Vector256.Create(lr);
        var belowLrV = Vector256.Create(belowLr);
        if (Momentum == 0)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                (Vector256.LoadUnsafe(ref w, (nuint)i) - Subnormal.Times(Vector256.LoadUnsafe(ref g, (nuint)i), lrv, belowLrV)).StoreUnsafe(ref w, (nuint)i);
            for (; i < n; i++)
                Unsafe.Add(ref w, i) -= Subnormal.Times(Unsafe.Add(ref g, i), lr, belowLr);
            return;
        }
        float mu = Momentum, belowMu = Subnormal.Below(mu);
        bool nesterov = Nesterov;
        ref float v = ref StateAt(_velocity, offset);
        if (Vector512.IsHardwareAccelerated)
        {
            // The same arithmetic on 16 lanes (each lane's result is identical to the 8-lane loop's), half the instructions.
            var lr16 = Vector512.Create(lr);
            var belowLr16 = Vector512.Create(belowLr);
            var mu16 = Vector512.Create(mu);
            var belowMu16 = Vector512.Create(belowMu);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var lrg = Subnormal.Times(Vector512.LoadUnsafe(ref g, (nuint)i), lr16, belowLr16);
                var vv = Subnormal.Flush(Subnormal.Times(Vector512.LoadUnsafe(ref v, (nuint)i), mu16, belowMu16) - lrg);
                vv.StoreUnsafe(ref v, (nuint)i);
                var wv = Vector512.LoadUnsafe(ref w, (nuint)i);
                (nesterov ? wv + (Subnormal.Times(vv, mu16, belowMu16) - lrg) : wv + vv).StoreUnsafe(ref w, (nuint)i);
            }
        }
        var muv = Vector256.Create(mu);
        var belowMuV = Vector256.Create(belowMu);
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var lrg = Subnormal.Times(Vector256.LoadUnsafe(ref g, (nuint)i), lrv, belowLrV);
            var vv = Subnormal.Flush(Subnormal.Times(Vector256.LoadUnsafe(ref v, (nuint)i), muv, belowMuV) - lrg);
            vv.StoreUnsafe(ref v, (nuint)i);
            var wv = Vector256.LoadUnsafe(ref w, (nuint)i);
            (nesterov ? wv + (Subnormal.Times(vv, muv, belowMuV) - lrg) : wv + vv).StoreUnsafe(ref w, (nuint)i);
        }
        for (; i < n; i++)
        {
            float lrg = Subnormal.Times(Unsafe.Add(ref g, i), lr, belowLr);
            float vi = Subnormal.Flush(Subnormal.Times(Unsafe.Add(ref v, i), mu, belowMu) - lrg);
            Unsafe.Add(ref v, i) = vi;
            Unsafe.Add(ref w, i) += nesterov ? Subnormal.Times(vi, mu, belowMu) - lrg : vi;
        }
    }
}
