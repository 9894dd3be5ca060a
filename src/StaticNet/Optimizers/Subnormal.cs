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
/// 1.2e-38: their effect on a float32 weight update is nil. The sweeps also zero the operand of a
/// product that would be subnormal (<see cref="Square(float)"/>, <see cref="Times(float, float, float)"/>),
/// so they never compute one and get what flush-to-zero gets.
/// </summary>
internal static class Subnormal
{
    /// <summary>The smallest positive normal float, 2^-126.</summary>
    public const float MinNormal = 1.17549435E-38f;

    /// <summary>
    /// 2^-63, the square root of <see cref="MinNormal"/>: a value smaller in magnitude has a square below the smallest
    /// normal float (a subnormal or zero after rounding), and a value at least this large a normal square.
    /// </summary>
    public const float SqrtMinNormal = 1.08420217e-19f;

    // Each form keeps NaN and infinity (the comparison is false for NaN), so divergence still shows.

    /// <summary><paramref name="x"/>, or +0 when it is subnormal (or ±0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Flush(float x) => MathF.Abs(x) < MinNormal ? 0f : x;

    /// <summary>Each lane as <see cref="Flush(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Flush(Vector512<float> x) =>
#if NET10_0_OR_GREATER
        // A compare into a mask register and a zero-masked move on .NET 10 (the and-not form turns the mask into a
        // vector first): Adam's sweep 33 against 34 us.
        Vector512.ConditionalSelect(~Vector512.LessThan(Vector512.Abs(x), Vector512.Create(MinNormal)), x, Vector512<float>.Zero);
#else
        Vector512.AndNot(x, Vector512.LessThan(Vector512.Abs(x), Vector512.Create(MinNormal)));
#endif

    /// <summary>Each lane as <see cref="Flush(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Flush(Vector256<float> x) =>
        Vector256.AndNot(x, Vector256.LessThan(Vector256.Abs(x), Vector256.Create(MinNormal)));

    // Products: late in training many gradients are tiny (a well-fitted sample's) and moments decay, so squares and
    // products came out subnormal even though the stored state was flushed, each vector holding one costing a microcode
    // assist: Adam's sweep on a trained model's state took 1.7-2.3x its time (docs/PERFORMANCE.md, 2026-12-02).
    // Flush-to-zero makes those products zero in TensorFlow; here the operand is zeroed first, so none is computed.

    /// <summary>
    /// <paramref name="x"/>·c, or +0 where that product would be subnormal: <paramref name="below"/> is
    /// <see cref="Below"/>(c), the magnitude under which x is zeroed before it is multiplied.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Times(float x, float c, float below) => (MathF.Abs(x) < below ? 0f : x) * c;

    /// <summary>Each lane as <see cref="Times(float, float, float)"/> (for c &gt;= 0, as every caller's: the zero is +0 either way).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Times(Vector512<float> x, Vector512<float> c, Vector512<float> below) =>
#if NET10_0_OR_GREATER
        // .NET 10's JIT makes this one zero-masked multiply (vmulps {k}{z}), whose masked lanes are not computed, so no
        // assist: on a trained state with subnormal-prone lanes the SGD sweep took 13.8 us like this, 14.5 with the
        // operand zeroed by a mask turned into a vector, and 46.9 computing the subnormal products (2026-12-02 15:40).
        // "Not less than" keeps NaN.
        Vector512.ConditionalSelect(~Vector512.LessThan(Vector512.Abs(x), below), x * c, Vector512<float>.Zero);
#else
        Vector512.AndNot(x, Vector512.LessThan(Vector512.Abs(x), below)) * c;
#endif

    /// <summary>Each lane as <see cref="Times(float, float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Times(Vector256<float> x, Vector256<float> c, Vector256<float> below) =>
        Vector256.AndNot(x, Vector256.LessThan(Vector256.Abs(x), below)) * c;

    /// <summary>The magnitude below which a value times <paramref name="c"/> is subnormal: <see cref="MinNormal"/> / |c| (infinity for 0, whose products are all zero).</summary>
    public static float Below(float c) => MinNormal / MathF.Abs(c);

    /// <summary><paramref name="x"/>², or +0 where that square would be subnormal (as under flush-to-zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Square(float x) => MathF.Abs(x) < SqrtMinNormal ? 0f : x * x;

    /// <summary>Each lane as <see cref="Square(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Square(Vector512<float> x)
    {
#if NET10_0_OR_GREATER
        // One zero-masked multiply, as in Times.
        return Vector512.ConditionalSelect(~Vector512.LessThan(Vector512.Abs(x), Vector512.Create(SqrtMinNormal)), x * x, Vector512<float>.Zero);
#else
        Vector512<float> kept = Vector512.AndNot(x, Vector512.LessThan(Vector512.Abs(x), Vector512.Create(SqrtMinNormal)));
        return kept * kept;
#endif
    }

    /// <summary>Each lane as <see cref="Square(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Square(Vector256<float> x)
    {
        Vector256<float> kept = Vector256.AndNot(x, Vector256.LessThan(Vector256.Abs(x), Vector256.Create(SqrtMinNormal)));
        return kept * kept;
    }
}
