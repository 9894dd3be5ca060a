using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// Vector primitives over raw references. Callers check lengths once at the kernel boundary;
/// these loops then run without bounds checks.
/// </summary>
internal static class Simd
{
    /// <summary>Sum of a[i] * b[i] for i &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float a, ref float b, int n)
    {
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            for (; i <= n - 2 * Vector512<float>.Count; i += 2 * Vector512<float>.Count)
            {
                acc0 = Fma512(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), acc0);
                acc1 = Fma512(Vector512.LoadUnsafe(ref a, (nuint)(i + Vector512<float>.Count)), Vector512.LoadUnsafe(ref b, (nuint)(i + Vector512<float>.Count)), acc1);
            }
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                acc0 = Fma512(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), acc0);
            sum = Vector512.Sum(acc0 + acc1);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i <= n - 2 * Vector256<float>.Count; i += 2 * Vector256<float>.Count)
            {
                acc0 = Fma256(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc0);
                acc1 = Fma256(Vector256.LoadUnsafe(ref a, (nuint)(i + Vector256<float>.Count)), Vector256.LoadUnsafe(ref b, (nuint)(i + Vector256<float>.Count)), acc1);
            }
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                acc0 = Fma256(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc0);
            sum = Vector256.Sum(acc0 + acc1);
        }
        for (; i < n; i++)
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        return sum;
    }

    /// <summary>y[i] += alpha * x[i] for i &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float alpha, ref float x, ref float y, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var a = Vector512.Create(alpha);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                Fma512(a, Vector512.LoadUnsafe(ref x, (nuint)i), Vector512.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.Create(alpha);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                Fma256(a, Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref y, i) += alpha * Unsafe.Add(ref x, i);
    }

    /// <summary>a * b + c, fused where the processor has FMA (the net8.0 build has no portable FusedMultiplyAdd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Fma256(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    /// <summary>a * b + c on 512-bit vectors (only called where Vector512 is accelerated, which implies AVX-512F).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Fma512(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>
    /// Asks the processor for the cache line holding <paramref name="at"/>: into every level, or (<paramref name="toL2"/>)
    /// into L2 and below. A hint: it reads nothing and cannot fault, so should the GC move the array meanwhile, the stale
    /// address costs a useless fetch, nothing else. <c>Sse.Prefetch*</c> takes only a pointer: with Fit's pinned spans,
    /// the runtime's only unsafe code. Nothing where SSE is not (on Arm).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void PrefetchLine(ref float at, bool toL2 = false)
    {
        if (!Sse.IsSupported) return;
        if (toL2) Sse.Prefetch1(Unsafe.AsPointer(ref at));
        else Sse.Prefetch0(Unsafe.AsPointer(ref at));
    }

    /// <summary><see cref="PrefetchLine"/> for every line of the <paramref name="n"/> floats from <paramref name="start"/>.</summary>
    public static void PrefetchLines(ref float start, int n)
    {
        if (!Sse.IsSupported) return;
        for (int i = 0; i < n; i += 16) PrefetchLine(ref Unsafe.Add(ref start, i));
    }
}
