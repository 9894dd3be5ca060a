using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// A Dense layer's weighted sums for inputs that are mostly exact zeros, such as an image's background: 81% of an MNIST
/// digit's pixels are zero, where <see cref="Tiled"/>'s eight-sample tile can skip only the 19% of 16-input blocks
/// that are zero in all eight rows. Here each sample's non-zero inputs are visited one by one and each adds its row
/// of a transposed copy of the weights to the outputs, so the work follows the non-zero inputs.
/// <para>
/// The sums are the same bits as <see cref="Tiled.ForwardRows{TIn, TOut}"/>. There each output is sixteen lane
/// chains of fused multiply-adds over the input blocks in order (lane k holds inputs 16b + k), reduced by
/// <c>Sum4</c> and then added to the bias. Here the same chains run with the outputs across the vector: lanes k and
/// k + 8 together for 64 outputs (eight accumulators), and the chains are reduced in <c>Sum4</c>'s order. A zero
/// input adds exactly nothing to its chain (for finite weights), so skipping it changes no bit.
/// </para>
/// Requires 512-bit vectors and a multiple of 16 inputs (<see cref="Supports"/>); the batch predictions use it
/// for the first layer only, where the input comes straight from the data.
/// </summary>
internal static class SparseInputs
{
    private const int W = 16; // floats per Vector512

    /// <summary>Whether <see cref="Forward"/> can compute a layer of <paramref name="inputs"/> inputs on this machine.</summary>
    public static bool Supports(int inputs) => Vector512.IsHardwareAccelerated && inputs >= W && inputs % W == 0;

    /// <summary>Floats per row of the transposed weights: the outputs rounded up to whole vectors (the extra columns are zero).</summary>
    public static int Stride(int outputs) => (outputs + W - 1) / W * W;

    /// <summary>Floats of the transposed weights of an <paramref name="inputs"/> x <paramref name="outputs"/> layer.</summary>
    public static int TransposedLength(int inputs, int outputs) => inputs * Stride(outputs);

    /// <summary>Floats of scratch <see cref="Forward"/> needs for <paramref name="count"/> samples.</summary>
    public static int ScratchLength(int outputs, int count) => 8 * Batch * Stride(outputs);

    /// <summary>Entries <see cref="Lists"/> may write for <paramref name="count"/> samples (every input not zero).</summary>
    public static int ListLength(int inputs, int count) => count * inputs;

    /// <summary>Entries of <see cref="Lists"/>'s starts for <paramref name="count"/> samples.</summary>
    public static int StartsLength(int count) => count * 17;

    /// <summary>
    /// Writes Wᵀ, [inputs x <see cref="Stride"/>], from the row-major [outputs x inputs] weights: a row holds every
    /// output's weight for one input, then zeros. The rows go lane by lane (<see cref="Row"/>): a lane's inputs are
    /// 16 apart, and rows 16 x 512 bytes apart would all fall in the same few sets of L1 and evict each other (measured:
    /// the kernel ran at L2's speed). Done once per prediction call.
    /// </summary>
    public static void Transpose(ReadOnlySpan<float> weights, int inputs, int outputs, Span<float> transposed)
    {
        int stride = Stride(outputs);
        if (weights.Length < inputs * outputs) throw new ArgumentException("Too few weights for the layer.", nameof(weights));
        if (transposed.Length < inputs * stride) throw new ArgumentException("Too short for the transposed weights.", nameof(transposed));
        // 16 x 16 blocks: both the 16 weight rows read and the 16 rows written stay in L1.
        for (int i0 = 0; i0 < inputs; i0 += W)
        {
            int i1 = Math.Min(i0 + W, inputs);
            for (int j0 = 0; j0 < stride; j0 += W)
            {
                int j1 = Math.Min(j0 + W, outputs);
                for (int i = i0; i < i1; i++)
                {
                    Span<float> row = transposed.Slice(Row(i, inputs) * stride + j0, W);
                    int j = j0;
                    for (; j < j1; j++) row[j - j0] = weights[j * inputs + i];
                    for (; j < j0 + W; j++) row[j - j0] = 0;
                }
            }
        }
    }

    /// <summary>The row of input <paramref name="i"/> in the transposed weights: lane (i mod 16) first, then block (i / 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Row(int i, int inputs) => i % W * (inputs / W) + i / W;

    /// <summary>
    /// Lists each of <paramref name="count"/> rows' non-zero inputs (by their bits: -0 counts as not zero, as in
    /// <see cref="Tiled"/>) by lane, then by block: lane k's inputs 16b + k in block order, the order of its chain.
    /// An entry is the offset of the input's row in the transposed weights (<see cref="Row"/> x <see cref="Stride"/>) and its value. Sample s's
    /// lane k runs from <c>starts[17s + k]</c> to <c>starts[17s + k + 1]</c>. Returns the number of entries, for the
    /// caller to choose between this kernel and the dense one.
    /// </summary>
    public static int Lists(ReadOnlySpan<float> x, int inputs, int outputs, int count, Span<int> offsets, Span<float> values, Span<int> starts)
    {
        if (!Supports(inputs)) throw new ArgumentException($"{inputs} inputs are not a multiple of 16 on a 512-bit machine.", nameof(inputs));
        if (x.Length < (long)count * inputs) throw new ArgumentException("Too few inputs for the count.", nameof(x));
        if (offsets.Length < ListLength(inputs, count)) throw new ArgumentException("Too short for the lists.", nameof(offsets));
        if (values.Length < ListLength(inputs, count)) throw new ArgumentException("Too short for the lists.", nameof(values));
        if (starts.Length < StartsLength(count)) throw new ArgumentException("Too short for the starts.", nameof(starts));
        int blocks = inputs / W, words = (blocks + 31) / 32, stride = Stride(outputs);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref int or = ref MemoryMarshal.GetReference(offsets);
        ref float vr = ref MemoryMarshal.GetReference(values);
        ref int sr = ref MemoryMarshal.GetReference(starts);
        // Per lane and 32 blocks, which blocks hold a non-zero input in that lane: one compare a block, all lanes at once.
        Span<uint> masks = stackalloc uint[MaxWords * W];
        int used = 0;
        for (int s = 0; s < count; s++)
        {
            ref float row = ref Unsafe.Add(ref xr, s * inputs);
            for (int b0 = 0, word = 0; b0 < blocks; b0 += 32, word++)
            {
                Vector512<uint> bits = Vector512<uint>.Zero;
                for (int b = b0, end = Math.Min(b0 + 32, blocks); b < end; b++)
                {
                    Vector512<uint> zero = Vector512.Equals(Vector512.LoadUnsafe(ref row, (nuint)(b * W)).AsUInt32(), Vector512<uint>.Zero);
                    bits |= Vector512.AndNot(Vector512.Create(1u << (b - b0)), zero);
                }
                if (word == MaxWords) return ListsOfWideRows(x, inputs, outputs, count, offsets, values, starts); // never at 1,024 inputs or fewer
                bits.StoreUnsafe(ref MemoryMarshal.GetReference(masks), (nuint)(word * W));
            }
            used = ListSample(ref row, masks, blocks, words, stride, s, used, ref or, ref vr, ref sr);
        }
        return used;
    }

    /// <summary>Words of masks kept on the stack: rows up to 32 x 32 blocks (16,384 inputs).</summary>
    private const int MaxWords = 32;

    private static int ListsOfWideRows(ReadOnlySpan<float> x, int inputs, int outputs, int count, Span<int> offsets, Span<float> values, Span<int> starts)
    {
        int blocks = inputs / W, words = (blocks + 31) / 32, stride = Stride(outputs);
        var masks = new uint[words * W];
        int used = 0;
        for (int s = 0; s < count; s++)
        {
            ref float row = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), s * inputs);
            Array.Clear(masks);
            for (int b = 0; b < blocks; b++)
                for (int k = 0; k < W; k++)
                    if (BitConverter.SingleToInt32Bits(Unsafe.Add(ref row, b * W + k)) != 0) masks[b / 32 * W + k] |= 1u << (b % 32);
            used = ListSample(ref row, masks, blocks, words, stride, s, used, ref MemoryMarshal.GetReference(offsets),
                ref MemoryMarshal.GetReference(values), ref MemoryMarshal.GetReference(starts));
        }
        return used;
    }

    /// <summary>Writes sample <paramref name="s"/>'s entries from <paramref name="used"/> on, lane by lane from its masks; returns the new end.</summary>
    private static int ListSample(ref float row, ReadOnlySpan<uint> masks, int blocks, int words, int stride, int s, int used, ref int offsets, ref float values, ref int starts)
    {
        ref int sampleStarts = ref Unsafe.Add(ref starts, 17 * s);
        for (int k = 0; k < W; k++)
        {
            int laneRow = k * blocks;
            Unsafe.Add(ref sampleStarts, k) = used;
            for (int word = 0; word < words; word++)
                for (uint m = masks[word * W + k]; m != 0; m &= m - 1)
                {
                    int block = word * 32 + BitOperations.TrailingZeroCount(m);
                    Unsafe.Add(ref offsets, used) = (laneRow + block) * stride;
                    Unsafe.Add(ref values, used) = Unsafe.Add(ref row, block * W + k);
                    used++;
                }
        }
        Unsafe.Add(ref sampleStarts, W) = used;
        return used;
    }

    /// <summary>
    /// Y[s, j] = Σ_k X[s, k]·W[j, k] + b[j] for the <paramref name="outputs"/> outputs of <paramref name="count"/>
    /// samples, from <see cref="Transpose">the transposed weights</see> and the rows' <see cref="Lists"/>: the same
    /// bits as <see cref="Tiled.ForwardRows{TIn, TOut}"/>. <paramref name="scratch"/> holds
    /// <see cref="ScratchLength"/> floats.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> transposed, ReadOnlySpan<float> bias, ReadOnlySpan<int> offsets, ReadOnlySpan<float> values,
        ReadOnlySpan<int> starts, Span<float> y, int count, int inputs, int outputs, Span<float> scratch)
    {
        int stride = Stride(outputs);
        if (transposed.Length < inputs * stride) throw new ArgumentException("Too short for the transposed weights.", nameof(transposed));
        if (bias.Length < outputs) throw new ArgumentException("Too few biases.", nameof(bias));
        if (starts.Length < StartsLength(count)) throw new ArgumentException("Too few starts for the count.", nameof(starts));
        int entries = count == 0 ? 0 : starts[17 * count - 1];
        if (offsets.Length < entries || values.Length < entries) throw new ArgumentException("Shorter than the starts say.", nameof(offsets));
        // What the loops below index with, checked in bulk (vectorized): every start within the lists, every offset a row.
        if (count > 0 && (TensorPrimitives.Min(starts.Slice(0, 17 * count)) < 0 || TensorPrimitives.Max(starts.Slice(0, 17 * count)) > entries))
            throw new ArgumentException("A start lies outside the lists.", nameof(starts));
        if (entries > 0 && (TensorPrimitives.Min(offsets.Slice(0, entries)) < 0 || TensorPrimitives.Max(offsets.Slice(0, entries)) > (inputs - 1) * stride))
            throw new ArgumentException("An entry is not an input's row of the transposed weights.", nameof(offsets));
        if (y.Length < (long)count * outputs) throw new ArgumentException("Too short for the outputs.", nameof(y));
        if (scratch.Length < ScratchLength(outputs, count)) throw new ArgumentException("Too little scratch.", nameof(scratch));
        ref float wt = ref MemoryMarshal.GetReference(transposed);
        ref int or = ref MemoryMarshal.GetReference(offsets);
        ref float vr = ref MemoryMarshal.GetReference(values);
        ref int sr = ref MemoryMarshal.GetReference(starts);
        ref float t = ref MemoryMarshal.GetReference(scratch);

        // Loop order: for a few samples at a time (Batch), a group of 128 outputs and a lane fix the weight rows
        // read: 49 rows of 512 bytes at 784 inputs, 25 KB, which stay in L1 for every sample of the batch. Lanes 0-7
        // store their chains' sums in the scratch, [lane pair][sample][stride], lane k + 8 then adds its own to lane
        // k's (Sum4's first step). A lane's sums for the batch are contiguous (8 KB), so they neither alias the
        // weight rows' cache sets nor, with the rows, overflow L1 (measured: 64 samples at a time, or the sums 4 KB
        // apart, ran at L2's speed).
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float yr = ref MemoryMarshal.GetReference(y);
        Span<float> last = stackalloc float[W];
        for (int first = 0; first < count; first += Batch)
        {
            int n = Math.Min(Batch, count - first);
            ref int batchStarts = ref Unsafe.Add(ref sr, 17 * first);
            int j = 0;
            for (; j + 8 * W <= stride; j += 8 * W)
                for (int k = 0; k < W; k++)
                    LaneEight(ref Unsafe.Add(ref wt, j), ref or, ref vr, ref batchStarts, n, k, ref Unsafe.Add(ref t, k % 8 * Batch * stride + j), stride);
            for (; j < stride; j += W)
                for (int k = 0; k < 8; k++)
                    for (int i = 0; i < n; i++)
                        LaneOne(ref Unsafe.Add(ref wt, j), ref or, ref vr, ref Unsafe.Add(ref batchStarts, 17 * i), k, ref Unsafe.Add(ref t, (k * Batch + i) * stride + j));

            // The rest of Sum4 across the lane pairs, as it runs on one accumulator: lanes k + (k + 4) for k < 4,
            // then (0 + 1) + (2 + 3); then the bias.
            int pair = Batch * stride;
            for (int i = 0; i < n; i++)
            {
                ref float ts = ref Unsafe.Add(ref t, i * stride);
                ref float ys = ref Unsafe.Add(ref yr, (first + i) * outputs);
                for (int o = 0; o < stride; o += W)
                {
                    Vector512<float> q0 = Load(ref ts, o) + Load(ref ts, 4 * pair + o);
                    Vector512<float> q1 = Load(ref ts, pair + o) + Load(ref ts, 5 * pair + o);
                    Vector512<float> q2 = Load(ref ts, 2 * pair + o) + Load(ref ts, 6 * pair + o);
                    Vector512<float> q3 = Load(ref ts, 3 * pair + o) + Load(ref ts, 7 * pair + o);
                    Vector512<float> sum = (q0 + q1) + (q2 + q3);
                    if (o + W <= outputs)
                        (sum + Load(ref b, o)).StoreUnsafe(ref ys, (nuint)o);
                    else
                    {
                        // The last, partial vector of a row: through a buffer, so the next row is not written.
                        sum.StoreUnsafe(ref MemoryMarshal.GetReference(last));
                        for (int r = o; r < outputs; r++) Unsafe.Add(ref ys, r) = last[r - o] + Unsafe.Add(ref b, r);
                    }
                }
            }
        }
    }

    /// <summary>Samples whose lanes <see cref="Forward"/> runs together (see the loop order there).</summary>
    private const int Batch = 16;

    /// <summary>
    /// Every sample's chains of lane <paramref name="lane"/> for 128 outputs from <paramref name="wt"/>: eight
    /// accumulators, so eight independent FMA chains hide the FMA's latency. Lanes 0-7 store their sums at
    /// <paramref name="result"/> (one sample every <paramref name="resultStride"/> floats); lanes 8-15 add theirs.
    /// </summary>
    private static void LaneEight(ref float wt, ref int offsets, ref float values, ref int starts, int count, int lane, ref float result, int resultStride)
    {
        bool add = lane >= 8;
        for (int s = 0; s < count; s++)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            ref int range = ref Unsafe.Add(ref starts, 17 * s + lane);
            for (int e = range, end = Unsafe.Add(ref range, 1); e < end; e++)
            {
                var v = Vector512.Create(Unsafe.Add(ref values, e));
                ref float row = ref Unsafe.Add(ref wt, Unsafe.Add(ref offsets, e));
                a0 = Simd.Fma512(Load(ref row, 0), v, a0);
                a1 = Simd.Fma512(Load(ref row, W), v, a1);
                a2 = Simd.Fma512(Load(ref row, 2 * W), v, a2);
                a3 = Simd.Fma512(Load(ref row, 3 * W), v, a3);
                a4 = Simd.Fma512(Load(ref row, 4 * W), v, a4);
                a5 = Simd.Fma512(Load(ref row, 5 * W), v, a5);
                a6 = Simd.Fma512(Load(ref row, 6 * W), v, a6);
                a7 = Simd.Fma512(Load(ref row, 7 * W), v, a7);
            }
            ref float r = ref Unsafe.Add(ref result, s * resultStride);
            if (add)
            {
                a0 = Load(ref r, 0) + a0; a1 = Load(ref r, W) + a1; a2 = Load(ref r, 2 * W) + a2; a3 = Load(ref r, 3 * W) + a3;
                a4 = Load(ref r, 4 * W) + a4; a5 = Load(ref r, 5 * W) + a5; a6 = Load(ref r, 6 * W) + a6; a7 = Load(ref r, 7 * W) + a7;
            }
            a0.StoreUnsafe(ref r); a1.StoreUnsafe(ref r, W); a2.StoreUnsafe(ref r, 2 * W); a3.StoreUnsafe(ref r, 3 * W);
            a4.StoreUnsafe(ref r, 4 * W); a5.StoreUnsafe(ref r, 5 * W); a6.StoreUnsafe(ref r, 6 * W); a7.StoreUnsafe(ref r, 7 * W);
        }
    }

    /// <summary><see cref="LaneEight"/> for 16 outputs (the vectors after the last whole group of 128).</summary>
    private static void LaneOne(ref float wt, ref int offsets, ref float values, ref int starts, int k, ref float result)
    {
        Vector512<float> a = default, c = default;
        for (int e = Unsafe.Add(ref starts, k), end = Unsafe.Add(ref starts, k + 1); e < end; e++)
            a = Simd.Fma512(Load(ref Unsafe.Add(ref wt, Unsafe.Add(ref offsets, e)), 0), Vector512.Create(Unsafe.Add(ref values, e)), a);
        for (int e = Unsafe.Add(ref starts, k + 8), end = Unsafe.Add(ref starts, k + 9); e < end; e++)
            c = Simd.Fma512(Load(ref Unsafe.Add(ref wt, Unsafe.Add(ref offsets, e)), 0), Vector512.Create(Unsafe.Add(ref values, e)), c);
        (a + c).StoreUnsafe(ref result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(ref float source, int offset) => Vector512.LoadUnsafe(ref source, (nuint)offset);
}
