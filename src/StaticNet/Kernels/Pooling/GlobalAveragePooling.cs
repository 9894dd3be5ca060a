using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// Global average pooling: a sample of (positions, channels), channels-last, becomes its
/// per-channel mean (channels). Serves Keras GlobalAveragePooling2D (positions = height x width) and
/// GlobalAveragePooling1D (positions = steps). The loops run over channels, 8 at a time where the
/// processor has 256-bit vectors. Allocation-free.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GlobalAveragePooling
{
    /// <summary>
    /// y[s, c] = (1 / positions) Σ_p x[s, p, c] for <paramref name="count"/> samples stored one after
    /// the other (count 1 serves one-sample prediction and gives the same values).
    /// </summary>
    public static void ForwardBatch<TPositions, TChannels>(ReadOnlySpan<float> x, Span<float> y, int count)
        where TPositions : IConstant where TChannels : IConstant
    {
        int positions = TPositions.Value, ch = TChannels.Value;
        CheckSizes(positions, ch);
        Pool2D.CheckCount(count);
        int inSize = positions * ch;
        Pool2D.Check(x, (long)count * inSize, nameof(x));
        Pool2D.Check(y, (long)count * ch, nameof(y));
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        float n = positions;
        for (int s = 0; s < count; s++)
        {
            ref float xs = ref Unsafe.Add(ref xr, s * inSize);
            ref float ys = ref Unsafe.Add(ref yr, s * ch);
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var nv = Vector256.Create(n);
                for (; c <= ch - Vector256<float>.Count; c += Vector256<float>.Count)
                {
                    var sum = Vector256<float>.Zero;
                    for (int p = 0; p < positions; p++)
                        sum += Vector256.LoadUnsafe(ref xs, (nuint)(p * ch + c));
                    (sum / nv).StoreUnsafe(ref ys, (nuint)c);
                }
            }
            for (; c < ch; c++)
            {
                float sum = 0;
                for (int p = 0; p < positions; p++)
                    sum += Unsafe.Add(ref xs, p * ch + c);
                Unsafe.Add(ref ys, c) = sum / n;
            }
        }
    }

    /// <summary>
    /// dL/dz of the previous layer from <paramref name="delta"/> = dL/dy (count x channels):
    /// every position of a channel gets delta / positions, then multiplied by the derivative of
    /// <typeparamref name="TPrevAct"/> taken from <paramref name="x"/> (the previous layer's outputs).
    /// Overwrites <paramref name="previousDelta"/>.
    /// </summary>
    public static void InputGradients<TPositions, TChannels, TPrevAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> delta, int count, Span<float> previousDelta)
        where TPositions : IConstant where TChannels : IConstant where TPrevAct : IActivationKernel
    {
        int positions = TPositions.Value, ch = TChannels.Value;
        CheckSizes(positions, ch);
        Pool2D.CheckCount(count);
        int inSize = positions * ch;
        Pool2D.Check(x, (long)count * inSize, nameof(x));
        Pool2D.Check(delta, (long)count * ch, nameof(delta));
        Pool2D.Check(previousDelta, (long)count * inSize, nameof(previousDelta));
        ref float dr = ref MemoryMarshal.GetReference(delta);
        ref float pr = ref MemoryMarshal.GetReference(previousDelta);
        float n = positions;
        for (int s = 0; s < count; s++)
        {
            ref float ds = ref Unsafe.Add(ref dr, s * ch);
            ref float ps = ref Unsafe.Add(ref pr, s * inSize);
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var nv = Vector256.Create(n);
                for (; c <= ch - Vector256<float>.Count; c += Vector256<float>.Count)
                {
                    var share = Vector256.LoadUnsafe(ref ds, (nuint)c) / nv;
                    for (int p = 0; p < positions; p++)
                        share.StoreUnsafe(ref ps, (nuint)(p * ch + c));
                }
            }
            for (; c < ch; c++)
            {
                float share = Unsafe.Add(ref ds, c) / n;
                for (int p = 0; p < positions; p++)
                    Unsafe.Add(ref ps, p * ch + c) = share;
            }
        }
        TPrevAct.MultiplyDerivative(x.Slice(0, count * inSize), previousDelta.Slice(0, count * inSize));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckSizes(int positions, int channels)
    {
        if (positions <= 0 || channels <= 0) ThrowBadSizes(positions, channels);
    }

    private static void ThrowBadSizes(int positions, int channels) =>
        throw new ArgumentException($"TPositions and TChannels must be positive; got {positions} and {channels}.", "TPositions");
}
