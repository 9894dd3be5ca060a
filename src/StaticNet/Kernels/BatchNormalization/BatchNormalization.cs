using System;
using System.Buffers;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// Keras BatchNormalization over the last axis (channels) of channels-last tensors: a sample is
/// TPositions x TChannels floats (positions = height x
/// width after a convolution, steps after a 1-D one, 1 after Dense), and the batch statistics of a
/// channel run over all count x positions values of it. Parameters in Keras's order: gamma, beta,
/// movingMean, movingVariance, each one value per channel (Keras's defaults: gamma 1, beta 0, moving
/// mean 0, moving variance 1, momentum 0.99, epsilon 0.001).
/// <para>
/// Batch statistics are summed in double, so they stay accurate over large batches; the
/// per-element loops run in float over channels, 8 at a time where the processor has 256-bit
/// vectors. Allocation-free: the per-channel scratch (at most 2 doubles and 3 floats a channel) is
/// on the stack up to 512 channels, above that rented from <see cref="ArrayPool{T}.Shared"/> and
/// returned before the call ends.
/// </para>
/// <para>
/// The training kernels need the whole batch in one call (the statistics couple its samples); a
/// caller that splits batches across threads must not split these.
/// </para>
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class BatchNormalization
{
    /// <summary>Channels up to which the per-channel scratch lives on the stack (at most 2 x 512 doubles and 3 x 512 floats: 14 KB).</summary>
    private const int StackChannels = 512;

    /// <summary>
    /// Inference: y = gamma (x − movingMean) / sqrt(movingVariance + epsilon) + beta, per channel,
    /// for <paramref name="count"/> samples (count 1 serves one-sample prediction and gives the same values).
    /// </summary>
    public static void ForwardInference<TPositions, TChannels>(ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> movingMean, ReadOnlySpan<float> movingVariance, float epsilon, ReadOnlySpan<float> x, Span<float> y, int count)
        where TPositions : IConstant where TChannels : IConstant
    {
        int positions = TPositions.Value, ch = TChannels.Value;
        CheckSizes(positions, ch);
        CheckCount(count, 0);
        CheckEpsilon(epsilon);
        Check(gamma, ch, nameof(gamma));
        Check(beta, ch, nameof(beta));
        Check(movingMean, ch, nameof(movingMean));
        Check(movingVariance, ch, nameof(movingVariance));
        long total = (long)count * positions * ch;
        Check(x, total, nameof(x));
        Check(y, total, nameof(y));
        float[]? rented = null;
        Span<float> scale = ch <= StackChannels ? stackalloc float[ch] : (rented = ArrayPool<float>.Shared.Rent(ch)).AsSpan(0, ch);
        try
        {
            for (int c = 0; c < ch; c++)
                scale[c] = (float)(gamma[c] / Math.Sqrt((double)movingVariance[c] + epsilon));
            Normalize(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), count * positions, ch,
                ref MemoryMarshal.GetReference(movingMean), ref MemoryMarshal.GetReference(scale), ref MemoryMarshal.GetReference(beta));
        }
        finally
        {
            if (rented != null) ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Training forward: the batch mean and the BIASED batch variance (divided by count x positions,
    /// as Keras/TensorFlow and PyTorch normalize) of each channel; writes
    /// normalized = (x − mean) / sqrt(variance + epsilon) (kept for <see cref="Backward{TPositions, TChannels, TPrevAct}"/>)
    /// and y = gamma · normalized + beta. <paramref name="count"/> must be at least 1.
    /// </summary>
    public static void ForwardTraining<TPositions, TChannels>(ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon, ReadOnlySpan<float> x, Span<float> normalized, Span<float> y, int count)
        where TPositions : IConstant where TChannels : IConstant
    {
        int positions = TPositions.Value, ch = TChannels.Value;
        CheckSizes(positions, ch);
        CheckCount(count, 1);
        CheckEpsilon(epsilon);
        Check(gamma, ch, nameof(gamma));
        Check(beta, ch, nameof(beta));
        long total = (long)count * positions * ch;
        Check(x, total, nameof(x));
        Check(normalized, total, nameof(normalized));
        Check(y, total, nameof(y));
        int rows = count * positions;
        double[]? rentedDoubles = null;
        float[]? rentedFloats = null;
        Span<double> moments = ch <= StackChannels ? stackalloc double[2 * ch] : (rentedDoubles = ArrayPool<double>.Shared.Rent(2 * ch)).AsSpan(0, 2 * ch);
        Span<float> coefficients = ch <= StackChannels ? stackalloc float[3 * ch] : (rentedFloats = ArrayPool<float>.Shared.Rent(3 * ch)).AsSpan(0, 3 * ch);
        try
        {
            Span<double> mean = moments.Slice(0, ch), variance = moments.Slice(ch, ch);
            Span<float> meanHigh = coefficients.Slice(0, ch), meanLow = coefficients.Slice(ch, ch), inverseStd = coefficients.Slice(2 * ch, ch);
            ref float xr = ref MemoryMarshal.GetReference(x);
            Moments(ref xr, rows, ch, mean, variance);
            for (int c = 0; c < ch; c++)
            {
                // The mean as a float pair (high + low ≈ the double mean): x − high is exact when x is
                // near the mean, so a channel with a large mean and a small spread keeps its digits.
                meanHigh[c] = (float)mean[c];
                meanLow[c] = (float)(mean[c] - meanHigh[c]);
                inverseStd[c] = (float)(1 / Math.Sqrt(variance[c] + epsilon));
            }
            ref float nr = ref MemoryMarshal.GetReference(normalized);
            Standardize(ref xr, ref nr, rows, ch, ref MemoryMarshal.GetReference(meanHigh), ref MemoryMarshal.GetReference(meanLow), ref MemoryMarshal.GetReference(inverseStd));
            ScaleShift(ref nr, ref MemoryMarshal.GetReference(y), rows, ch, ref MemoryMarshal.GetReference(gamma), ref MemoryMarshal.GetReference(beta));
        }
        finally
        {
            if (rentedDoubles != null) ArrayPool<double>.Shared.Return(rentedDoubles);
            if (rentedFloats != null) ArrayPool<float>.Shared.Return(rentedFloats);
        }
    }

    /// <summary>
    /// Backward of <see cref="ForwardTraining{TPositions, TChannels}"/> (the batch statistics depend
    /// on x, so every input's gradient depends on the whole batch). With N = count x positions,
    /// dy = <paramref name="delta"/> (dL/dy) and x̂ = <paramref name="normalized"/>, per channel:
    /// gammaGradients = Σ dy x̂, betaGradients = Σ dy (both overwritten), and
    /// dL/dx = gamma / sqrt(var + epsilon) · (dy − Σ dy / N − x̂ · Σ dy x̂ / N), the variance
    /// recomputed from <paramref name="x"/> exactly as the forward did. previousDelta (overwritten)
    /// is dL/dx times the derivative of <typeparamref name="TPrevAct"/> taken from x.
    /// </summary>
    public static void Backward<TPositions, TChannels, TPrevAct>(ReadOnlySpan<float> gamma, float epsilon, ReadOnlySpan<float> x, ReadOnlySpan<float> normalized, ReadOnlySpan<float> delta, int count, Span<float> previousDelta, Span<float> gammaGradients, Span<float> betaGradients)
        where TPositions : IConstant where TChannels : IConstant where TPrevAct : IActivationKernel
    {
        int positions = TPositions.Value, ch = TChannels.Value;
        CheckSizes(positions, ch);
        CheckCount(count, 1);
        CheckEpsilon(epsilon);
        Check(gamma, ch, nameof(gamma));
        long total = (long)count * positions * ch;
        Check(x, total, nameof(x));
        Check(normalized, total, nameof(normalized));
        Check(delta, total, nameof(delta));
        Check(previousDelta, total, nameof(previousDelta));
        Check(gammaGradients, ch, nameof(gammaGradients));
        Check(betaGradients, ch, nameof(betaGradients));
        int rows = count * positions;
        double[]? rentedDoubles = null;
        float[]? rentedFloats = null;
        Span<double> sums = ch <= StackChannels ? stackalloc double[2 * ch] : (rentedDoubles = ArrayPool<double>.Shared.Rent(2 * ch)).AsSpan(0, 2 * ch);
        Span<float> coefficients = ch <= StackChannels ? stackalloc float[3 * ch] : (rentedFloats = ArrayPool<float>.Shared.Rent(3 * ch)).AsSpan(0, 3 * ch);
        try
        {
            Span<double> first = sums.Slice(0, ch), second = sums.Slice(ch, ch);
            Span<float> a = coefficients.Slice(0, ch), b = coefficients.Slice(ch, ch), k = coefficients.Slice(2 * ch, ch);
            // a = gamma / sqrt(var + eps) from the same statistics as the forward.
            Moments(ref MemoryMarshal.GetReference(x), rows, ch, first, second);
            for (int c = 0; c < ch; c++)
                a[c] = (float)(gamma[c] / Math.Sqrt(second[c] + epsilon));
            // Σ dy and Σ dy x̂ per channel, in double.
            first.Clear();
            second.Clear();
            ref float dr = ref MemoryMarshal.GetReference(delta);
            ref float nr = ref MemoryMarshal.GetReference(normalized);
            for (int r = 0; r < rows; r++)
                AccumulateGradientSums(ref Unsafe.Add(ref dr, r * ch), ref Unsafe.Add(ref nr, r * ch), ch, first, second);
            double n = rows;
            for (int c = 0; c < ch; c++)
            {
                betaGradients[c] = (float)first[c];
                gammaGradients[c] = (float)second[c];
                b[c] = (float)(first[c] / n);
                k[c] = (float)(second[c] / n);
            }
            InputGradient(ref dr, ref nr, ref MemoryMarshal.GetReference(previousDelta), rows, ch,
                ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), ref MemoryMarshal.GetReference(k));
        }
        finally
        {
            if (rentedDoubles != null) ArrayPool<double>.Shared.Return(rentedDoubles);
            if (rentedFloats != null) ArrayPool<float>.Shared.Return(rentedFloats);
        }
        TPrevAct.MultiplyDerivative(x.Slice(0, (int)total), previousDelta.Slice(0, (int)total));
    }

    /// <summary>
    /// After a training step: moving = momentum · moving + (1 − momentum) · batch statistic, with the
    /// batch mean and the BIASED batch variance of <paramref name="x"/> (Keras 3's rule; Keras's
    /// default momentum is 0.99). PyTorch differs on both counts: its running_var takes the UNBIASED
    /// variance (divided by N − 1), and its momentum is the weight of the new value, so
    /// momentum_torch = 1 − momentum_keras. <paramref name="count"/> must be at least 1.
    /// </summary>
    public static void UpdateMovingStatistics<TPositions, TChannels>(ReadOnlySpan<float> x, int count, float momentum, Span<float> movingMean, Span<float> movingVariance)
        where TPositions : IConstant where TChannels : IConstant
    {
        int positions = TPositions.Value, ch = TChannels.Value;
        CheckSizes(positions, ch);
        CheckCount(count, 1);
        if (!(momentum >= 0 && momentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be in [0, 1].");
        Check(x, (long)count * positions * ch, nameof(x));
        Check(movingMean, ch, nameof(movingMean));
        Check(movingVariance, ch, nameof(movingVariance));
        double[]? rented = null;
        Span<double> moments = ch <= StackChannels ? stackalloc double[2 * ch] : (rented = ArrayPool<double>.Shared.Rent(2 * ch)).AsSpan(0, 2 * ch);
        try
        {
            Span<double> mean = moments.Slice(0, ch), variance = moments.Slice(ch, ch);
            Moments(ref MemoryMarshal.GetReference(x), count * positions, ch, mean, variance);
            double m = momentum, rest = 1.0 - m;
            for (int c = 0; c < ch; c++)
            {
                movingMean[c] = (float)(m * movingMean[c] + rest * mean[c]);
                movingVariance[c] = (float)(m * movingVariance[c] + rest * variance[c]);
            }
        }
        finally
        {
            if (rented != null) ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Per channel over <paramref name="rows"/> rows of <paramref name="ch"/> values: the mean, then
    /// the biased variance as the mean squared deviation from it (two passes: no cancellation as in
    /// E[x²] − E[x]²). Both in double.
    /// </summary>
    private static void Moments(ref float x, int rows, int ch, Span<double> mean, Span<double> variance)
    {
        mean.Clear();
        variance.Clear();
        ref double mr = ref MemoryMarshal.GetReference(mean);
        ref double vr = ref MemoryMarshal.GetReference(variance);
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref x, r * ch);
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; c <= ch - Vector256<float>.Count; c += Vector256<float>.Count)
                {
                    (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref row, (nuint)c));
                    ref double m = ref Unsafe.Add(ref mr, c);
                    (Vector256.LoadUnsafe(ref m) + lo).StoreUnsafe(ref m);
                    (Vector256.LoadUnsafe(ref m, 4) + hi).StoreUnsafe(ref m, 4);
                }
            for (; c < ch; c++)
                Unsafe.Add(ref mr, c) += Unsafe.Add(ref row, c);
        }
        double inverseRows = 1.0 / rows;
        for (int c = 0; c < ch; c++) mean[c] *= inverseRows;
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref x, r * ch);
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; c <= ch - Vector256<float>.Count; c += Vector256<float>.Count)
                {
                    (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref row, (nuint)c));
                    ref double m = ref Unsafe.Add(ref mr, c);
                    ref double v = ref Unsafe.Add(ref vr, c);
                    var dlo = lo - Vector256.LoadUnsafe(ref m);
                    var dhi = hi - Vector256.LoadUnsafe(ref m, 4);
                    (Vector256.LoadUnsafe(ref v) + dlo * dlo).StoreUnsafe(ref v);
                    (Vector256.LoadUnsafe(ref v, 4) + dhi * dhi).StoreUnsafe(ref v, 4);
                }
            for (; c < ch; c++)
            {
                double d = Unsafe.Add(ref row, c) - Unsafe.Add(ref mr, c);
                Unsafe.Add(ref vr, c) += d * d;
            }
        }
        for (int c = 0; c < ch; c++) variance[c] *= inverseRows;
    }

    /// <summary>Σ dy and Σ dy x̂ of one row into the double accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateGradientSums(ref float dy, ref float xHat, int ch, Span<double> sumDy, Span<double> sumDyXHat)
    {
        ref double sr = ref MemoryMarshal.GetReference(sumDy);
        ref double pr = ref MemoryMarshal.GetReference(sumDyXHat);
        int c = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; c <= ch - Vector256<float>.Count; c += Vector256<float>.Count)
            {
                (Vector256<double> dlo, Vector256<double> dhi) = Vector256.Widen(Vector256.LoadUnsafe(ref dy, (nuint)c));
                (Vector256<double> nlo, Vector256<double> nhi) = Vector256.Widen(Vector256.LoadUnsafe(ref xHat, (nuint)c));
                ref double s = ref Unsafe.Add(ref sr, c);
                ref double p = ref Unsafe.Add(ref pr, c);
                (Vector256.LoadUnsafe(ref s) + dlo).StoreUnsafe(ref s);
                (Vector256.LoadUnsafe(ref s, 4) + dhi).StoreUnsafe(ref s, 4);
                (Vector256.LoadUnsafe(ref p) + dlo * nlo).StoreUnsafe(ref p);
                (Vector256.LoadUnsafe(ref p, 4) + dhi * nhi).StoreUnsafe(ref p, 4);
            }
        for (; c < ch; c++)
        {
            double d = Unsafe.Add(ref dy, c);
            Unsafe.Add(ref sr, c) += d;
            Unsafe.Add(ref pr, c) += d * Unsafe.Add(ref xHat, c);
        }
    }

    /// <summary>output = (input − center) · scale + offset, per channel, over <paramref name="rows"/> rows.</summary>
    internal static void Normalize(ref float input, ref float output, int rows, int ch, ref float center, ref float scale, ref float offset)
    {
        for (int r = 0; r < rows; r++)
        {
            ref float xi = ref Unsafe.Add(ref input, r * ch);
            ref float yo = ref Unsafe.Add(ref output, r * ch);
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; c <= ch - Vector256<float>.Count; c += Vector256<float>.Count)
                    ((Vector256.LoadUnsafe(ref xi, (nuint)c) - Vector256.LoadUnsafe(ref center, (nuint)c)) * Vector256.LoadUnsafe(ref scale, (nuint)c)
                        + Vector256.LoadUnsafe(ref offset, (nuint)c)).StoreUnsafe(ref yo, (nuint)c);
            for (; c < ch; c++)
                Unsafe.Add(ref yo, c) = (Unsafe.Add(ref xi, c) - Unsafe.Add(ref center, c)) * Unsafe.Add(ref scale, c) + Unsafe.Add(ref offset, c);
        }
    }

    /// <summary>output = ((input − meanHigh) − meanLow) · inverseStd, per channel, over <paramref name="rows"/> rows.</summary>
    private static void Standardize(ref float input, ref float output, int rows, int ch, ref float meanHigh, ref float meanLow, ref float inverseStd)
    {
        for (int r = 0; r < rows; r++)
        {
            ref float xi = ref Unsafe.Add(ref input, r * ch);
            ref float yo = ref Unsafe.Add(ref output, r * ch);
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; c <= ch - Vector256<float>.Count; c += Vector256<float>.Count)
                    ((Vector256.LoadUnsafe(ref xi, (nuint)c) - Vector256.LoadUnsafe(ref meanHigh, (nuint)c) - Vector256.LoadUnsafe(ref meanLow, (nuint)c))
                        * Vector256.LoadUnsafe(ref inverseStd, (nuint)c)).StoreUnsafe(ref yo, (nuint)c);
            for (; c < ch; c++)
                Unsafe.Add(ref yo, c) = (Unsafe.Add(ref xi, c) - Unsafe.Add(ref meanHigh, c) - Unsafe.Add(ref meanLow, c)) * Unsafe.Add(ref inverseStd, c);
        }
    }

    /// <summary>output = scale · input + offset, per channel, over <paramref name="rows"/> rows.</summary>
    private static void ScaleShift(ref float input, ref float output, int rows, int ch, ref float scale, ref float offset)
    {
        for (int r = 0; r < rows; r++)
        {
            ref float xi = ref Unsafe.Add(ref input, r * ch);
            ref float yo = ref Unsafe.Add(ref output, r * ch);
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; c <= ch - Vector256<float>.Count; c += Vector256<float>.Count)
                    (Vector256.LoadUnsafe(ref scale, (nuint)c) * Vector256.LoadUnsafe(ref xi, (nuint)c) + Vector256.LoadUnsafe(ref offset, (nuint)c)).StoreUnsafe(ref yo, (nuint)c);
            for (; c < ch; c++)
                Unsafe.Add(ref yo, c) = Unsafe.Add(ref scale, c) * Unsafe.Add(ref xi, c) + Unsafe.Add(ref offset, c);
        }
    }

    /// <summary>dx = a · (dy − b − x̂ · k), per channel, over <paramref name="rows"/> rows.</summary>
    private static void InputGradient(ref float dy, ref float xHat, ref float dx, int rows, int ch, ref float a, ref float b, ref float k)
    {
        for (int r = 0; r < rows; r++)
        {
            ref float d = ref Unsafe.Add(ref dy, r * ch);
            ref float n = ref Unsafe.Add(ref xHat, r * ch);
            ref float o = ref Unsafe.Add(ref dx, r * ch);
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; c <= ch - Vector256<float>.Count; c += Vector256<float>.Count)
                {
                    var inner = Vector256.LoadUnsafe(ref d, (nuint)c) - Vector256.LoadUnsafe(ref b, (nuint)c)
                        - Vector256.LoadUnsafe(ref n, (nuint)c) * Vector256.LoadUnsafe(ref k, (nuint)c);
                    (Vector256.LoadUnsafe(ref a, (nuint)c) * inner).StoreUnsafe(ref o, (nuint)c);
                }
            for (; c < ch; c++)
                Unsafe.Add(ref o, c) = Unsafe.Add(ref a, c) * (Unsafe.Add(ref d, c) - Unsafe.Add(ref b, c) - Unsafe.Add(ref n, c) * Unsafe.Add(ref k, c));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckSizes(int positions, int channels)
    {
        if (positions <= 0 || channels <= 0) ThrowBadSizes(positions, channels);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckCount(int count, int least)
    {
        if (count < least) ThrowBadCount(count, least);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckEpsilon(float epsilon)
    {
        if (!(epsilon >= 0) || float.IsInfinity(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must be finite and not negative.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Check(ReadOnlySpan<float> span, long required, string name)
    {
        if (span.Length < required) ThrowTooShort(name, required, span.Length);
    }

    private static void ThrowTooShort(string name, long required, int actual) =>
        throw new ArgumentException($"Expected at least {required} values in '{name}'; got {actual}.", name);

    private static void ThrowBadSizes(int positions, int channels) =>
        throw new ArgumentException($"TPositions and TChannels must be positive; got {positions} and {channels}.", "TPositions");

    private static void ThrowBadCount(int count, int least) =>
        throw new ArgumentOutOfRangeException(nameof(count), count, least == 0
            ? "The sample count must not be negative."
            : "Training needs at least one sample: the batch statistics are undefined for an empty batch.");
}
