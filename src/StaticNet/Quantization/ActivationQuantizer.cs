using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Quantization;

/// <summary>
/// Float activations to unsigned bytes and int32 sums back to floats. One formula, vectorized and
/// scalar alike (separate IEEE multiplies and adds, no fused multiply-add), so every kernel path sees
/// the same bytes and turns the same sums into the same floats.
/// </summary>
internal static class ActivationQuantizer
{
    /// <summary>
    /// q[i] = clamp(⌊x[i] · inverseScale + (zeroPoint + ½)⌋, 0, 255): round to nearest (halves up),
    /// saturating outside the calibrated range.
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> x, float inverseScale, int zeroPoint, Span<byte> q) =>
        Quantize(x, inverseScale, zeroPoint, q, vectorBits: 512);

    /// <summary><see cref="Quantize(ReadOnlySpan{float}, float, int, Span{byte})"/> with vectors of at most <paramref name="vectorBits"/> (512, 256 or 0: tests run every path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Quantize(ReadOnlySpan<float> x, float inverseScale, int zeroPoint, Span<byte> q, int vectorBits)
    {
        if (q.Length < x.Length) throw new ArgumentException($"Expected room for {x.Length} bytes; got {q.Length}.", nameof(q));
        float offset = zeroPoint + 0.5f;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref byte qr = ref MemoryMarshal.GetReference(q);
        int n = x.Length, i = 0;
        if (vectorBits >= 512 && Avx512BW.IsSupported && n >= 16)
        {
            // The same steps on 16 floats at a time, narrowed to bytes by one vpmovdb (the values are already in [0, 255]).
            var inv = Vector512.Create(inverseScale);
            var off = Vector512.Create(offset);
            var max = Vector512.Create(255f);
            while (true)
            {
                for (; i <= n - 16; i += 16)
                {
                    Vector512<int> v = Avx512F.ConvertToVector512Int32WithTruncation(
                        Avx512F.Min(Avx512F.Max(Vector512.LoadUnsafe(ref xr, (nuint)i) * inv + off, Vector512<float>.Zero), max));
                    Avx512F.ConvertToVector128Byte(v).StoreUnsafe(ref qr, (nuint)i);
                }
                if (i == n) break;
                i = n - 16;   // the last 16 again, overlapping: the same bytes for the overlap
            }
            return;
        }
        if (vectorBits >= 256 && Avx2.IsSupported && n >= 32)
        {
            // Clamped to [0, 255] first, truncation is the floor: plain vmaxps/vminps/vcvttps2dq (Vector256.Min,
            // Max and ConvertToInt32 add IEEE -0/NaN and saturation fix-ups that cost more than the rest here).
            var inv = Vector256.Create(inverseScale);
            var off = Vector256.Create(offset);
            var max = Vector256.Create(255f);
            while (true)
            {
                for (; i <= n - 32; i += 32)
                {
                    Vector256<int> q0 = Avx.ConvertToVector256Int32WithTruncation(Avx.Min(Avx.Max(Vector256.LoadUnsafe(ref xr, (nuint)i) * inv + off, Vector256<float>.Zero), max));
                    Vector256<int> q1 = Avx.ConvertToVector256Int32WithTruncation(Avx.Min(Avx.Max(Vector256.LoadUnsafe(ref xr, (nuint)(i + 8)) * inv + off, Vector256<float>.Zero), max));
                    Vector256<int> q2 = Avx.ConvertToVector256Int32WithTruncation(Avx.Min(Avx.Max(Vector256.LoadUnsafe(ref xr, (nuint)(i + 16)) * inv + off, Vector256<float>.Zero), max));
                    Vector256<int> q3 = Avx.ConvertToVector256Int32WithTruncation(Avx.Min(Avx.Max(Vector256.LoadUnsafe(ref xr, (nuint)(i + 24)) * inv + off, Vector256<float>.Zero), max));
                    Vector256<ushort> lo = Vector256.Narrow(q0, q1).AsUInt16();
                    Vector256<ushort> hi = Vector256.Narrow(q2, q3).AsUInt16();
                    Vector256.Narrow(lo, hi).StoreUnsafe(ref qr, (nuint)i);
                }
                if (i == n) break;
                i = n - 32;   // the last 32 again, overlapping: the same bytes for the overlap
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref qr, i) = (byte)Math.Clamp(MathF.Floor(Unsafe.Add(ref xr, i) * inverseScale + offset), 0f, 255f);
    }

    /// <summary>z[j] = (float)(acc[j] − compensation[j]) · scale[j] + bias[j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dequantize(ReadOnlySpan<int> acc, ReadOnlySpan<int> compensation, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, Span<float> z)
    {
        int n = z.Length, j = 0;
        if (acc.Length < n || compensation.Length < n || scale.Length < n || bias.Length < n)
            throw new ArgumentException($"Expected at least {n} sums, compensations, scales and biases.");
        ref int a = ref MemoryMarshal.GetReference(acc);
        ref int c = ref MemoryMarshal.GetReference(compensation);
        ref float s = ref MemoryMarshal.GetReference(scale);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float zr = ref MemoryMarshal.GetReference(z);
        if (Vector256.IsHardwareAccelerated)
            for (; j <= n - 8; j += 8)
            {
                Vector256<float> v = Vector256.ConvertToSingle(Vector256.LoadUnsafe(ref a, (nuint)j) - Vector256.LoadUnsafe(ref c, (nuint)j));
                (v * Vector256.LoadUnsafe(ref s, (nuint)j) + Vector256.LoadUnsafe(ref b, (nuint)j)).StoreUnsafe(ref zr, (nuint)j);
            }
        for (; j < n; j++)
            Unsafe.Add(ref zr, j) = (float)(Unsafe.Add(ref a, j) - Unsafe.Add(ref c, j)) * Unsafe.Add(ref s, j) + Unsafe.Add(ref b, j);
    }

    /// <summary>
    /// <see cref="Dequantize"/> for rows of <paramref name="width"/> values: row r's sums at
    /// <c>acc[r · accStride]</c>, its values at <c>z[r · width]</c>. The same formula (no fused multiply-add), 16 lanes at a time where the processor has them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DequantizeRows(ReadOnlySpan<int> acc, int accStride, ReadOnlySpan<int> compensation, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, Span<float> z, int width)
    {
        int rows = z.Length / width;
        if (z.Length % width != 0 || accStride < width || acc.Length < (rows - 1) * accStride + width)
            throw new ArgumentException($"Expected whole rows of {width} values and {rows} rows of sums {accStride} apart.");
        if (!(Vector512.IsHardwareAccelerated && width % 16 == 0))
        {
            for (int r = 0; r < rows; r++)
                Dequantize(acc.Slice(r * accStride, width), compensation, scale, bias, z.Slice(r * width, width));
            return;
        }
        if (compensation.Length < width || scale.Length < width || bias.Length < width)
            throw new ArgumentException($"Expected at least {width} compensations, scales and biases.");
        ref int a = ref MemoryMarshal.GetReference(acc);
        ref int c = ref MemoryMarshal.GetReference(compensation);
        ref float s = ref MemoryMarshal.GetReference(scale);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float zr = ref MemoryMarshal.GetReference(z);
        for (int j = 0; j < width; j += 16)
        {
            Vector512<int> cj = Vector512.LoadUnsafe(ref c, (nuint)j);
            Vector512<float> sj = Vector512.LoadUnsafe(ref s, (nuint)j), bj = Vector512.LoadUnsafe(ref b, (nuint)j);
            for (int r = 0; r < rows; r++)
            {
                Vector512<float> v = Vector512.ConvertToSingle(Vector512.LoadUnsafe(ref a, (nuint)(r * accStride + j)) - cj);
                (v * sj + bj).StoreUnsafe(ref zr, (nuint)(r * width + j));
            }
        }
    }
}
