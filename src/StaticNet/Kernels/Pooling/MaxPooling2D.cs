using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// Max pooling over channels-last tensors (Keras MaxPooling2D, and MaxPooling1D as height 1), the
/// geometry a <see cref="IPool2DGeometry"/> type argument. Window positions outside the input are
/// excluded (as if −∞), as Keras's 'same' padding. The loops run over channels, 8 at a time where
/// the processor has 256-bit vectors (16 for 2x2 windows at stride 2 on AVX-512). Allocation-free.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MaxPooling2D
{
    /// <summary>
    /// y = the maximum of each window, per channel, for <paramref name="count"/> samples stored one
    /// after the other (count 1 serves one-sample prediction and gives the same values).
    /// </summary>
    public static void ForwardBatch<TGeom>(ReadOnlySpan<float> x, Span<float> y, int count) where TGeom : IPool2DGeometry
    {
        Pool2D.CheckGeometry<TGeom>();
        Pool2D.CheckCount(count);
        int h = TGeom.InHeight, w = TGeom.InWidth, ch = TGeom.Channels, oh = TGeom.OutHeight, ow = TGeom.OutWidth;
        int inSize = h * w * ch, outSize = oh * ow * ch;
        Pool2D.Check(x, (long)count * inSize, nameof(x));
        Pool2D.Check(y, (long)count * outSize, nameof(y));
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        // The common layer (2x2 windows, stride 2, no padding, every window inside the input) with whole 512-bit
        // vectors of channels: a branch the JIT removes for other geometries (they are constants here).
        if (TGeom.PoolHeight == 2 && TGeom.PoolWidth == 2 && TGeom.StrideHeight == 2 && TGeom.StrideWidth == 2
            && TGeom.PadTop == 0 && TGeom.PadLeft == 0 && 2 * oh <= h && 2 * ow <= w
            && Vector512.IsHardwareAccelerated && ch % Vector512<float>.Count == 0)
        {
            ForwardTwoByTwo(ref xr, ref yr, count, h, w, ch, oh, ow);
            return;
        }
        for (int s = 0; s < count; s++)
        {
            ref float xs = ref Unsafe.Add(ref xr, s * inSize);
            ref float ys = ref Unsafe.Add(ref yr, s * outSize);
            for (int oy = 0; oy < oh; oy++)
            {
                int iy0 = oy * TGeom.StrideHeight - TGeom.PadTop;
                (int ky0, int ky1) = Pool2D.Clip(iy0, TGeom.PoolHeight, h);
                for (int ox = 0; ox < ow; ox++)
                {
                    int ix0 = ox * TGeom.StrideWidth - TGeom.PadLeft;
                    (int kx0, int kx1) = Pool2D.Clip(ix0, TGeom.PoolWidth, w);
                    ref float yo = ref Unsafe.Add(ref ys, (oy * ow + ox) * ch);
                    int first = ((iy0 + ky0) * w + ix0 + kx0) * ch;
                    int c = 0;
                    if (Vector256.IsHardwareAccelerated)
                    {
                        for (; c <= ch - Vector256<float>.Count; c += Vector256<float>.Count)
                        {
                            var best = Vector256.LoadUnsafe(ref xs, (nuint)(first + c));
                            for (int ky = ky0; ky < ky1; ky++)
                                for (int kx = kx0; kx < kx1; kx++)
                                {
                                    var v = Vector256.LoadUnsafe(ref xs, (nuint)(((iy0 + ky) * w + ix0 + kx) * ch + c));
                                    best = Vector256.ConditionalSelect(Vector256.GreaterThan(v, best), v, best);
                                }
                            best.StoreUnsafe(ref yo, (nuint)c);
                        }
                    }
                    for (; c < ch; c++)
                    {
                        float best = Unsafe.Add(ref xs, first + c);
                        for (int ky = ky0; ky < ky1; ky++)
                            for (int kx = kx0; kx < kx1; kx++)
                            {
                                float v = Unsafe.Add(ref xs, ((iy0 + ky) * w + ix0 + kx) * ch + c);
                                if (v > best) best = v;
                            }
                        Unsafe.Add(ref yo, c) = best;
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="ForwardBatch"/> for 2x2 windows at stride 2 lying inside the input, 16 channels at a time: the
    /// window's four values in scan order, each replacing the best so far only when greater (as the general loop:
    /// ties keep the first, a NaN never replaces and a first NaN stays). The general loop's window bounds and
    /// indexing per value made the 26x26x16 layer of the digit CNN several times slower.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ForwardTwoByTwo(ref float x, ref float y, int count, int h, int w, int ch, int oh, int ow)
    {
        int rowStride = w * ch;
        for (int s = 0; s < count; s++)
        {
            ref float xs = ref Unsafe.Add(ref x, s * h * rowStride);
            ref float ys = ref Unsafe.Add(ref y, s * oh * ow * ch);
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    ref float top = ref Unsafe.Add(ref xs, 2 * oy * rowStride + 2 * ox * ch);
                    ref float bottom = ref Unsafe.Add(ref top, rowStride);
                    ref float yo = ref Unsafe.Add(ref ys, (oy * ow + ox) * ch);
                    for (int c = 0; c < ch; c += Vector512<float>.Count)
                    {
                        var best = Vector512.LoadUnsafe(ref top, (nuint)c);
                        var v = Vector512.LoadUnsafe(ref top, (nuint)(c + ch));
                        best = Vector512.ConditionalSelect(Vector512.GreaterThan(v, best), v, best);
                        v = Vector512.LoadUnsafe(ref bottom, (nuint)c);
                        best = Vector512.ConditionalSelect(Vector512.GreaterThan(v, best), v, best);
                        v = Vector512.LoadUnsafe(ref bottom, (nuint)(c + ch));
                        best = Vector512.ConditionalSelect(Vector512.GreaterThan(v, best), v, best);
                        best.StoreUnsafe(ref yo, (nuint)c);
                    }
                }
            }
        }
    }

    /// <summary>
    /// dL/dz of the previous layer from <paramref name="delta"/> = dL/dy of this layer: each delta
    /// goes to the FIRST maximum of its window in scan order (rows, then columns; as TensorFlow's
    /// MaxPoolGrad), summed where windows overlap, and the sum is multiplied by the derivative of
    /// <typeparamref name="TPrevAct"/> taken from <paramref name="x"/> (the previous layer's outputs).
    /// Overwrites <paramref name="previousDelta"/>; input positions in no window get 0.
    /// </summary>
    public static void InputGradients<TGeom, TPrevAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> delta, int count, Span<float> previousDelta)
        where TGeom : IPool2DGeometry where TPrevAct : IActivationKernel
    {
        Pool2D.CheckGeometry<TGeom>();
        Pool2D.CheckCount(count);
        int h = TGeom.InHeight, w = TGeom.InWidth, ch = TGeom.Channels, oh = TGeom.OutHeight, ow = TGeom.OutWidth;
        int inSize = h * w * ch, outSize = oh * ow * ch;
        Pool2D.Check(x, (long)count * inSize, nameof(x));
        Pool2D.Check(delta, (long)count * outSize, nameof(delta));
        Pool2D.Check(previousDelta, (long)count * inSize, nameof(previousDelta));
        previousDelta.Slice(0, count * inSize).Clear();
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dr = ref MemoryMarshal.GetReference(delta);
        ref float pr = ref MemoryMarshal.GetReference(previousDelta);
        for (int s = 0; s < count; s++)
        {
            ref float xs = ref Unsafe.Add(ref xr, s * inSize);
            ref float ps = ref Unsafe.Add(ref pr, s * inSize);
            ref float ds = ref Unsafe.Add(ref dr, s * outSize);
            for (int oy = 0; oy < oh; oy++)
            {
                int iy0 = oy * TGeom.StrideHeight - TGeom.PadTop;
                (int ky0, int ky1) = Pool2D.Clip(iy0, TGeom.PoolHeight, h);
                for (int ox = 0; ox < ow; ox++)
                {
                    int ix0 = ox * TGeom.StrideWidth - TGeom.PadLeft;
                    (int kx0, int kx1) = Pool2D.Clip(ix0, TGeom.PoolWidth, w);
                    ref float d = ref Unsafe.Add(ref ds, (oy * ow + ox) * ch);
                    int firstPosition = (iy0 + ky0) * w + ix0 + kx0;
                    int c = 0;
                    if (Vector256.IsHardwareAccelerated)
                    {
                        for (; c <= ch - Vector256<float>.Count; c += Vector256<float>.Count)
                        {
                            // Per lane, the position of the first maximum (strictly greater replaces),
                            // then one more pass over the window adds the delta where the position matches:
                            // no scatter needed.
                            var best = Vector256.LoadUnsafe(ref xs, (nuint)(firstPosition * ch + c));
                            var bestPosition = Vector256.Create(firstPosition);
                            for (int ky = ky0; ky < ky1; ky++)
                                for (int kx = kx0; kx < kx1; kx++)
                                {
                                    int position = (iy0 + ky) * w + ix0 + kx;
                                    var v = Vector256.LoadUnsafe(ref xs, (nuint)(position * ch + c));
                                    var greater = Vector256.GreaterThan(v, best);
                                    best = Vector256.ConditionalSelect(greater, v, best);
                                    bestPosition = Vector256.ConditionalSelect(greater.AsInt32(), Vector256.Create(position), bestPosition);
                                }
                            var dv = Vector256.LoadUnsafe(ref d, (nuint)c);
                            for (int ky = ky0; ky < ky1; ky++)
                                for (int kx = kx0; kx < kx1; kx++)
                                {
                                    int position = (iy0 + ky) * w + ix0 + kx;
                                    var mask = Vector256.Equals(bestPosition, Vector256.Create(position)).AsSingle();
                                    ref float target = ref Unsafe.Add(ref ps, position * ch + c);
                                    (Vector256.LoadUnsafe(ref target) + (dv & mask)).StoreUnsafe(ref target);
                                }
                        }
                    }
                    for (; c < ch; c++)
                    {
                        int bestPosition = firstPosition;
                        float best = Unsafe.Add(ref xs, firstPosition * ch + c);
                        for (int ky = ky0; ky < ky1; ky++)
                            for (int kx = kx0; kx < kx1; kx++)
                            {
                                int position = (iy0 + ky) * w + ix0 + kx;
                                float v = Unsafe.Add(ref xs, position * ch + c);
                                if (v > best) { best = v; bestPosition = position; }
                            }
                        Unsafe.Add(ref ps, bestPosition * ch + c) += Unsafe.Add(ref d, c);
                    }
                }
            }
        }
        TPrevAct.MultiplyDerivative(x.Slice(0, count * inSize), previousDelta.Slice(0, count * inSize));
    }
}
