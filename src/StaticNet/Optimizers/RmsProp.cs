using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticNet;

/// <summary>
/// RMSprop, exactly as Keras 3 computes it: v = ρ·v + (1 − ρ)·g²; centered: ḡ = ρ·ḡ + (1 − ρ)·g and
/// d = v − ḡ² + ε, otherwise d = v + ε; Δ = lr·g / √d; with momentum μ &gt; 0: m = μ·m + Δ and
/// w −= m, otherwise w −= Δ.
/// </summary>
public sealed class RmsProp : Optimizer
{
    private AlignedBuffer _velocity;
    private AlignedBuffer _momentum;
    private AlignedBuffer _averageGradient;

    /// <summary>Creates the optimizer; the defaults are Keras's (0.001, 0.9, 0, 1e-7, not centered).</summary>
    /// <param name="learningRate">The step size, positive.</param>
    /// <param name="rho">Decay rate of the moving averages, in [0, 1).</param>
    /// <param name="momentum">Momentum factor, in [0, 1]; 0 turns momentum off.</param>
    /// <param name="epsilon">Added under the square root for numerical stability, positive.</param>
    /// <param name="centered">Whether to divide by the estimated variance of the gradient rather than its second moment.</param>
    public RmsProp(float learningRate = 0.001f, float rho = 0.9f, float momentum = 0f, float epsilon = 1e-7f, bool centered = false)
        : base(learningRate)
        => (Rho, Momentum, Epsilon, Centered) = Checked(rho, momentum, epsilon, centered);

    /// <summary>Creates the optimizer with a learning rate that follows <paramref name="learningRate"/> step by step.</summary>
    public RmsProp(LearningRateSchedule learningRate, float rho = 0.9f, float momentum = 0f, float epsilon = 1e-7f, bool centered = false)
        : base(learningRate)
        => (Rho, Momentum, Epsilon, Centered) = Checked(rho, momentum, epsilon, centered);

    private static (float, float, float, bool) Checked(float rho, float momentum, float epsilon, bool centered)
    {
        CheckRange(rho, 0f, 1f, nameof(rho), maxExclusive: true);
        CheckRange(momentum, 0f, 1f, nameof(momentum));
        CheckRange(epsilon, 0f, float.MaxValue, nameof(epsilon), minExclusive: true);
        return (rho, momentum, epsilon, centered);
    }

    /// <summary>Decay rate of the moving average of g² (and of g when <see cref="Centered"/>).</summary>
    public float Rho { get; }

    /// <summary>The momentum factor; 0 for none.</summary>
    public float Momentum { get; }

    /// <summary>Added to the denominator under the square root.</summary>
    public float Epsilon { get; }

    /// <summary>Whether the gradients are normalized by their estimated variance.</summary>
    public bool Centered { get; }

    private protected override void BuildState(int parameterCount)
    {
        _velocity = new AlignedBuffer(parameterCount);
        _momentum = Momentum > 0 ? new AlignedBuffer(parameterCount) : default;
        _averageGradient = Centered ? new AlignedBuffer(parameterCount) : default;
    }

    private protected override byte FormatCode => 3;

    private protected override float[] Hyperparameters() => new[] { Rho, Momentum, Epsilon, Centered ? 1f : 0f };

    private protected override AlignedBuffer[] StateArrays() => new[] { _velocity, _momentum, _averageGradient };

    private protected override void Step(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, long step)
    {
        float lr = StepLearningRate, rho = Rho, c = 1 - Rho, mu = Momentum, eps = Epsilon;
        bool centered = Centered, useMomentum = mu > 0;
        int n = parameters.Length, i = 0;
        ref float w = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float v = ref StateAt(_velocity, offset);
        ref float m = ref StateAt(_momentum, offset);
        ref float a = ref StateAt(_averageGradient, offset);
        // Products that would be subnormal are zero, as under TensorFlow's flush-to-zero (see Subnormal).
        float belowLr = Subnormal.Below(lr), belowRho = Subnormal.Below(rho), belowC = Subnormal.Below(c), belowMu = Subnormal.Below(mu);
        if (Vector512.IsHardwareAccelerated)
        {
            // The same arithmetic on 16 lanes (each lane's result is identical to the 8-lane loop's), half the instructions.
            var lr16 = Vector512.Create(lr);
            var rho16 = Vector512.Create(rho);
            var c16 = Vector512.Create(c);
            var mu16 = Vector512.Create(mu);
            var eps16 = Vector512.Create(eps);
            var belowLr16 = Vector512.Create(belowLr);
            var belowRho16 = Vector512.Create(belowRho);
            var belowC16 = Vector512.Create(belowC);
            var belowMu16 = Vector512.Create(belowMu);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var gv = Vector512.LoadUnsafe(ref g, (nuint)i);
                var vv = Subnormal.Flush(Subnormal.Times(Vector512.LoadUnsafe(ref v, (nuint)i), rho16, belowRho16) + Subnormal.Times(Subnormal.Square(gv), c16, belowC16));
                vv.StoreUnsafe(ref v, (nuint)i);
                Vector512<float> denominator;
                if (centered)
                {
                    var av = Subnormal.Flush(Subnormal.Times(Vector512.LoadUnsafe(ref a, (nuint)i), rho16, belowRho16) + Subnormal.Times(gv, c16, belowC16));
                    av.StoreUnsafe(ref a, (nuint)i);
                    denominator = vv - Subnormal.Square(av) + eps16;
                }
                else
                {
                    denominator = vv + eps16;
                }
                var increment = Subnormal.Times(gv, lr16, belowLr16) / Vector512.Sqrt(denominator);
                if (useMomentum)
                {
                    increment = Subnormal.Flush(Subnormal.Times(Vector512.LoadUnsafe(ref m, (nuint)i), mu16, belowMu16) + increment);
                    increment.StoreUnsafe(ref m, (nuint)i);
                }
                (Vector512.LoadUnsafe(ref w, (nuint)i) - increment).StoreUnsafe(ref w, (nuint)i);
            }
        }
        var lrV = Vector256.Create(lr);
        var rhoV = Vector256.Create(rho);
        var cV = Vector256.Create(c);
        var muV = Vector256.Create(mu);
        var epsV = Vector256.Create(eps);
        var belowLrV = Vector256.Create(belowLr);
        var belowRhoV = Vector256.Create(belowRho);
        var belowCV = Vector256.Create(belowC);
        var belowMuV = Vector256.Create(belowMu);
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var gv = Vector256.LoadUnsafe(ref g, (nuint)i);
            var vv = Subnormal.Flush(Subnormal.Times(Vector256.LoadUnsafe(ref v, (nuint)i), rhoV, belowRhoV) + Subnormal.Times(Subnormal.Square(gv), cV, belowCV));
            vv.StoreUnsafe(ref v, (nuint)i);
            Vector256<float> denominator;
            if (centered)
            {
                var av = Subnormal.Flush(Subnormal.Times(Vector256.LoadUnsafe(ref a, (nuint)i), rhoV, belowRhoV) + Subnormal.Times(gv, cV, belowCV));
                av.StoreUnsafe(ref a, (nuint)i);
                denominator = vv - Subnormal.Square(av) + epsV;
            }
            else
            {
                denominator = vv + epsV;
            }
            var increment = Subnormal.Times(gv, lrV, belowLrV) / Vector256.Sqrt(denominator);
            if (useMomentum)
            {
                increment = Subnormal.Flush(Subnormal.Times(Vector256.LoadUnsafe(ref m, (nuint)i), muV, belowMuV) + increment);
                increment.StoreUnsafe(ref m, (nuint)i);
            }
            (Vector256.LoadUnsafe(ref w, (nuint)i) - increment).StoreUnsafe(ref w, (nuint)i);
        }
        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref g, i);
            ref float vi = ref Unsafe.Add(ref v, i);
            vi = Subnormal.Flush(Subnormal.Times(vi, rho, belowRho) + Subnormal.Times(Subnormal.Square(gi), c, belowC));
            float denominator;
            if (centered)
            {
                ref float ai = ref Unsafe.Add(ref a, i);
                ai = Subnormal.Flush(Subnormal.Times(ai, rho, belowRho) + Subnormal.Times(gi, c, belowC));
                denominator = vi - Subnormal.Square(ai) + eps;
            }
            else
            {
                denominator = vi + eps;
            }
            float increment = Subnormal.Times(gi, lr, belowLr) / MathF.Sqrt(denominator);
            if (useMomentum)
            {
                ref float mi = ref Unsafe.Add(ref m, i);
                mi = Subnormal.Flush(Subnormal.Times(mi, mu, belowMu) + increment);
                increment = mi;
            }
            Unsafe.Add(ref w, i) -= increment;
        }
    }
}
