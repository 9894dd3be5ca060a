using System;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.PoolingKernelTests;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// BatchNormalization kernels against a naive double-precision reference written here (Keras
/// semantics: statistics per channel over batch and positions, BIASED batch variance), the
/// backward pass against central finite differences of that reference, and the moving-statistics
/// update against a hand computation. Channel counts cover the scalar path (3), the 8-wide vector
/// path with its tail (11) and more channels than the stack scratch holds (520: the array-pool path).
/// </summary>
public class BatchNormalizationKernelTests
{
    public readonly struct P1 : IConstant { public static int Value => 1; }
    public readonly struct P2 : IConstant { public static int Value => 2; }
    public readonly struct P6 : IConstant { public static int Value => 6; }
    public readonly struct C2 : IConstant { public static int Value => 2; }
    public readonly struct C3 : IConstant { public static int Value => 3; }
    public readonly struct C11 : IConstant { public static int Value => 11; }
    public readonly struct C520 : IConstant { public static int Value => 520; }

    private const float Epsilon = 0.001f;

    [Fact]
    public void ForwardTraining_MatchesReference()
    {
        CheckTraining<P6, C11>(4);
        CheckTraining<P1, C3>(4);
        CheckTraining<P6, C3>(1);
        CheckTraining<P1, C520>(3);
    }

    private static void CheckTraining<TPositions, TChannels>(int count) where TPositions : IConstant where TChannels : IConstant
    {
        int ch = TChannels.Value, rows = count * TPositions.Value, n = rows * ch;
        var rng = new Random(n + ch);
        // Values far from 0 relative to their spread: a one-pass E[x²] − E[x]² would lose digits here.
        float[] x = Uniform(rng, n, 99, 101), gamma = Uniform(rng, ch, -1.5, 1.5), beta = Uniform(rng, ch, -1, 1);
        var normalized = new float[n];
        var y = new float[n];
        BatchNormalization.ForwardTraining<TPositions, TChannels>(gamma, beta, Epsilon, x, normalized, y, count);
        (double[] expectedNormalized, double[] expectedY) = ReferenceTraining(ToDouble(x), ToDouble(gamma), ToDouble(beta), rows, ch);
        string what = $"training forward {TPositions.Value}x{ch} count {count}";
        for (int i = 0; i < n; i++)
        {
            AssertClose(expectedNormalized[i], normalized[i], 2e-5, $"{what} normalized {i}");
            AssertClose(expectedY[i], y[i], 2e-5, $"{what} y {i}");
        }
    }

    [Fact]
    public void Backward_MatchesFiniteDifferences()
    {
        CheckBackward<P1, C3, Linear>(4, Linear, 1);
        CheckBackward<P6, C3, Linear>(4, Linear, 1);
        CheckBackward<P1, C3, Sigmoid>(4, Sigmoid, 1);
        CheckBackward<P6, C3, Sigmoid>(4, Sigmoid, 1);
        CheckBackward<P6, C11, Sigmoid>(2, Sigmoid, 1);
        CheckBackward<P1, C520, Linear>(3, Linear, 37);
    }

    /// <summary>
    /// L = Σ w · BN_train(act(z)) with random w; the kernel's gamma, beta and z gradients against
    /// central differences (h = 1e-4) of the double reference. Every <paramref name="stride"/>-th input
    /// coordinate is probed (all gamma and beta coordinates).
    /// </summary>
    private static void CheckBackward<TPositions, TChannels, TPrevAct>(int count, Func<double, double> act, int stride)
        where TPositions : IConstant where TChannels : IConstant where TPrevAct : IActivationKernel
    {
        int ch = TChannels.Value, rows = count * TPositions.Value, n = rows * ch;
        var rng = new Random(n * 7 + ch);
        double[] z = new double[n];
        for (int i = 0; i < n; i++) z[i] = rng.NextDouble() * 4 - 2;
        double[] gamma = ToDouble(Uniform(rng, ch, -1.5, 1.5)), beta = ToDouble(Uniform(rng, ch, -1, 1));
        float[] w = Uniform(rng, n, -1, 1);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)act(z[i]);
        float[] gammaF = Array.ConvertAll(gamma, v => (float)v), betaF = Array.ConvertAll(beta, v => (float)v);

        var normalized = new float[n];
        var y = new float[n];
        BatchNormalization.ForwardTraining<TPositions, TChannels>(gammaF, betaF, Epsilon, x, normalized, y, count);
        var dz = new float[n];
        var dGamma = new float[ch];
        var dBeta = new float[ch];
        Array.Fill(dz, 99f);
        Array.Fill(dGamma, 99f);
        Array.Fill(dBeta, 99f);
        BatchNormalization.Backward<TPositions, TChannels, TPrevAct>(gammaF, Epsilon, x, normalized, w, count, dz, dGamma, dBeta);

        double Loss(double[] zz, double[] g, double[] b)
        {
            var xx = new double[n];
            for (int i = 0; i < n; i++) xx[i] = act(zz[i]);
            double[] yy = ReferenceTraining(xx, g, b, rows, ch).Y;
            double sum = 0;
            for (int i = 0; i < n; i++) sum += w[i] * yy[i];
            return sum;
        }
        string what = $"BN backward {TPositions.Value}x{ch} count {count} {typeof(TPrevAct).Name}";
        AssertFiniteDifferences(z, dz, v => Loss(v, gamma, beta), stride, what + " dL/dz");
        AssertFiniteDifferences(gamma, dGamma, v => Loss(z, v, beta), 1, what + " dL/dgamma");
        AssertFiniteDifferences(beta, dBeta, v => Loss(z, gamma, v), 1, what + " dL/dbeta");
    }

    [Fact]
    public void ForwardInference_MatchesReference_AndOneSampleMatchesTheBatch()
    {
        CheckInference<P6, C11>(3);
        CheckInference<P1, C3>(2);
        CheckInference<P1, C520>(2);
    }

    private static void CheckInference<TPositions, TChannels>(int count) where TPositions : IConstant where TChannels : IConstant
    {
        int ch = TChannels.Value, sample = TPositions.Value * ch, n = count * sample;
        var rng = new Random(n + 3 * ch);
        float[] x = Uniform(rng, n, -3, 3), gamma = Uniform(rng, ch, -1.5, 1.5), beta = Uniform(rng, ch, -1, 1);
        float[] mean = Uniform(rng, ch, -1, 1), variance = Uniform(rng, ch, 0.01, 4);
        var y = new float[n];
        BatchNormalization.ForwardInference<TPositions, TChannels>(gamma, beta, mean, variance, Epsilon, x, y, count);
        for (int i = 0; i < n; i++)
        {
            int c = i % ch;
            double expected = gamma[c] * ((double)x[i] - mean[c]) / Math.Sqrt((double)variance[c] + Epsilon) + beta[c];
            AssertClose(expected, y[i], 1e-5, $"inference {TPositions.Value}x{ch} value {i}");
        }
        var one = new float[sample];
        for (int s = 0; s < count; s++)
        {
            BatchNormalization.ForwardInference<TPositions, TChannels>(gamma, beta, mean, variance, Epsilon, x.AsSpan(s * sample, sample), one, 1);
            Assert.Equal(y.AsSpan(s * sample, sample).ToArray(), one);
        }
    }

    [Fact]
    public void UpdateMovingStatistics_MatchesHandComputation()
    {
        // Four values per channel: channel 0 holds 1, 2, 3, 6 (mean 3, biased variance (4+1+0+9)/4 = 3.5),
        // channel 1 holds -1, -1, 1, 1 (mean 0, variance 1). Keras 3, momentum 0.9, from mean (0.5, 2)
        // and variance (1, 4):
        //   mean     = 0.9 · (0.5, 2) + 0.1 · (3, 0)   = (0.75, 1.8)
        //   variance = 0.9 · (1, 4)   + 0.1 · (3.5, 1) = (1.25, 3.7)
        // PyTorch (BatchNorm1d(2, momentum=0.1), train mode) gives the same mean but updates running_var
        // with the UNBIASED variance (14/3 for channel 0): 0.9 + 0.1 · 14/3 = 1.3667; its momentum is
        // the new value's weight (momentum_torch = 1 − momentum_keras).
        float[] x = { 1, -1, 2, -1, 3, 1, 6, 1 };
        float[] expectedMean = { 0.75f, 1.8f }, expectedVariance = { 1.25f, 3.7f };

        // As 4 samples of 1 position, and as 2 samples of 2 positions: the statistics run over both.
        float[] mean = { 0.5f, 2f }, variance = { 1f, 4f };
        BatchNormalization.UpdateMovingStatistics<P1, C2>(x, 4, 0.9f, mean, variance);
        AssertAll(expectedMean, mean, "moving mean (1 position)");
        AssertAll(expectedVariance, variance, "moving variance (1 position)");
        mean = new[] { 0.5f, 2f };
        variance = new[] { 1f, 4f };
        BatchNormalization.UpdateMovingStatistics<P2, C2>(x, 2, 0.9f, mean, variance);
        AssertAll(expectedMean, mean, "moving mean (2 positions)");
        AssertAll(expectedVariance, variance, "moving variance (2 positions)");

        static void AssertAll(float[] expected, float[] actual, string what)
        {
            for (int c = 0; c < expected.Length; c++) AssertClose(expected[c], actual[c], 1e-6, $"{what} channel {c}");
        }
    }

    [Fact]
    public void MovingStatisticsWithMomentumZero_MakeInferenceEqualTraining()
    {
        // Momentum 0 stores the batch statistics themselves: inference with them must reproduce the
        // training forward on the same batch (the two kernels agree on mean and biased variance).
        const int count = 3;
        int ch = C11.Value, n = count * P6.Value * ch;
        var rng = new Random(11);
        float[] x = Uniform(rng, n, -2, 5), gamma = Uniform(rng, ch, 0.5, 1.5), beta = Uniform(rng, ch, -1, 1);
        float[] mean = Uniform(rng, ch, -9, 9), variance = Uniform(rng, ch, 1, 9);
        BatchNormalization.UpdateMovingStatistics<P6, C11>(x, count, 0f, mean, variance);
        var training = new float[n];
        BatchNormalization.ForwardTraining<P6, C11>(gamma, beta, Epsilon, x, new float[n], training, count);
        var inference = new float[n];
        BatchNormalization.ForwardInference<P6, C11>(gamma, beta, mean, variance, Epsilon, x, inference, count);
        for (int i = 0; i < n; i++) AssertClose(training[i], inference[i], 1e-5, $"value {i}");
    }

    [Fact]
    public void Kernels_RejectShortSpansAndBadArgumentsNamingThem()
    {
        int n = 2 * 6 * 11;
        float[] c11 = new float[11], c10 = new float[10], full = new float[n], shortFull = new float[n - 1];
        AssertShort("gamma", () => BatchNormalization.ForwardInference<P6, C11>(c10, c11, c11, c11, Epsilon, full, full, 2));
        AssertShort("beta", () => BatchNormalization.ForwardInference<P6, C11>(c11, c10, c11, c11, Epsilon, full, full, 2));
        AssertShort("movingMean", () => BatchNormalization.ForwardInference<P6, C11>(c11, c11, c10, c11, Epsilon, full, full, 2));
        AssertShort("movingVariance", () => BatchNormalization.ForwardInference<P6, C11>(c11, c11, c11, c10, Epsilon, full, full, 2));
        AssertShort("x", () => BatchNormalization.ForwardInference<P6, C11>(c11, c11, c11, c11, Epsilon, shortFull, full, 2));
        AssertShort("y", () => BatchNormalization.ForwardInference<P6, C11>(c11, c11, c11, c11, Epsilon, full, shortFull, 2));
        AssertShort("normalized", () => BatchNormalization.ForwardTraining<P6, C11>(c11, c11, Epsilon, full, shortFull, full, 2));
        AssertShort("y", () => BatchNormalization.ForwardTraining<P6, C11>(c11, c11, Epsilon, full, full, shortFull, 2));
        AssertShort("delta", () => BatchNormalization.Backward<P6, C11, Linear>(c11, Epsilon, full, full, shortFull, 2, full, c11, c11));
        AssertShort("previousDelta", () => BatchNormalization.Backward<P6, C11, Linear>(c11, Epsilon, full, full, full, 2, shortFull, c11, c11));
        AssertShort("gammaGradients", () => BatchNormalization.Backward<P6, C11, Linear>(c11, Epsilon, full, full, full, 2, full, c10, c11));
        AssertShort("betaGradients", () => BatchNormalization.Backward<P6, C11, Linear>(c11, Epsilon, full, full, full, 2, full, c11, c10));
        AssertShort("movingVariance", () => BatchNormalization.UpdateMovingStatistics<P6, C11>(full, 2, 0.99f, c11, c10));
        AssertShort("x", () => BatchNormalization.UpdateMovingStatistics<P6, C11>(shortFull, 2, 0.99f, c11, c11));
        // Training statistics of an empty batch do not exist; momentum and epsilon out of range.
        Assert.Throws<ArgumentOutOfRangeException>("count", () => BatchNormalization.ForwardTraining<P6, C11>(c11, c11, Epsilon, full, full, full, 0));
        Assert.Throws<ArgumentOutOfRangeException>("count", () => BatchNormalization.UpdateMovingStatistics<P6, C11>(full, 0, 0.99f, c11, c11));
        Assert.Throws<ArgumentOutOfRangeException>("momentum", () => BatchNormalization.UpdateMovingStatistics<P6, C11>(full, 2, 1.5f, c11, c11));
        Assert.Throws<ArgumentOutOfRangeException>("epsilon", () => BatchNormalization.ForwardInference<P6, C11>(c11, c11, c11, c11, -1f, full, full, 2));

        static void AssertShort(string name, Action call)
        {
            var ex = Assert.Throws<ArgumentException>(call);
            Assert.Equal(name, ex.ParamName);
            Assert.Contains("got", ex.Message);
        }
    }

    [Fact]
    public void Kernels_AllocateNothingOnWarmCalls()
    {
        CheckAllocations<P6, C11>(4);
        CheckAllocations<P1, C520>(2); // scratch from the array pool
    }

    private static void CheckAllocations<TPositions, TChannels>(int count) where TPositions : IConstant where TChannels : IConstant
    {
        int ch = TChannels.Value, n = count * TPositions.Value * ch;
        var rng = new Random(5);
        float[] x = Uniform(rng, n, -1, 1), d = Uniform(rng, n, -1, 1), normalized = new float[n], y = new float[n], dx = new float[n];
        float[] gamma = Uniform(rng, ch, 0.5, 1.5), beta = new float[ch], mean = new float[ch], variance = Uniform(rng, ch, 0.5, 2);
        float[] dGamma = new float[ch], dBeta = new float[ch];
        Assert.Equal(0, AllocatedBy(() => BatchNormalization.ForwardInference<TPositions, TChannels>(gamma, beta, mean, variance, Epsilon, x, y, count)));
        Assert.Equal(0, AllocatedBy(() => BatchNormalization.ForwardTraining<TPositions, TChannels>(gamma, beta, Epsilon, x, normalized, y, count)));
        Assert.Equal(0, AllocatedBy(() => BatchNormalization.Backward<TPositions, TChannels, Sigmoid>(gamma, Epsilon, x, normalized, d, count, dx, dGamma, dBeta)));
        Assert.Equal(0, AllocatedBy(() => BatchNormalization.UpdateMovingStatistics<TPositions, TChannels>(x, count, 0.99f, mean, variance)));
    }

    // ---- reference and helpers ----

    /// <summary>Keras/TF training-mode batch normalization in double: per-channel mean and biased variance over all rows.</summary>
    private static (double[] Normalized, double[] Y) ReferenceTraining(double[] x, double[] gamma, double[] beta, int rows, int ch)
    {
        var normalized = new double[rows * ch];
        var y = new double[rows * ch];
        for (int c = 0; c < ch; c++)
        {
            double mean = 0;
            for (int r = 0; r < rows; r++) mean += x[r * ch + c];
            mean /= rows;
            double variance = 0;
            for (int r = 0; r < rows; r++) variance += (x[r * ch + c] - mean) * (x[r * ch + c] - mean);
            variance /= rows;
            double inverseStd = 1 / Math.Sqrt(variance + Epsilon);
            for (int r = 0; r < rows; r++)
            {
                int i = r * ch + c;
                normalized[i] = (x[i] - mean) * inverseStd;
                y[i] = gamma[c] * normalized[i] + beta[c];
            }
        }
        return (normalized, y);
    }

    private static double Linear(double z) => z;

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    private static void AssertFiniteDifferences(double[] point, float[] analytic, Func<double[], double> loss, int stride, string what)
    {
        const double h = 1e-4;
        var probe = (double[])point.Clone();
        for (int i = 0; i < point.Length; i += stride)
        {
            probe[i] = point[i] + h;
            double plus = loss(probe);
            probe[i] = point[i] - h;
            double minus = loss(probe);
            probe[i] = point[i];
            double numeric = (plus - minus) / (2 * h);
            if (!(Math.Abs(numeric - analytic[i]) <= 5e-5 + 1e-3 * Math.Abs(numeric)))
                Assert.Fail($"{what}[{i}]: finite difference {numeric}, kernel {analytic[i]}");
        }
    }
}
