using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// Average pooling over channels-last tensors (Keras AveragePooling2D, and AveragePooling1D as
/// height 1), the geometry a <see cref="IPool2DGeometry"/> type argument. The average is over the
/// window positions inside the input only (Keras/TensorFlow 'same'; PyTorch's
/// count_include_pad=False), so a partial window at an edge is not diluted by padding. The loops
/// run over channels, 8 at a time where the processor has 256-bit vectors. Allocation-free.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class AveragePooling2D
{
    /// <summary>
    /// y = the mean of each window's valid positions, per channel, for <paramref name="count"/>
    /// samples stored one after the other (count 1 serves one-sample prediction and gives the same values).
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
                    float n = (ky1 - ky0) * (kx1 - kx0);
                    int c = 0;
                    if (Vector256.IsHardwareAccelerated)
                    {
                        var nv = Vector256.Create(n);
                        for (; c <= ch - Vector256<float>.Count; c += Vector256<float>.Count)
                        {
                            var sum = Vector256<float>.Zero;
                            for (int ky = ky0; ky < ky1; ky++)
                                for (int kx = kx0; kx < kx1; kx++)
                                    sum += Vector256.LoadUnsafe(ref xs, (nuint)(((iy0 + ky) * w + ix0 + kx) * ch + c));
                            (sum / nv).StoreUnsafe(ref yo, (nuint)c);
                        }
                    }
                    for (; c < ch; c++)
                    {
                        float sum = 0;
                        for (int ky = ky0; ky < ky1; ky++)
                            for (int kx = kx0; kx < kx1; kx++)
                                sum += Unsafe.Add(ref xs, ((iy0 + ky) * w + ix0 + kx) * ch + c);
                        Unsafe.Add(ref yo, c) = sum / n;
                    }
                }
            }
        }
    }

    /// <summary>
    /// dL/dz of the previous layer from <paramref name="delta"/> = dL/dy of this layer: each delta,
    /// divided by its window's count of valid positions, is added to each of them (summed where
    /// windows overlap), and the sum is multiplied by the derivative of <typeparamref name="TPrevAct"/>
    /// taken from <paramref name="x"/> (the previous layer's outputs). Overwrites
    /// <paramref name="previousDelta"/>; input positions in no window get 0.
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
        ref float dr = ref MemoryMarshal.GetReference(delta);
        ref float pr = ref MemoryMarshal.GetReference(previousDelta);
        for (int s = 0; s < count; s++)
        {
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
                    float n = (ky1 - ky0) * (kx1 - kx0);
                    int c = 0;
                    if (Vector256.IsHardwareAccelerated)
                    {
                        var nv = Vector256.Create(n);
                        for (; c <= ch - Vector256<float>.Count; c += Vector256<float>.Count)
                        {
                            var share = Vector256.LoadUnsafe(ref d, (nuint)c) / nv;
                            for (int ky = ky0; ky < ky1; ky++)
                                for (int kx = kx0; kx < kx1; kx++)
                                {
                                    ref float target = ref Unsafe.Add(ref ps, ((iy0 + ky) * w + ix0 + kx) * ch + c);
                                    (Vector256.LoadUnsafe(ref target) + share).StoreUnsafe(ref target);
                                }
                        }
                    }
                    for (; c < ch; c++)
                    {
                        float share = Unsafe.Add(ref d, c) / n;
                        for (int ky = ky0; ky < ky1; ky++)
                            for (int kx = kx0; kx < kx1; kx++)
                                Unsafe.Add(ref ps, ((iy0 + ky) * w + ix0 + kx) * ch + c) += share;
                    }
                }
            }
        }
        TPrevAct.MultiplyDerivative(x.Slice(0, count * inSize), previousDelta.Slice(0, count * inSize));
    }
}
