using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// The forward convolution of one sample, before the activation: y[oy, ox, f] = b[f] +
/// Σ x[iy, ix, ci] K[ky, kx, ci, f]. Filters are split into vector-wide chunks (512, 256, then 128 bits,
/// then single filters); for one chunk, each kernel row ky contributes a contiguous run of
/// (kx, ci) inputs times a contiguous block of kernel rows, so the inner loop is one broadcast and one
/// fused multiply-add per input value, over 8 neighbouring output columns at once where the whole
/// window lies inside the input.
/// </summary>
internal static class Conv2DForward
{
    private const int Tile = 8;

    public static void Sample<TGeom>(ref float k, ref float b, bool hasBias, ref float x, ref float y) where TGeom : IConv2DGeometry
    {
        int filters = TGeom.Filters, f = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; f + Vector512<float>.Count <= filters; f += Vector512<float>.Count)
                Chunk<TGeom, Vec512, Vector512<float>>(ref k, ref b, hasBias, ref x, ref y, f);
        if (Vector256.IsHardwareAccelerated)
            for (; f + Vector256<float>.Count <= filters; f += Vector256<float>.Count)
                Chunk<TGeom, Vec256, Vector256<float>>(ref k, ref b, hasBias, ref x, ref y, f);
        if (Vector128.IsHardwareAccelerated)
            for (; f + Vector128<float>.Count <= filters; f += Vector128<float>.Count)
                Chunk<TGeom, Vec128, Vector128<float>>(ref k, ref b, hasBias, ref x, ref y, f);
        for (; f < filters; f++)
            OneFilter<TGeom>(ref k, ref b, hasBias, ref x, ref y, f);
    }

    private static void Chunk<TGeom, TOps, TV>(ref float k, ref float b, bool hasBias, ref float x, ref float y, int f)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int inH = TGeom.InHeight, outH = TGeom.OutHeight, outW = TGeom.OutWidth, filters = TGeom.Filters;
        int kh = TGeom.KernelHeight, kw = TGeom.KernelWidth, sh = TGeom.StrideHeight, sw = TGeom.StrideWidth;
        int padTop = TGeom.PadTop, padLeft = TGeom.PadLeft;
        TV bias = hasBias ? TOps.Load(ref b, f) : TOps.Zero;
        // Columns whose whole window lies inside the input: all kernel columns read real values.
        int interiorLo = ConvWindow.Valid(0, sw, padLeft, TGeom.InWidth, outW).Lo;
        int interiorHi = ConvWindow.Valid(kw - 1, sw, padLeft, TGeom.InWidth, outW).Hi;
        for (int oy = 0; oy < outH; oy++)
        {
            int iyBase = oy * sh - padTop;
            int ky0 = Math.Max(0, -iyBase), ky1 = Math.Min(kh, inH - iyBase);
            ref float yRow = ref Unsafe.Add(ref y, oy * outW * filters + f);
            int ox = 0;
            for (; ox < interiorLo; ox++)
                TOps.Store(Single<TGeom, TOps, TV>(ref k, ref x, iyBase, ky0, ky1, ox * sw - padLeft, f, bias), ref yRow, ox * filters);
            for (; ox + Tile <= interiorHi; ox += Tile)
                Tiled<TGeom, TOps, TV>(ref k, ref x, ref Unsafe.Add(ref yRow, ox * filters), iyBase, ky0, ky1, ox * sw - padLeft, f, bias);
            for (; ox < outW; ox++)
                TOps.Store(Single<TGeom, TOps, TV>(ref k, ref x, iyBase, ky0, ky1, ox * sw - padLeft, f, bias), ref yRow, ox * filters);
        }
    }

    /// <summary>One output position, any window (the kernel columns outside the input are skipped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Single<TGeom, TOps, TV>(ref float k, ref float x, int iyBase, int ky0, int ky1, int ixBase, int f, TV bias)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int inW = TGeom.InWidth, cin = TGeom.InChannels, filters = TGeom.Filters, kw = TGeom.KernelWidth;
        int kx0 = Math.Max(0, -ixBase), kx1 = Math.Min(kw, inW - ixBase);
        TV acc0 = bias, acc1 = TOps.Zero;
        if (kx1 <= kx0) return acc0;
        int length = (kx1 - kx0) * cin;
        for (int ky = ky0; ky < ky1; ky++)
        {
            ref float xp = ref Unsafe.Add(ref x, ((iyBase + ky) * inW + ixBase + kx0) * cin);
            ref float kp = ref Unsafe.Add(ref k, (ky * kw + kx0) * cin * filters + f);
            int j = 0;
            // Two chains halve the wait on the fused multiply-add latency.
            for (; j + 2 <= length; j += 2)
            {
                acc0 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xp, j)), TOps.Load(ref kp, j * filters), acc0);
                acc1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xp, j + 1)), TOps.Load(ref kp, (j + 1) * filters), acc1);
            }
            if (j < length)
                acc0 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xp, j)), TOps.Load(ref kp, j * filters), acc0);
        }
        return TOps.Add(acc0, acc1);
    }

    /// <summary>Eight neighbouring output positions whose windows lie inside the input columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tiled<TGeom, TOps, TV>(ref float k, ref float x, ref float yOut, int iyBase, int ky0, int ky1, int ixBase, int f, TV bias)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int inW = TGeom.InWidth, cin = TGeom.InChannels, filters = TGeom.Filters, kw = TGeom.KernelWidth;
        int step = TGeom.StrideWidth * cin, length = kw * cin;
        TV a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
        for (int ky = ky0; ky < ky1; ky++)
        {
            ref float xp = ref Unsafe.Add(ref x, ((iyBase + ky) * inW + ixBase) * cin);
            ref float kp = ref Unsafe.Add(ref k, ky * kw * cin * filters + f);
            for (int j = 0; j < length; j++)
            {
                TV kv = TOps.Load(ref kp, j * filters);
                ref float xj = ref Unsafe.Add(ref xp, j);
                a0 = TOps.MultiplyAdd(TOps.Broadcast(xj), kv, a0);
                a1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xj, step)), kv, a1);
                a2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xj, 2 * step)), kv, a2);
                a3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xj, 3 * step)), kv, a3);
                a4 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xj, 4 * step)), kv, a4);
                a5 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xj, 5 * step)), kv, a5);
                a6 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xj, 6 * step)), kv, a6);
                a7 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xj, 7 * step)), kv, a7);
            }
        }
        TOps.Store(a0, ref yOut, 0);
        TOps.Store(a1, ref yOut, filters);
        TOps.Store(a2, ref yOut, 2 * filters);
        TOps.Store(a3, ref yOut, 3 * filters);
        TOps.Store(a4, ref yOut, 4 * filters);
        TOps.Store(a5, ref yOut, 5 * filters);
        TOps.Store(a6, ref yOut, 6 * filters);
        TOps.Store(a7, ref yOut, 7 * filters);
    }

    /// <summary>The filters left over after the vector chunks, one at a time.</summary>
    private static void OneFilter<TGeom>(ref float k, ref float b, bool hasBias, ref float x, ref float y, int f) where TGeom : IConv2DGeometry
    {
        int inH = TGeom.InHeight, inW = TGeom.InWidth, cin = TGeom.InChannels, outH = TGeom.OutHeight, outW = TGeom.OutWidth;
        int filters = TGeom.Filters, kh = TGeom.KernelHeight, kw = TGeom.KernelWidth;
        float bias = hasBias ? Unsafe.Add(ref b, f) : 0f;
        for (int oy = 0; oy < outH; oy++)
        {
            int iyBase = oy * TGeom.StrideHeight - TGeom.PadTop;
            int ky0 = Math.Max(0, -iyBase), ky1 = Math.Min(kh, inH - iyBase);
            for (int ox = 0; ox < outW; ox++)
            {
                int ixBase = ox * TGeom.StrideWidth - TGeom.PadLeft;
                int kx0 = Math.Max(0, -ixBase), kx1 = Math.Min(kw, inW - ixBase);
                int length = (kx1 - kx0) * cin;
                float sum = bias;
                for (int ky = ky0; length > 0 && ky < ky1; ky++)
                {
                    ref float xp = ref Unsafe.Add(ref x, ((iyBase + ky) * inW + ixBase + kx0) * cin);
                    ref float kp = ref Unsafe.Add(ref k, (ky * kw + kx0) * cin * filters + f);
                    for (int j = 0; j < length; j++)
                        sum += Unsafe.Add(ref xp, j) * Unsafe.Add(ref kp, j * filters);
                }
                Unsafe.Add(ref y, (oy * outW + ox) * filters + f) = sum;
            }
        }
    }
}
