// The register-tiled dense kernels as they were before the issue 13 cache-blocking change (commit 2d24a3d,
// src/StaticNet/Kernels/Dense/Tiled.cs), copied so that `--user --only dense` times old and new kernels in one
// process. Only the class name and visibility, the namespace and Fma (Simd.Fma512 is internal) differ.
using StaticNet.Kernels;
using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Benchmarks.Baseline;

/// <summary>
/// Register-tiled matrix kernels on 512-bit vectors, used where <see cref="Vector512"/> is
/// accelerated. Each tile keeps 16 accumulators in registers so that every weight or input
/// loaded from memory serves four samples or four outputs. Sizes come from the
/// <see cref="IConstant"/> type arguments, so the JIT sees the loop bounds and tails as constants.
/// A partial last vector along the inputs is handled by re-reading the last full 16-wide window:
/// for dot products its already-counted lanes are masked to zero; for stores they are rewritten
/// with identical values.
/// </summary>
public static class TiledBefore
{
    private const int W = 16; // floats per Vector512

    // Lanes i >= 16 - r are selected when reading 16 floats from index r: see TailMask.
    private static readonly int[] s_maskTable =
    {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    };

    /// <summary>A mask keeping the last <paramref name="remainder"/> lanes of a 16-float window.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> TailMask(int remainder) =>
        Vector512.LoadUnsafe(ref s_maskTable[remainder]).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(ref float source, int offset) => Vector512.LoadUnsafe(ref source, (nuint)offset);

    /// <summary>
    /// The sums of four accumulators as one vector [Σa, Σb, Σc, Σd]: halves are added down to 128
    /// bits, then three horizontal adds finish all four at once (a quarter of the instructions of
    /// four separate <see cref="Vector512.Sum{T}"/> calls).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        Vector256<float> a8 = a.GetLower() + a.GetUpper(), b8 = b.GetLower() + b.GetUpper();
        Vector256<float> c8 = c.GetLower() + c.GetUpper(), d8 = d.GetLower() + d.GetUpper();
        Vector128<float> a4 = a8.GetLower() + a8.GetUpper(), b4 = b8.GetLower() + b8.GetUpper();
        Vector128<float> c4 = c8.GetLower() + c8.GetUpper(), d4 = d8.GetLower() + d8.GetUpper();
        if (Sse3.IsSupported)
            return Sse3.HorizontalAdd(Sse3.HorizontalAdd(a4, b4), Sse3.HorizontalAdd(c4, d4));
        return Vector128.Create(Vector128.Sum(a4), Vector128.Sum(b4), Vector128.Sum(c4), Vector128.Sum(d4));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>
    /// Y[s, j] = Σ_k X[s, k]·W[j, k] + b[j] for <paramref name="count"/> samples (dot-product form:
    /// rows of X and W are both contiguous in k). Requires TIn ≥ 16.
    /// </summary>
    public static void Forward<TIn, TOut>(ref float w, ref float b, ref float x, ref float y, int count)
        where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        int full = nIn / W * W, rem = nIn - full;
        Vector512<float> mask = rem == 0 ? default : TailMask(rem);
        int s = 0;
        for (; s + 4 <= count; s += 4)
        {
            ref float x0 = ref Unsafe.Add(ref x, s * nIn);
            ref float x1 = ref Unsafe.Add(ref x0, nIn);
            ref float x2 = ref Unsafe.Add(ref x1, nIn);
            ref float x3 = ref Unsafe.Add(ref x2, nIn);
            ref float y0 = ref Unsafe.Add(ref y, s * nOut);
            int j = 0;
            for (; j + 4 <= nOut; j += 4)
            {
                ref float w0 = ref Unsafe.Add(ref w, j * nIn);
                ref float w1 = ref Unsafe.Add(ref w0, nIn);
                ref float w2 = ref Unsafe.Add(ref w1, nIn);
                ref float w3 = ref Unsafe.Add(ref w2, nIn);
                Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
                Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
                Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
                Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
                int k = 0;
                for (; k < full; k += W)
                {
                    Vector512<float> v0 = Load(ref x0, k), v1 = Load(ref x1, k), v2 = Load(ref x2, k), v3 = Load(ref x3, k);
                    Vector512<float> wv = Load(ref w0, k);
                    a00 = Fma(wv, v0, a00); a10 = Fma(wv, v1, a10); a20 = Fma(wv, v2, a20); a30 = Fma(wv, v3, a30);
                    wv = Load(ref w1, k);
                    a01 = Fma(wv, v0, a01); a11 = Fma(wv, v1, a11); a21 = Fma(wv, v2, a21); a31 = Fma(wv, v3, a31);
                    wv = Load(ref w2, k);
                    a02 = Fma(wv, v0, a02); a12 = Fma(wv, v1, a12); a22 = Fma(wv, v2, a22); a32 = Fma(wv, v3, a32);
                    wv = Load(ref w3, k);
                    a03 = Fma(wv, v0, a03); a13 = Fma(wv, v1, a13); a23 = Fma(wv, v2, a23); a33 = Fma(wv, v3, a33);
                }
                if (rem != 0)
                {
                    k = nIn - W;
                    Vector512<float> v0 = Load(ref x0, k), v1 = Load(ref x1, k), v2 = Load(ref x2, k), v3 = Load(ref x3, k);
                    Vector512<float> wv = Load(ref w0, k) & mask;
                    a00 = Fma(wv, v0, a00); a10 = Fma(wv, v1, a10); a20 = Fma(wv, v2, a20); a30 = Fma(wv, v3, a30);
                    wv = Load(ref w1, k) & mask;
                    a01 = Fma(wv, v0, a01); a11 = Fma(wv, v1, a11); a21 = Fma(wv, v2, a21); a31 = Fma(wv, v3, a31);
                    wv = Load(ref w2, k) & mask;
                    a02 = Fma(wv, v0, a02); a12 = Fma(wv, v1, a12); a22 = Fma(wv, v2, a22); a32 = Fma(wv, v3, a32);
                    wv = Load(ref w3, k) & mask;
                    a03 = Fma(wv, v0, a03); a13 = Fma(wv, v1, a13); a23 = Fma(wv, v2, a23); a33 = Fma(wv, v3, a33);
                }
                Vector128<float> bias = Vector128.LoadUnsafe(ref b, (nuint)j);
                ref float r0 = ref Unsafe.Add(ref y0, j);
                (Sum4(a00, a01, a02, a03) + bias).StoreUnsafe(ref r0);
                (Sum4(a10, a11, a12, a13) + bias).StoreUnsafe(ref r0, (nuint)nOut);
                (Sum4(a20, a21, a22, a23) + bias).StoreUnsafe(ref r0, (nuint)(2 * nOut));
                (Sum4(a30, a31, a32, a33) + bias).StoreUnsafe(ref r0, (nuint)(3 * nOut));
            }
            for (; j < nOut; j++)
            {
                ref float wj = ref Unsafe.Add(ref w, j * nIn);
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int k = 0; k < full; k += W)
                {
                    Vector512<float> wv = Load(ref wj, k);
                    a0 = Fma(wv, Load(ref x0, k), a0); a1 = Fma(wv, Load(ref x1, k), a1);
                    a2 = Fma(wv, Load(ref x2, k), a2); a3 = Fma(wv, Load(ref x3, k), a3);
                }
                if (rem != 0)
                {
                    int k = nIn - W;
                    Vector512<float> wv = Load(ref wj, k) & mask;
                    a0 = Fma(wv, Load(ref x0, k), a0); a1 = Fma(wv, Load(ref x1, k), a1);
                    a2 = Fma(wv, Load(ref x2, k), a2); a3 = Fma(wv, Load(ref x3, k), a3);
                }
                float bj = Unsafe.Add(ref b, j);
                Vector128<float> sums = Sum4(a0, a1, a2, a3);
                Unsafe.Add(ref y0, j) = sums.GetElement(0) + bj;
                Unsafe.Add(ref y0, nOut + j) = sums.GetElement(1) + bj;
                Unsafe.Add(ref y0, 2 * nOut + j) = sums.GetElement(2) + bj;
                Unsafe.Add(ref y0, 3 * nOut + j) = sums.GetElement(3) + bj;
            }
        }
        for (; s < count; s++)
            ForwardOne<TIn, TOut>(ref w, ref b, ref Unsafe.Add(ref x, s * nIn), ref Unsafe.Add(ref y, s * nOut));
    }

    /// <summary>Input blocks whose list <see cref="ForwardOne"/> keeps on the stack (inputs up to 16,384).</summary>
    private const int MaxStackBlocks = 1024;

    /// <summary>
    /// One sample, four outputs at a time: each input vector loaded serves four weight rows. One
    /// sample reads every weight once, so its time is the weight stream; blocks of 16 inputs that
    /// are all zero (image background, units a ReLU switched off) add nothing to any output, so
    /// only the other blocks' weights are read (exact for finite weights).
    /// </summary>
    public static void ForwardOne<TIn, TOut>(ref float w, ref float b, ref float x, ref float y)
        where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        int full = nIn / W * W, rem = nIn - full, blockCount = full / W;
        Vector512<float> mask = rem == 0 ? default : TailMask(rem);
        int[]? rented = null;
        Span<int> blocks = blockCount <= MaxStackBlocks
            ? stackalloc int[MaxStackBlocks]
            : (rented = System.Buffers.ArrayPool<int>.Shared.Rent(blockCount));
        int used = 0;
        for (int k = 0; k < full; k += W)
            if (!Vector512.EqualsAll(Load(ref x, k), Vector512<float>.Zero)) blocks[used++] = k;
        ReadOnlySpan<int> nonZero = blocks.Slice(0, used);

        int j = 0;
        for (; j + 4 <= nOut; j += 4)
        {
            ref float w0 = ref Unsafe.Add(ref w, j * nIn);
            ref float w1 = ref Unsafe.Add(ref w0, nIn);
            ref float w2 = ref Unsafe.Add(ref w1, nIn);
            ref float w3 = ref Unsafe.Add(ref w2, nIn);
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            foreach (int block in nonZero)
            {
                nuint k = (nuint)block;
                Vector512<float> v = Vector512.LoadUnsafe(ref x, k);
                a0 = Fma(Vector512.LoadUnsafe(ref w0, k), v, a0);
                a1 = Fma(Vector512.LoadUnsafe(ref w1, k), v, a1);
                a2 = Fma(Vector512.LoadUnsafe(ref w2, k), v, a2);
                a3 = Fma(Vector512.LoadUnsafe(ref w3, k), v, a3);
            }
            if (rem != 0)
            {
                nuint k = (nuint)(nIn - W);
                Vector512<float> v = Vector512.LoadUnsafe(ref x, k) & mask;
                a0 = Fma(Vector512.LoadUnsafe(ref w0, k), v, a0);
                a1 = Fma(Vector512.LoadUnsafe(ref w1, k), v, a1);
                a2 = Fma(Vector512.LoadUnsafe(ref w2, k), v, a2);
                a3 = Fma(Vector512.LoadUnsafe(ref w3, k), v, a3);
            }
            (Sum4(a0, a1, a2, a3) + Vector128.LoadUnsafe(ref b, (nuint)j)).StoreUnsafe(ref Unsafe.Add(ref y, j));
        }
        for (; j < nOut; j++)
        {
            ref float wj = ref Unsafe.Add(ref w, j * nIn);
            Vector512<float> a0 = default;
            foreach (int block in nonZero)
                a0 = Fma(Vector512.LoadUnsafe(ref wj, (nuint)block), Vector512.LoadUnsafe(ref x, (nuint)block), a0);
            if (rem != 0) a0 = Fma(Vector512.LoadUnsafe(ref wj, (nuint)(nIn - W)) & mask, Vector512.LoadUnsafe(ref x, (nuint)(nIn - W)), a0);
            Unsafe.Add(ref y, j) = Vector512.Sum(a0) + Unsafe.Add(ref b, j);
        }
        if (rented is not null) System.Buffers.ArrayPool<int>.Shared.Return(rented);
    }

    /// <summary>
    /// dX[s, k] = Σ_j Δ[s, j]·W[j, k] (axpy form: broadcast Δ, vectors along k), four samples by
    /// 64 inputs per tile. Requires TIn ≥ 16.
    /// </summary>
    public static void InputGradients<TIn, TOut>(ref float w, ref float d, ref float dx, int count)
        where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        int s = 0;
        for (; s + 4 <= count; s += 4)
        {
            ref float d0 = ref Unsafe.Add(ref d, s * nOut);
            ref float o0 = ref Unsafe.Add(ref dx, s * nIn);
            int k = 0;
            for (; k + 4 * W <= nIn; k += 4 * W)
            {
                Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
                Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
                Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
                Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
                for (int j = 0; j < nOut; j++)
                {
                    ref float wj = ref Unsafe.Add(ref w, j * nIn + k);
                    Vector512<float> w0 = Load(ref wj, 0), w1 = Load(ref wj, W), w2 = Load(ref wj, 2 * W), w3 = Load(ref wj, 3 * W);
                    var g = Vector512.Create(Unsafe.Add(ref d0, j));
                    a00 = Fma(w0, g, a00); a01 = Fma(w1, g, a01); a02 = Fma(w2, g, a02); a03 = Fma(w3, g, a03);
                    g = Vector512.Create(Unsafe.Add(ref d0, nOut + j));
                    a10 = Fma(w0, g, a10); a11 = Fma(w1, g, a11); a12 = Fma(w2, g, a12); a13 = Fma(w3, g, a13);
                    g = Vector512.Create(Unsafe.Add(ref d0, 2 * nOut + j));
                    a20 = Fma(w0, g, a20); a21 = Fma(w1, g, a21); a22 = Fma(w2, g, a22); a23 = Fma(w3, g, a23);
                    g = Vector512.Create(Unsafe.Add(ref d0, 3 * nOut + j));
                    a30 = Fma(w0, g, a30); a31 = Fma(w1, g, a31); a32 = Fma(w2, g, a32); a33 = Fma(w3, g, a33);
                }
                ref float o = ref Unsafe.Add(ref o0, k);
                a00.StoreUnsafe(ref o); a01.StoreUnsafe(ref o, (nuint)(W)); a02.StoreUnsafe(ref o, (nuint)(2 * W)); a03.StoreUnsafe(ref o, (nuint)(3 * W));
                o = ref Unsafe.Add(ref o, nIn);
                a10.StoreUnsafe(ref o); a11.StoreUnsafe(ref o, (nuint)(W)); a12.StoreUnsafe(ref o, (nuint)(2 * W)); a13.StoreUnsafe(ref o, (nuint)(3 * W));
                o = ref Unsafe.Add(ref o, nIn);
                a20.StoreUnsafe(ref o); a21.StoreUnsafe(ref o, (nuint)(W)); a22.StoreUnsafe(ref o, (nuint)(2 * W)); a23.StoreUnsafe(ref o, (nuint)(3 * W));
                o = ref Unsafe.Add(ref o, nIn);
                a30.StoreUnsafe(ref o); a31.StoreUnsafe(ref o, (nuint)(W)); a32.StoreUnsafe(ref o, (nuint)(2 * W)); a33.StoreUnsafe(ref o, (nuint)(3 * W));
            }
            // Remaining inputs one vector at a time; the last window may overlap the previous one.
            for (; k < nIn; k += W)
            {
                int kk = k + W <= nIn ? k : nIn - W;
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int j = 0; j < nOut; j++)
                {
                    Vector512<float> wv = Load(ref w, j * nIn + kk);
                    a0 = Fma(wv, Vector512.Create(Unsafe.Add(ref d0, j)), a0);
                    a1 = Fma(wv, Vector512.Create(Unsafe.Add(ref d0, nOut + j)), a1);
                    a2 = Fma(wv, Vector512.Create(Unsafe.Add(ref d0, 2 * nOut + j)), a2);
                    a3 = Fma(wv, Vector512.Create(Unsafe.Add(ref d0, 3 * nOut + j)), a3);
                }
                a0.StoreUnsafe(ref o0, (nuint)kk);
                a1.StoreUnsafe(ref o0, (nuint)(nIn + kk));
                a2.StoreUnsafe(ref o0, (nuint)(2 * nIn + kk));
                a3.StoreUnsafe(ref o0, (nuint)(3 * nIn + kk));
            }
        }
        for (; s < count; s++)
        {
            ref float ds = ref Unsafe.Add(ref d, s * nOut);
            ref float os = ref Unsafe.Add(ref dx, s * nIn);
            for (int k = 0; k < nIn; k += W)
            {
                int kk = k + W <= nIn ? k : nIn - W;
                Vector512<float> a0 = default;
                for (int j = 0; j < nOut; j++)
                    a0 = Fma(Load(ref w, j * nIn + kk), Vector512.Create(Unsafe.Add(ref ds, j)), a0);
                a0.StoreUnsafe(ref os, (nuint)kk);
            }
        }
    }

    /// <summary>
    /// dW[j, k] = Σ_s Δ[s, j]·X[s, k] (axpy form over the batch), four outputs by 64 inputs per
    /// tile, overwriting dW. Requires TIn ≥ 16.
    /// </summary>
    public static void WeightGradients<TIn, TOut>(ref float d, ref float x, ref float dw, int count)
        where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        int j = 0;
        for (; j + 4 <= nOut; j += 4)
        {
            ref float g0 = ref Unsafe.Add(ref dw, j * nIn);
            int k = 0;
            for (; k + 4 * W <= nIn; k += 4 * W)
            {
                Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
                Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
                Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
                Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
                for (int s = 0; s < count; s++)
                {
                    ref float xs = ref Unsafe.Add(ref x, s * nIn + k);
                    Vector512<float> x0 = Load(ref xs, 0), x1 = Load(ref xs, W), x2 = Load(ref xs, 2 * W), x3 = Load(ref xs, 3 * W);
                    ref float ds = ref Unsafe.Add(ref d, s * nOut + j);
                    var g = Vector512.Create(ds);
                    a00 = Fma(x0, g, a00); a01 = Fma(x1, g, a01); a02 = Fma(x2, g, a02); a03 = Fma(x3, g, a03);
                    g = Vector512.Create(Unsafe.Add(ref ds, 1));
                    a10 = Fma(x0, g, a10); a11 = Fma(x1, g, a11); a12 = Fma(x2, g, a12); a13 = Fma(x3, g, a13);
                    g = Vector512.Create(Unsafe.Add(ref ds, 2));
                    a20 = Fma(x0, g, a20); a21 = Fma(x1, g, a21); a22 = Fma(x2, g, a22); a23 = Fma(x3, g, a23);
                    g = Vector512.Create(Unsafe.Add(ref ds, 3));
                    a30 = Fma(x0, g, a30); a31 = Fma(x1, g, a31); a32 = Fma(x2, g, a32); a33 = Fma(x3, g, a33);
                }
                ref float o = ref Unsafe.Add(ref g0, k);
                a00.StoreUnsafe(ref o); a01.StoreUnsafe(ref o, (nuint)(W)); a02.StoreUnsafe(ref o, (nuint)(2 * W)); a03.StoreUnsafe(ref o, (nuint)(3 * W));
                o = ref Unsafe.Add(ref o, nIn);
                a10.StoreUnsafe(ref o); a11.StoreUnsafe(ref o, (nuint)(W)); a12.StoreUnsafe(ref o, (nuint)(2 * W)); a13.StoreUnsafe(ref o, (nuint)(3 * W));
                o = ref Unsafe.Add(ref o, nIn);
                a20.StoreUnsafe(ref o); a21.StoreUnsafe(ref o, (nuint)(W)); a22.StoreUnsafe(ref o, (nuint)(2 * W)); a23.StoreUnsafe(ref o, (nuint)(3 * W));
                o = ref Unsafe.Add(ref o, nIn);
                a30.StoreUnsafe(ref o); a31.StoreUnsafe(ref o, (nuint)(W)); a32.StoreUnsafe(ref o, (nuint)(2 * W)); a33.StoreUnsafe(ref o, (nuint)(3 * W));
            }
            for (; k < nIn; k += W)
            {
                int kk = k + W <= nIn ? k : nIn - W;
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int s = 0; s < count; s++)
                {
                    Vector512<float> xv = Load(ref x, s * nIn + kk);
                    ref float ds = ref Unsafe.Add(ref d, s * nOut + j);
                    a0 = Fma(xv, Vector512.Create(ds), a0);
                    a1 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 1)), a1);
                    a2 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 2)), a2);
                    a3 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 3)), a3);
                }
                a0.StoreUnsafe(ref g0, (nuint)kk);
                a1.StoreUnsafe(ref g0, (nuint)(nIn + kk));
                a2.StoreUnsafe(ref g0, (nuint)(2 * nIn + kk));
                a3.StoreUnsafe(ref g0, (nuint)(3 * nIn + kk));
            }
        }
        for (; j < nOut; j++)
        {
            ref float gj = ref Unsafe.Add(ref dw, j * nIn);
            for (int k = 0; k < nIn; k += W)
            {
                int kk = k + W <= nIn ? k : nIn - W;
                Vector512<float> a0 = default;
                for (int s = 0; s < count; s++)
                    a0 = Fma(Load(ref x, s * nIn + kk), Vector512.Create(Unsafe.Add(ref d, s * nOut + j)), a0);
                a0.StoreUnsafe(ref gj, (nuint)kk);
            }
        }
    }
}
