using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// The first Dense layer's weight gradients for mostly-zero inputs, in the transposed layout of
/// <see cref="SparseInputs"/>: G[Row(i), j] = Σ_s X[s, i]·Δ[s, j]. Each input visits only the samples where it is not
/// zero and adds X[s, i] times that sample's row of Δ to a row of accumulators, so the work follows the non-zero
/// inputs (on MNIST digits 19% of the pixels, against the 58% of sample-window pairs <see cref="Tiled"/>'s window tile
/// runs over). Training keeps the first layer's weights in this layout while it steps (NeuralNetwork.SparseTraining.cs),
/// where the forward pass reads them as <see cref="SparseInputs.Forward"/> does and the optimizer updates them element by
/// element.
/// <para>
/// Every element is the same fused multiply-add chain as in <see cref="Tiled.WeightGradients{TIn, TOut}"/>: over the
/// samples in order, starting from zero, a zero input adding exactly nothing (for finite Δ), so the bits are the
/// same (the same corner as there: a chain at -0 stays -0 where a zero input's product would make it +0).
/// </para>
/// Requires what <see cref="SparseInputs.Supports"/> does and outputs in whole groups of 64
/// (<see cref="SparseInputs.Stride"/> equal to the outputs), so that the transposed matrix fills the same floats.
/// </summary>
internal static class SparseInputGradients
{
    private const int W = 16; // floats per Vector512

    /// <summary>Whether a layer of <paramref name="inputs"/> x <paramref name="outputs"/> can use these kernels on this machine.</summary>
    public static bool Supports(int inputs, int outputs) =>
        SparseInputs.Supports(inputs) && Avx512F.IsSupported && outputs > 0 && outputs % (4 * W) == 0;

    /// <summary>Words of <see cref="ColumnMasks"/> for <paramref name="count"/> samples: 64 samples a word, one word a group and input.</summary>
    public static int ColumnMaskLength(int inputs, int count) => (count + 63) / 64 * inputs;

    /// <summary>
    /// For each group of 64 samples g and input i, the word masks[g·inputs + i] whose bit b says that X[64g + b, i] is not
    /// zero (by its bits, as <see cref="SparseInputs.Masks"/>). One compare a sample and block sets sixteen inputs' bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ColumnMasks(ReadOnlySpan<float> x, int inputs, int count, Span<ulong> masks)
    {
        if (!SparseInputs.Supports(inputs)) throw new ArgumentException($"{inputs} inputs are not a multiple of 16 on a 512-bit machine.", nameof(inputs));
        if (count < 0 || x.Length < (long)count * inputs) throw new ArgumentException("Too few inputs for the count.", nameof(x));
        if (masks.Length < ColumnMaskLength(inputs, count)) throw new ArgumentException("Too short for the masks.", nameof(masks));
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref ulong mr = ref MemoryMarshal.GetReference(masks);
        for (int group = 0; group * 64 < count; group++)
        {
            int s0 = group * 64, s1 = Math.Min(s0 + 32, count), s2 = Math.Min(s0 + 64, count);
            for (int block = 0; block < inputs / W; block++)
            {
                // Samples s0..s0+31 in the low halves, the next 32 in the high halves, sixteen inputs across the lanes.
                Vector512<uint> low = Vector512<uint>.Zero, high = Vector512<uint>.Zero;
                for (int s = s0; s < s1; s++)
                    low |= Vector512.AndNot(Vector512.Create(1u << (s - s0)), IsZero(ref xr, s * inputs + block * W));
                for (int s = s1; s < s2; s++)
                    high |= Vector512.AndNot(Vector512.Create(1u << (s - s0 - 32)), IsZero(ref xr, s * inputs + block * W));
                ref ulong words = ref Unsafe.Add(ref mr, group * inputs + block * W);
                (Vector512.WidenLower(low) | Vector512.ShiftLeft(Vector512.WidenLower(high), 32)).StoreUnsafe(ref words);
                (Vector512.WidenUpper(low) | Vector512.ShiftLeft(Vector512.WidenUpper(high), 32)).StoreUnsafe(ref words, 8);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> IsZero(ref float x, int at) =>
        Vector512.Equals(Vector512.LoadUnsafe(ref x, (nuint)at).AsUInt32(), Vector512<uint>.Zero);

    /// <summary>
    /// Rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of the transposed weight gradients G (inputs x
    /// outputs, rows in <see cref="SparseInputs.Row"/>'s order): row r = Row(i) gets Σ_s X[s, i]·Δ[s, ·] over the
    /// samples <paramref name="columnMasks"/> marks for input i, overwriting the row (zeros for an input that is zero in
    /// every sample). The rows are independent, so threads can take ranges of them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightGradients(ReadOnlySpan<float> delta, ReadOnlySpan<float> x, ReadOnlySpan<ulong> columnMasks, int count, int inputs,
        int outputs, Span<float> gradients, int rowStart, int rowEnd)
    {
        if (!Supports(inputs, outputs)) throw new ArgumentException($"A layer of {inputs} x {outputs} does not run sparse here.", nameof(outputs));
        if (count < 0 || x.Length < (long)count * inputs) throw new ArgumentException("Too few inputs for the count.", nameof(x));
        if (delta.Length < (long)count * outputs) throw new ArgumentException("Too few deltas for the count.", nameof(delta));
        if (columnMasks.Length < ColumnMaskLength(inputs, count)) throw new ArgumentException("Too few masks for the count.", nameof(columnMasks));
        if (gradients.Length < inputs * outputs) throw new ArgumentException("Too short for the gradients.", nameof(gradients));
        if (rowStart < 0 || rowEnd > inputs || rowStart > rowEnd) throw new ArgumentOutOfRangeException(nameof(rowStart), $"Rows [{rowStart}, {rowEnd}) are not within [0, {inputs}).");
        // A mask bit past the count would read a sample that is not there: the last group's words are checked.
        int groups = (count + 63) / 64, lastBits = count % 64;
        if (lastBits != 0)
            for (int i = 0; i < inputs; i++)
                if (columnMasks[(groups - 1) * inputs + i] >> lastBits != 0) throw new ArgumentException($"Input {i}'s mask marks a sample past the count.", nameof(columnMasks));
        ref float d = ref MemoryMarshal.GetReference(delta);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref ulong masks = ref MemoryMarshal.GetReference(columnMasks);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        int blocks = inputs / W;
        for (int r = rowStart; r < rowEnd; r++)
        {
            int i = r % blocks * W + r / blocks; // the inverse of SparseInputs.Row
            ref float row = ref Unsafe.Add(ref g, r * outputs);
            int j = 0;
            for (; j + 8 * W <= outputs; j += 8 * W)
                RowEight(ref Unsafe.Add(ref d, j), ref Unsafe.Add(ref xr, i), ref Unsafe.Add(ref masks, i), groups, inputs, outputs, ref Unsafe.Add(ref row, j));
            if (j < outputs)
                RowFour(ref Unsafe.Add(ref d, j), ref Unsafe.Add(ref xr, i), ref Unsafe.Add(ref masks, i), groups, inputs, outputs, ref Unsafe.Add(ref row, j));
        }
    }

    /// <summary>One input's 128 outputs: eight independent accumulator chains, one pass over its samples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowEight(ref float d, ref float x, ref ulong masks, int groups, int inputs, int outputs, ref float row)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int group = 0; group < groups; group++)
        {
            ulong m = Unsafe.Add(ref masks, group * inputs);
            while (m != 0)
            {
                int s = group * 64 + BitOperations.TrailingZeroCount(m);
                m &= m - 1;
                var xv = Vector512.Create(Unsafe.Add(ref x, s * inputs));
                ref float ds = ref Unsafe.Add(ref d, s * outputs);
                a0 = Simd.Fma512(xv, Vector512.LoadUnsafe(ref ds), a0);
                a1 = Simd.Fma512(xv, Vector512.LoadUnsafe(ref ds, W), a1);
                a2 = Simd.Fma512(xv, Vector512.LoadUnsafe(ref ds, 2 * W), a2);
                a3 = Simd.Fma512(xv, Vector512.LoadUnsafe(ref ds, 3 * W), a3);
                a4 = Simd.Fma512(xv, Vector512.LoadUnsafe(ref ds, 4 * W), a4);
                a5 = Simd.Fma512(xv, Vector512.LoadUnsafe(ref ds, 5 * W), a5);
                a6 = Simd.Fma512(xv, Vector512.LoadUnsafe(ref ds, 6 * W), a6);
                a7 = Simd.Fma512(xv, Vector512.LoadUnsafe(ref ds, 7 * W), a7);
            }
        }
        a0.StoreUnsafe(ref row); a1.StoreUnsafe(ref row, W); a2.StoreUnsafe(ref row, 2 * W); a3.StoreUnsafe(ref row, 3 * W);
        a4.StoreUnsafe(ref row, 4 * W); a5.StoreUnsafe(ref row, 5 * W); a6.StoreUnsafe(ref row, 6 * W); a7.StoreUnsafe(ref row, 7 * W);
    }

    /// <summary><see cref="RowEight"/> for the last 64 outputs of a layer whose outputs are not a multiple of 128.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowFour(ref float d, ref float x, ref ulong masks, int groups, int inputs, int outputs, ref float row)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int group = 0; group < groups; group++)
        {
            ulong m = Unsafe.Add(ref masks, group * inputs);
            while (m != 0)
            {
                int s = group * 64 + BitOperations.TrailingZeroCount(m);
                m &= m - 1;
                var xv = Vector512.Create(Unsafe.Add(ref x, s * inputs));
                ref float ds = ref Unsafe.Add(ref d, s * outputs);
                a0 = Simd.Fma512(xv, Vector512.LoadUnsafe(ref ds), a0);
                a1 = Simd.Fma512(xv, Vector512.LoadUnsafe(ref ds, W), a1);
                a2 = Simd.Fma512(xv, Vector512.LoadUnsafe(ref ds, 2 * W), a2);
                a3 = Simd.Fma512(xv, Vector512.LoadUnsafe(ref ds, 3 * W), a3);
            }
        }
        a0.StoreUnsafe(ref row); a1.StoreUnsafe(ref row, W); a2.StoreUnsafe(ref row, 2 * W); a3.StoreUnsafe(ref row, 3 * W);
    }

    /// <summary>
    /// The inverse of <see cref="SparseInputs.Transpose"/> for a layer these kernels support: the row-major [outputs x
    /// inputs] weights from the transposed ones, 16 x 16 blocks transposed in registers.
    /// </summary>
    public static void TransposeBack(ReadOnlySpan<float> transposed, int inputs, int outputs, Span<float> weights)
    {
        if (!Supports(inputs, outputs)) throw new ArgumentException($"A layer of {inputs} x {outputs} does not run sparse here.", nameof(outputs));
        if (transposed.Length < inputs * outputs) throw new ArgumentException("Too short for the transposed weights.", nameof(transposed));
        if (weights.Length < inputs * outputs) throw new ArgumentException("Too short for the weights.", nameof(weights));
        ref float t = ref MemoryMarshal.GetReference(transposed);
        ref float w = ref MemoryMarshal.GetReference(weights);
        int blocks = inputs / W;
        for (int block = 0; block < blocks; block++)
            for (int j0 = 0; j0 < outputs; j0 += W)
            {
                // Vector c: input 16·block + c (transposed row c·blocks + block), outputs j0..j0+15.
                ref float source = ref Unsafe.Add(ref t, block * outputs + j0);
                int rowStride = blocks * outputs;
                Vector512<float> r0 = Load(ref source, 0), r1 = Load(ref source, rowStride), r2 = Load(ref source, 2 * rowStride), r3 = Load(ref source, 3 * rowStride);
                Vector512<float> r4 = Load(ref source, 4 * rowStride), r5 = Load(ref source, 5 * rowStride), r6 = Load(ref source, 6 * rowStride), r7 = Load(ref source, 7 * rowStride);
                Vector512<float> r8 = Load(ref source, 8 * rowStride), r9 = Load(ref source, 9 * rowStride), r10 = Load(ref source, 10 * rowStride), r11 = Load(ref source, 11 * rowStride);
                Vector512<float> r12 = Load(ref source, 12 * rowStride), r13 = Load(ref source, 13 * rowStride), r14 = Load(ref source, 14 * rowStride), r15 = Load(ref source, 15 * rowStride);
                SparseInputs.Quad(ref r0, ref r1, ref r2, ref r3);
                SparseInputs.Quad(ref r4, ref r5, ref r6, ref r7);
                SparseInputs.Quad(ref r8, ref r9, ref r10, ref r11);
                SparseInputs.Quad(ref r12, ref r13, ref r14, ref r15);
                ref float o = ref Unsafe.Add(ref w, j0 * inputs + block * W);
                Columns(ref o, inputs, 0, r0, r4, r8, r12);
                Columns(ref o, inputs, 1, r1, r5, r9, r13);
                Columns(ref o, inputs, 2, r2, r6, r10, r14);
                Columns(ref o, inputs, 3, r3, r7, r11, r15);
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(ref float source, int at) => Vector512.LoadUnsafe(ref source, (nuint)at);

    /// <summary>From the quads' vectors for offset <paramref name="c"/>, the block's rows c, 4 + c, 8 + c and 12 + c, <paramref name="stride"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns(ref float o, int stride, int c, Vector512<float> q0, Vector512<float> q1, Vector512<float> q2, Vector512<float> q3)
    {
        Vector512<float> even01 = Avx512F.Shuffle4x128(q0, q1, 0x88), odd01 = Avx512F.Shuffle4x128(q0, q1, 0xDD);
        Vector512<float> even23 = Avx512F.Shuffle4x128(q2, q3, 0x88), odd23 = Avx512F.Shuffle4x128(q2, q3, 0xDD);
        Avx512F.Shuffle4x128(even01, even23, 0x88).StoreUnsafe(ref o, (nuint)(c * stride));
        Avx512F.Shuffle4x128(odd01, odd23, 0x88).StoreUnsafe(ref o, (nuint)((4 + c) * stride));
        Avx512F.Shuffle4x128(even01, even23, 0xDD).StoreUnsafe(ref o, (nuint)((8 + c) * stride));
        Avx512F.Shuffle4x128(odd01, odd23, 0xDD).StoreUnsafe(ref o, (nuint)((12 + c) * stride));
    }
}
