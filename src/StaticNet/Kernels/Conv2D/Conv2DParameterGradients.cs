using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// Adds one sample's kernel gradients: dK[ky, kx, ci, f] += Σ over output positions of
/// x[iy, ix, ci] dy[oy, ox, f]. For each output row and tap (ky, kx) the positions that read inside the input form a
/// run of columns, so the loop over them has no tests; the kernel-gradient rows stay in registers (eight
/// or four input channels times one vector of filters) while the positions of one output row stream by.
/// </summary>
internal static class Conv2DParameterGradients
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sample<TGeom>(ref float d, ref float x, ref float gk) where TGeom : IConv2DGeometry
    {
        int filters = TGeom.Filters, f = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; f + Vector512<float>.Count <= filters; f += Vector512<float>.Count)
                Chunk<TGeom, Vec512, Vector512<float>>(ref d, ref x, ref gk, f);
        if (Vector256.IsHardwareAccelerated)
            for (; f + Vector256<float>.Count <= filters; f += Vector256<float>.Count)
                Chunk<TGeom, Vec256, Vector256<float>>(ref d, ref x, ref gk, f);
        if (Vector128.IsHardwareAccelerated)
            for (; f + Vector128<float>.Count <= filters; f += Vector128<float>.Count)
                Chunk<TGeom, Vec128, Vector128<float>>(ref d, ref x, ref gk, f);
        for (; f < filters; f++)
            OneFilter<TGeom>(ref d, ref x, ref gk, f);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chunk<TGeom, TOps, TV>(ref float d, ref float x, ref float gk, int f)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int inH = TGeom.InHeight, inW = TGeom.InWidth, cin = TGeom.InChannels, outW = TGeom.OutWidth, filters = TGeom.Filters;
        int kh = TGeom.KernelHeight, kw = TGeom.KernelWidth, sw = TGeom.StrideWidth;
        // Row by row, so that one output row of deltas (and the input rows under it) stays in the
        // first-level cache while every tap reads it.
        for (int oy = 0; oy < TGeom.OutHeight; oy++)
        {
            int iyBase = oy * TGeom.StrideHeight - TGeom.PadTop;
            int ky0 = Math.Max(0, -iyBase), ky1 = Math.Min(kh, inH - iyBase);
            ref float dRow = ref Unsafe.Add(ref d, oy * outW * filters + f);
            for (int ky = ky0; ky < ky1; ky++)
            {
                for (int kx = 0; kx < kw; kx++)
                {
                    var (ox0, ox1) = ConvWindow.Valid(kx, sw, TGeom.PadLeft, inW, outW);
                    if (ox0 == ox1) continue;
                    int n = ox1 - ox0;
                    ref float dp = ref Unsafe.Add(ref dRow, ox0 * filters);
                    ref float xp = ref Unsafe.Add(ref x, ((iyBase + ky) * inW + ox0 * sw - TGeom.PadLeft + kx) * cin);
                    ref float gRow = ref Unsafe.Add(ref gk, (ky * kw + kx) * cin * filters + f);
                    int ci = 0;
                    for (; ci + 8 <= cin; ci += 8)
                        EightChannels<TGeom, TOps, TV>(ref dp, ref Unsafe.Add(ref xp, ci), ref Unsafe.Add(ref gRow, ci * filters), n);
                    for (; ci + 4 <= cin; ci += 4)
                        FourChannels<TGeom, TOps, TV>(ref dp, ref Unsafe.Add(ref xp, ci), ref Unsafe.Add(ref gRow, ci * filters), n);
                    for (; ci < cin; ci++)
                        OneChannel<TGeom, TOps, TV>(ref dp, ref Unsafe.Add(ref xp, ci), ref Unsafe.Add(ref gRow, ci * filters), n);
                }
            }
        }
    }

    /// <summary>g[c, :] += Σ_i x[i * stride * cin + c] dy[i, :] for 8 channels c, over n positions of one row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EightChannels<TGeom, TOps, TV>(ref float dp, ref float xp, ref float g, int n)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int filters = TGeom.Filters, step = TGeom.StrideWidth * TGeom.InChannels;
        TV a0 = TOps.Load(ref g, 0), a1 = TOps.Load(ref g, filters), a2 = TOps.Load(ref g, 2 * filters), a3 = TOps.Load(ref g, 3 * filters);
        TV a4 = TOps.Load(ref g, 4 * filters), a5 = TOps.Load(ref g, 5 * filters), a6 = TOps.Load(ref g, 6 * filters), a7 = TOps.Load(ref g, 7 * filters);
        for (int i = 0; i < n; i++)
        {
            TV dv = TOps.Load(ref dp, i * filters);
            ref float xi = ref Unsafe.Add(ref xp, i * step);
            a0 = TOps.MultiplyAdd(TOps.Broadcast(xi), dv, a0);
            a1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xi, 1)), dv, a1);
            a2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xi, 2)), dv, a2);
            a3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xi, 3)), dv, a3);
            a4 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xi, 4)), dv, a4);
            a5 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xi, 5)), dv, a5);
            a6 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xi, 6)), dv, a6);
            a7 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xi, 7)), dv, a7);
        }
        TOps.Store(a0, ref g, 0);
        TOps.Store(a1, ref g, filters);
        TOps.Store(a2, ref g, 2 * filters);
        TOps.Store(a3, ref g, 3 * filters);
        TOps.Store(a4, ref g, 4 * filters);
        TOps.Store(a5, ref g, 5 * filters);
        TOps.Store(a6, ref g, 6 * filters);
        TOps.Store(a7, ref g, 7 * filters);
    }

    /// <summary>As <see cref="EightChannels"/>, for 4 channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourChannels<TGeom, TOps, TV>(ref float dp, ref float xp, ref float g, int n)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int filters = TGeom.Filters, step = TGeom.StrideWidth * TGeom.InChannels;
        TV a0 = TOps.Load(ref g, 0), a1 = TOps.Load(ref g, filters), a2 = TOps.Load(ref g, 2 * filters), a3 = TOps.Load(ref g, 3 * filters);
        for (int i = 0; i < n; i++)
        {
            TV dv = TOps.Load(ref dp, i * filters);
            ref float xi = ref Unsafe.Add(ref xp, i * step);
            a0 = TOps.MultiplyAdd(TOps.Broadcast(xi), dv, a0);
            a1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xi, 1)), dv, a1);
            a2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xi, 2)), dv, a2);
            a3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xi, 3)), dv, a3);
        }
        TOps.Store(a0, ref g, 0);
        TOps.Store(a1, ref g, filters);
        TOps.Store(a2, ref g, 2 * filters);
        TOps.Store(a3, ref g, 3 * filters);
    }

    /// <summary>One input channel (few-channel inputs such as images): four chains over alternating columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneChannel<TGeom, TOps, TV>(ref float dp, ref float xp, ref float g, int n)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int filters = TGeom.Filters, step = TGeom.StrideWidth * TGeom.InChannels;
        TV a0 = TOps.Load(ref g, 0), a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
        int i = 0;
        for (; i + 4 <= n; i += 4)
        {
            a0 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xp, i * step)), TOps.Load(ref dp, i * filters), a0);
            a1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xp, (i + 1) * step)), TOps.Load(ref dp, (i + 1) * filters), a1);
            a2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xp, (i + 2) * step)), TOps.Load(ref dp, (i + 2) * filters), a2);
            a3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xp, (i + 3) * step)), TOps.Load(ref dp, (i + 3) * filters), a3);
        }
        for (; i < n; i++)
            a0 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xp, i * step)), TOps.Load(ref dp, i * filters), a0);
        TOps.Store(TOps.Add(TOps.Add(a0, a1), TOps.Add(a2, a3)), ref g, 0);
    }

    /// <summary>The filters left over after the vector chunks, one at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OneFilter<TGeom>(ref float d, ref float x, ref float gk, int f) where TGeom : IConv2DGeometry
    {
        int inW = TGeom.InWidth, cin = TGeom.InChannels, outW = TGeom.OutWidth, filters = TGeom.Filters;
        int kh = TGeom.KernelHeight, kw = TGeom.KernelWidth, step = TGeom.StrideWidth * cin;
        for (int ky = 0; ky < kh; ky++)
        {
            var (oy0, oy1) = ConvWindow.Valid(ky, TGeom.StrideHeight, TGeom.PadTop, TGeom.InHeight, TGeom.OutHeight);
            for (int kx = 0; kx < kw; kx++)
            {
                var (ox0, ox1) = ConvWindow.Valid(kx, TGeom.StrideWidth, TGeom.PadLeft, inW, outW);
                if (ox0 == ox1) continue;
                for (int ci = 0; ci < cin; ci++)
                {
                    float sum = 0;
                    for (int oy = oy0; oy < oy1; oy++)
                    {
                        int iy = oy * TGeom.StrideHeight - TGeom.PadTop + ky;
                        ref float xp = ref Unsafe.Add(ref x, (iy * inW + ox0 * TGeom.StrideWidth - TGeom.PadLeft + kx) * cin + ci);
                        ref float dp = ref Unsafe.Add(ref d, (oy * outW + ox0) * filters + f);
                        for (int i = 0; i < ox1 - ox0; i++)
                            sum += Unsafe.Add(ref xp, i * step) * Unsafe.Add(ref dp, i * filters);
                    }
                    Unsafe.Add(ref gk, ((ky * kw + kx) * cin + ci) * filters + f) += sum;
                }
            }
        }
    }
}
