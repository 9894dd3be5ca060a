using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StaticNet.Quantization;

namespace StaticNet.Benchmarks;

/// <summary>
/// What bounds one int8 sample: the padded int8 weights of a network (110,592 bytes for
/// 784-128-64-10, more than L1, so every call streams them from L2) read plainly, and run through the
/// kernel's dense-input instruction mix (a broadcast of four input bytes, four <c>vpdpbusd</c> per
/// 128 weight bytes, eight accumulators) with nothing else: no quantizing, no zero-skip, no rescale.
/// </summary>
internal sealed class Int8Bound
{
    private readonly byte[] _weights;
    private readonly int _offset;   // where the weights start on a 64-byte boundary, as the network's own packed weights do
    private readonly int _bytes;
    private readonly byte[] _input;

    public Int8Bound(Int8Network network)
    {
        int bytes = 0, inputs = 0;
        foreach (QuantizedDenseLayer layer in network.Layers)
        {
            int paddedInputs = (layer.Inputs + 15) / 16 * 16, paddedOutputs = (layer.Units + 31) / 32 * 32;
            bytes += paddedInputs * paddedOutputs;
            inputs = Math.Max(inputs, paddedInputs);
        }
        _weights = GC.AllocateArray<byte>(bytes + 63, pinned: true);
        _offset = (int)((64 - (long)Marshal.UnsafeAddrOfPinnedArrayElement(_weights, 0) % 64) % 64);
        _bytes = bytes;
        new Random(3).NextBytes(_weights);
        _input = new byte[inputs];
        new Random(4).NextBytes(_input);
    }

    public int Bytes => _bytes;

    private ref byte Weights => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_weights), _offset);

    /// <summary>A plain sequential read of the weights: 64-byte loads (32 without AVX-512) added into four accumulators.</summary>
    public int Read()
    {
        ref byte w = ref Weights;
        int n = _bytes / 256 * 256;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<int> a = default, b = default, c = default, d = default;
            for (int i = 0; i < n; i += 256)
            {
                a += Vector512.LoadUnsafe(ref w, (nuint)i).AsInt32();
                b += Vector512.LoadUnsafe(ref w, (nuint)(i + 64)).AsInt32();
                c += Vector512.LoadUnsafe(ref w, (nuint)(i + 128)).AsInt32();
                d += Vector512.LoadUnsafe(ref w, (nuint)(i + 192)).AsInt32();
            }
            return Vector512.Sum(a + b + c + d);
        }
        Vector256<int> e = default, f = default, g = default, h = default;
        for (int i = 0; i < n; i += 128)
        {
            e += Vector256.LoadUnsafe(ref w, (nuint)i).AsInt32();
            f += Vector256.LoadUnsafe(ref w, (nuint)(i + 32)).AsInt32();
            g += Vector256.LoadUnsafe(ref w, (nuint)(i + 64)).AsInt32();
            h += Vector256.LoadUnsafe(ref w, (nuint)(i + 96)).AsInt32();
        }
        return Vector256.Sum(e + f + g + h);
    }

    /// <summary>The same bytes through <c>vpdpbusd</c> as the one-sample kernel runs them (0 without AVX-VNNI).</summary>
    public int Dot()
    {
        if (!AvxVnni.IsSupported) return 0;
        ref byte w = ref Weights;
        ref byte x = ref MemoryMarshal.GetArrayDataReference(_input);
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        // As the kernel runs a dense input: blocks of 16 input bytes against 512 weight bytes, four groups of four inputs
        // a block, alternating between two sets of four accumulators; the inputs start again at each tile of 32 outputs.
        int blocks = _bytes / 512, inputBlocks = _input.Length / 16, b = 0;
        for (int k = 0; k < blocks; k++, b++)
        {
            if (b == inputBlocks) b = 0;
            ref byte xb = ref Unsafe.Add(ref x, b * 16);
            ref byte g = ref Unsafe.Add(ref w, k * 512);
            Group(ref a0, ref a1, ref a2, ref a3, Quad(ref xb), ref g, 0);
            Group(ref a4, ref a5, ref a6, ref a7, Quad(ref Unsafe.Add(ref xb, 4)), ref g, 128);
            Group(ref a0, ref a1, ref a2, ref a3, Quad(ref Unsafe.Add(ref xb, 8)), ref g, 256);
            Group(ref a4, ref a5, ref a6, ref a7, Quad(ref Unsafe.Add(ref xb, 12)), ref g, 384);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
    }

    private static Vector256<byte> Quad(ref byte x) => Vector256.Create(Unsafe.ReadUnaligned<int>(ref x)).AsByte();

    /// <summary>128 weight bytes (32 outputs x 4 inputs) into four accumulators: 64-byte loads on AVX-512, as the kernel reads them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Group(ref Vector256<int> a0, ref Vector256<int> a1, ref Vector256<int> a2, ref Vector256<int> a3, Vector256<byte> x, ref byte w, nuint at)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<sbyte> lo = Vector512.LoadUnsafe(ref w, at).AsSByte(), hi = Vector512.LoadUnsafe(ref w, at + 64).AsSByte();
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, x, lo.GetLower());
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, x, lo.GetUpper());
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, x, hi.GetLower());
            a3 = AvxVnni.MultiplyWideningAndAdd(a3, x, hi.GetUpper());
            return;
        }
        a0 = AvxVnni.MultiplyWideningAndAdd(a0, x, Vector256.LoadUnsafe(ref w, at).AsSByte());
        a1 = AvxVnni.MultiplyWideningAndAdd(a1, x, Vector256.LoadUnsafe(ref w, at + 32).AsSByte());
        a2 = AvxVnni.MultiplyWideningAndAdd(a2, x, Vector256.LoadUnsafe(ref w, at + 64).AsSByte());
        a3 = AvxVnni.MultiplyWideningAndAdd(a3, x, Vector256.LoadUnsafe(ref w, at + 96).AsSByte());
    }
}
