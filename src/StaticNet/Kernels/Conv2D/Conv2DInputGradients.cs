using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// Adds one sample's input gradients: dx[iy, ix, ci] += Σ over the taps reading (iy, ix) of
/// Σ_f dy[oy, ox, f] K[ky, kx, ci, f]. Channels are split into vector-wide chunks that read the
/// kernel transposed to [ky, kx, f, ci] (so a chunk of channels is contiguous); each output position
/// then scatters, per tap, one broadcast-and-fused-multiply-add per filter into its input pixel, over
/// 8 neighbouring output columns at once where the whole window lies inside the input. Channels left
/// over after the chunks (all of them for 1- or 3-channel images) use dot products over the filters
/// of the untransposed kernel.
/// </summary>
internal static class Conv2DInputGradients
{
    private const int Tile = 8;

    /// <summary>Whether <see cref="Sample"/> reads the transposed kernel (else only the original).</summary>
    public static bool UsesTransposed<TGeom>() where TGeom : IConv2DGeometry =>
        Vector128.IsHardwareAccelerated && TGeom.InChannels >= Vector128<float>.Count;

    /// <summary>kt[ky, kx, f, ci] = k[ky, kx, ci, f].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose<TGeom>(ref float k, ref float kt) where TGeom : IConv2DGeometry
    {
        int cin = TGeom.InChannels, filters = TGeom.Filters, taps = TGeom.KernelHeight * TGeom.KernelWidth;
        for (int t = 0; t < taps; t++)
        {
            ref float src = ref Unsafe.Add(ref k, t * cin * filters);
            ref float dst = ref Unsafe.Add(ref kt, t * cin * filters);
            for (int ci = 0; ci < cin; ci++)
                for (int f = 0; f < filters; f++)
                    Unsafe.Add(ref dst, f * cin + ci) = Unsafe.Add(ref src, ci * filters + f);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sample<TGeom>(ref float k, ref float kt, ref float d, ref float dx) where TGeom : IConv2DGeometry
    {
        int cin = TGeom.InChannels, c = 0;
        if (UsesTransposed<TGeom>())
        {
            if (Vector512.IsHardwareAccelerated)
                for (; c + Vector512<float>.Count <= cin; c += Vector512<float>.Count)
                    Chunk<TGeom, Vec512, Vector512<float>>(ref kt, ref d, ref dx, c);
            if (Vector256.IsHardwareAccelerated)
                for (; c + Vector256<float>.Count <= cin; c += Vector256<float>.Count)
                    Chunk<TGeom, Vec256, Vector256<float>>(ref kt, ref d, ref dx, c);
            for (; c + Vector128<float>.Count <= cin; c += Vector128<float>.Count)
                Chunk<TGeom, Vec128, Vector128<float>>(ref kt, ref d, ref dx, c);
        }
        if (c < cin)
            RemainingChannels<TGeom>(ref k, ref d, ref dx, c);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chunk<TGeom, TOps, TV>(ref float kt, ref float d, ref float dx, int c)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int inH = TGeom.InHeight, outH = TGeom.OutHeight, outW = TGeom.OutWidth, filters = TGeom.Filters;
        int kh = TGeom.KernelHeight, kw = TGeom.KernelWidth, sh = TGeom.StrideHeight, sw = TGeom.StrideWidth;
        int padTop = TGeom.PadTop, padLeft = TGeom.PadLeft;
        int interiorLo = ConvWindow.Valid(0, sw, padLeft, TGeom.InWidth, outW).Lo;
        int interiorHi = ConvWindow.Valid(kw - 1, sw, padLeft, TGeom.InWidth, outW).Hi;
        for (int oy = 0; oy < outH; oy++)
        {
            int iyBase = oy * sh - padTop;
            int ky0 = Math.Max(0, -iyBase), ky1 = Math.Min(kh, inH - iyBase);
            ref float dRow = ref Unsafe.Add(ref d, oy * outW * filters);
            int ox = 0;
            for (; ox < interiorLo; ox++)
                Single<TGeom, TOps, TV>(ref kt, ref Unsafe.Add(ref dRow, ox * filters), ref dx, iyBase, ky0, ky1, ox * sw - padLeft, c);
            for (; ox + Tile <= interiorHi; ox += Tile)
                Tiled<TGeom, TOps, TV>(ref kt, ref Unsafe.Add(ref dRow, ox * filters), ref dx, iyBase, ky0, ky1, ox * sw - padLeft, c);
            for (; ox < outW; ox++)
                Single<TGeom, TOps, TV>(ref kt, ref Unsafe.Add(ref dRow, ox * filters), ref dx, iyBase, ky0, ky1, ox * sw - padLeft, c);
        }
    }

    /// <summary>One output position, any window (taps outside the input are skipped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Single<TGeom, TOps, TV>(ref float kt, ref float dPos, ref float dx, int iyBase, int ky0, int ky1, int ixBase, int c)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int inW = TGeom.InWidth, cin = TGeom.InChannels, filters = TGeom.Filters, kw = TGeom.KernelWidth;
        int kx0 = Math.Max(0, -ixBase), kx1 = Math.Min(kw, inW - ixBase);
        for (int ky = ky0; ky < ky1; ky++)
        {
            for (int kx = kx0; kx < kx1; kx++)
            {
                ref float px = ref Unsafe.Add(ref dx, ((iyBase + ky) * inW + ixBase + kx) * cin + c);
                ref float kp = ref Unsafe.Add(ref kt, (ky * kw + kx) * filters * cin + c);
                TV acc0 = TOps.Load(ref px, 0), acc1 = TOps.Zero;
                int f = 0;
                for (; f + 2 <= filters; f += 2)
                {
                    acc0 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref dPos, f)), TOps.Load(ref kp, f * cin), acc0);
                    acc1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref dPos, f + 1)), TOps.Load(ref kp, (f + 1) * cin), acc1);
                }
                if (f < filters)
                    acc0 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref dPos, f)), TOps.Load(ref kp, f * cin), acc0);
                TOps.Store(TOps.Add(acc0, acc1), ref px, 0);
            }
        }
    }

    /// <summary>Eight neighbouring output positions whose windows lie inside the input columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tiled<TGeom, TOps, TV>(ref float kt, ref float dPos, ref float dx, int iyBase, int ky0, int ky1, int ixBase, int c)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int inW = TGeom.InWidth, cin = TGeom.InChannels, filters = TGeom.Filters, kw = TGeom.KernelWidth;
        int step = TGeom.StrideWidth * cin;
        for (int ky = ky0; ky < ky1; ky++)
        {
            for (int kx = 0; kx < kw; kx++)
            {
                // The eight pixels are distinct (their columns differ by the stride), so loading all
                // before storing any is safe; eight chains hide the fused multiply-add latency.
                ref float px = ref Unsafe.Add(ref dx, ((iyBase + ky) * inW + ixBase + kx) * cin + c);
                ref float kp = ref Unsafe.Add(ref kt, (ky * kw + kx) * filters * cin + c);
                TV a0 = TOps.Load(ref px, 0), a1 = TOps.Load(ref px, step), a2 = TOps.Load(ref px, 2 * step), a3 = TOps.Load(ref px, 3 * step);
                TV a4 = TOps.Load(ref px, 4 * step), a5 = TOps.Load(ref px, 5 * step), a6 = TOps.Load(ref px, 6 * step), a7 = TOps.Load(ref px, 7 * step);
                for (int f = 0; f < filters; f++)
                {
                    TV kv = TOps.Load(ref kp, f * cin);
                    ref float df = ref Unsafe.Add(ref dPos, f);
                    a0 = TOps.MultiplyAdd(TOps.Broadcast(df), kv, a0);
                    a1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref df, filters)), kv, a1);
                    a2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref df, 2 * filters)), kv, a2);
                    a3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref df, 3 * filters)), kv, a3);
                    a4 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref df, 4 * filters)), kv, a4);
                    a5 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref df, 5 * filters)), kv, a5);
                    a6 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref df, 6 * filters)), kv, a6);
                    a7 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref df, 7 * filters)), kv, a7);
                }
                TOps.Store(a0, ref px, 0);
                TOps.Store(a1, ref px, step);
                TOps.Store(a2, ref px, 2 * step);
                TOps.Store(a3, ref px, 3 * step);
                TOps.Store(a4, ref px, 4 * step);
                TOps.Store(a5, ref px, 5 * step);
                TOps.Store(a6, ref px, 6 * step);
                TOps.Store(a7, ref px, 7 * step);
            }
        }
    }

    /// <summary>Channels c0 .. InChannels-1, each a dot product over the filters per tap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RemainingChannels<TGeom>(ref float k, ref float d, ref float dx, int c0) where TGeom : IConv2DGeometry
    {
        int inH = TGeom.InHeight, inW = TGeom.InWidth, cin = TGeom.InChannels, outH = TGeom.OutHeight, outW = TGeom.OutWidth;
        int filters = TGeom.Filters, kh = TGeom.KernelHeight, kw = TGeom.KernelWidth;
        for (int oy = 0; oy < outH; oy++)
        {
            int iyBase = oy * TGeom.StrideHeight - TGeom.PadTop;
            int ky0 = Math.Max(0, -iyBase), ky1 = Math.Min(kh, inH - iyBase);
            for (int ox = 0; ox < outW; ox++)
            {
                int ixBase = ox * TGeom.StrideWidth - TGeom.PadLeft;
                int kx0 = Math.Max(0, -ixBase), kx1 = Math.Min(kw, inW - ixBase);
                ref float dPos = ref Unsafe.Add(ref d, (oy * outW + ox) * filters);
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++)
                    {
                        ref float px = ref Unsafe.Add(ref dx, ((iyBase + ky) * inW + ixBase + kx) * cin);
                        ref float kp = ref Unsafe.Add(ref k, (ky * kw + kx) * cin * filters);
                        for (int ci = c0; ci < cin; ci++)
                            Unsafe.Add(ref px, ci) += Simd.Dot(ref dPos, ref Unsafe.Add(ref kp, ci * filters), filters);
                    }
            }
        }
    }
}
