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
        _weights = new byte[bytes];
        new Random(3).NextBytes(_weights);
        _input = new byte[inputs];
        new Random(4).NextBytes(_input);
    }

    public int Bytes => _weights.Length;

    /// <summary>A plain sequential read of the weights: 32-byte loads added into four accumulators.</summary>
    public int Read()
    {
        ref byte w = ref MemoryMarshal.GetArrayDataReference(_weights);
        Vector256<int> a = default, b = default, c = default, d = default;
        int n = _weights.Length / 128 * 128;
        for (int i = 0; i < n; i += 128)
        {
            a += Vector256.LoadUnsafe(ref w, (nuint)i).AsInt32();
            b += Vector256.LoadUnsafe(ref w, (nuint)(i + 32)).AsInt32();
            c += Vector256.LoadUnsafe(ref w, (nuint)(i + 64)).AsInt32();
            d += Vector256.LoadUnsafe(ref w, (nuint)(i + 96)).AsInt32();
        }
        return Vector256.Sum(a + b + c + d);
    }

    /// <summary>The same bytes through <c>vpdpbusd</c> as the one-sample kernel runs them (0 without AVX-VNNI).</summary>
    public int Dot()
    {
        if (!AvxVnni.IsSupported) return 0;
        ref byte w = ref MemoryMarshal.GetArrayDataReference(_weights);
        ref byte x = ref MemoryMarshal.GetArrayDataReference(_input);
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        int groups = _weights.Length / 256, inputGroups = _input.Length / 8;
        for (int k = 0; k < groups; k++)
        {
            int at = k % inputGroups * 8;
            Vector256<byte> x0 = Vector256.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref x, at))).AsByte();
            Vector256<byte> x1 = Vector256.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref x, at + 4))).AsByte();
            ref byte g = ref Unsafe.Add(ref w, k * 256);
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, x0, Vector256.LoadUnsafe(ref g, 0).AsSByte());
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, x0, Vector256.LoadUnsafe(ref g, 32).AsSByte());
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, x0, Vector256.LoadUnsafe(ref g, 64).AsSByte());
            a3 = AvxVnni.MultiplyWideningAndAdd(a3, x0, Vector256.LoadUnsafe(ref g, 96).AsSByte());
            a4 = AvxVnni.MultiplyWideningAndAdd(a4, x1, Vector256.LoadUnsafe(ref g, 128).AsSByte());
            a5 = AvxVnni.MultiplyWideningAndAdd(a5, x1, Vector256.LoadUnsafe(ref g, 160).AsSByte());
            a6 = AvxVnni.MultiplyWideningAndAdd(a6, x1, Vector256.LoadUnsafe(ref g, 192).AsSByte());
            a7 = AvxVnni.MultiplyWideningAndAdd(a7, x1, Vector256.LoadUnsafe(ref g, 224).AsSByte());
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
    }
}
