using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>Which integer dot-product code <see cref="Int8Dense.MultiplyAccumulate"/> runs.</summary>
internal enum Int8Path
{
    /// <summary>The fastest one the processor has.</summary>
    Auto,
    /// <summary>AVX-VNNI <c>vpdpbusd</c> on 256-bit vectors: four u8 x s8 products summed into each int32 lane.</summary>
    Vnni,
    /// <summary><see cref="Vnni"/> with the weights read in 512-bit loads (AVX-512 processors): faster from L2.</summary>
    VnniWide,
    /// <summary>AVX2: bytes widened to int16, <c>vpmaddwd</c> (exact: no int16 saturation as with <c>vpmaddubsw</c>).</summary>
    Avx2,
    /// <summary>Plain C#.</summary>
    Scalar,
}

/// <summary>
/// The int8 dense-layer kernel: acc[j] = Σᵢ w[j, i] · x[i] with signed 8-bit weights, unsigned 8-bit
/// inputs and 32-bit sums. The sums are exact (|acc| ≤ inputs · 255 · 127 &lt; 2³¹ for any layer of
/// fewer than 66,000 inputs), so every path gives the same integers, whatever order it adds in.
/// </summary>
/// <remarks>
/// Weight layout (chosen for <c>vpdpbusd</c>, which multiplies four adjacent unsigned bytes of the
/// input by four adjacent signed bytes of the weights and adds the four products to one int32
/// lane): the outputs are padded to tiles of 32 (four 8-lane vectors), the inputs to a multiple of
/// 16; a tile is one contiguous stream of [input group of 4][32 outputs][4 inputs] bytes, so
/// w[j, i] sits at <c>(j / 32) · 32 · paddedInputs + (i / 4) · 128 + (j % 32) · 4 + i % 4</c>. One
/// broadcast of four input bytes then feeds four <c>vpdpbusd</c> over 128 consecutive weight bytes.
/// Inputs that are all zero (image background, ReLU zeros) add nothing and are skipped: in blocks of 16 for
/// batches, and for one sample on the VNNI paths in groups of 4 when at most 55% of the groups are live.
/// .NET 10 exposes <c>vpdpbusd</c> on 128- and 256-bit vectors only (<c>AvxVnni</c>; there is no
/// 512-bit <c>Avx512Vnni</c> class), so 256 bits is the widest integer dot product here.
/// </remarks>
internal static class Int8Dense
{
    // The packed layout is Int8Layout's (src/Shared), which the generator bakes too.
    public const int TileOutputs = Int8Layout.TileOutputs;
    public const int BlockInputs = Int8Layout.BlockInputs;
    private const int GroupBytes = Int8Layout.GroupBytes;

    public static int PaddedInputs(int inputs) => Int8Layout.PaddedInputs(inputs);

    public static int PaddedOutputs(int outputs) => Int8Layout.PaddedOutputs(outputs);

    /// <summary>Where w[j, i] is in the packed layout.</summary>
    public static int Index(int output, int input, int paddedInputs) => Int8Layout.Index(output, input, paddedInputs);

    /// <summary>The path <see cref="Int8Path.Auto"/> stands for on this processor.</summary>
    public static Int8Path Best => HasVnni ? (Vector512.IsHardwareAccelerated ? Int8Path.VnniWide : Int8Path.Vnni) : Avx2.IsSupported ? Int8Path.Avx2 : Int8Path.Scalar;

    // AvxVnni is a preview API in .NET 8 (CA2252): the net8.0 build runs the AVX2 path instead.
#if NET10_0_OR_GREATER
    private static bool HasVnni => AvxVnni.IsSupported;
#else
    private static bool HasVnni => false;
#endif

    /// <summary>Whether <paramref name="path"/> can run here.</summary>
    public static bool IsSupported(Int8Path path) => path switch
    {
        Int8Path.Vnni => HasVnni,
        Int8Path.VnniWide => HasVnni && Vector512.IsHardwareAccelerated,
        Int8Path.Avx2 => Avx2.IsSupported,
        _ => true,
    };

    /// <summary>Packs row-major [outputs x inputs] weights into the tiled layout (padding zero).</summary>
    public static sbyte[] Pack(ReadOnlySpan<sbyte> rowMajor, int inputs, int outputs)
    {
        int paddedInputs = PaddedInputs(inputs);
        var packed = new sbyte[paddedInputs * PaddedOutputs(outputs)];
        for (int j = 0; j < outputs; j++)
            for (int i = 0; i < inputs; i++)
                packed[Index(j, i, paddedInputs)] = rowMajor[j * inputs + i];
        return packed;
    }

    // AggressiveOptimization on the loops here: int8 prediction starts optimized (as tier-0 code its first 6,000 calls
    // took 5-15x the later time; StartOptimizedTests).
    /// <summary>
    /// acc[j] = Σᵢ w[j, i] · x[i] for every padded output j. <paramref name="x"/> holds the padded
    /// inputs (bytes past the real inputs may hold anything: their weights are zero).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAccumulate(Int8Path path, ReadOnlySpan<sbyte> packed, ReadOnlySpan<byte> x, Span<int> acc, int paddedInputs, int paddedOutputs)
    {
        path = Resolve(path);
        Check(packed, x, acc, paddedInputs, paddedOutputs);
        ref sbyte w = ref MemoryMarshal.GetReference(packed);
        ref byte xr = ref MemoryMarshal.GetReference(x);
        ref int a = ref MemoryMarshal.GetReference(acc);
        int tileBytes = TileOutputs * paddedInputs;
#if NET10_0_OR_GREATER
        if (path is Int8Path.Vnni or Int8Path.VnniWide)
        {
            // One sample: skip every group of four zero inputs, the unit vpdpbusd reads (a test digit has
            // 27% of its groups live against 58% of its 16-input blocks, so half the weights are read).
            // Following the list costs about twice the plain stream per group read (784 x 128: the two are even at
            // 55-60% of the groups live), so the groups are counted first and listed only when at most 55% are live.
            int groupCount = paddedInputs / 4;
            if (ListsGroups(CountLiveGroups(x.Slice(0, paddedInputs)), groupCount))
            {
                Span<int> groups = groupCount <= 4096 ? stackalloc int[groupCount] : new int[groupCount];
                ReadOnlySpan<int> liveGroups = LiveGroups(x.Slice(0, paddedInputs), groups);
                for (int tile = 0; tile < paddedOutputs / TileOutputs; tile++)
                {
                    ref sbyte wt = ref Unsafe.Add(ref w, tile * tileBytes);
                    ref int at = ref Unsafe.Add(ref a, tile * TileOutputs);
                    if (path == Int8Path.VnniWide) TileVnniGroups<WideLoads>(ref wt, ref xr, liveGroups, ref at);
                    else TileVnniGroups<NarrowLoads>(ref wt, ref xr, liveGroups, ref at);
                }
                return;
            }
            // Most groups live: every weight is read, tile by tile in the order it is stored. Zero inputs then add zero
            // products (the same integers); following a list of live blocks instead cost a third more than the plain
            // stream (784 x 128: 0.79-0.84 against 0.58-0.60 us, the speed of a plain read of those weights).
            for (int tile = 0; tile < paddedOutputs / TileOutputs; tile++)
            {
                ref sbyte wt = ref Unsafe.Add(ref w, tile * tileBytes);
                ref int at = ref Unsafe.Add(ref a, tile * TileOutputs);
                if (path == Int8Path.VnniWide) TileVnniAll<WideLoads>(ref wt, ref xr, paddedInputs / BlockInputs, ref at);
                else TileVnniAll<NarrowLoads>(ref wt, ref xr, paddedInputs / BlockInputs, ref at);
            }
            return;
        }
#endif
        int blockCount = paddedInputs / BlockInputs;
        Span<int> blocks = blockCount <= 1024 ? stackalloc int[blockCount] : new int[blockCount];
        ReadOnlySpan<int> live = LiveBlocks(x, x, blocks);
        for (int tile = 0; tile < paddedOutputs / TileOutputs; tile++)
        {
            ref sbyte wt = ref Unsafe.Add(ref w, tile * tileBytes);
            ref int at = ref Unsafe.Add(ref a, tile * TileOutputs);
            switch (path)
            {
#if NET10_0_OR_GREATER
                case Int8Path.Vnni: TileVnni<NarrowLoads>(ref wt, ref xr, live, ref at); break;
                case Int8Path.VnniWide: TileVnni<WideLoads>(ref wt, ref xr, live, ref at); break;
#endif
                case Int8Path.Avx2: TileAvx2(ref wt, ref xr, live, ref at); break;
                default: TileScalar(ref wt, ref xr, live, ref at); break;
            }
        }
    }

    /// <summary>Whether one sample with <paramref name="live"/> of <paramref name="groupCount"/> groups of four inputs live follows a list of them (at most 55%).</summary>
    internal static bool ListsGroups(int live, int groupCount) => live * 20 <= groupCount * 11;

    /// <summary>How many groups of four inputs are not all zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CountLiveGroups(ReadOnlySpan<byte> x)
    {
        int live = 0, k = 0, count = x.Length / 4;
        ref byte xr = ref MemoryMarshal.GetReference(x);
        if (Vector512.IsHardwareAccelerated)
            for (; k + 16 <= count; k += 16)
                live += BitOperations.PopCount((~Vector512.Equals(Vector512.LoadUnsafe(ref xr, (nuint)(4 * k)).AsUInt32(), Vector512<uint>.Zero)).ExtractMostSignificantBits());
        for (; k < count; k++)
            if (Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref xr, 4 * k)) != 0) live++;
        return live;
    }

    /// <summary>The groups of four inputs (as indices: input / 4) that are not all zero, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ReadOnlySpan<int> LiveGroups(ReadOnlySpan<byte> x, Span<int> groups)
    {
        int live = 0, k = 0, count = x.Length / 4;
        ref byte xr = ref MemoryMarshal.GetReference(x);
        if (Vector512.IsHardwareAccelerated)
            for (; k + 16 <= count; k += 16)
            {
                // One bit per group of four bytes that holds a nonzero byte.
                ulong bits = (~Vector512.Equals(Vector512.LoadUnsafe(ref xr, (nuint)(4 * k)).AsUInt32(), Vector512<uint>.Zero)).ExtractMostSignificantBits();
                while (bits != 0)
                {
                    groups[live++] = k + BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                }
            }
        for (; k < count; k++)
            if (Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref xr, 4 * k)) != 0) groups[live++] = k;
        return groups.Slice(0, live);
    }

    /// <summary>
    /// <see cref="MultiplyAccumulate"/> for <paramref name="samples"/> samples: sample s's padded inputs at
    /// <c>x[s · xStride]</c>, its sums at <c>acc[s · accStride]</c>. The GEMM loop order: each tile of 32
    /// outputs (32 · paddedInputs bytes, 25 KB for 784 inputs) is run over every sample before the next
    /// tile, so its weights are read from L2 once and from L1 after that; on the VNNI path four samples
    /// share each weight load. <paramref name="live"/> is scratch for at least
    /// <c>⌈samples / 4⌉ · paddedInputs / 16</c> ints. The same integers as one call per sample.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAccumulateBatch(Int8Path path, ReadOnlySpan<sbyte> packed, ReadOnlySpan<byte> x, int xStride, Span<int> acc, int accStride,
        int samples, int paddedInputs, int paddedOutputs, Span<int> live)
    {
        path = Resolve(path);
        if (samples <= 0) return;
        if (xStride < paddedInputs || accStride < paddedOutputs)
            throw new ArgumentException($"Strides {xStride} and {accStride} must be at least the padded sizes {paddedInputs} and {paddedOutputs}.");
        Check(packed, x.Slice((samples - 1) * xStride), acc.Slice((samples - 1) * accStride), paddedInputs, paddedOutputs);
        int blockCount = paddedInputs / BlockInputs, groups = (samples + 3) / 4;
        if (live.Length < groups * blockCount) throw new ArgumentException($"Expected at least {groups * blockCount} ints of scratch; got {live.Length}.", nameof(live));
#if NET10_0_OR_GREATER
        if (path is Int8Path.Vnni or Int8Path.VnniWide)
        {
            // The live blocks of each group of four samples (a block is skipped only when zero in all four), found once for every tile.
            Span<int> counts = groups <= 256 ? stackalloc int[groups] : new int[groups];
            for (int g = 0; g < groups; g++)
            {
                int first = g * 4, count = Math.Min(4, samples - first);
                counts[g] = LiveBlocks(x.Slice(first * xStride), xStride, count, live.Slice(g * blockCount, blockCount));
            }
            ref sbyte w = ref MemoryMarshal.GetReference(packed);
            ref byte xr = ref MemoryMarshal.GetReference(x);
            ref int ar = ref MemoryMarshal.GetReference(acc);
            int tileBytes = TileOutputs * paddedInputs;
            for (int tile = 0; tile < paddedOutputs / TileOutputs; tile++)
            {
                ref sbyte wt = ref Unsafe.Add(ref w, tile * tileBytes);
                for (int g = 0; g < groups; g++)
                {
                    int first = g * 4, count = Math.Min(4, samples - first);
                    ReadOnlySpan<int> blocks = live.Slice(g * blockCount, counts[g]);
                    ref byte x0 = ref Unsafe.Add(ref xr, first * xStride);
                    ref int a0 = ref Unsafe.Add(ref ar, first * accStride + tile * TileOutputs);
                    switch (count)
                    {
                        case 4:
                            TileVnni4(ref wt, ref x0, xStride, blocks, ref a0, accStride);
                            break;
                        case 3:
                            TileVnni2(ref wt, ref x0, ref Unsafe.Add(ref x0, xStride), blocks, ref a0, ref Unsafe.Add(ref a0, accStride));
                            TileVnni<NarrowLoads>(ref wt, ref Unsafe.Add(ref x0, 2 * xStride), blocks, ref Unsafe.Add(ref a0, 2 * accStride));
                            break;
                        case 2:
                            TileVnni2(ref wt, ref x0, ref Unsafe.Add(ref x0, xStride), blocks, ref a0, ref Unsafe.Add(ref a0, accStride));
                            break;
                        default:
                            TileVnni<NarrowLoads>(ref wt, ref x0, blocks, ref a0);
                            break;
                    }
                }
            }
            return;
        }
#endif
        for (int s = 0; s < samples; s++)
            MultiplyAccumulate(path, packed, x.Slice(s * xStride, paddedInputs), acc.Slice(s * accStride, paddedOutputs), paddedInputs, paddedOutputs);
    }

    /// <summary>The blocks of 16 inputs not all zero in any of <paramref name="count"/> samples <paramref name="stride"/> bytes apart; returns how many.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int LiveBlocks(ReadOnlySpan<byte> x, int stride, int count, Span<int> blocks)
    {
        int live = 0;
        ref byte r = ref MemoryMarshal.GetReference(x);
        for (int k = 0; k < blocks.Length; k++)
        {
            ref byte at = ref Unsafe.Add(ref r, k * BlockInputs);
            Vector128<byte> bits = Vector128.LoadUnsafe(ref at);
            for (int s = 1; s < count; s++)
                bits |= Vector128.LoadUnsafe(ref at, (nuint)(s * stride));
            if (bits != Vector128<byte>.Zero) blocks[live++] = k;
        }
        return live;
    }

    private static Int8Path Resolve(Int8Path path)
    {
        if (path == Int8Path.Auto) path = Best;
        if (!IsSupported(path)) throw new PlatformNotSupportedException($"The int8 kernel path {path} needs an instruction set this processor lacks.");
        return path;
    }

    private static void Check(ReadOnlySpan<sbyte> packed, ReadOnlySpan<byte> x, Span<int> acc, int paddedInputs, int paddedOutputs)
    {
        if (paddedInputs <= 0 || paddedOutputs <= 0 || paddedInputs % BlockInputs != 0 || paddedOutputs % TileOutputs != 0)
            throw new ArgumentException($"Padded sizes must be positive multiples of {BlockInputs} and {TileOutputs}; got {paddedInputs} and {paddedOutputs}.");
        if (packed.Length < paddedInputs * paddedOutputs) throw new ArgumentException($"Expected {paddedInputs * paddedOutputs} packed weights; got {packed.Length}.", nameof(packed));
        if (x.Length < paddedInputs) throw new ArgumentException($"Expected {paddedInputs} inputs; got {x.Length}.", nameof(x));
        if (acc.Length < paddedOutputs) throw new ArgumentException($"Expected room for {paddedOutputs} sums; got {acc.Length}.", nameof(acc));
    }

    /// <summary>The blocks of 16 inputs not all zero in <paramref name="x0"/> or <paramref name="x1"/>, found once for every tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ReadOnlySpan<int> LiveBlocks(ReadOnlySpan<byte> x0, ReadOnlySpan<byte> x1, Span<int> blocks)
    {
        int live = 0;
        ref byte a = ref MemoryMarshal.GetReference(x0);
        ref byte b = ref MemoryMarshal.GetReference(x1);
        for (int k = 0; k < blocks.Length; k++)
        {
            int at = k * BlockInputs;
            ulong bits = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref a, at)) | Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref a, at + 8))
                | Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, at)) | Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, at + 8));
            if (bits != 0) blocks[live++] = k;
        }
        return blocks.Slice(0, live);
    }

    /// <summary>
    /// Sums for convolution windows read where they lie in a quantized image, in groups of four positions: group g's
    /// position s has its window at <c>x[starts[g] + s · xStride]</c>, and its k-th block of 16 inputs (weights' block
    /// k) <paramref name="blockOffsets"/>[k] bytes from there; its sums go to <c>acc[(4g + s) · accStride]</c>. The same
    /// integers as <see cref="MultiplyAccumulateBatch"/> on the gathered windows, without gathering them. VNNI paths
    /// only (<see cref="HasWindowKernel"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAccumulateWindows(Int8Path path, ReadOnlySpan<sbyte> packed, ReadOnlySpan<byte> x, ReadOnlySpan<int> starts, int xStride,
        ReadOnlySpan<int> blockOffsets, Span<int> acc, int accStride, int paddedOutputs)
    {
        path = Resolve(path);
        if (!HasWindowKernel(path)) throw new ArgumentException($"The kernel path {path} has no window kernel.", nameof(path));
        int paddedInputs = blockOffsets.Length * BlockInputs, last = 0, farthest = 0;
        foreach (int offset in blockOffsets) last = Math.Max(last, offset);
        foreach (int start in starts) farthest = Math.Max(farthest, start);
        if (packed.Length < paddedInputs * paddedOutputs || x.Length < farthest + 3 * xStride + last + BlockInputs
            || acc.Length < (4 * starts.Length - 1) * accStride + paddedOutputs || accStride < paddedOutputs)
            throw new ArgumentException($"Expected {paddedInputs} x {paddedOutputs} weights, windows up to byte {farthest + 3 * xStride + last + BlockInputs}, and {4 * starts.Length} rows of {paddedOutputs} sums.");
#if NET10_0_OR_GREATER
        ref sbyte w = ref MemoryMarshal.GetReference(packed);
        ref byte xr = ref MemoryMarshal.GetReference(x);
        ref int ar = ref MemoryMarshal.GetReference(acc);
        int tileBytes = TileOutputs * paddedInputs;
        for (int tile = 0; tile < paddedOutputs / TileOutputs; tile++)
            for (int g = 0; g < starts.Length; g++)
                TileVnni4<WindowBlocks>(ref Unsafe.Add(ref w, tile * tileBytes), ref Unsafe.Add(ref xr, starts[g]), xStride, blockOffsets,
                    ref Unsafe.Add(ref ar, 4 * g * accStride + tile * TileOutputs), accStride);
#endif
    }

    /// <summary>Whether <see cref="MultiplyAccumulateWindows"/> runs on <paramref name="path"/> (the VNNI paths, on .NET 10).</summary>
    public static bool HasWindowKernel(Int8Path path)
    {
#if NET10_0_OR_GREATER
        return Resolve(path) is Int8Path.Vnni or Int8Path.VnniWide;
#else
        return false;
#endif
    }

#if NET10_0_OR_GREATER
    /// <summary>
    /// One tile of one sample with <c>vpdpbusd</c>, block by block: 8 accumulators (4 vectors of outputs x 2
    /// alternating input groups) hide its latency. <typeparamref name="TLoads"/> reads the weights in 256- or 512-bit
    /// loads; the same products in the same accumulators either way, so the same integers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileVnni<TLoads>(ref sbyte w, ref byte x, ReadOnlySpan<int> blocks, ref int acc) where TLoads : IGroupLoads
    {
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        ref byte wb = ref Unsafe.As<sbyte, byte>(ref w);
        foreach (int b in blocks)
        {
            ref byte xb = ref Unsafe.Add(ref x, b * BlockInputs);
            ref byte g = ref Unsafe.Add(ref wb, b * 4 * GroupBytes);
            TLoads.Group(ref a0, ref a1, ref a2, ref a3, Quad(ref xb), ref g, 0);
            TLoads.Group(ref a4, ref a5, ref a6, ref a7, Quad(ref Unsafe.Add(ref xb, 4)), ref g, GroupBytes);
            TLoads.Group(ref a0, ref a1, ref a2, ref a3, Quad(ref Unsafe.Add(ref xb, 8)), ref g, 2 * GroupBytes);
            TLoads.Group(ref a4, ref a5, ref a6, ref a7, Quad(ref Unsafe.Add(ref xb, 12)), ref g, 3 * GroupBytes);
        }
        (a0 + a4).StoreUnsafe(ref acc, 0);
        (a1 + a5).StoreUnsafe(ref acc, 8);
        (a2 + a6).StoreUnsafe(ref acc, 16);
        (a3 + a7).StoreUnsafe(ref acc, 24);
    }

    /// <summary>
    /// <see cref="TileVnni{TLoads}"/> over every block: the tile's weights as one stream, with no list to follow.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileVnniAll<TLoads>(ref sbyte w, ref byte x, int blockCount, ref int acc) where TLoads : IGroupLoads
    {
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        ref byte wb = ref Unsafe.As<sbyte, byte>(ref w);
        for (int b = 0; b < blockCount; b++)
        {
            ref byte xb = ref Unsafe.Add(ref x, b * BlockInputs);
            nuint at = (nuint)(b * 4 * GroupBytes);
            TLoads.Group(ref a0, ref a1, ref a2, ref a3, Quad(ref xb), ref wb, at);
            TLoads.Group(ref a4, ref a5, ref a6, ref a7, Quad(ref Unsafe.Add(ref xb, 4)), ref wb, at + GroupBytes);
            TLoads.Group(ref a0, ref a1, ref a2, ref a3, Quad(ref Unsafe.Add(ref xb, 8)), ref wb, at + 2 * GroupBytes);
            TLoads.Group(ref a4, ref a5, ref a6, ref a7, Quad(ref Unsafe.Add(ref xb, 12)), ref wb, at + 3 * GroupBytes);
        }
        (a0 + a4).StoreUnsafe(ref acc, 0);
        (a1 + a5).StoreUnsafe(ref acc, 8);
        (a2 + a6).StoreUnsafe(ref acc, 16);
        (a3 + a7).StoreUnsafe(ref acc, 24);
    }

    /// <summary>
    /// One tile of one sample over the live groups of four inputs (each 128 weight bytes: 32 outputs x 4 inputs), two
    /// groups at a time into separate accumulators to hide <c>vpdpbusd</c>'s latency.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileVnniGroups<TLoads>(ref sbyte w, ref byte x, ReadOnlySpan<int> groups, ref int acc) where TLoads : IGroupLoads
    {
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        ref byte wb = ref Unsafe.As<sbyte, byte>(ref w);
        ref int gr = ref MemoryMarshal.GetReference(groups);
        int n = groups.Length, i = 0;
        for (; i + 2 <= n; i += 2)
        {
            int g0 = Unsafe.Add(ref gr, i), g1 = Unsafe.Add(ref gr, i + 1);
            TLoads.Group(ref a0, ref a1, ref a2, ref a3, Quad(ref Unsafe.Add(ref x, 4 * g0)), ref wb, (nuint)(g0 * GroupBytes));
            TLoads.Group(ref a4, ref a5, ref a6, ref a7, Quad(ref Unsafe.Add(ref x, 4 * g1)), ref wb, (nuint)(g1 * GroupBytes));
        }
        if (i < n)
        {
            int g0 = Unsafe.Add(ref gr, i);
            TLoads.Group(ref a0, ref a1, ref a2, ref a3, Quad(ref Unsafe.Add(ref x, 4 * g0)), ref wb, (nuint)(g0 * GroupBytes));
        }
        (a0 + a4).StoreUnsafe(ref acc, 0);
        (a1 + a5).StoreUnsafe(ref acc, 8);
        (a2 + a6).StoreUnsafe(ref acc, 16);
        (a3 + a7).StoreUnsafe(ref acc, 24);
    }

    /// <summary>Four input bytes in every 32-bit lane: what one <c>vpdpbusd</c> multiplies each lane's four weights by.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Quad(ref byte x) => Vector256.Create(Unsafe.ReadUnaligned<int>(ref x)).AsByte();

    /// <summary>How the one-sample tiles read a group's 128 weight bytes (at <c>w + at</c>) into four accumulators.</summary>
    private interface IGroupLoads
    {
        static abstract void Group(ref Vector256<int> a0, ref Vector256<int> a1, ref Vector256<int> a2, ref Vector256<int> a3, Vector256<byte> x, ref byte w, nuint at);
    }

    /// <summary>Four 256-bit loads (processors with AVX-VNNI but not AVX-512).</summary>
    private readonly struct NarrowLoads : IGroupLoads
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Group(ref Vector256<int> a0, ref Vector256<int> a1, ref Vector256<int> a2, ref Vector256<int> a3, Vector256<byte> x, ref byte w, nuint at)
        {
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, x, Vector256.LoadUnsafe(ref w, at).AsSByte());
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, x, Vector256.LoadUnsafe(ref w, at + 32).AsSByte());
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, x, Vector256.LoadUnsafe(ref w, at + 64).AsSByte());
            a3 = AvxVnni.MultiplyWideningAndAdd(a3, x, Vector256.LoadUnsafe(ref w, at + 96).AsSByte());
        }
    }

    /// <summary>
    /// Two 512-bit loads whose halves feed the 256-bit <c>vpdpbusd</c> (.NET has no 512-bit one): one sample reads every
    /// weight from L2 once, and L2 delivers 64-byte loads faster than 32-byte ones (on this project's machine the 784 x 128
    /// layer took 0.85 us against 1.14 us, weights 64-byte aligned).
    /// </summary>
    private readonly struct WideLoads : IGroupLoads
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Group(ref Vector256<int> a0, ref Vector256<int> a1, ref Vector256<int> a2, ref Vector256<int> a3, Vector256<byte> x, ref byte w, nuint at)
        {
            Vector512<sbyte> lo = Vector512.LoadUnsafe(ref w, at).AsSByte(), hi = Vector512.LoadUnsafe(ref w, at + 64).AsSByte();
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, x, lo.GetLower());
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, x, lo.GetUpper());
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, x, hi.GetLower());
            a3 = AvxVnni.MultiplyWideningAndAdd(a3, x, hi.GetUpper());
        }
    }

    /// <summary>
    /// One tile for four samples: 16 accumulators (4 output vectors x 4 samples), each weight vector
    /// loaded once for all four. 16 accumulators, 4 broadcast inputs and a weight vector need more
    /// than 16 vector registers: the JIT encodes <c>vpdpbusd</c> with EVEX where the processor has
    /// AVX512-VNNI+VL, which reaches ymm16-31 (see docs/PERFORMANCE.md, "Int8 inference").
    /// </summary>
    private static void TileVnni4(ref sbyte w, ref byte x, int xStride, ReadOnlySpan<int> blocks, ref int acc, int accStride) =>
        TileVnni4<ListedBlocks>(ref w, ref x, xStride, blocks, ref acc, accStride);

    /// <summary>Where the k-th entry of a block list puts a block's weights (a block index) and its 16 input bytes (a byte offset).</summary>
    private interface IBlockAddress
    {
        static abstract int Weights(int k, int entry);
        static abstract int Inputs(int entry);
    }

    /// <summary>Dense rows: the entries are the indices of the live blocks; block b's inputs are bytes 16b .. 16b + 15.</summary>
    private readonly struct ListedBlocks : IBlockAddress
    {
        public static int Weights(int k, int entry) => entry;
        public static int Inputs(int entry) => entry * BlockInputs;
    }

    /// <summary>Convolution windows in place: entry k is the byte offset of block k's inputs from the window's first byte.</summary>
    private readonly struct WindowBlocks : IBlockAddress
    {
        public static int Weights(int k, int entry) => k;
        public static int Inputs(int entry) => entry;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileVnni4<TBlocks>(ref sbyte w, ref byte x, int xStride, ReadOnlySpan<int> blocks, ref int acc, int accStride) where TBlocks : IBlockAddress
    {
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        Vector256<int> c0 = default, c1 = default, c2 = default, c3 = default, d0 = default, d1 = default, d2 = default, d3 = default;
        ref byte wb = ref Unsafe.As<sbyte, byte>(ref w);
        ref byte x1 = ref Unsafe.Add(ref x, xStride);
        ref byte x2 = ref Unsafe.Add(ref x, 2 * xStride);
        ref byte x3 = ref Unsafe.Add(ref x, 3 * xStride);
        for (int k = 0; k < blocks.Length; k++)
        {
            int entry = blocks[k];
            ref byte g = ref Unsafe.Add(ref wb, TBlocks.Weights(k, entry) * 4 * GroupBytes);
            for (int group = 0; group < 4; group++)
            {
                int at = TBlocks.Inputs(entry) + group * 4;
                Vector256<byte> p = Quad(ref Unsafe.Add(ref x, at));
                Vector256<byte> q = Quad(ref Unsafe.Add(ref x1, at));
                Vector256<byte> r = Quad(ref Unsafe.Add(ref x2, at));
                Vector256<byte> t = Quad(ref Unsafe.Add(ref x3, at));
                ref byte gg = ref Unsafe.Add(ref g, group * GroupBytes);
                Vector256<sbyte> w0 = Vector256.LoadUnsafe(ref gg, 0).AsSByte();
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, p, w0);
                b0 = AvxVnni.MultiplyWideningAndAdd(b0, q, w0);
                c0 = AvxVnni.MultiplyWideningAndAdd(c0, r, w0);
                d0 = AvxVnni.MultiplyWideningAndAdd(d0, t, w0);
                Vector256<sbyte> w1 = Vector256.LoadUnsafe(ref gg, 32).AsSByte();
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, p, w1);
                b1 = AvxVnni.MultiplyWideningAndAdd(b1, q, w1);
                c1 = AvxVnni.MultiplyWideningAndAdd(c1, r, w1);
                d1 = AvxVnni.MultiplyWideningAndAdd(d1, t, w1);
                Vector256<sbyte> w2 = Vector256.LoadUnsafe(ref gg, 64).AsSByte();
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, p, w2);
                b2 = AvxVnni.MultiplyWideningAndAdd(b2, q, w2);
                c2 = AvxVnni.MultiplyWideningAndAdd(c2, r, w2);
                d2 = AvxVnni.MultiplyWideningAndAdd(d2, t, w2);
                Vector256<sbyte> w3 = Vector256.LoadUnsafe(ref gg, 96).AsSByte();
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, p, w3);
                b3 = AvxVnni.MultiplyWideningAndAdd(b3, q, w3);
                c3 = AvxVnni.MultiplyWideningAndAdd(c3, r, w3);
                d3 = AvxVnni.MultiplyWideningAndAdd(d3, t, w3);
            }
        }
        ref int acc1 = ref Unsafe.Add(ref acc, accStride);
        ref int acc2 = ref Unsafe.Add(ref acc, 2 * accStride);
        ref int acc3 = ref Unsafe.Add(ref acc, 3 * accStride);
        a0.StoreUnsafe(ref acc, 0); a1.StoreUnsafe(ref acc, 8); a2.StoreUnsafe(ref acc, 16); a3.StoreUnsafe(ref acc, 24);
        b0.StoreUnsafe(ref acc1, 0); b1.StoreUnsafe(ref acc1, 8); b2.StoreUnsafe(ref acc1, 16); b3.StoreUnsafe(ref acc1, 24);
        c0.StoreUnsafe(ref acc2, 0); c1.StoreUnsafe(ref acc2, 8); c2.StoreUnsafe(ref acc2, 16); c3.StoreUnsafe(ref acc2, 24);
        d0.StoreUnsafe(ref acc3, 0); d1.StoreUnsafe(ref acc3, 8); d2.StoreUnsafe(ref acc3, 16); d3.StoreUnsafe(ref acc3, 24);
    }

    /// <summary>One tile for two samples: 8 accumulators (4 output vectors x 2 samples), each weight vector loaded once for both.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileVnni2(ref sbyte w, ref byte x0, ref byte x1, ReadOnlySpan<int> blocks, ref int acc0, ref int acc1)
    {
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        ref byte wb = ref Unsafe.As<sbyte, byte>(ref w);
        foreach (int b in blocks)
        {
            ref byte g = ref Unsafe.Add(ref wb, b * 4 * GroupBytes);
            for (int group = 0; group < 4; group++)
            {
                int at = b * BlockInputs + group * 4;
                Vector256<byte> u = Quad(ref Unsafe.Add(ref x0, at));
                Vector256<byte> v = Quad(ref Unsafe.Add(ref x1, at));
                Vector256<sbyte> w0 = Vector256.LoadUnsafe(ref g, (nuint)(group * GroupBytes)).AsSByte();
                Vector256<sbyte> w1 = Vector256.LoadUnsafe(ref g, (nuint)(group * GroupBytes + 32)).AsSByte();
                Vector256<sbyte> w2 = Vector256.LoadUnsafe(ref g, (nuint)(group * GroupBytes + 64)).AsSByte();
                Vector256<sbyte> w3 = Vector256.LoadUnsafe(ref g, (nuint)(group * GroupBytes + 96)).AsSByte();
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, u, w0);
                b0 = AvxVnni.MultiplyWideningAndAdd(b0, v, w0);
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, u, w1);
                b1 = AvxVnni.MultiplyWideningAndAdd(b1, v, w1);
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, u, w2);
                b2 = AvxVnni.MultiplyWideningAndAdd(b2, v, w2);
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, u, w3);
                b3 = AvxVnni.MultiplyWideningAndAdd(b3, v, w3);
            }
        }
        a0.StoreUnsafe(ref acc0, 0);
        a1.StoreUnsafe(ref acc0, 8);
        a2.StoreUnsafe(ref acc0, 16);
        a3.StoreUnsafe(ref acc0, 24);
        b0.StoreUnsafe(ref acc1, 0);
        b1.StoreUnsafe(ref acc1, 8);
        b2.StoreUnsafe(ref acc1, 16);
        b3.StoreUnsafe(ref acc1, 24);
    }
#endif

    /// <summary>
    /// One tile on AVX2: weights sign-extended to int16, the four input bytes of a group zero-extended
    /// and repeated, <c>vpmaddwd</c> sums pairs into int32 (output o's pairs in lanes 2o and 2o + 1 of
    /// a low and a high accumulator), and one horizontal add at the end finishes each output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileAvx2(ref sbyte w, ref byte x, ReadOnlySpan<int> blocks, ref int acc)
    {
        Vector256<int> l0 = default, l1 = default, l2 = default, l3 = default, h0 = default, h1 = default, h2 = default, h3 = default;
        foreach (int b in blocks)
        {
            for (int group = 0; group < 4; group++)
            {
                int k = b * 4 + group;
                Vector256<short> xw = Avx2.ConvertToVector256Int16(Vector128.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref x, k * 4))).AsByte());
                ref sbyte g = ref Unsafe.Add(ref w, k * GroupBytes);
                l0 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref g, 0)), xw);
                h0 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref g, 16)), xw);
                l1 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref g, 32)), xw);
                h1 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref g, 48)), xw);
                l2 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref g, 64)), xw);
                h2 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref g, 80)), xw);
                l3 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref g, 96)), xw);
                h3 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref g, 112)), xw);
            }
        }
        // vphaddd works within 128-bit halves: [o0 o1 o4 o5 | o2 o3 o6 o7]; the permute restores the order.
        Vector256<int> order = Vector256.Create(0, 1, 4, 5, 2, 3, 6, 7);
        Avx2.PermuteVar8x32(Avx2.HorizontalAdd(l0, h0), order).StoreUnsafe(ref acc, 0);
        Avx2.PermuteVar8x32(Avx2.HorizontalAdd(l1, h1), order).StoreUnsafe(ref acc, 8);
        Avx2.PermuteVar8x32(Avx2.HorizontalAdd(l2, h2), order).StoreUnsafe(ref acc, 16);
        Avx2.PermuteVar8x32(Avx2.HorizontalAdd(l3, h3), order).StoreUnsafe(ref acc, 24);
    }

    /// <summary>One tile in plain C#, read through the same layout.</summary>
    private static void TileScalar(ref sbyte w, ref byte x, ReadOnlySpan<int> blocks, ref int acc)
    {
        for (int o = 0; o < TileOutputs; o++)
        {
            int sum = 0;
            foreach (int b in blocks)
                for (int i = b * BlockInputs; i < (b + 1) * BlockInputs; i++)
                    sum += Unsafe.Add(ref w, i / 4 * GroupBytes + o * 4 + i % 4) * Unsafe.Add(ref x, i);
            Unsafe.Add(ref acc, o) = sum;
        }
    }
}
