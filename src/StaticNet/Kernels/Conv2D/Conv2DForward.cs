using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace StaticNet.Kernels;

/// <summary>
/// The forward convolution of one sample, before the activation: y[oy, ox, f] = b[f] +
/// Σ x[iy, ix, ci] K[ky, kx, ci, f]. Filters are split into vector-wide chunks (pairs of 512-bit vectors,
/// then single 512-, 256- and 128-bit vectors, then single filters); for one chunk, each kernel row ky
/// contributes a contiguous run of (kx, ci) inputs times a contiguous block of kernel rows, so the inner
/// loop is one broadcast per input value and one fused multiply-add per accumulator, over 8 (or 4)
/// neighbouring output columns at once where the whole window lies inside the input. A pair keeps
/// 8 columns x 2 vectors in registers, so each broadcast feeds two multiply-adds. The last columns of a
/// row are covered by a tile shifted left to end at the row's end (it recomputes a few columns with the
/// same operations in the same order, so the values are the same) instead of one column at a time,
/// whose single accumulator chain waits on the multiply-add latency.
/// </summary>
internal static class Conv2DForward
{
    /// <summary>Pairs of 8-column tiles need 16 accumulators + 3 temporaries: only with 32 vector registers.</summary>
    private static bool WideRegisterFile => Vector512.IsHardwareAccelerated || AdvSimd.Arm64.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sample<TGeom>(ref float k, ref float b, bool hasBias, ref float x, ref float y) where TGeom : IConv2DGeometry
    {
        int filters = TGeom.Filters, f = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; f + 2 * Vector512<float>.Count <= filters; f += 2 * Vector512<float>.Count)
                Pair<TGeom, Vec512, Vector512<float>>(ref k, ref b, hasBias, ref x, ref y, f);
            for (; f + Vector512<float>.Count <= filters; f += Vector512<float>.Count)
                Chunk<TGeom, Vec512, Vector512<float>>(ref k, ref b, hasBias, ref x, ref y, f);
        }
        if (Vector256.IsHardwareAccelerated)
            for (; f + Vector256<float>.Count <= filters; f += Vector256<float>.Count)
                Chunk<TGeom, Vec256, Vector256<float>>(ref k, ref b, hasBias, ref x, ref y, f);
        if (Vector128.IsHardwareAccelerated)
            for (; f + Vector128<float>.Count <= filters; f += Vector128<float>.Count)
                Chunk<TGeom, Vec128, Vector128<float>>(ref k, ref b, hasBias, ref x, ref y, f);
        for (; f < filters; f++)
            OneFilter<TGeom>(ref k, ref b, hasBias, ref x, ref y, f);
    }

    /// <summary>One vector of filters (f .. f + TOps.Count - 1) for every output position.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chunk<TGeom, TOps, TV>(ref float k, ref float b, bool hasBias, ref float x, ref float y, int f)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int inH = TGeom.InHeight, outH = TGeom.OutHeight, outW = TGeom.OutWidth, filters = TGeom.Filters;
        int kh = TGeom.KernelHeight, kw = TGeom.KernelWidth, sh = TGeom.StrideHeight, sw = TGeom.StrideWidth;
        int padTop = TGeom.PadTop, padLeft = TGeom.PadLeft;
        TV bias = hasBias ? TOps.Load(ref b, f) : TOps.Zero;
        // Columns whose whole window lies inside the input: all kernel columns read real values.
        int lo = ConvWindow.Valid(0, sw, padLeft, TGeom.InWidth, outW).Lo;
        int hi = ConvWindow.Valid(kw - 1, sw, padLeft, TGeom.InWidth, outW).Hi;
        int width = hi - lo;
        for (int oy = 0; oy < outH; oy++)
        {
            int iyBase = oy * sh - padTop;
            int ky0 = Math.Max(0, -iyBase), ky1 = Math.Min(kh, inH - iyBase);
            ref float yRow = ref Unsafe.Add(ref y, oy * outW * filters + f);
            for (int ox = 0; ox < lo; ox++)
                TOps.Store(Single<TGeom, TOps, TV>(ref k, ref x, iyBase, ky0, ky1, ox * sw - padLeft, f, bias), ref yRow, ox * filters);
            if (width >= 4)
            {
                int ox = lo;
                for (; ox + 8 <= hi; ox += 8)
                    Tile8<TGeom, TOps, TV>(ref k, ref x, ref Unsafe.Add(ref yRow, ox * filters), iyBase, ky0, ky1, ox * sw - padLeft, f, bias);
                if (hi - ox > 4 && width >= 8)
                {
                    ox = hi - 8;
                    Tile8<TGeom, TOps, TV>(ref k, ref x, ref Unsafe.Add(ref yRow, ox * filters), iyBase, ky0, ky1, ox * sw - padLeft, f, bias);
                }
                else if (ox < hi)
                {
                    for (; ox + 4 <= hi; ox += 4)
                        Tile4<TGeom, TOps, TV>(ref k, ref x, ref Unsafe.Add(ref yRow, ox * filters), iyBase, ky0, ky1, ox * sw - padLeft, f, bias);
                    if (ox < hi)
                    {
                        ox = hi - 4;
                        Tile4<TGeom, TOps, TV>(ref k, ref x, ref Unsafe.Add(ref yRow, ox * filters), iyBase, ky0, ky1, ox * sw - padLeft, f, bias);
                    }
                }
            }
            else
            {
                for (int ox = lo; ox < hi; ox++)
                    TOps.Store(Single<TGeom, TOps, TV>(ref k, ref x, iyBase, ky0, ky1, ox * sw - padLeft, f, bias), ref yRow, ox * filters);
            }
            for (int ox = Math.Max(hi, lo); ox < outW; ox++)
                TOps.Store(Single<TGeom, TOps, TV>(ref k, ref x, iyBase, ky0, ky1, ox * sw - padLeft, f, bias), ref yRow, ox * filters);
        }
    }

    /// <summary>
    /// Two vectors of filters (f .. f + 2 * TOps.Count - 1) for every output position: each broadcast input
    /// value feeds both, halving the loads per multiply-add. Without 32 vector registers the tiles are 4 wide.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pair<TGeom, TOps, TV>(ref float k, ref float b, bool hasBias, ref float x, ref float y, int f)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int inH = TGeom.InHeight, outH = TGeom.OutHeight, outW = TGeom.OutWidth, filters = TGeom.Filters;
        int kh = TGeom.KernelHeight, kw = TGeom.KernelWidth, sh = TGeom.StrideHeight, sw = TGeom.StrideWidth;
        int padTop = TGeom.PadTop, padLeft = TGeom.PadLeft, n = TOps.Count;
        TV bias0 = hasBias ? TOps.Load(ref b, f) : TOps.Zero;
        TV bias1 = hasBias ? TOps.Load(ref b, f + n) : TOps.Zero;
        int lo = ConvWindow.Valid(0, sw, padLeft, TGeom.InWidth, outW).Lo;
        int hi = ConvWindow.Valid(kw - 1, sw, padLeft, TGeom.InWidth, outW).Hi;
        int width = hi - lo;
        bool wide = WideRegisterFile && width >= 8;
        for (int oy = 0; oy < outH; oy++)
        {
            int iyBase = oy * sh - padTop;
            int ky0 = Math.Max(0, -iyBase), ky1 = Math.Min(kh, inH - iyBase);
            ref float yRow = ref Unsafe.Add(ref y, oy * outW * filters + f);
            for (int ox = 0; ox < lo; ox++)
                PairSingle<TGeom, TOps, TV>(ref k, ref x, ref yRow, iyBase, ky0, ky1, ox, f, bias0, bias1);
            if (wide)
            {
                int ox = lo;
                for (; ox + 8 <= hi; ox += 8)
                    PairTile8<TGeom, TOps, TV>(ref k, ref x, ref Unsafe.Add(ref yRow, ox * filters), iyBase, ky0, ky1, ox * sw - padLeft, f, bias0, bias1);
                if (hi - ox > 4)
                {
                    ox = hi - 8;
                    PairTile8<TGeom, TOps, TV>(ref k, ref x, ref Unsafe.Add(ref yRow, ox * filters), iyBase, ky0, ky1, ox * sw - padLeft, f, bias0, bias1);
                }
                else if (ox < hi)
                {
                    ox = hi - 4;
                    PairTile4<TGeom, TOps, TV>(ref k, ref x, ref Unsafe.Add(ref yRow, ox * filters), iyBase, ky0, ky1, ox * sw - padLeft, f, bias0, bias1);
                }
            }
            else if (width >= 4)
            {
                int ox = lo;
                for (; ox + 4 <= hi; ox += 4)
                    PairTile4<TGeom, TOps, TV>(ref k, ref x, ref Unsafe.Add(ref yRow, ox * filters), iyBase, ky0, ky1, ox * sw - padLeft, f, bias0, bias1);
                if (ox < hi)
                {
                    ox = hi - 4;
                    PairTile4<TGeom, TOps, TV>(ref k, ref x, ref Unsafe.Add(ref yRow, ox * filters), iyBase, ky0, ky1, ox * sw - padLeft, f, bias0, bias1);
                }
            }
            else
            {
                for (int ox = lo; ox < hi; ox++)
                    PairSingle<TGeom, TOps, TV>(ref k, ref x, ref yRow, iyBase, ky0, ky1, ox, f, bias0, bias1);
            }
            for (int ox = Math.Max(hi, lo); ox < outW; ox++)
                PairSingle<TGeom, TOps, TV>(ref k, ref x, ref yRow, iyBase, ky0, ky1, ox, f, bias0, bias1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PairSingle<TGeom, TOps, TV>(ref float k, ref float x, ref float yRow, int iyBase, int ky0, int ky1, int ox, int f, TV bias0, TV bias1)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int ixBase = ox * TGeom.StrideWidth - TGeom.PadLeft, at = ox * TGeom.Filters;
        TOps.Store(Single<TGeom, TOps, TV>(ref k, ref x, iyBase, ky0, ky1, ixBase, f, bias0), ref yRow, at);
        TOps.Store(Single<TGeom, TOps, TV>(ref k, ref x, iyBase, ky0, ky1, ixBase, f + TOps.Count, bias1), ref yRow, at + TOps.Count);
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
    private static void Tile8<TGeom, TOps, TV>(ref float k, ref float x, ref float yOut, int iyBase, int ky0, int ky1, int ixBase, int f, TV bias)
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

    /// <summary>Four neighbouring output positions whose windows lie inside the input columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4<TGeom, TOps, TV>(ref float k, ref float x, ref float yOut, int iyBase, int ky0, int ky1, int ixBase, int f, TV bias)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int inW = TGeom.InWidth, cin = TGeom.InChannels, filters = TGeom.Filters, kw = TGeom.KernelWidth;
        int step = TGeom.StrideWidth * cin, length = kw * cin;
        TV a0 = bias, a1 = bias, a2 = bias, a3 = bias;
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
            }
        }
        TOps.Store(a0, ref yOut, 0);
        TOps.Store(a1, ref yOut, filters);
        TOps.Store(a2, ref yOut, 2 * filters);
        TOps.Store(a3, ref yOut, 3 * filters);
    }

    /// <summary>Eight neighbouring output positions x two vectors of filters (16 accumulators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PairTile8<TGeom, TOps, TV>(ref float k, ref float x, ref float yOut, int iyBase, int ky0, int ky1, int ixBase, int f, TV bias0, TV bias1)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int inW = TGeom.InWidth, cin = TGeom.InChannels, filters = TGeom.Filters, kw = TGeom.KernelWidth, n = TOps.Count;
        int step = TGeom.StrideWidth * cin, length = kw * cin;
        TV a0 = bias0, a1 = bias0, a2 = bias0, a3 = bias0, a4 = bias0, a5 = bias0, a6 = bias0, a7 = bias0;
        TV c0 = bias1, c1 = bias1, c2 = bias1, c3 = bias1, c4 = bias1, c5 = bias1, c6 = bias1, c7 = bias1;
        for (int ky = ky0; ky < ky1; ky++)
        {
            ref float xp = ref Unsafe.Add(ref x, ((iyBase + ky) * inW + ixBase) * cin);
            ref float kp = ref Unsafe.Add(ref k, ky * kw * cin * filters + f);
            for (int j = 0; j < length; j++)
            {
                TV kv0 = TOps.Load(ref kp, j * filters), kv1 = TOps.Load(ref kp, j * filters + n);
                ref float xj = ref Unsafe.Add(ref xp, j);
                TV v = TOps.Broadcast(xj);
                a0 = TOps.MultiplyAdd(v, kv0, a0); c0 = TOps.MultiplyAdd(v, kv1, c0);
                v = TOps.Broadcast(Unsafe.Add(ref xj, step));
                a1 = TOps.MultiplyAdd(v, kv0, a1); c1 = TOps.MultiplyAdd(v, kv1, c1);
                v = TOps.Broadcast(Unsafe.Add(ref xj, 2 * step));
                a2 = TOps.MultiplyAdd(v, kv0, a2); c2 = TOps.MultiplyAdd(v, kv1, c2);
                v = TOps.Broadcast(Unsafe.Add(ref xj, 3 * step));
                a3 = TOps.MultiplyAdd(v, kv0, a3); c3 = TOps.MultiplyAdd(v, kv1, c3);
                v = TOps.Broadcast(Unsafe.Add(ref xj, 4 * step));
                a4 = TOps.MultiplyAdd(v, kv0, a4); c4 = TOps.MultiplyAdd(v, kv1, c4);
                v = TOps.Broadcast(Unsafe.Add(ref xj, 5 * step));
                a5 = TOps.MultiplyAdd(v, kv0, a5); c5 = TOps.MultiplyAdd(v, kv1, c5);
                v = TOps.Broadcast(Unsafe.Add(ref xj, 6 * step));
                a6 = TOps.MultiplyAdd(v, kv0, a6); c6 = TOps.MultiplyAdd(v, kv1, c6);
                v = TOps.Broadcast(Unsafe.Add(ref xj, 7 * step));
                a7 = TOps.MultiplyAdd(v, kv0, a7); c7 = TOps.MultiplyAdd(v, kv1, c7);
            }
        }
        TOps.Store(a0, ref yOut, 0); TOps.Store(c0, ref yOut, n);
        TOps.Store(a1, ref yOut, filters); TOps.Store(c1, ref yOut, filters + n);
        TOps.Store(a2, ref yOut, 2 * filters); TOps.Store(c2, ref yOut, 2 * filters + n);
        TOps.Store(a3, ref yOut, 3 * filters); TOps.Store(c3, ref yOut, 3 * filters + n);
        TOps.Store(a4, ref yOut, 4 * filters); TOps.Store(c4, ref yOut, 4 * filters + n);
        TOps.Store(a5, ref yOut, 5 * filters); TOps.Store(c5, ref yOut, 5 * filters + n);
        TOps.Store(a6, ref yOut, 6 * filters); TOps.Store(c6, ref yOut, 6 * filters + n);
        TOps.Store(a7, ref yOut, 7 * filters); TOps.Store(c7, ref yOut, 7 * filters + n);
    }

    /// <summary>Four neighbouring output positions x two vectors of filters (8 accumulators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PairTile4<TGeom, TOps, TV>(ref float k, ref float x, ref float yOut, int iyBase, int ky0, int ky1, int ixBase, int f, TV bias0, TV bias1)
        where TGeom : IConv2DGeometry where TOps : IVectorOps<TV> where TV : struct
    {
        int inW = TGeom.InWidth, cin = TGeom.InChannels, filters = TGeom.Filters, kw = TGeom.KernelWidth, n = TOps.Count;
        int step = TGeom.StrideWidth * cin, length = kw * cin;
        TV a0 = bias0, a1 = bias0, a2 = bias0, a3 = bias0;
        TV c0 = bias1, c1 = bias1, c2 = bias1, c3 = bias1;
        for (int ky = ky0; ky < ky1; ky++)
        {
            ref float xp = ref Unsafe.Add(ref x, ((iyBase + ky) * inW + ixBase) * cin);
            ref float kp = ref Unsafe.Add(ref k, ky * kw * cin * filters + f);
            for (int j = 0; j < length; j++)
            {
                TV kv0 = TOps.Load(ref kp, j * filters), kv1 = TOps.Load(ref kp, j * filters + n);
                ref float xj = ref Unsafe.Add(ref xp, j);
                TV v = TOps.Broadcast(xj);
                a0 = TOps.MultiplyAdd(v, kv0, a0); c0 = TOps.MultiplyAdd(v, kv1, c0);
                v = TOps.Broadcast(Unsafe.Add(ref xj, step));
                a1 = TOps.MultiplyAdd(v, kv0, a1); c1 = TOps.MultiplyAdd(v, kv1, c1);
                v = TOps.Broadcast(Unsafe.Add(ref xj, 2 * step));
                a2 = TOps.MultiplyAdd(v, kv0, a2); c2 = TOps.MultiplyAdd(v, kv1, c2);
                v = TOps.Broadcast(Unsafe.Add(ref xj, 3 * step));
                a3 = TOps.MultiplyAdd(v, kv0, a3); c3 = TOps.MultiplyAdd(v, kv1, c3);
            }
        }
        TOps.Store(a0, ref yOut, 0); TOps.Store(c0, ref yOut, n);
        TOps.Store(a1, ref yOut, filters); TOps.Store(c1, ref yOut, filters + n);
        TOps.Store(a2, ref yOut, 2 * filters); TOps.Store(c2, ref yOut, 2 * filters + n);
        TOps.Store(a3, ref yOut, 3 * filters); TOps.Store(c3, ref yOut, 3 * filters + n);
    }

    /// <summary>The filters left over after the vector chunks, one at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
