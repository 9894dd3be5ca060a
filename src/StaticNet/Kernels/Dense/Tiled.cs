using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// Register-tiled matrix kernels on 512-bit vectors, used where <see cref="Vector512"/> is
/// accelerated. Each tile keeps 16 accumulators in registers so that every weight or input
/// loaded from memory serves four samples or four outputs. Sizes come from the
/// <see cref="IConstant"/> type arguments, so the JIT sees the loop bounds and tails as constants.
/// A partial last vector along the inputs is handled by re-reading the last full 16-wide window:
/// for dot products its already-counted lanes are masked to zero; for stores they are rewritten
/// with identical values.
/// </summary>
internal static class Tiled
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
    private static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Simd.Fma512(a, b, c);

    /// <summary>
    /// Y[s, j] = Σ_k X[s, k]·W[j, k] + b[j] for <paramref name="count"/> samples (dot-product form:
    /// rows of X and W are both contiguous in k). Requires TIn ≥ 16.
    /// Every output is one 16-lane accumulator over the input blocks in order, reduced by
    /// <see cref="Sum4"/>, whatever tile computes it; so a sample's outputs are the same bits in
    /// any tile and in <see cref="ForwardOne{TIn, TOut}(ref float, ref float, ref float, ref float)"/>.
    /// </summary>
    public static void Forward<TIn, TOut>(ref float w, ref float b, ref float x, ref float y, int count)
        where TIn : IConstant where TOut : IConstant => ForwardRows<TIn, TOut>(ref w, ref b, ref x, ref y, count, 0, TOut.Value);

    // AggressiveOptimization on the forward kernels: batch prediction and evaluation run them from their first call in
    // optimized code rather than tier-0 code 10-20x slower (StartOptimizedTests); the training-only kernels keep tiering.
    /// <summary>
    /// <see cref="Forward"/> for the outputs [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) only
    /// (weight rows, biases and columns of Y; the rest of Y untouched): the same bits as those outputs of a full call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardRows<TIn, TOut>(ref float w, ref float b, ref float x, ref float y, int count, int rowStart, int rowEnd)
        where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value, nOut = TOut.Value, outputs = rowEnd - rowStart;
        w = ref Unsafe.Add(ref w, rowStart * nIn);
        b = ref Unsafe.Add(ref b, rowStart);
        y = ref Unsafe.Add(ref y, rowStart);
        int s = 0;
        // Weights that fit in L1 (128 x 64 floats is 32 KB) gain nothing from fewer passes: there
        // the 4 x 4 tile measured about 5% faster.
        if (count >= 8 && nIn * nOut > 8192)
        {
            // ForwardEight loads eight rows of X per two rows of W; a 512-bit load that crosses a
            // cache line costs two, and rows of 784 floats starting anywhere cross one at every
            // load. So unless X's rows already start on 64-byte boundaries, each tile's eight rows
            // are first copied to a per-thread buffer where they do (about 1% of the tile's work;
            // the same values in the same order, so the same bits). Measured: 25% faster at 784 inputs.
            int stride = (nIn + W - 1) / W * W;
            bool aligned = nIn == stride && IsAligned(ref x);
            ref float rows = ref aligned ? ref x : ref AlignedRows(8 * stride);
            int blockCount = nIn / W;
            int[]? rented = null;
            Span<int> blocks = blockCount <= MaxStackBlocks
                ? stackalloc int[blockCount]
                : (rented = System.Buffers.ArrayPool<int>.Shared.Rent(blockCount));
            for (; s + 8 <= count; s += 8)
            {
                ref float xs = ref Unsafe.Add(ref x, s * nIn);
                if (!aligned)
                    for (int i = 0; i < 8; i++)
                        CopyRow(ref Unsafe.Add(ref xs, i * nIn), ref Unsafe.Add(ref rows, i * stride), nIn);
                ref float x0 = ref aligned ? ref xs : ref rows;
                int xStride = aligned ? nIn : stride;
                // A first row without a zero block: the tile takes every block in order without a list (see HasZeroBlock).
                int used = HasZeroBlock(ref x0, blockCount) ? NonZeroBlocks(ref x0, xStride, blockCount, blocks) : blockCount;
                if (used == blockCount)
                    ForwardEight<TIn, TOut, EveryBlock>(ref w, ref b, ref x0, xStride, ref Unsafe.Add(ref y, s * nOut), outputs, ref MemoryMarshal.GetReference(blocks), used);
                else
                    ForwardEight<TIn, TOut, ListedBlocks>(ref w, ref b, ref x0, xStride, ref Unsafe.Add(ref y, s * nOut), outputs, ref MemoryMarshal.GetReference(blocks), used);
            }
            if (rented is not null) System.Buffers.ArrayPool<int>.Shared.Return(rented);
        }
        for (; s + 4 <= count; s += 4)
            ForwardFour<TIn, TOut>(ref w, ref b, ref Unsafe.Add(ref x, s * nIn), ref Unsafe.Add(ref y, s * nOut), outputs);
        for (; s < count; s++)
            ForwardOne<TIn, TOut>(ref w, ref b, ref Unsafe.Add(ref x, s * nIn), ref Unsafe.Add(ref y, s * nOut), outputs);
    }

    /// <summary>
    /// Eight samples, two outputs at a time (16 accumulators). The eight rows of X (25 KB at 784
    /// inputs) stay in L1 while the weight rows stream past, and each weight vector loaded serves
    /// eight samples: the weights are read from L2 once per eight samples, half as often as with
    /// a 4 x 4 tile, which at 784 inputs is what bounds the 4 x 4 tile (400 KB of weights per four
    /// samples is more than L2 delivers while the FMAs run).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardEight<TIn, TOut, TBlocks>(ref float w, ref float b, ref float x0, int xStride, ref float y0, int outputs, ref int blocks, int blockCount)
        where TIn : IConstant where TOut : IConstant where TBlocks : struct, IBlockOrder
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        int full = nIn / W * W, rem = nIn - full;
        Vector512<float> mask = rem == 0 ? default : TailMask(rem);
        ref float x1 = ref Unsafe.Add(ref x0, xStride);
        ref float x2 = ref Unsafe.Add(ref x1, xStride);
        ref float x3 = ref Unsafe.Add(ref x2, xStride);
        ref float x4 = ref Unsafe.Add(ref x3, xStride);
        ref float x5 = ref Unsafe.Add(ref x4, xStride);
        ref float x6 = ref Unsafe.Add(ref x5, xStride);
        ref float x7 = ref Unsafe.Add(ref x6, xStride);
        int j = 0;
        for (; j + 2 <= outputs; j += 2)
        {
            ref float w0 = ref Unsafe.Add(ref w, j * nIn);
            ref float w1 = ref Unsafe.Add(ref w0, nIn);
            Vector512<float> a00 = default, a10 = default, a20 = default, a30 = default, a40 = default, a50 = default, a60 = default, a70 = default;
            Vector512<float> a01 = default, a11 = default, a21 = default, a31 = default, a41 = default, a51 = default, a61 = default, a71 = default;
            Vector512<float> u0, u1, v;
            for (int i = 0; i < blockCount; i++)
            {
                int k = TBlocks.Offset(ref blocks, i);
                u0 = Load(ref w0, k); u1 = Load(ref w1, k);
                v = Load(ref x0, k); a00 = Fma(u0, v, a00); a01 = Fma(u1, v, a01);
                v = Load(ref x1, k); a10 = Fma(u0, v, a10); a11 = Fma(u1, v, a11);
                v = Load(ref x2, k); a20 = Fma(u0, v, a20); a21 = Fma(u1, v, a21);
                v = Load(ref x3, k); a30 = Fma(u0, v, a30); a31 = Fma(u1, v, a31);
                v = Load(ref x4, k); a40 = Fma(u0, v, a40); a41 = Fma(u1, v, a41);
                v = Load(ref x5, k); a50 = Fma(u0, v, a50); a51 = Fma(u1, v, a51);
                v = Load(ref x6, k); a60 = Fma(u0, v, a60); a61 = Fma(u1, v, a61);
                v = Load(ref x7, k); a70 = Fma(u0, v, a70); a71 = Fma(u1, v, a71);
            }
            if (rem != 0)
            {
                int k = nIn - W;
                u0 = Load(ref w0, k) & mask; u1 = Load(ref w1, k) & mask;
                v = Load(ref x0, k); a00 = Fma(u0, v, a00); a01 = Fma(u1, v, a01);
                v = Load(ref x1, k); a10 = Fma(u0, v, a10); a11 = Fma(u1, v, a11);
                v = Load(ref x2, k); a20 = Fma(u0, v, a20); a21 = Fma(u1, v, a21);
                v = Load(ref x3, k); a30 = Fma(u0, v, a30); a31 = Fma(u1, v, a31);
                v = Load(ref x4, k); a40 = Fma(u0, v, a40); a41 = Fma(u1, v, a41);
                v = Load(ref x5, k); a50 = Fma(u0, v, a50); a51 = Fma(u1, v, a51);
                v = Load(ref x6, k); a60 = Fma(u0, v, a60); a61 = Fma(u1, v, a61);
                v = Load(ref x7, k); a70 = Fma(u0, v, a70); a71 = Fma(u1, v, a71);
            }
            // [b_j, b_j+1] for two samples at once: each Sum4 finishes two samples' two outputs.
            Vector64<float> b2 = Vector64.LoadUnsafe(ref b, (nuint)j);
            Vector128<float> bias = Vector128.Create(b2, b2);
            ref float r = ref Unsafe.Add(ref y0, j);
            StorePairs(Sum4(a00, a01, a10, a11) + bias, ref r, nOut);
            StorePairs(Sum4(a20, a21, a30, a31) + bias, ref Unsafe.Add(ref r, 2 * nOut), nOut);
            StorePairs(Sum4(a40, a41, a50, a51) + bias, ref Unsafe.Add(ref r, 4 * nOut), nOut);
            StorePairs(Sum4(a60, a61, a70, a71) + bias, ref Unsafe.Add(ref r, 6 * nOut), nOut);
        }
        if (j < outputs)
        {
            // The last, odd output: eight samples x one output.
            ref float wj = ref Unsafe.Add(ref w, j * nIn);
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (int i = 0; i < blockCount; i++)
            {
                int k = TBlocks.Offset(ref blocks, i);
                Vector512<float> u = Load(ref wj, k);
                a0 = Fma(u, Load(ref x0, k), a0); a1 = Fma(u, Load(ref x1, k), a1);
                a2 = Fma(u, Load(ref x2, k), a2); a3 = Fma(u, Load(ref x3, k), a3);
                a4 = Fma(u, Load(ref x4, k), a4); a5 = Fma(u, Load(ref x5, k), a5);
                a6 = Fma(u, Load(ref x6, k), a6); a7 = Fma(u, Load(ref x7, k), a7);
            }
            if (rem != 0)
            {
                int k = nIn - W;
                Vector512<float> u = Load(ref wj, k) & mask;
                a0 = Fma(u, Load(ref x0, k), a0); a1 = Fma(u, Load(ref x1, k), a1);
                a2 = Fma(u, Load(ref x2, k), a2); a3 = Fma(u, Load(ref x3, k), a3);
                a4 = Fma(u, Load(ref x4, k), a4); a5 = Fma(u, Load(ref x5, k), a5);
                a6 = Fma(u, Load(ref x6, k), a6); a7 = Fma(u, Load(ref x7, k), a7);
            }
            var bias = Vector128.Create(Unsafe.Add(ref b, j));
            ref float r = ref Unsafe.Add(ref y0, j);
            StoreColumn(Sum4(a0, a1, a2, a3) + bias, ref r, nOut);
            StoreColumn(Sum4(a4, a5, a6, a7) + bias, ref Unsafe.Add(ref r, 4 * nOut), nOut);
        }
    }

    /// <summary>Eight rows of X copied to 64-byte boundaries for <see cref="ForwardEight"/>, one buffer per thread.</summary>
    [ThreadStatic] private static float[]? t_rows;

    /// <summary>The first 64-byte boundary of this thread's row buffer, which holds at least <paramref name="floats"/> from there.</summary>
    private static ref float AlignedRows(int floats)
    {
        float[]? buffer = t_rows;
        if (buffer is null || buffer.Length < floats + W)
            t_rows = buffer = GC.AllocateArray<float>(floats + W, pinned: true); // pinned: its address, so its alignment, stays
        long address = (long)Marshal.UnsafeAddrOfPinnedArrayElement(buffer, 0);
        return ref buffer[(int)((64 - address % 64) % 64 / sizeof(float))];
    }

    /// <summary>Copies <paramref name="n"/> ≥ 16 floats in 512-bit vectors (a call to memmove per short row costs more).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow(ref float source, ref float destination, int n)
    {
        int k = 0;
        for (; k + W <= n; k += W) Load(ref source, k).StoreUnsafe(ref destination, (nuint)k);
        if (k < n) Load(ref source, n - W).StoreUnsafe(ref destination, (nuint)(n - W));
    }

    /// <summary>Which input blocks a tile reads: every block in order, or those of a list (the JIT compiles each form apart, so every block costs no list read).</summary>
    private interface IBlockOrder
    {
        /// <summary>The offset of block <paramref name="i"/> among those read, given the list (unused for every block).</summary>
        static abstract int Offset(ref int list, int i);
    }

    private readonly struct EveryBlock : IBlockOrder
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Offset(ref int list, int i) => i * W;
    }

    private readonly struct ListedBlocks : IBlockOrder
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Offset(ref int list, int i) => Unsafe.Add(ref list, i);
    }

    /// <summary>
    /// Whether one of the first <paramref name="blockCount"/> 16-float blocks of the row at <paramref name="x"/> is all
    /// zero. The batch kernels look for blocks to skip only then: images have background in every row, dense data and
    /// hidden layers (a ReLU's zeros are scattered) have none, and there the search would cost more than it saves.
    /// The answer changes only which blocks are read, never a bit of the result.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool HasZeroBlock(ref float x, int blockCount)
    {
        for (int k = 0, end = blockCount * W; k < end; k += W)
            if (Load(ref x, k).AsUInt32() == Vector512<uint>.Zero) return true;
        return false;
    }

    /// <summary>
    /// The offsets of the <paramref name="blockCount"/> full 16-float input blocks that are not all zero in at least one
    /// of the eight rows from <paramref name="x0"/>, in order, written to <paramref name="blocks"/>; returns how many. A
    /// block that is zero in all eight rows adds nothing to any of their sums (exact for finite weights), so the tile
    /// skips its weights: on MNIST digits a fifth of the blocks. Bits are tested, so -0 counts as not zero (kept).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int NonZeroBlocks(ref float x0, int stride, int blockCount, Span<int> blocks)
    {
        int used = 0;
        ref int list = ref MemoryMarshal.GetReference(blocks);
        for (int k = 0, end = blockCount * W; k < end; k += W)
        {
            ref float xk = ref Unsafe.Add(ref x0, k);
            Vector512<uint> any = (Load(ref xk, 0) | Load(ref xk, stride)).AsUInt32() | (Load(ref xk, 2 * stride) | Load(ref xk, 3 * stride)).AsUInt32()
                | (Load(ref xk, 4 * stride) | Load(ref xk, 5 * stride)).AsUInt32() | (Load(ref xk, 6 * stride) | Load(ref xk, 7 * stride)).AsUInt32();
            // Written every time and counted only when kept: no branch to mispredict on the image's pattern.
            Unsafe.Add(ref list, used) = k;
            used += NotZero(any.AsSingle());
        }
        return used;
    }

    /// <summary>1 when a bit of <paramref name="v"/> is set, else 0, without a branch (a compare and jump here mispredicts on an image's pattern: measured 5% of a training step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NotZero(Vector512<float> v) =>
        (int)((Vector512.Equals(v.AsUInt32(), Vector512<uint>.Zero).ExtractMostSignificantBits() + 1) >> 16) ^ 1;

    /// <summary>Whether <paramref name="x"/> starts on a 64-byte boundary (the GC may move it right after; then only speed suffers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsAligned(ref float x) => Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref x) % 64 == 0;

    /// <summary>Stores four vectors one after another from <paramref name="o"/> (64 floats of a row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFour(ref float o, Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        a.StoreUnsafe(ref o);
        b.StoreUnsafe(ref o, W);
        c.StoreUnsafe(ref o, 2 * W);
        d.StoreUnsafe(ref o, 3 * W);
    }

    /// <summary>Stores [p0, p1, q0, q1] as p to <paramref name="row"/> and q to the next row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePairs(Vector128<float> sums, ref float row, int stride)
    {
        sums.GetLower().StoreUnsafe(ref row);
        sums.GetUpper().StoreUnsafe(ref Unsafe.Add(ref row, stride));
    }

    /// <summary>Stores the four lanes one per row, down a column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreColumn(Vector128<float> sums, ref float top, int stride)
    {
        top = sums.GetElement(0);
        Unsafe.Add(ref top, stride) = sums.GetElement(1);
        Unsafe.Add(ref top, 2 * stride) = sums.GetElement(2);
        Unsafe.Add(ref top, 3 * stride) = sums.GetElement(3);
    }

    /// <summary>Four samples, four outputs at a time (16 accumulators): small layers, and the samples after the eight-sample tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardFour<TIn, TOut>(ref float w, ref float b, ref float x, ref float y, int outputs)
        where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        int full = nIn / W * W, rem = nIn - full;
        Vector512<float> mask = rem == 0 ? default : TailMask(rem);
        ref float x0 = ref x;
        ref float x1 = ref Unsafe.Add(ref x0, nIn);
        ref float x2 = ref Unsafe.Add(ref x1, nIn);
        ref float x3 = ref Unsafe.Add(ref x2, nIn);
        ref float y0 = ref y;
        int j = 0;
        for (; j + 4 <= outputs; j += 4)
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
        for (; j < outputs; j++)
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

    /// <summary>Input blocks whose list <see cref="ForwardOne{TIn, TOut}(ref float, ref float, ref float, ref float)"/> keeps on the stack (inputs up to 16,384).</summary>
    private const int MaxStackBlocks = 1024;

    /// <summary>
    /// One sample, four outputs at a time: each input vector loaded serves four weight rows. One
    /// sample reads every weight once, so its time is the weight stream; blocks of 16 inputs that
    /// are all zero (image background, units a ReLU switched off) add nothing to any output, so
    /// only the other blocks' weights are read (exact for finite weights).
    /// </summary>
    public static void ForwardOne<TIn, TOut>(ref float w, ref float b, ref float x, ref float y)
        where TIn : IConstant where TOut : IConstant => ForwardOne<TIn, TOut>(ref w, ref b, ref x, ref y, TOut.Value);

    /// <summary>
    /// <see cref="ForwardOne{TIn, TOut}(ref float, ref float, ref float, ref float)"/> with the same weights also in
    /// <see cref="PackedRows"/>' layout at <paramref name="packed"/> (where <see cref="PackedRows.Applies"/>): an input
    /// with no zero block reads the packed rows, one with zero blocks the row-major ones. The same sums, bit for bit.
    /// </summary>
    public static void ForwardOne<TIn, TOut>(ref float w, ref float packed, ref float b, ref float x, ref float y)
        where TIn : IConstant where TOut : IConstant => ForwardOne<TIn, TOut>(ref w, ref b, ref x, ref y, TOut.Value, ref packed);

    /// <summary><see cref="ForwardOne{TIn, TOut}(ref float, ref float, ref float, ref float)"/> for the first <paramref name="outputs"/> rows of <paramref name="w"/>.</summary>
    private static void ForwardOne<TIn, TOut>(ref float w, ref float b, ref float x, ref float y, int outputs)
        where TIn : IConstant where TOut : IConstant => ForwardOne<TIn, TOut>(ref w, ref b, ref x, ref y, outputs, ref Unsafe.NullRef<float>());

    /// <summary>
    /// <see cref="ForwardOne{TIn, TOut}(ref float, ref float, ref float, ref float)"/> for the first <paramref name="outputs"/>
    /// rows of <paramref name="w"/>, reading <paramref name="packed"/> (a null reference for none) for an input with no zero block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardOne<TIn, TOut>(ref float w, ref float b, ref float x, ref float y, int outputs, ref float packed)
        where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value;
        int full = nIn / W * W, rem = nIn - full, blockCount = full / W;
        Vector512<float> mask = rem == 0 ? default : TailMask(rem);
        int[]? rented = null;
        // blockCount is a constant of this specialization: the stack holds (and zeroes) only what is used.
        Span<int> blocks = blockCount <= MaxStackBlocks
            ? stackalloc int[blockCount]
            : (rented = System.Buffers.ArrayPool<int>.Shared.Rent(blockCount));
        int used = 0;
        for (int k = 0; k < full; k += W)
            if (!Vector512.EqualsAll(Load(ref x, k), Vector512<float>.Zero)) blocks[used++] = k;
        ReadOnlySpan<int> nonZero = blocks.Slice(0, used);
        // No zero block (a dense input): the blocks in order without the list's indirection, the same sums.
        bool dense = used == blockCount;

        int j = 0;
        // Eight rows at a time: each input vector serves eight weight rows (measured 3.2 us against 3.8 us for
        // four rows with the list, 784 x 128, dense input); every output still one accumulator over the blocks in order.
        for (; j + 8 <= outputs; j += 8)
        {
            ref float w0 = ref Unsafe.Add(ref w, j * nIn);
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            if (dense && !Unsafe.IsNullRef(ref packed))
            {
                // The eight rows' vectors of each block side by side (PackedRows): one stream of weights instead of eight
                // rows 4 x nIn bytes apart, in the same order, so the same sums, at the speed of a plain read of the
                // weights. Only for inputs with no zero block: a list of blocks makes the packed stream jump, and the
                // rows were faster then (784 x 128, 24-44 of 49 blocks live: 1.09-1.29x the rows' time).
                ref float q0 = ref Unsafe.Add(ref packed, j * nIn);
                for (int k = 0; k < full; k += W)
                    EightPacked(ref Unsafe.Add(ref q0, 8 * k), Load(ref x, k), ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
            }
            else if (dense)
            {
                for (int k = 0; k < full; k += W)
                {
                    Vector512<float> v = Load(ref x, k);
                    a0 = Fma(Load(ref w0, k), v, a0); a1 = Fma(Load(ref w0, nIn + k), v, a1);
                    a2 = Fma(Load(ref w0, 2 * nIn + k), v, a2); a3 = Fma(Load(ref w0, 3 * nIn + k), v, a3);
                    a4 = Fma(Load(ref w0, 4 * nIn + k), v, a4); a5 = Fma(Load(ref w0, 5 * nIn + k), v, a5);
                    a6 = Fma(Load(ref w0, 6 * nIn + k), v, a6); a7 = Fma(Load(ref w0, 7 * nIn + k), v, a7);
                }
            }
            else
            {
                foreach (int k in nonZero)
                {
                    Vector512<float> v = Load(ref x, k);
                    a0 = Fma(Load(ref w0, k), v, a0); a1 = Fma(Load(ref w0, nIn + k), v, a1);
                    a2 = Fma(Load(ref w0, 2 * nIn + k), v, a2); a3 = Fma(Load(ref w0, 3 * nIn + k), v, a3);
                    a4 = Fma(Load(ref w0, 4 * nIn + k), v, a4); a5 = Fma(Load(ref w0, 5 * nIn + k), v, a5);
                    a6 = Fma(Load(ref w0, 6 * nIn + k), v, a6); a7 = Fma(Load(ref w0, 7 * nIn + k), v, a7);
                }
            }
            if (rem != 0)
            {
                int k = nIn - W;
                Vector512<float> v = Load(ref x, k) & mask;
                a0 = Fma(Load(ref w0, k), v, a0); a1 = Fma(Load(ref w0, nIn + k), v, a1);
                a2 = Fma(Load(ref w0, 2 * nIn + k), v, a2); a3 = Fma(Load(ref w0, 3 * nIn + k), v, a3);
                a4 = Fma(Load(ref w0, 4 * nIn + k), v, a4); a5 = Fma(Load(ref w0, 5 * nIn + k), v, a5);
                a6 = Fma(Load(ref w0, 6 * nIn + k), v, a6); a7 = Fma(Load(ref w0, 7 * nIn + k), v, a7);
            }
            (Sum4(a0, a1, a2, a3) + Vector128.LoadUnsafe(ref b, (nuint)j)).StoreUnsafe(ref Unsafe.Add(ref y, j));
            (Sum4(a4, a5, a6, a7) + Vector128.LoadUnsafe(ref b, (nuint)(j + 4))).StoreUnsafe(ref Unsafe.Add(ref y, j + 4));
        }
        for (; j + 4 <= outputs; j += 4)
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
        for (; j < outputs; j++)
        {
            ref float wj = ref Unsafe.Add(ref w, j * nIn);
            Vector512<float> a0 = default;
            foreach (int block in nonZero)
                a0 = Fma(Vector512.LoadUnsafe(ref wj, (nuint)block), Vector512.LoadUnsafe(ref x, (nuint)block), a0);
            if (rem != 0) a0 = Fma(Vector512.LoadUnsafe(ref wj, (nuint)(nIn - W)) & mask, Vector512.LoadUnsafe(ref x, (nuint)(nIn - W)), a0);
            // Reduced by Sum4's tree (not Vector512.Sum's) so that this output has the bits the batch tiles give it.
            Unsafe.Add(ref y, j) = Sum4(a0, a0, a0, a0).ToScalar() + Unsafe.Add(ref b, j);
        }
        if (rented is not null) System.Buffers.ArrayPool<int>.Shared.Return(rented);
    }

    /// <summary>One block of eight packed rows: the eight weight vectors at <paramref name="q"/> times the input vector <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EightPacked(ref float q, Vector512<float> v, ref Vector512<float> a0, ref Vector512<float> a1, ref Vector512<float> a2,
        ref Vector512<float> a3, ref Vector512<float> a4, ref Vector512<float> a5, ref Vector512<float> a6, ref Vector512<float> a7)
    {
        a0 = Fma(Load(ref q, 0), v, a0); a1 = Fma(Load(ref q, W), v, a1);
        a2 = Fma(Load(ref q, 2 * W), v, a2); a3 = Fma(Load(ref q, 3 * W), v, a3);
        a4 = Fma(Load(ref q, 4 * W), v, a4); a5 = Fma(Load(ref q, 5 * W), v, a5);
        a6 = Fma(Load(ref q, 6 * W), v, a6); a7 = Fma(Load(ref q, 7 * W), v, a7);
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
                StoreFour(ref o, a00, a01, a02, a03);
                o = ref Unsafe.Add(ref o, nIn);
                StoreFour(ref o, a10, a11, a12, a13);
                o = ref Unsafe.Add(ref o, nIn);
                StoreFour(ref o, a20, a21, a22, a23);
                o = ref Unsafe.Add(ref o, nIn);
                StoreFour(ref o, a30, a31, a32, a33);
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
    /// dW[j, k] = Σ_s Δ[s, j]·X[s, k] (axpy form over the batch), overwriting dW. Requires TIn ≥ 16. Every element is the
    /// fused multiply-add chain over the samples in order, starting from zero, whatever the blocking. A sample whose
    /// 16-input window of X is all zero adds nothing to that window's sums (exact for finite Δ), so each window knows
    /// the samples where it is not zero: where all four windows of a 64-input panel are (nearly) full, a 4-output by
    /// 64-input tile runs over every sample (fewest loads per multiply-add: hidden layers, dense data); elsewhere a
    /// 16-output by 16-input tile runs over the window's list only (on MNIST digits 42% of the sample-window pairs are
    /// background and skipped). Windows are the outer loop and output tiles the inner one, so a window's column of X
    /// and Δ stay in L1 while every output tile uses them.
    /// </summary>
    public static void WeightGradients<TIn, TOut>(ref float d, ref float x, ref float dw, int count)
        where TIn : IConstant where TOut : IConstant => WeightGradientRows<TIn, TOut>(ref d, ref x, ref dw, count, 0, TOut.Value);

    /// <summary>Sample lists of <see cref="WeightGradientRows"/> kept on the stack up to this many entries (16 KB).</summary>
    private const int MaxStackSamples = 4096;

    /// <summary>
    /// <see cref="WeightGradients"/> for the rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of dW only (Δ's
    /// columns of those outputs): the same bits as those rows of a full call, the other rows untouched.
    /// </summary>
    public static void WeightGradientRows<TIn, TOut>(ref float d, ref float x, ref float dw, int count, int rowStart, int rowEnd)
        where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value, outputs = rowEnd - rowStart;
        d = ref Unsafe.Add(ref d, rowStart);
        dw = ref Unsafe.Add(ref dw, rowStart * nIn);
        // Windows of 16 inputs; the last one ends at nIn and may overlap the one before: its overlapping lanes get the
        // same sums again (a sample left out of its list is zero on all of its lanes), so they are rewritten unchanged.
        // Each window's list of samples, then the lists' lengths.
        int windows = (nIn + W - 1) / W, entries = windows * count + windows;
        int[]? rented = null;
        Span<int> buffer = entries <= MaxStackSamples
            ? stackalloc int[entries]
            : (rented = System.Buffers.ArrayPool<int>.Shared.Rent(entries));
        Span<int> lengths = buffer.Slice(windows * count, windows);
        ref int lists = ref MemoryMarshal.GetReference(buffer);
        // Only when the first sample has a zero window (see HasZeroBlock) are the others looked at; else every window
        // lists every sample.
        bool search = HasZeroBlock(ref x, nIn / W) || Load(ref x, nIn - W).AsUInt32() == Vector512<uint>.Zero;
        int listStride = search ? count : 0;   // without a search, every window shares the first list: all the samples
        for (int window = 0; window < windows; window++)
        {
            int k = Math.Min(window * W, nIn - W), used = 0;
            ref int list = ref Unsafe.Add(ref lists, window * count);
            if (search)
            {
                for (int s = 0; s < count; s++)
                {
                    // Written every time and counted only when kept: no branch to mispredict on the image's pattern.
                    Unsafe.Add(ref list, used) = s;
                    used += NotZero(Load(ref x, s * nIn + k));
                }
            }
            else if (window == 0)
            {
                for (int s = 0; s < count; s++) Unsafe.Add(ref list, s) = s;
            }
            lengths[window] = search ? used : count;
        }
        // The panel tile costs about 7/8 of the window tile per multiply-add: it takes a panel whose windows are all
        // at least 7/8 full.
        int full = count - count / 8;
        for (int window = 0; window < windows;)
        {
            int k = window * W;
            if (k + 4 * W <= nIn && lengths[window] >= full && lengths[window + 1] >= full && lengths[window + 2] >= full && lengths[window + 3] >= full)
            {
                WeightGradientPanel<TIn, TOut>(ref d, ref Unsafe.Add(ref x, k), ref Unsafe.Add(ref dw, k), count, outputs);
                window += 4;
            }
            else
            {
                k = Math.Min(k, nIn - W);
                WeightGradientWindow<TIn, TOut>(ref d, ref Unsafe.Add(ref x, k), ref Unsafe.Add(ref dw, k),
                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref lists, window * listStride), lengths[window]), outputs);
                window++;
            }
        }
        if (rented is not null) System.Buffers.ArrayPool<int>.Shared.Return(rented);
    }

    /// <summary>One 64-input panel of dW (from <paramref name="x"/> and <paramref name="dw"/>, already at its first input) over every sample: tiles of four outputs, then one.</summary>
    private static void WeightGradientPanel<TIn, TOut>(ref float d, ref float x, ref float dw, int count, int outputs)
        where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        int j = 0;
        for (; j + 4 <= outputs; j += 4)
        {
            Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
            Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
            Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
            Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
            for (int s = 0; s < count; s++)
            {
                ref float xs = ref Unsafe.Add(ref x, s * nIn);
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
            ref float o = ref Unsafe.Add(ref dw, j * nIn);
            StoreFour(ref o, a00, a01, a02, a03);
            o = ref Unsafe.Add(ref o, nIn);
            StoreFour(ref o, a10, a11, a12, a13);
            o = ref Unsafe.Add(ref o, nIn);
            StoreFour(ref o, a20, a21, a22, a23);
            o = ref Unsafe.Add(ref o, nIn);
            StoreFour(ref o, a30, a31, a32, a33);
        }
        for (; j < outputs; j++)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int s = 0; s < count; s++)
            {
                ref float xs = ref Unsafe.Add(ref x, s * nIn);
                var g = Vector512.Create(Unsafe.Add(ref d, s * nOut + j));
                a0 = Fma(Load(ref xs, 0), g, a0); a1 = Fma(Load(ref xs, W), g, a1);
                a2 = Fma(Load(ref xs, 2 * W), g, a2); a3 = Fma(Load(ref xs, 3 * W), g, a3);
            }
            ref float o = ref Unsafe.Add(ref dw, j * nIn);
            StoreFour(ref o, a0, a1, a2, a3);
        }
    }

    /// <summary>One 16-input window of dW (from <paramref name="x"/> and <paramref name="dw"/>, already at it) over the samples in <paramref name="active"/>: tiles of 16 outputs, then 4, then 1.</summary>
    private static void WeightGradientWindow<TIn, TOut>(ref float d, ref float x, ref float dw, ReadOnlySpan<int> active, int outputs)
        where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        int j = 0;
        for (; j + 16 <= outputs; j += 16)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            Vector512<float> a8 = default, a9 = default, a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default;
            foreach (int s in active)
            {
                Vector512<float> xv = Load(ref x, s * nIn);
                ref float ds = ref Unsafe.Add(ref d, s * nOut + j);
                a0 = Fma(xv, Vector512.Create(ds), a0); a1 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 1)), a1);
                a2 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 2)), a2); a3 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 3)), a3);
                a4 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 4)), a4); a5 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 5)), a5);
                a6 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 6)), a6); a7 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 7)), a7);
                a8 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 8)), a8); a9 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 9)), a9);
                a10 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 10)), a10); a11 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 11)), a11);
                a12 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 12)), a12); a13 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 13)), a13);
                a14 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 14)), a14); a15 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 15)), a15);
            }
            ref float r = ref Unsafe.Add(ref dw, j * nIn);
            a0.StoreUnsafe(ref r); a1.StoreUnsafe(ref r, (nuint)nIn); a2.StoreUnsafe(ref r, (nuint)(2 * nIn)); a3.StoreUnsafe(ref r, (nuint)(3 * nIn));
            r = ref Unsafe.Add(ref r, 4 * nIn);
            a4.StoreUnsafe(ref r); a5.StoreUnsafe(ref r, (nuint)nIn); a6.StoreUnsafe(ref r, (nuint)(2 * nIn)); a7.StoreUnsafe(ref r, (nuint)(3 * nIn));
            r = ref Unsafe.Add(ref r, 4 * nIn);
            a8.StoreUnsafe(ref r); a9.StoreUnsafe(ref r, (nuint)nIn); a10.StoreUnsafe(ref r, (nuint)(2 * nIn)); a11.StoreUnsafe(ref r, (nuint)(3 * nIn));
            r = ref Unsafe.Add(ref r, 4 * nIn);
            a12.StoreUnsafe(ref r); a13.StoreUnsafe(ref r, (nuint)nIn); a14.StoreUnsafe(ref r, (nuint)(2 * nIn)); a15.StoreUnsafe(ref r, (nuint)(3 * nIn));
        }
        for (; j + 4 <= outputs; j += 4)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            foreach (int s in active)
            {
                Vector512<float> xv = Load(ref x, s * nIn);
                ref float ds = ref Unsafe.Add(ref d, s * nOut + j);
                a0 = Fma(xv, Vector512.Create(ds), a0); a1 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 1)), a1);
                a2 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 2)), a2); a3 = Fma(xv, Vector512.Create(Unsafe.Add(ref ds, 3)), a3);
            }
            ref float r = ref Unsafe.Add(ref dw, j * nIn);
            a0.StoreUnsafe(ref r); a1.StoreUnsafe(ref r, (nuint)nIn); a2.StoreUnsafe(ref r, (nuint)(2 * nIn)); a3.StoreUnsafe(ref r, (nuint)(3 * nIn));
        }
        for (; j < outputs; j++)
        {
            Vector512<float> a0 = default;
            foreach (int s in active)
                a0 = Fma(Load(ref x, s * nIn), Vector512.Create(Unsafe.Add(ref d, s * nOut + j)), a0);
            a0.StoreUnsafe(ref dw, (nuint)(j * nIn));
        }
    }
}
