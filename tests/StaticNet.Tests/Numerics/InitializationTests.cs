using System;
using System.Linq;
using StaticNet;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Numerics;

/// <summary>
/// The parameter layout, Keras's Glorot-uniform initialization (weights uniform in
/// ±√(6/(fan_in + fan_out)), zero biases) and the reproducibility of a seed, through training.
/// </summary>
public sealed class InitializationTests
{
    private static double Limit(int fanIn, int fanOut) => Math.Sqrt(6.0 / (fanIn + fanOut));

    [Fact]
    public void Layout_OfDigitNet_IsWeightsThenBiasesPerLayer()
    {
        // 784-25-15-1:
        // W1 at 0, 25·784 = 19600 weights; B1 at 19600, 25 biases;
        // W2 at 19625, 15·25 = 375 weights; B2 at 20000, 15 biases;
        // W3 at 20015, 1·15 = 15 weights; B3 at 20030, 1 bias; 20031 parameters in all.
        NetworkShape shape = new DigitNet(1).NetworkShape;
        Assert.Equal(new[] { 0, 19625, 20015 }, Enumerable.Range(0, 3).Select(shape.WeightOffset));
        Assert.Equal(new[] { 19600, 20000, 20030 }, Enumerable.Range(0, 3).Select(shape.BiasOffset));
        Assert.Equal(20031, shape.ParameterCount);
        Assert.Equal(20031, DigitNet.ParameterCount);
        Assert.Equal(20031, new DigitNet(1).Parameters.Length);
        Assert.Equal(25, shape.MaxHiddenSize);
        Assert.Equal(25 + 15 + 1, shape.ActivationsPerSample);
    }

    [Fact]
    public void Layout_OfMnistNet_IsWeightsThenBiasesPerLayer()
    {
        // 784-128-64-10:
        // W1 at 0, 128·784 = 100352; B1 at 100352, 128; W2 at 100480, 64·128 = 8192; B2 at 108672, 64;
        // W3 at 108736, 10·64 = 640; B3 at 109376, 10; 109386 parameters in all.
        NetworkShape shape = new MnistNet(1).NetworkShape;
        Assert.Equal(new[] { 0, 100480, 108736 }, Enumerable.Range(0, 3).Select(shape.WeightOffset));
        Assert.Equal(new[] { 100352, 108672, 109376 }, Enumerable.Range(0, 3).Select(shape.BiasOffset));
        Assert.Equal(109386, shape.ParameterCount);
        Assert.Equal(109386, MnistNet.ParameterCount);
        Assert.Equal(128, shape.MaxHiddenSize);
    }

    public static TheoryData<string> Networks() => new() { "DigitNet", "MnistNet", "GradDeep4", "GradDeep4Binary", "GradSigmoid1" };

    private static NeuralNetwork Create(string name, int seed) => name switch
    {
        "DigitNet" => new DigitNet(seed),
        "MnistNet" => new MnistNet(seed),
        "GradDeep4" => new GradDeep4(seed),
        "GradDeep4Binary" => new GradDeep4Binary(seed),
        "GradSigmoid1" => new GradSigmoid1(seed),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Weights_AreWithinTheGlorotLimitOfTheirLayer_AndBiasesAreZero(string name)
    {
        NeuralNetwork model = Create(name, 2024);
        var sizes = model.NetworkShape.LayerSizes;
        var offsets = Reference.Offsets(sizes);
        for (int l = 0; l < offsets.Length; l++)
        {
            int fanIn = sizes[l], fanOut = sizes[l + 1];
            double limit = Limit(fanIn, fanOut);
            ReadOnlySpan<float> w = model.Parameters.Slice(offsets[l].Weights, fanIn * fanOut);
            double max = 0;
            foreach (float v in w)
            {
                // The float limit may round up by half an ulp.
                Assert.True(Math.Abs(v) <= limit * (1 + 1e-7), $"Layer {l + 1}: weight {v} outside ±{limit}.");
                max = Math.Max(max, Math.Abs(v));
            }
            // The weights fill the range of their own layer (not a smaller one): for n uniform weights
            // P(max |w| < q·limit) = q^n, which is 0.98^600 < 1e-5 for the large layers and 0.25^4 < 0.4% for the smallest.
            Assert.True(max > limit * (w.Length >= 600 ? 0.98 : 0.25), $"Layer {l + 1}: largest |weight| {max} is far below the limit {limit}.");
            foreach (float b in model.Parameters.Slice(offsets[l].Biases, fanOut)) Assert.Equal(0f, b);
        }
    }

    [Fact]
    public void Weights_OfALargeLayer_HaveTheUniformMeanVarianceAndHistogram()
    {
        // Layer 1 of 784-128-64-10: n = 100352 weights, limit = √(6/912) = 0.0811107;
        // U(−a, a) has mean 0 and variance a²/3 = 2/912 = 0.00219298.
        // Standard errors: mean √(var/n) = 1.5e-4; variance var·√(0.8/n) (a uniform's kurtosis is 1.8) = 0.28%.
        var model = new MnistNet(7);
        ReadOnlySpan<float> w = model.Parameters.Slice(0, 784 * 128);
        double limit = Limit(784, 128);
        double mean = 0;
        foreach (float v in w) mean += v;
        mean /= w.Length;
        double variance = 0;
        foreach (float v in w) variance += (v - mean) * (v - mean);
        variance /= w.Length - 1;
        Assert.True(Math.Abs(mean) < 1e-3, $"mean {mean}");                                         // ~7 standard errors
        Assert.True(Math.Abs(variance / (limit * limit / 3) - 1) < 0.02, $"variance {variance}, expected {limit * limit / 3}");  // ~7 standard errors

        // Ten equal bins over [−a, a] each hold 10% of the weights: 10035 ± 95 (one standard deviation).
        var bins = new int[10];
        foreach (float v in w) bins[Math.Clamp((int)((v + limit) / (2 * limit) * 10), 0, 9)]++;
        foreach (int count in bins) Assert.InRange(count, 10035 - 600, 10035 + 600);
    }

    [Fact]
    public void SameSeed_GivesIdenticalParameters_DifferentSeedsDiffer()
    {
        var a = new MnistNet(123);
        var b = new MnistNet(123);
        var c = new MnistNet(124);
        Assert.Equal(123, a.Seed);
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        int same = 0;
        for (int i = 0; i < a.Parameters.Length; i++) if (a.Parameters[i] == c.Parameters[i]) same++;
        // Only the 202 biases (zero in both) and chance coincidences may agree.
        Assert.True(same < 202 + 100, $"{same} of {a.Parameters.Length} parameters agree between seeds 123 and 124.");
    }

    [Fact]
    public void DefaultConstructor_RecordsARandomSeed_ThatReproducesTheWeights()
    {
        var a = new GradDeep4();
        var b = new GradDeep4();
        Assert.True(new GradDeep4(a.Seed).Parameters.SequenceEqual(a.Parameters));
        Assert.True(new GradDeep4(b.Seed).Parameters.SequenceEqual(b.Parameters));
        // Two unseeded networks differ (the seeds collide with probability 2^−31).
        Assert.False(a.Parameters.SequenceEqual(b.Parameters));
    }

    private static (float[,] X, int[] Y) ThreeClassData()
    {
        // 40 points in the cube [−1, 1]³ labelled by the largest coordinate.
        float[] flat = TestData.Uniform(99, 40 * 3, -1, 1);
        var y = new int[40];
        for (int s = 0; s < 40; s++)
        {
            int best = 0;
            for (int i = 1; i < 3; i++) if (flat[s * 3 + i] > flat[s * 3 + best]) best = i;
            y[s] = best;
        }
        return (TestData.ToMatrix(flat, 40, 3), y);
    }

    private static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < values.Length; i++) bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        return bits;
    }

    [Fact]
    public void SameSeedAndData_GiveBitIdenticalParametersAfterShuffledTraining()
    {
        var (x, y) = ThreeClassData();
        TinyClassifier Train(int seed, bool shuffle)
        {
            var model = new TinyClassifier(seed);
            model.Compile(new SparseCategoricalCrossentropy(), new Adam(0.01f), Metric.Accuracy);
            model.Fit(x, y, epochs: 5, batchSize: 8, shuffle: shuffle, verbose: 0);
            return model;
        }

        TinyClassifier first = Train(5, shuffle: true), second = Train(5, shuffle: true);
        Assert.Equal(Bits(first.Parameters), Bits(second.Parameters));

        // Not vacuous: training moved the weights, and the visiting order matters to the result,
        // so the equality above means the two runs shuffled identically.
        Assert.False(new TinyClassifier(5).Parameters.SequenceEqual(first.Parameters));
        Assert.NotEqual(Bits(first.Parameters), Bits(Train(5, shuffle: false).Parameters));
    }

    [Fact]
    public void SameSeedAndData_GiveBitIdenticalParameters_ForTheDigitNetworkToo()
    {
        // The 784-input network goes through the wide SIMD paths of the kernels.
        float[] flat = TestData.Uniform(5, 48 * 784, 0, 1);
        float[] y = TestData.Labels(6, 48, 2);
        float[,] x = TestData.ToMatrix(flat, 48, 784);
        DigitNet Train()
        {
            var model = new DigitNet(77);
            model.Compile(new BinaryCrossentropy(), new Sgd(0.1f, 0.9f, nesterov: true));
            model.Fit(x, y, epochs: 3, batchSize: 10, shuffle: true, verbose: 0);
            return model;
        }
        DigitNet a = Train(), b = Train();
        Assert.Equal(Bits(a.Parameters), Bits(b.Parameters));
        Assert.False(new DigitNet(77).Parameters.SequenceEqual(a.Parameters));
    }
}
