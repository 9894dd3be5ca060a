using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticNet;

/// <summary>
/// Flushing optimizer state that decays into the subnormal range to zero. A moment whose gradient
/// stopped (the weight of a pixel that is rarely lit) decays geometrically (Adam's m by 0.9 a step)
/// and spends about 150 steps among the subnormal floats before it reaches zero; every vector
/// operation that touches a subnormal takes a microcode assist on x86 (around a hundred cycles), and
/// on MNIST about 2% of Adam's first moments are subnormal at any time, which made the optimizer's
/// sweep the largest part of a training step. TensorFlow, and so Keras, runs its CPU kernels with
/// flush-to-zero and denormals-are-zero set, so it also sees these values as zero; .NET cannot set
/// those processor flags, so the sweeps flush the state they store instead. Subnormals are below
/// 1.2e-38: their effect on a float32 weight update is nil.
/// </summary>
internal static class Subnormal
{
    /// <summary>The smallest positive normal float, 2^-126.</summary>
    public const float MinNormal = 1.17549435E-38f;

    // Each form keeps NaN and infinity (the comparison is false for NaN), so divergence still shows.

    /// <summary><paramref name="x"/>, or +0 when it is subnormal (or ±0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Flush(float x) => MathF.Abs(x) < MinNormal ? 0f : x;

    /// <summary>Each lane as <see cref="Flush(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Flush(Vector512<float> x) =>
        Vector512.AndNot(x, Vector512.LessThan(Vector512.Abs(x), Vector512.Create(MinNormal)));

    /// <summary>Each lane as <see cref="Flush(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Flush(Vector256<float> x) =>
        Vector256.AndNot(x, Vector256.LessThan(Vector256.Abs(x), Vector256.Create(MinNormal)));
}
