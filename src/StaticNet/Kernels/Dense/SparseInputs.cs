using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// A Dense layer's weighted sums for inputs that are mostly exact zeros, such as an image's background: 81% of an MNIST
/// digit's pixels are zero, where <see cref="Tiled"/>'s eight-sample tile can skip only the 19% of 16-input blocks
/// that are zero in all eight rows. Here each sample's non-zero inputs are visited one by one and each adds its row
/// of a transposed copy of the weights to the outputs, so the work follows the non-zero inputs.
/// <para>
/// The sums are the same bits as <see cref="Tiled.ForwardRows{TIn, TOut}"/>. There each output is sixteen lane
/// chains of fused multiply-adds over the input blocks in order (lane k holds inputs 16b + k), reduced by
/// <c>Sum4</c> and then added to the bias. Here the same chains run with 128 outputs across eight vectors, one lane
/// at a time, and are reduced in <c>Sum4</c>'s order. A zero input adds exactly nothing to its chain (for finite
/// weights), so skipping it changes no bit. (One corner, shared with <see cref="Tiled"/>'s block skipping: a chain
/// whose sum so far is -0, which only products that underflow to zero can make, turns +0 where the dense tile adds a
/// zero input's +0 product; an output can then differ only in the sign of an exact zero.)
/// </para>
/// Requires 512-bit vectors and a multiple of 16 inputs (<see cref="Supports"/>); the batch predictions use it
/// for the first layer only, where the input comes straight from the data.
/// </summary>
internal static class SparseInputs
{
    private const int W = 16; // floats per Vector512

    /// <summary>Whether <see cref="Forward"/> can compute a layer of <paramref name="inputs"/> inputs on this machine.</summary>
    public static bool Supports(int inputs) => Vector512.IsHardwareAccelerated && inputs >= W && inputs % W == 0;

    /// <summary>
    /// The largest share of non-zero inputs for which batch prediction's chunks, and one-sample prediction (measured
    /// there too: 0.64x the packed rows' time at 50% non-zero, about even near 60%), take this kernel for a layer of
    /// <paramref name="units"/> outputs. Measured on this project's 2-core Xeon, <c>PredictBatch</c> of 10,000 rows of randomly placed non-zero inputs,
    /// sparse against dense, next rows fetched ahead (2026-12-02): 784 -> 128 0.80-0.89x the time at 40% non-zero,
    /// 0.87-0.91x at 50%, 0.84-0.89x at 60%, 0.95-0.96x at 70%; 784 -> 256 0.85x, 0.97x, 1.00x, 1.25x; but 784 -> 100
    /// (padded to 128 columns) 0.82x, 0.99x, 1.06x, 1.16x and 784 -> 64 (four accumulators a lane) 0.96x, 1.10x, 1.17x,
    /// 1.24x. So 55% where the outputs fill whole groups of 128 (Fashion-MNIST's images, 50% non-zero, then take it: 0.88-0.92x
    /// with 784-128-64-10), else 40%. (MNIST digits: 19%.)
    /// </summary>
    public static double MaxDensity(int units) => units % 128 == 0 ? 0.55 : 0.40;

    /// <summary>
    /// Whether one-sample prediction may take this kernel for a first layer of <paramref name="inputs"/> x
    /// <paramref name="outputs"/>: batch prediction's rule (fewer than 64 outputs ran faster on the dense tiles), for a
    /// layer whose weights stream from L2 (<see cref="PackedRows.MinWeights"/>; from L1 the dense kernel is quick anyway).
    /// </summary>
    public static bool AppliesToOneSample(int inputs, int outputs) =>
        Supports(inputs) && outputs >= 64 && (long)inputs * outputs >= PackedRows.MinWeights;

    /// <summary>
    /// Floats per row of the transposed weights: the outputs rounded up to a group of four vectors (the extra columns are
    /// zero and their sums are dropped), so that every output runs in a group of eight or four accumulators.
    /// </summary>
    public static int Stride(int outputs) => (outputs + 4 * W - 1) / (4 * W) * (4 * W);

    /// <summary>Floats of the transposed weights of an <paramref name="inputs"/> x <paramref name="outputs"/> layer.</summary>
    public static int TransposedLength(int inputs, int outputs) => inputs * Stride(outputs);

    /// <summary>Floats of scratch <see cref="Forward"/> needs: one batch of lane-pair sums, whatever the count.</summary>
    public static int ScratchLength(int outputs) => 8 * Batch * Stride(outputs);

    /// <summary>Floats of scratch <see cref="Forward"/> needs for calls of at most <paramref name="count"/> samples (one sample: 4 KB at 128 outputs).</summary>
    public static int ScratchLength(int outputs, int count) => 8 * Math.Clamp(count, 1, Batch) * Stride(outputs);

    /// <summary>Words of a sample's lane masks (see <see cref="Masks"/>).</summary>
    public static int MaskLength(int inputs) => (inputs / W + 63) / 64 * W;

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
        if (Avx512F.IsSupported && inputs % W == 0)
        {
            TransposeBlocks(ref MemoryMarshal.GetReference(weights), inputs, outputs, stride, ref MemoryMarshal.GetReference(transposed));
            return;
        }
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

    // AggressiveOptimization on the loops here: compiled optimized on the first call, not as tier-0 code that a script
    // predicting the test set once would run 10-20x slower (StartOptimizedTests; docs/PERFORMANCE.md, 2026-12-02 11:18).
    /// <summary>
    /// <see cref="Transpose"/> with each 16 x 16 block transposed in registers (unpacks within 128-bit lanes, then two
    /// rounds of 128-bit shuffles). Measured for 784 x 128: 22-28 us against 114 us element by element, which made a
    /// PredictBatch of 64 digits 1.7x the dense path's time (now 0.7x). Spans already checked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeBlocks(ref float w, int inputs, int outputs, int stride, ref float t)
    {
        for (int i0 = 0; i0 < inputs; i0 += W)
            for (int j0 = 0; j0 < stride; j0 += W)
            {
                ref float source = ref Unsafe.Add(ref w, j0 * inputs + i0);
                int rows = Math.Clamp(outputs - j0, 0, W);
                Vector512<float> r0 = RowOrZero(ref source, 0, inputs, rows), r1 = RowOrZero(ref source, 1, inputs, rows);
                Vector512<float> r2 = RowOrZero(ref source, 2, inputs, rows), r3 = RowOrZero(ref source, 3, inputs, rows);
                Vector512<float> r4 = RowOrZero(ref source, 4, inputs, rows), r5 = RowOrZero(ref source, 5, inputs, rows);
                Vector512<float> r6 = RowOrZero(ref source, 6, inputs, rows), r7 = RowOrZero(ref source, 7, inputs, rows);
                Vector512<float> r8 = RowOrZero(ref source, 8, inputs, rows), r9 = RowOrZero(ref source, 9, inputs, rows);
                Vector512<float> r10 = RowOrZero(ref source, 10, inputs, rows), r11 = RowOrZero(ref source, 11, inputs, rows);
                Vector512<float> r12 = RowOrZero(ref source, 12, inputs, rows), r13 = RowOrZero(ref source, 13, inputs, rows);
                Vector512<float> r14 = RowOrZero(ref source, 14, inputs, rows), r15 = RowOrZero(ref source, 15, inputs, rows);
                // Within each 128-bit lane L, four rows' columns 4L..4L+3 become four columns of those rows.
                Quad(ref r0, ref r1, ref r2, ref r3);
                Quad(ref r4, ref r5, ref r6, ref r7);
                Quad(ref r8, ref r9, ref r10, ref r11);
                Quad(ref r12, ref r13, ref r14, ref r15);
                // Now r(4q + c) lane L holds column 4L + c of rows 4q..4q+3: gather the four quads' lanes per column.
                ref float o = ref Unsafe.Add(ref t, j0);
                int blocks = inputs / W;
                Columns(ref o, stride, blocks, i0, 0, r0, r4, r8, r12);
                Columns(ref o, stride, blocks, i0, 1, r1, r5, r9, r13);
                Columns(ref o, stride, blocks, i0, 2, r2, r6, r10, r14);
                Columns(ref o, stride, blocks, i0, 3, r3, r7, r11, r15);
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> RowOrZero(ref float source, int row, int inputs, int rows) =>
        row < rows ? Vector512.LoadUnsafe(ref source, (nuint)(row * inputs)) : Vector512<float>.Zero;

    /// <summary>Transposes the 4 x 4 blocks of four rows within each 128-bit lane (also <see cref="SparseInputGradients.TransposeBack"/>'s first step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Quad(ref Vector512<float> a, ref Vector512<float> b, ref Vector512<float> c, ref Vector512<float> d)
    {
        Vector512<float> t0 = Avx512F.UnpackLow(a, b), t1 = Avx512F.UnpackHigh(a, b);
        Vector512<float> t2 = Avx512F.UnpackLow(c, d), t3 = Avx512F.UnpackHigh(c, d);
        a = Avx512F.UnpackLow(t0.AsDouble(), t2.AsDouble()).AsSingle();
        b = Avx512F.UnpackHigh(t0.AsDouble(), t2.AsDouble()).AsSingle();
        c = Avx512F.UnpackLow(t1.AsDouble(), t3.AsDouble()).AsSingle();
        d = Avx512F.UnpackHigh(t1.AsDouble(), t3.AsDouble()).AsSingle();
    }

    /// <summary>
    /// From the four quads' vectors for column offset <paramref name="c"/> (lane L: column 4L + c of four rows),
    /// writes columns c, 4 + c, 8 + c and 12 + c of the block, sixteen rows each, as rows of the transposed weights.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns(ref float o, int stride, int blocks, int i0, int c, Vector512<float> q0, Vector512<float> q1, Vector512<float> q2, Vector512<float> q3)
    {
        Vector512<float> even01 = Avx512F.Shuffle4x128(q0, q1, 0x88), odd01 = Avx512F.Shuffle4x128(q0, q1, 0xDD);
        Vector512<float> even23 = Avx512F.Shuffle4x128(q2, q3, 0x88), odd23 = Avx512F.Shuffle4x128(q2, q3, 0xDD);
        // even01 = [q0.L0, q0.L2, q1.L0, q1.L2]; the columns take lanes L of q0..q3 in order.
        Avx512F.Shuffle4x128(even01, even23, 0x88).StoreUnsafe(ref o, (nuint)(Row(i0 + c, blocks * W) * stride));
        Avx512F.Shuffle4x128(odd01, odd23, 0x88).StoreUnsafe(ref o, (nuint)(Row(i0 + 4 + c, blocks * W) * stride));
        Avx512F.Shuffle4x128(even01, even23, 0xDD).StoreUnsafe(ref o, (nuint)(Row(i0 + 8 + c, blocks * W) * stride));
        Avx512F.Shuffle4x128(odd01, odd23, 0xDD).StoreUnsafe(ref o, (nuint)(Row(i0 + 12 + c, blocks * W) * stride));
    }

    /// <summary>The row of input <paramref name="i"/> in the transposed weights: lane (i mod 16) first, then block (i / 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Row(int i, int inputs) => i % W * (inputs / W) + i / W;

    /// <summary>
    /// For each of <paramref name="count"/> rows of <paramref name="x"/>, each lane k (0-15) and each group of 64 input
    /// blocks, a word whose bit b says that input 16(64w + b) + k is not zero (by its bits: -0 counts as not zero, as
    /// in <see cref="Tiled"/>). Layout [sample][word][lane], <see cref="MaskLength"/> words a sample. Returns the
    /// number of non-zero inputs, for the caller to choose between this kernel and the dense one. One compare a block
    /// sets the bits of all sixteen lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long Masks(ReadOnlySpan<float> x, int inputs, int count, Span<ulong> masks)
    {
        if (!Supports(inputs)) throw new ArgumentException($"{inputs} inputs are not a multiple of 16 on a 512-bit machine.", nameof(inputs));
        int blocks = inputs / W, perSample = MaskLength(inputs);
        if (x.Length < (long)count * inputs) throw new ArgumentException("Too few inputs for the count.", nameof(x));
        if (masks.Length < (long)count * perSample) throw new ArgumentException("Too short for the masks.", nameof(masks));
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref ulong mr = ref MemoryMarshal.GetReference(masks);
        long nonZero = 0;
        for (int s = 0; s < count; s++)
        {
            ref float row = ref Unsafe.Add(ref xr, s * inputs);
            ref ulong rowMasks = ref Unsafe.Add(ref mr, s * perSample);
            for (int b0 = 0, word = 0; b0 < blocks; b0 += 64, word++)
            {
                // Two halves of 32 blocks in 32-bit lanes, then joined lane by lane.
                Vector512<uint> low = Vector512<uint>.Zero, high = Vector512<uint>.Zero;
                for (int b = b0, end = Math.Min(b0 + 32, blocks); b < end; b++)
                    low |= NonZeroBit(ref row, b, b - b0, ref nonZero);
                for (int b = b0 + 32, end = Math.Min(b0 + 64, blocks); b < end; b++)
                    high |= NonZeroBit(ref row, b, b - b0 - 32, ref nonZero);
                ref ulong words = ref Unsafe.Add(ref rowMasks, word * W);
                (Vector512.WidenLower(low) | Vector512.ShiftLeft(Vector512.WidenLower(high), 32)).StoreUnsafe(ref words);
                (Vector512.WidenUpper(low) | Vector512.ShiftLeft(Vector512.WidenUpper(high), 32)).StoreUnsafe(ref words, 8);
            }
        }
        return nonZero;
    }

    /// <summary>
    /// The values of <paramref name="x"/> that are not zero, counted as <see cref="Masks"/> counts them (by their bits),
    /// without writing masks: the callers' look at the first rows before transposing anything.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long CountNonZero(ReadOnlySpan<float> x)
    {
        long zeros = 0;
        int i = 0;
        for (; i + W <= x.Length; i += W)
            zeros += BitOperations.PopCount((uint)Vector512.Equals(Vector512.Create(x.Slice(i, W)).AsUInt32(), Vector512<uint>.Zero).ExtractMostSignificantBits());
        for (; i < x.Length; i++) if (BitConverter.SingleToInt32Bits(x[i]) == 0) zeros++;
        return x.Length - zeros;
    }

    /// <summary>1 &lt;&lt; <paramref name="bit"/> in the lanes where block <paramref name="block"/> of <paramref name="row"/> is not zero; counts them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> NonZeroBit(ref float row, int block, int bit, ref long nonZero)
    {
        Vector512<uint> zero = Vector512.Equals(Vector512.LoadUnsafe(ref row, (nuint)(block * W)).AsUInt32(), Vector512<uint>.Zero);
        nonZero += W - BitOperations.PopCount((uint)zero.ExtractMostSignificantBits());
        return Vector512.AndNot(Vector512.Create(1u << bit), zero);
    }

    /// <summary>
    /// Y[s, j] = Σ_k X[s, k]·W[j, k] + b[j] for the <paramref name="outputs"/> outputs of <paramref name="count"/>
    /// samples, from <see cref="Transpose">the transposed weights</see> and the rows' <see cref="Masks"/>: the same
    /// bits as <see cref="Tiled.ForwardRows{TIn, TOut}"/>. <paramref name="scratch"/> holds
    /// <see cref="ScratchLength(int, int)"/> floats. <paramref name="ahead"/>: the rows the caller will pass next, fetched into
    /// cache a few lines at a time while this call computes (empty for none).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> transposed, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, ReadOnlySpan<ulong> masks,
        Span<float> y, int count, int inputs, int outputs, Span<float> scratch, ReadOnlySpan<float> ahead = default)
    {
        if (!Supports(inputs)) throw new ArgumentException($"{inputs} inputs are not a multiple of 16 on a 512-bit machine.", nameof(inputs));
        int stride = Stride(outputs), perSample = MaskLength(inputs);
        if (transposed.Length < inputs * stride) throw new ArgumentException("Too short for the transposed weights.", nameof(transposed));
        if (bias.Length < outputs) throw new ArgumentException("Too few biases.", nameof(bias));
        if (x.Length < (long)count * inputs) throw new ArgumentException("Too few inputs for the count.", nameof(x));
        if (masks.Length < (long)count * perSample) throw new ArgumentException("Too few masks for the count.", nameof(masks));
        if (y.Length < (long)count * outputs) throw new ArgumentException("Too short for the outputs.", nameof(y));
        if (scratch.Length < ScratchLength(outputs, count)) throw new ArgumentException("Too little scratch.", nameof(scratch));
        int blocks = inputs / W;
        CheckMaskEnds(masks, count, blocks);
        ref float wt = ref MemoryMarshal.GetReference(transposed);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref ulong mr = ref MemoryMarshal.GetReference(masks);
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
        // The next rows come from memory at this core's 7-11 GB/s, which took a quarter of a call when the masks read
        // them: their cache lines are requested a few after each sample's chain, spread over all of this call's chains.
        int chains = count * W * (stride / (8 * W) + stride % (8 * W) / (4 * W));
        var prefetcher = new Prefetcher(PrefetchDisabled ? default : ahead, chains);
        // A lane pair's sums for the batch: Batch samples apart, or fewer for a call of fewer samples (ScratchLength(outputs, count)).
        int pair = Math.Clamp(count, 1, Batch) * stride;
        for (int first = 0; first < count; first += Batch)
        {
            int n = Math.Min(Batch, count - first);
            var batch = new SampleRows(ref Unsafe.Add(ref xr, first * inputs), inputs, ref Unsafe.Add(ref mr, first * perSample), perSample, n);
            int j = 0;
            for (; j + 8 * W <= stride; j += 8 * W)
                for (int k = 0; k < W; k++)
                    LaneEight(ref Unsafe.Add(ref wt, j), stride, blocks, batch, k, k >= 8, ref Unsafe.Add(ref t, k % 8 * pair + j), ref prefetcher);
            if (j < stride) // 64 outputs left
                for (int k = 0; k < W; k++)
                    LaneFour(ref Unsafe.Add(ref wt, j), stride, blocks, batch, k, k >= 8, ref Unsafe.Add(ref t, k % 8 * pair + j), ref prefetcher);

            // The rest of Sum4 across the lane pairs, as it runs on one accumulator: lanes k + (k + 4) for k < 4,
            // then (0 + 1) + (2 + 3); then the bias.
            for (int i = 0; i < n; i++)
            {
                ref float ts = ref Unsafe.Add(ref t, i * stride);
                ref float ys = ref Unsafe.Add(ref yr, (first + i) * outputs);
                for (int o = 0; o < outputs; o += W)
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

    /// <summary>Measurements compare <see cref="Forward"/> with and without fetching the next rows ahead (the same bits).</summary>
    internal static bool PrefetchDisabled;

    /// <summary>
    /// Requests the cache lines of the rows a caller passes next, an even share after each of <see cref="Forward"/>'s
    /// chains: a burst of all 49 lines of a row per lane stalled on the core's few outstanding misses and saved half as
    /// much. Into L2 (<c>prefetcht1</c>): the next 64 rows are 200 KB.
    /// </summary>
    private ref struct Prefetcher
    {
        private readonly ref float _start;
        private readonly int _lines, _perChain;
        private int _next;

        public Prefetcher(ReadOnlySpan<float> rows, int chains)
        {
            _start = ref MemoryMarshal.GetReference(rows);
            _lines = rows.Length / W;
            _perChain = chains == 0 || !Sse.IsSupported ? 0 : (_lines + chains - 1) / chains;
        }

        /// <summary>The next lines of the rows' span, into L2 (<see cref="Simd.PrefetchLine"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AfterChain()
        {
            int end = Math.Min(_next + _perChain, _lines);
            for (; _next < end; _next++) Simd.PrefetchLine(ref Unsafe.Add(ref _start, _next * W), toL2: true);
        }
    }

    /// <summary>
    /// A set bit past the last block would read past the row and the weights: masks come from <see cref="Masks"/>, but a
    /// kernel never trusts its arguments that far (one check a sample's last word).
    /// </summary>
    private static void CheckMaskEnds(ReadOnlySpan<ulong> masks, int count, int blocks)
    {
        int perSample = (blocks + 63) / 64 * W, lastBits = blocks % 64;
        if (lastBits == 0) return;
        for (int s = 0; s < count; s++)
            for (int k = 0; k < W; k++)
                if (masks[s * perSample + perSample - W + k] >> lastBits != 0) throw new ArgumentException($"Sample {s}'s masks mark a block past the row.", nameof(masks));
    }

    /// <summary>Floats of <see cref="ForwardLanes"/>' sums for <paramref name="count"/> samples: eight lanes, each sample's row of outputs.</summary>
    public static int LaneSumsLength(int count, int outputs) => 8 * count * Stride(outputs);

    /// <summary>
    /// The first half of <see cref="Forward"/>, split between two threads by the transposed weights' rows: every sample's
    /// chains of lanes [<paramref name="laneStart"/>, <paramref name="laneStart"/> + 8) (0 or 8; in the transposed
    /// layout rows 0 to 8·blocks - 1, or the rest), stored in <paramref name="sums"/> as [lane - laneStart][sample]
    /// [<see cref="Stride"/>] for <paramref name="total"/> samples, this call's <paramref name="count"/> from sample
    /// <paramref name="first"/> (<paramref name="x"/> and <paramref name="masks"/> start there).
    /// <see cref="ReduceLanes"/> adds both halves' sums as <see cref="Forward"/> does, so the outputs are the same bits;
    /// each thread reads only its own rows of the weights.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardLanes(ReadOnlySpan<float> transposed, ReadOnlySpan<float> x, ReadOnlySpan<ulong> masks, int count, int inputs, int outputs,
        int laneStart, Span<float> sums, int first, int total)
    {
        if (first < 0 || count < 0 || first + count > total) throw new ArgumentOutOfRangeException(nameof(first), $"Samples [{first}, {first + count}) are not within the {total} summed.");
        if (!Supports(inputs)) throw new ArgumentException($"{inputs} inputs are not a multiple of 16 on a 512-bit machine.", nameof(inputs));
        if (laneStart is not (0 or 8)) throw new ArgumentOutOfRangeException(nameof(laneStart), laneStart, "Expected lanes 0-7 or 8-15.");
        int stride = Stride(outputs), perSample = MaskLength(inputs);
        if (transposed.Length < inputs * stride) throw new ArgumentException("Too short for the transposed weights.", nameof(transposed));
        if (x.Length < (long)count * inputs) throw new ArgumentException("Too few inputs for the count.", nameof(x));
        if (masks.Length < (long)count * perSample) throw new ArgumentException("Too few masks for the count.", nameof(masks));
        if (sums.Length < LaneSumsLength(total, outputs)) throw new ArgumentException("Too short for the lanes' sums.", nameof(sums));
        int blocks = inputs / W;
        CheckMaskEnds(masks, count, blocks);
        ref float wt = ref MemoryMarshal.GetReference(transposed);
        ref float t = ref Unsafe.Add(ref MemoryMarshal.GetReference(sums), first * stride);
        var rows = new SampleRows(ref MemoryMarshal.GetReference(x), inputs, ref MemoryMarshal.GetReference(masks), perSample, count);
        Prefetcher none = default;
        int j = 0;
        for (; j + 8 * W <= stride; j += 8 * W)
            for (int k = laneStart; k < laneStart + 8; k++)
                LaneEight(ref Unsafe.Add(ref wt, j), stride, blocks, rows, k, add: false, ref Unsafe.Add(ref t, (k - laneStart) * total * stride + j), ref none);
        if (j < stride) // 64 outputs left
            for (int k = laneStart; k < laneStart + 8; k++)
                LaneFour(ref Unsafe.Add(ref wt, j), stride, blocks, rows, k, add: false, ref Unsafe.Add(ref t, (k - laneStart) * total * stride + j), ref none);
    }

    /// <summary>
    /// The rest of <see cref="Forward"/> for samples [<paramref name="first"/>, <paramref name="first"/> +
    /// <paramref name="n"/>) of the <paramref name="count"/> in both halves' <see cref="ForwardLanes"/> sums: lane k's
    /// sum plus lane k + 8's, then Sum4's order and the bias, into <paramref name="y"/> (<paramref name="n"/> rows of
    /// <paramref name="outputs"/>, a multiple of 16).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReduceLanes(ReadOnlySpan<float> lower, ReadOnlySpan<float> upper, int count, int first, int n, int outputs, ReadOnlySpan<float> bias, Span<float> y)
    {
        int stride = Stride(outputs), pair = count * stride;
        if (outputs % W != 0) throw new ArgumentException($"{outputs} outputs are not a multiple of 16.", nameof(outputs));
        if (first < 0 || n < 0 || first + n > count) throw new ArgumentOutOfRangeException(nameof(first), $"Samples [{first}, {first + n}) are not within the {count} summed.");
        if (lower.Length < LaneSumsLength(count, outputs) || upper.Length < LaneSumsLength(count, outputs)) throw new ArgumentException("Too short for the lanes' sums.", nameof(lower));
        if (bias.Length < outputs) throw new ArgumentException("Too few biases.", nameof(bias));
        if (y.Length < (long)n * outputs) throw new ArgumentException("Too short for the outputs.", nameof(y));
        ref float lo = ref MemoryMarshal.GetReference(lower);
        ref float up = ref MemoryMarshal.GetReference(upper);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float yr = ref MemoryMarshal.GetReference(y);
        for (int i = 0; i < n; i++)
        {
            int at = (first + i) * stride;
            ref float ys = ref Unsafe.Add(ref yr, i * outputs);
            for (int o = 0; o < outputs; o += W)
            {
                Vector512<float> p0 = Load(ref lo, at + o) + Load(ref up, at + o), p4 = Load(ref lo, 4 * pair + at + o) + Load(ref up, 4 * pair + at + o);
                Vector512<float> p1 = Load(ref lo, pair + at + o) + Load(ref up, pair + at + o), p5 = Load(ref lo, 5 * pair + at + o) + Load(ref up, 5 * pair + at + o);
                Vector512<float> p2 = Load(ref lo, 2 * pair + at + o) + Load(ref up, 2 * pair + at + o), p6 = Load(ref lo, 6 * pair + at + o) + Load(ref up, 6 * pair + at + o);
                Vector512<float> p3 = Load(ref lo, 3 * pair + at + o) + Load(ref up, 3 * pair + at + o), p7 = Load(ref lo, 7 * pair + at + o) + Load(ref up, 7 * pair + at + o);
                Vector512<float> sum = ((p0 + p4) + (p1 + p5)) + ((p2 + p6) + (p3 + p7));
                (sum + Load(ref b, o)).StoreUnsafe(ref ys, (nuint)o);
            }
        }
    }

    /// <summary>Samples whose lanes <see cref="Forward"/> runs together (see the loop order there).</summary>
    private const int Batch = 16;

    /// <summary>A batch's rows of X and their masks.</summary>
    private readonly ref struct SampleRows
    {
        private readonly ref float _x;
        private readonly ref ulong _masks;
        public readonly int Inputs, PerSample, Count;

        public SampleRows(ref float x, int inputs, ref ulong masks, int perSample, int count)
        {
            _x = ref x;
            _masks = ref masks;
            Inputs = inputs;
            PerSample = perSample;
            Count = count;
        }

        public ref float Row(int s) => ref Unsafe.Add(ref _x, s * Inputs);
        public ref ulong Masks(int s) => ref Unsafe.Add(ref _masks, s * PerSample);
    }

    /// <summary>
    /// Every sample's chain of lane <paramref name="lane"/> for 128 outputs from <paramref name="wt"/>: eight
    /// accumulators, so eight independent FMA chains hide the FMA's latency. Stores the sums at <paramref name="result"/>
    /// (one sample every stride floats), or with <paramref name="add"/> (lanes 8-15 in <see cref="Forward"/>) adds them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LaneEight(ref float wt, int stride, int blocks, SampleRows batch, int lane, bool add, ref float result, ref Prefetcher prefetcher)
    {
        ref float laneRows = ref Unsafe.Add(ref wt, lane * blocks * stride);
        for (int s = 0; s < batch.Count; s++)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            ref float x = ref Unsafe.Add(ref batch.Row(s), lane);
            ref ulong masks = ref Unsafe.Add(ref batch.Masks(s), lane);
            for (int word = 0; word * 64 < blocks; word++)
                // The lane's non-zero inputs 16b + k in block order: the chain's order.
                for (ulong m = Unsafe.Add(ref masks, word * W); m != 0; m &= m - 1)
                {
                    int b = word * 64 + BitOperations.TrailingZeroCount(m);
                    var v = Vector512.Create(Unsafe.Add(ref x, b * W));
                    ref float row = ref Unsafe.Add(ref laneRows, b * stride);
                    a0 = Simd.Fma512(Load(ref row, 0), v, a0);
                    a1 = Simd.Fma512(Load(ref row, W), v, a1);
                    a2 = Simd.Fma512(Load(ref row, 2 * W), v, a2);
                    a3 = Simd.Fma512(Load(ref row, 3 * W), v, a3);
                    a4 = Simd.Fma512(Load(ref row, 4 * W), v, a4);
                    a5 = Simd.Fma512(Load(ref row, 5 * W), v, a5);
                    a6 = Simd.Fma512(Load(ref row, 6 * W), v, a6);
                    a7 = Simd.Fma512(Load(ref row, 7 * W), v, a7);
                }
            ref float r = ref Unsafe.Add(ref result, s * stride);
            if (add)
            {
                a0 = Load(ref r, 0) + a0; a1 = Load(ref r, W) + a1; a2 = Load(ref r, 2 * W) + a2; a3 = Load(ref r, 3 * W) + a3;
                a4 = Load(ref r, 4 * W) + a4; a5 = Load(ref r, 5 * W) + a5; a6 = Load(ref r, 6 * W) + a6; a7 = Load(ref r, 7 * W) + a7;
            }
            a0.StoreUnsafe(ref r); a1.StoreUnsafe(ref r, W); a2.StoreUnsafe(ref r, 2 * W); a3.StoreUnsafe(ref r, 3 * W);
            a4.StoreUnsafe(ref r, 4 * W); a5.StoreUnsafe(ref r, 5 * W); a6.StoreUnsafe(ref r, 6 * W); a7.StoreUnsafe(ref r, 7 * W);
            prefetcher.AfterChain();
        }
    }

    /// <summary><see cref="LaneEight"/> for the last 64 outputs of a layer whose outputs are not a multiple of 128 (four accumulators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LaneFour(ref float wt, int stride, int blocks, SampleRows batch, int lane, bool add, ref float result, ref Prefetcher prefetcher)
    {
        ref float laneRows = ref Unsafe.Add(ref wt, lane * blocks * stride);
        for (int s = 0; s < batch.Count; s++)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            ref float x = ref Unsafe.Add(ref batch.Row(s), lane);
            ref ulong masks = ref Unsafe.Add(ref batch.Masks(s), lane);
            for (int word = 0; word * 64 < blocks; word++)
                for (ulong m = Unsafe.Add(ref masks, word * W); m != 0; m &= m - 1)
                {
                    int b = word * 64 + BitOperations.TrailingZeroCount(m);
                    var v = Vector512.Create(Unsafe.Add(ref x, b * W));
                    ref float row = ref Unsafe.Add(ref laneRows, b * stride);
                    a0 = Simd.Fma512(Load(ref row, 0), v, a0);
                    a1 = Simd.Fma512(Load(ref row, W), v, a1);
                    a2 = Simd.Fma512(Load(ref row, 2 * W), v, a2);
                    a3 = Simd.Fma512(Load(ref row, 3 * W), v, a3);
                }
            ref float r = ref Unsafe.Add(ref result, s * stride);
            if (add)
            {
                a0 = Load(ref r, 0) + a0; a1 = Load(ref r, W) + a1; a2 = Load(ref r, 2 * W) + a2; a3 = Load(ref r, 3 * W) + a3;
            }
            a0.StoreUnsafe(ref r); a1.StoreUnsafe(ref r, W); a2.StoreUnsafe(ref r, 2 * W); a3.StoreUnsafe(ref r, 3 * W);
            prefetcher.AfterChain();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(ref float source, int offset) => Vector512.LoadUnsafe(ref source, (nuint)offset);
}
