using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticNet;

/// <summary>
/// Adam, exactly as Keras computes it: with t the step number,
/// α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ); m += (g − m)(1 − β₁); v += (g² − v)(1 − β₂); w −= α·m/(√v + ε).
/// Like TensorFlow's CPU kernels (flush-to-zero), it takes a product that would be subnormal as zero (see
/// <see cref="Subnormal"/>).
/// </summary>
public sealed class Adam : Optimizer
{
    private AlignedBuffer _m;
    private AlignedBuffer _v;

    /// <summary>Creates the optimizer; the defaults are Keras's (0.001, 0.9, 0.999, 1e-7).</summary>
    public Adam(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f) : base(learningRate)
        => (Beta1, Beta2, Epsilon) = Checked(beta1, beta2, epsilon);

    /// <summary>Creates the optimizer with a learning rate that follows <paramref name="learningRate"/> step by step.</summary>
    public Adam(LearningRateSchedule learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f) : base(learningRate)
        => (Beta1, Beta2, Epsilon) = Checked(beta1, beta2, epsilon);

    private static (float, float, float) Checked(float beta1, float beta2, float epsilon)
    {
        CheckRange(beta1, 0f, 1f, nameof(beta1), maxExclusive: true);
        CheckRange(beta2, 0f, 1f, nameof(beta2), maxExclusive: true);
        CheckRange(epsilon, 0f, float.MaxValue, nameof(epsilon), minExclusive: true);
        return (beta1, beta2, epsilon);
    }

    /// <summary>Decay rate of the first-moment estimate.</summary>
    public float Beta1 { get; }

    /// <summary>Decay rate of the second-moment estimate.</summary>
    public float Beta2 { get; }

    /// <summary>Added to √v for numerical stability.</summary>
    public float Epsilon { get; }

    private protected override void BuildState(int parameterCount)
    {
        _m = new AlignedBuffer(parameterCount);
        _v = new AlignedBuffer(parameterCount);
    }

    private protected override byte FormatCode => 2;

    private protected override float[] Hyperparameters() => new[] { Beta1, Beta2, Epsilon };

    private protected override AlignedBuffer[] StateArrays() => new[] { _m, _v };

    // The step's bias-corrected learning rate, fixed by OnBeginStep for every range of the step.
    private float _alpha;

    private protected override void OnBeginStep(long step) =>
        // Bias corrections in double: β^t for large t is tiny, and float powers drift.
        _alpha = (float)(StepLearningRate * Math.Sqrt(1 - Math.Pow(Beta2, step)) / (1 - Math.Pow(Beta1, step)));

    private protected override void Step(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, long step)
    {
        float alpha = _alpha;
        float c1 = 1 - Beta1, c2 = 1 - Beta2, eps = Epsilon;
        // The magnitudes under which (g − m), (g² − v) and m make subnormal products with (1 − β₁), (1 − β₂) and α.
        float below1 = Subnormal.Below(c1), below2 = Subnormal.Below(c2), belowAlpha = Subnormal.Below(alpha);
        int n = parameters.Length, i = 0;
        ref float w = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float m = ref StateAt(_m, offset);
        ref float v = ref StateAt(_v, offset);
        if (Vector512.IsHardwareAccelerated)
        {
            // The same arithmetic on 16 lanes (each lane's result is identical to the 8-lane loop's).
            var alpha16 = Vector512.Create(alpha);
            var c116 = Vector512.Create(c1);
            var c216 = Vector512.Create(c2);
            var eps16 = Vector512.Create(eps);
            var below116 = Vector512.Create(below1);
            var below216 = Vector512.Create(below2);
            var belowAlpha16 = Vector512.Create(belowAlpha);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var gv = Vector512.LoadUnsafe(ref g, (nuint)i);
                var mv = Vector512.LoadUnsafe(ref m, (nuint)i);
                var vv = Vector512.LoadUnsafe(ref v, (nuint)i);
                mv += Subnormal.Times(gv - mv, c116, below116);
                vv += Subnormal.Times(Subnormal.Square(gv) - vv, c216, below216);
                mv = Subnormal.Flush(mv);
                vv = Subnormal.Flush(vv);
                mv.StoreUnsafe(ref m, (nuint)i);
                vv.StoreUnsafe(ref v, (nuint)i);
                (Vector512.LoadUnsafe(ref w, (nuint)i) - Subnormal.Times(mv, alpha16, belowAlpha16) / (Vector512.Sqrt(vv) + eps16)).StoreUnsafe(ref w, (nuint)i);
            }
        }
        var alphaV = Vector256.Create(alpha);
        var c1V = Vector256.Create(c1);
        var c2V = Vector256.Create(c2);
        var epsV = Vector256.Create(eps);
        var below1V = Vector256.Create(below1);
        var below2V = Vector256.Create(below2);
        var belowAlphaV = Vector256.Create(belowAlpha);
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var gv = Vector256.LoadUnsafe(ref g, (nuint)i);
            var mv = Vector256.LoadUnsafe(ref m, (nuint)i);
            var vv = Vector256.LoadUnsafe(ref v, (nuint)i);
            mv += Subnormal.Times(gv - mv, c1V, below1V);
            vv += Subnormal.Times(Subnormal.Square(gv) - vv, c2V, below2V);
            mv = Subnormal.Flush(mv);
            vv = Subnormal.Flush(vv);
            mv.StoreUnsafe(ref m, (nuint)i);
            vv.StoreUnsafe(ref v, (nuint)i);
            (Vector256.LoadUnsafe(ref w, (nuint)i) - Subnormal.Times(mv, alphaV, belowAlphaV) / (Vector256.Sqrt(vv) + epsV)).StoreUnsafe(ref w, (nuint)i);
        }
        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref g, i);
            ref float mi = ref Unsafe.Add(ref m, i);
            ref float vi = ref Unsafe.Add(ref v, i);
            mi = Subnormal.Flush(mi + Subnormal.Times(gi - mi, c1, below1));
            vi = Subnormal.Flush(vi + Subnormal.Times(Subnormal.Square(gi) - vi, c2, below2));
            Unsafe.Add(ref w, i) -= Subnormal.Times(mi, alpha, belowAlpha) / (MathF.Sqrt(vi) + eps);
        }
    }
}
