using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// Adds one sample's kernel gradients: dK[ky, kx, ci, f] += Σ over output positions of
/// x[iy, ix, ci] dy[oy, ox, f]. For each tap (ky, kx) the positions that read inside the input form a
/// rectangle, so the loop over them has no tests; the kernel-gradient rows stay in registers (four input
/// channels times one vector of filters) while the positions stream by.
/// </summary>
internal static class Conv2DParameterGradients
{
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

    private static void Chunk<TGeom, TOps, TV>(ref float d, ref float x, ref float gk, int f)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int cin = TGeom.InChannels, filters = TGeom.Filters, kh = TGeom.KernelHeight, kw = TGeom.KernelWidth;
        for (int ky = 0; ky < kh; ky++)
        {
            var (oy0, oy1) = ConvWindow.Valid(ky, TGeom.StrideHeight, TGeom.PadTop, TGeom.InHeight, TGeom.OutHeight);
            if (oy0 == oy1) continue;
            for (int kx = 0; kx < kw; kx++)
            {
                var (ox0, ox1) = ConvWindow.Valid(kx, TGeom.StrideWidth, TGeom.PadLeft, TGeom.InWidth, TGeom.OutWidth);
                if (ox0 == ox1) continue;
                ref float gRow = ref Unsafe.Add(ref gk, (ky * kw + kx) * cin * filters + f);
                int ci = 0;
                for (; ci + 4 <= cin; ci += 4)
                    FourChannels<TGeom, TOps, TV>(ref d, ref x, ref Unsafe.Add(ref gRow, ci * filters), ky, kx, ci, oy0, oy1, ox0, ox1, f);
                for (; ci < cin; ci++)
                    OneChannel<TGeom, TOps, TV>(ref d, ref x, ref Unsafe.Add(ref gRow, ci * filters), ky, kx, ci, oy0, oy1, ox0, ox1, f);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourChannels<TGeom, TOps, TV>(ref float d, ref float x, ref float g, int ky, int kx, int ci, int oy0, int oy1, int ox0, int ox1, int f)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int inW = TGeom.InWidth, cin = TGeom.InChannels, outW = TGeom.OutWidth, filters = TGeom.Filters;
        int step = TGeom.StrideWidth * cin, n = ox1 - ox0;
        TV a0 = TOps.Load(ref g, 0), a1 = TOps.Load(ref g, filters), a2 = TOps.Load(ref g, 2 * filters), a3 = TOps.Load(ref g, 3 * filters);
        for (int oy = oy0; oy < oy1; oy++)
        {
            int iy = oy * TGeom.StrideHeight - TGeom.PadTop + ky;
            ref float xp = ref Unsafe.Add(ref x, (iy * inW + ox0 * TGeom.StrideWidth - TGeom.PadLeft + kx) * cin + ci);
            ref float dp = ref Unsafe.Add(ref d, (oy * outW + ox0) * filters + f);
            for (int i = 0; i < n; i++)
            {
                TV dv = TOps.Load(ref dp, i * filters);
                ref float xi = ref Unsafe.Add(ref xp, i * step);
                a0 = TOps.MultiplyAdd(TOps.Broadcast(xi), dv, a0);
                a1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xi, 1)), dv, a1);
                a2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xi, 2)), dv, a2);
                a3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xi, 3)), dv, a3);
            }
        }
        TOps.Store(a0, ref g, 0);
        TOps.Store(a1, ref g, filters);
        TOps.Store(a2, ref g, 2 * filters);
        TOps.Store(a3, ref g, 3 * filters);
    }

    /// <summary>One input channel (few-channel inputs such as images): four chains over alternating columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneChannel<TGeom, TOps, TV>(ref float d, ref float x, ref float g, int ky, int kx, int ci, int oy0, int oy1, int ox0, int ox1, int f)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int inW = TGeom.InWidth, cin = TGeom.InChannels, outW = TGeom.OutWidth, filters = TGeom.Filters;
        int step = TGeom.StrideWidth * cin, n = ox1 - ox0;
        TV a0 = TOps.Load(ref g, 0), a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
        for (int oy = oy0; oy < oy1; oy++)
        {
            int iy = oy * TGeom.StrideHeight - TGeom.PadTop + ky;
            ref float xp = ref Unsafe.Add(ref x, (iy * inW + ox0 * TGeom.StrideWidth - TGeom.PadLeft + kx) * cin + ci);
            ref float dp = ref Unsafe.Add(ref d, (oy * outW + ox0) * filters + f);
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
        }
        TOps.Store(TOps.Add(TOps.Add(a0, a1), TOps.Add(a2, a3)), ref g, 0);
    }

    /// <summary>The filters left over after the vector chunks, one at a time.</summary>
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
