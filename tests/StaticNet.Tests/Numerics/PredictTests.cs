using System;
using System.Linq;
using StaticNet;
using StaticNet.Tests.Networks;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Tests.Numerics;

/// <summary>
/// The generated one-sample <c>Predict</c> against an independent double-precision forward pass,
/// the batch paths against the one-sample path, argument checks, and allocation-free prediction
/// and training steps.
/// </summary>
public sealed class PredictTests(ITestOutputHelper output)
{
    /// <summary>A network with the sizes and activations its [Network] attribute declares, written out again here.</summary>
    internal sealed record Declared(string Name, Func<int, NeuralNetwork> Create, int[] Sizes, Activation[] Activations, float Slope = 0.2f);

    private const Activation Lin = Activation.Linear, Sig = Activation.Sigmoid, Tanh = Activation.Tanh,
        Relu = Activation.Relu, Leaky = Activation.LeakyRelu, Soft = Activation.Softmax;

    internal static readonly Declared[] All =
    {
        new("GradLinear1", s => new GradLinear1(s), new[] { 4, 3 }, new[] { Lin }),
        new("GradSigmoid1", s => new GradSigmoid1(s), new[] { 4, 1 }, new[] { Sig }),
        new("GradSoftmax1", s => new GradSoftmax1(s), new[] { 4, 3 }, new[] { Soft }),
        new("GradSigmoid2", s => new GradSigmoid2(s), new[] { 5, 4, 3 }, new[] { Sig, Sig }),
        new("GradTanh2", s => new GradTanh2(s), new[] { 5, 4, 3 }, new[] { Tanh, Tanh }),
        new("GradRelu2", s => new GradRelu2(s), new[] { 5, 4, 3 }, new[] { Relu, Relu }),
        new("GradLeaky2", s => new GradLeaky2(s), new[] { 5, 4, 3 }, new[] { Leaky, Leaky }),
        new("GradLeakyCustom2", s => new GradLeakyCustom2(s), new[] { 5, 4, 3 }, new[] { Leaky, Leaky }, 0.05f),
        new("GradLinearSoftmax2", s => new GradLinearSoftmax2(s), new[] { 5, 4, 3 }, new[] { Lin, Soft }),
        new("GradReluLinear2", s => new GradReluLinear2(s), new[] { 5, 4, 3 }, new[] { Relu, Lin }),
        new("GradDeep3", s => new GradDeep3(s), new[] { 4, 6, 5, 3 }, new[] { Leaky, Sig, Tanh }, 0.1f),
        new("GradDeep4", s => new GradDeep4(s), new[] { 5, 7, 3, 6, 3 }, new[] { Tanh, Relu, Sig, Soft }),
        new("GradDeep4Binary", s => new GradDeep4Binary(s), new[] { 3, 4, 8, 5, 1 }, new[] { Sig, Tanh, Leaky, Sig }),
        new("XorNet", s => new XorNet(s), new[] { 2, 8, 1 }, new[] { Tanh, Sig }),
        new("TinyClassifier", s => new TinyClassifier(s), new[] { 3, 5, 3 }, new[] { Tanh, Soft }),
        new("TinyRegressor", s => new TinyRegressor(s), new[] { 3, 4, 2 }, new[] { Tanh, Lin }),
        new("DigitNet", s => new DigitNet(s), new[] { 784, 25, 15, 1 }, new[] { Sig, Sig, Sig }),
        new("MnistNet", s => new MnistNet(s), new[] { 784, 128, 64, 10 }, new[] { Relu, Relu, Soft }),
        new("DefaultActivationsNet", s => new DefaultActivationsNet(s), new[] { 3, 4, 2 }, new[] { Relu, Lin }),
        new("TanhLinearOverrideNet", s => new TanhLinearOverrideNet(s), new[] { 3, 4, 5, 2 }, new[] { Tanh, Tanh, Lin }),
        new("WideNet", s => new WideNet(s), new[] { 2, 16400, 1 }, new[] { Tanh, Sig }),
        new("GradTiled3", s => new GradTiled3(s), new[] { 19, 17, 6, 3 }, new[] { Tanh, Sig, Soft }),
        new("GradTiled2", s => new GradTiled2(s), new[] { 70, 66, 5 }, new[] { Tanh, Lin }),
        new("GradTiledExact", s => new GradTiledExact(s), new[] { 32, 16, 8, 2 }, new[] { Relu, Tanh, Sig }),
    };

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (Declared d in All) data.Add(d.Name);
        return data;
    }

    /// <summary>Creates the network with nonzero biases (so that reading them is tested too) and checks its declared shape.</summary>
    private static NeuralNetwork Create(Declared d, int seed = 3)
    {
        NeuralNetwork model = d.Create(seed);
        Assert.Equal(d.Sizes, model.NetworkShape.LayerSizes);
        Assert.Equal(d.Activations, model.NetworkShape.Activations);
        Assert.Equal(d.Slope, model.NetworkShape.LeakyReluSlope);
        var offsets = Reference.Offsets(d.Sizes);
        float[] biases = TestData.Uniform(seed + 17, 256, -0.5, 0.5);
        for (int l = 0; l < offsets.Length; l++)
            for (int j = 0; j < d.Sizes[l + 1]; j++) model.Parameters[offsets[l].Biases + j] = biases[j % biases.Length];
        return model;
    }

    private static float[] Inputs(Declared d, int seed, int count) =>
        d.Sizes[0] == 784 ? TestData.Uniform(seed, count * 784, 0, 1) : TestData.Uniform(seed, count * d.Sizes[0], -2, 2);

    [Theory]
    [MemberData(nameof(Names))]
    public void Predict_MatchesAnIndependentDoublePrecisionForwardPass(string name)
    {
        Declared d = All.Single(n => n.Name == name);
        NeuralNetwork model = Create(d);
        int outputs = d.Sizes[^1];
        var result = new float[outputs];
        double worst = 0;
        int negativeRelu = 0;
        for (int sample = 0; sample < 8; sample++)
        {
            float[] x = Inputs(d, 100 + sample, 1);
            model.Predict(x, result);
            Reference.Pass pass = Reference.Forward(model.NetworkShape, model.Parameters, x, 1);
            double[] expected = pass.Output(0);
            for (int o = 0; o < outputs; o++)
            {
                worst = Math.Max(worst, Math.Abs(expected[o] - result[o]));
                Assert.True(Math.Abs(expected[o] - result[o]) <= 1e-5, $"sample {sample}, output {o}: reference {expected[o]:G9}, Predict {result[o]:G9}");
            }
            for (int l = 0; l < d.Activations.Length; l++)
                if (d.Activations[l] is Relu or Leaky) negativeRelu += pass.Z[l][0].Count(z => z < 0);
        }
        output.WriteLine($"{name}: worst |Predict − reference| = {worst:G3}; {negativeRelu} negative (leaky) ReLU inputs");
        // The (leaky) ReLU networks must have seen both branches for the comparison to test the slope.
        if (d.Activations.Any(a => a is Relu or Leaky)) Assert.True(negativeRelu > 0);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void PredictBatchAndMatrixPredict_EqualOneSamplePredictions(string name)
    {
        // 70 samples: more than PredictBatch's internal chunk of 64, so a second, partial chunk runs too.
        // The two paths need not agree to the bit: the batch path applies the activation functions
        // to whole blocks with vectorized code and the one-sample path to one row (vectorized and
        // scalar exp/tanh may differ in the last bit), and on AVX-512 hardware layers with 16 or more
        // inputs use different kernels (4x4 register tiles for batches, 8 outputs at a time for one
        // sample) that sum in different orders. The comparison allows 1e-6·(1 + |y|), a few float
        // ulps; a misread weight, bias or row would be off by orders of magnitude more.
        Declared d = All.Single(n => n.Name == name);
        NeuralNetwork model = Create(d);
        const int Count = 70;
        int inputs = d.Sizes[0], outputs = d.Sizes[^1];
        float[] x = Inputs(d, 7, Count);
        var batch = new float[Count * outputs];
        model.PredictBatch(x, batch);
        float[,] matrix = model.Predict(TestData.ToMatrix(x, Count, inputs));
        Assert.Equal(Count, matrix.GetLength(0));
        Assert.Equal(outputs, matrix.GetLength(1));
        var one = new float[outputs];
        int exact = 0;
        for (int s = 0; s < Count; s++)
        {
            model.Predict(x.AsSpan(s * inputs, inputs), one);
            for (int o = 0; o < outputs; o++)
            {
                double tolerance = 1e-6 * (1 + Math.Abs(one[o]));
                Assert.True(Math.Abs(one[o] - batch[s * outputs + o]) <= tolerance, $"PredictBatch sample {s}, output {o}: {batch[s * outputs + o]:G9} vs {one[o]:G9}");
                Assert.True(Math.Abs(one[o] - matrix[s, o]) <= tolerance, $"Predict(float[,]) sample {s}, output {o}: {matrix[s, o]:G9} vs {one[o]:G9}");
                if (one[o] == batch[s * outputs + o]) exact++;
            }
        }
        output.WriteLine($"{name}: {exact}/{Count * outputs} batch outputs bit-identical to one-sample outputs");
        // Not vacuous: the samples produce different outputs.
        Assert.NotEqual(batch[0], batch[(Count - 1) * outputs]);
    }

    [Fact]
    public void PredictMatrix_OnALargeInput_IsBitIdenticalToPredictBatch()
    {
        // 1001 samples x 20031 parameters is enough work for Predict(float[,]) to split the rows
        // over all cores (at least 4M multiply-adds per thread); the split must not change a bit.
        var model = new DigitNet(3);
        const int Count = 1001;
        float[] x = TestData.Uniform(31, Count * 784, 0, 1);
        float[,] matrix = model.Predict(TestData.ToMatrix(x, Count, 784));
        var batch = new float[Count];
        model.PredictBatch(x, batch);
        for (int s = 0; s < Count; s++) Assert.Equal(BitConverter.SingleToInt32Bits(batch[s]), BitConverter.SingleToInt32Bits(matrix[s, 0]));
    }

    [Theory]
    [InlineData("GradSoftmax1")]
    [InlineData("GradLinearSoftmax2")]
    [InlineData("GradDeep4")]
    [InlineData("TinyClassifier")]
    [InlineData("MnistNet")]
    public void SoftmaxOutputs_ArePositiveAndSumToOne(string name)
    {
        Declared d = All.Single(n => n.Name == name);
        NeuralNetwork model = Create(d);
        int outputs = d.Sizes[^1];
        float[] x = Inputs(d, 11, 20);
        var batch = new float[20 * outputs];
        model.PredictBatch(x, batch);
        for (int s = 0; s < 20; s++)
        {
            double sum = 0;
            for (int o = 0; o < outputs; o++)
            {
                Assert.InRange(batch[s * outputs + o], 0f, 1f);
                sum += batch[s * outputs + o];
            }
            Assert.True(Math.Abs(sum - 1) <= 1e-6, $"sample {s}: outputs sum to {sum:G9}");
        }
        // Huge inputs do not overflow the softmax.
        var y = new float[outputs];
        float[] big = Inputs(d, 12, 1).Select(v => v * 1e4f).ToArray();
        model.Predict(big, y);
        Assert.All(y, v => Assert.True(float.IsFinite(v)));
        Assert.True(Math.Abs(y.Sum() - 1) <= 1e-6);
    }

    // ------------------------------------------------------------------ argument checks

    [Fact]
    public void Predict_WithWrongSpanLengths_ThrowsWithExpectedAndActualSizes()
    {
        var model = new MnistNet(1);
        var e = Assert.Throws<ArgumentException>(() => model.Predict(new float[783], new float[10]));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("784", e.Message);
        Assert.Contains("783", e.Message);

        e = Assert.Throws<ArgumentException>(() => model.Predict(new float[784], new float[9]));
        Assert.Equal("output", e.ParamName);
        Assert.Contains("10", e.Message);
        Assert.Contains("9", e.Message);

        e = Assert.Throws<ArgumentException>(() => model.Predict(new float[785], new float[11]));
        Assert.Contains("784", e.Message);
        Assert.Contains("785", e.Message);
    }

    [Fact]
    public void PredictBatch_WithWrongSpanLengths_ThrowsWithExpectedAndActualSizes()
    {
        var model = new DigitNet(1);
        // 2357 values are 3 whole samples (2352) and 5 more.
        var e = Assert.Throws<ArgumentException>(() => model.PredictBatch(new float[2357], new float[3]));
        Assert.Equal("inputs", e.ParamName);
        Assert.Contains("2352", e.Message);
        Assert.Contains("2357", e.Message);

        var mnist = new MnistNet(1);
        e = Assert.Throws<ArgumentException>(() => mnist.PredictBatch(new float[3 * 784], new float[29]));
        Assert.Equal("outputs", e.ParamName);
        Assert.Contains("30", e.Message);
        Assert.Contains("29", e.Message);

        e = Assert.Throws<ArgumentException>(() => mnist.Predict(new float[2, 783]));
        Assert.Contains("784", e.Message);
        Assert.Contains("783", e.Message);
    }

    // ------------------------------------------------------------------ allocations

    [Fact]
    public void Predict_AllocatesNothingAfterWarmUp_DigitNet()
    {
        var model = new DigitNet(1);
        float[] x = TestData.Uniform(1, 784, 0, 1);
        var y = new float[1];
        Assert.Equal(0, AllocatedBy(() => model.Predict(x, y), 1000));
        Assert.InRange(y[0], 0f, 1f);
    }

    [Fact]
    public void Predict_AllocatesNothingAfterWarmUp_MnistNet()
    {
        var model = new MnistNet(1);
        float[] x = TestData.Uniform(2, 784, 0, 1);
        var y = new float[10];
        Assert.Equal(0, AllocatedBy(() => model.Predict(x, y), 1000));
        Assert.True(Math.Abs(y.Sum() - 1) < 1e-5);
    }

    [Fact]
    public void Predict_AllocatesNothingOnceThePoolIsWarm_WideNet()
    {
        // 16400 hidden values do not fit the generated code's stack budget: Predict rents them
        // from the shared pool, which allocates only while it warms up.
        var model = new WideNet(1);
        float[] x = { 0.3f, -0.7f };
        var y = new float[1];
        Assert.Equal(0, AllocatedBy(() => model.Predict(x, y), 100));
        Assert.InRange(y[0], 0f, 1f);
    }

    [Fact]
    public void Predict_FromManyThreadsAtOnce_EqualsSequentialPredictions()
    {
        // The documented contract: a trained model may predict on many threads concurrently.
        foreach (NeuralNetwork model in new NeuralNetwork[] { new MnistNet(5), new WideNet(5) })
        {
            int inputs = model.NetworkShape.InputSize, outputs = model.NetworkShape.OutputSize;
            const int Count = 64;
            float[] x = TestData.Uniform(21, Count * inputs, 0, 1);
            var sequential = new float[Count * outputs];
            for (int s = 0; s < Count; s++) model.Predict(x.AsSpan(s * inputs, inputs), sequential.AsSpan(s * outputs, outputs));
            var parallel = new float[Count * outputs];
            System.Threading.Tasks.Parallel.For(0, Count * 4, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            {
                int s = i % Count;
                var y = new float[outputs];
                model.Predict(x.AsSpan(s * inputs, inputs), y);
                lock (parallel) y.CopyTo(parallel, s * outputs);
            });
            Assert.Equal(sequential, parallel);
        }
    }

    [Fact]
    public void PredictBatch_AllocatesNothingOnceThePoolIsWarm()
    {
        var model = new MnistNet(1);
        float[] x = TestData.Uniform(3, 10 * 784, 0, 1);
        var y = new float[10 * 10];
        Assert.Equal(0, AllocatedBy(() => model.PredictBatch(x, y), 50));
    }

    /// <summary>
    /// Bytes allocated on this thread by <paramref name="calls"/> calls, after as many warm-up calls;
    /// the least of three rounds, so that a one-time allocation by the runtime itself (tiered
    /// recompilation, type loading) is not blamed on the library. Per-call allocation shows in all three.
    /// </summary>
    private static long AllocatedBy(Action action, int calls)
    {
        for (int i = 0; i < calls; i++) action();
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) action();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }

    public static TheoryData<string> TrainingSetups() => new() { "DigitNet BCE Adam accuracy", "MnistNet sparse CE SGD-momentum accuracy" };

    private static (NeuralNetwork Model, float[,] X, float[] Y) TrainingSetup(string setup, int samples)
    {
        if (setup.StartsWith("DigitNet", StringComparison.Ordinal))
        {
            var digit = new DigitNet(1);
            digit.Compile(new BinaryCrossentropy(), new Adam(), Metric.Accuracy);
            return (digit, TestData.ToMatrix(TestData.Uniform(1, samples * 784, 0, 1), samples, 784), TestData.Labels(2, samples, 2));
        }
        var mnist = new MnistNet(1);
        mnist.Compile(new SparseCategoricalCrossentropy(), new Sgd(0.01f, 0.9f), Metric.Accuracy);
        return (mnist, TestData.ToMatrix(TestData.Uniform(3, samples * 784, 0, 1), samples, 784), TestData.Labels(4, samples, 10));
    }

    /// <summary>
    /// Bytes one Fit call allocates on this thread, the least of three calls: the runtime itself
    /// sometimes allocates once on a calling thread (tiered recompilation, type loading), which is
    /// not the library's steady state. Anything allocated per epoch or per step shows up in all three.
    /// </summary>
    private static long AllocatedByFit(NeuralNetwork model, float[,] x, float[] y, int epochs, int batchSize)
    {
        long least = long.MaxValue;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            History history = model.Fit(x, y, epochs: epochs, batchSize: batchSize, verbose: 0);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - start);
            Assert.Equal(epochs, history["loss"].Count);
        }
        return least;
    }

    [Theory]
    [MemberData(nameof(TrainingSetups))]
    public void TrainingSteps_AllocateNothingAfterWarmUp(string setup)
    {
        // Two Fit calls with the same data and epochs that differ only in their number of steps:
        // batch size 64 gives 1 step per epoch, batch size 32 gives 2. Both batch sizes take the
        // same path (MnistNet splits both over two threads, DigitNet neither; see SplitsBatch), so
        // everything Fit allocates per call (History, sample order, metric sums, the worker
        // thread) and per epoch is the same for both, and any difference is allocation per
        // training step, times 11 extra steps. It must be 0.
        // Warm-up with batch 64 first: the workspace is then large enough for both and is reused.
        var (model, x, y) = TrainingSetup(setup, 64);
        model.Fit(x, y, epochs: 2, batchSize: 64, verbose: 0);
        model.Fit(x, y, epochs: 2, batchSize: 32, verbose: 0);
        long fewSteps = AllocatedByFit(model, x, y, epochs: 11, batchSize: 64);
        long manySteps = AllocatedByFit(model, x, y, epochs: 11, batchSize: 32);
        output.WriteLine($"{setup}: 11 steps allocated {fewSteps} bytes, 22 steps {manySteps} bytes");
        Assert.Equal(fewSteps, manySteps);
    }

    [Theory]
    [MemberData(nameof(TrainingSetups))]
    public void ExtraEpochs_AddOnlyTheHistorysGrowth(string setup)
    {
        // Fit with 1 epoch and with 11 epochs (8 steps each) on the same data: the 10 extra
        // epochs, 80 extra training steps, may add only the History's own storage for 10 more
        // epochs: one int (the epoch number) and one double per recorded quantity ('loss' and
        // 'accuracy' here) per epoch. Lists that grow 4 -> 8 -> 16 between 1 and 11 entries
        // allocate a T[8] and a T[16] each (24-byte array header + data): 56 + 88 bytes for the
        // ints, 88 + 152 for each list of doubles, 624 bytes in all; lists sized for the epochs
        // up front need 10 x (4 + 2 x 8) = 200. The bound is 700. Anything else per epoch or per
        // step costs at least one 24-byte object each time: 10 x 24 = 240 bytes per epoch (on top
        // of 624, past the bound), 80 x 24 = 1920 bytes per step.
        var (model, x, y) = TrainingSetup(setup, 64);
        model.Fit(x, y, epochs: 11, batchSize: 8, verbose: 0);  // warm-up: JIT, workspace
        long one = AllocatedByFit(model, x, y, epochs: 1, batchSize: 8);
        long eleven = AllocatedByFit(model, x, y, epochs: 11, batchSize: 8);
        output.WriteLine($"{setup}: Fit allocated {one} bytes for 1 epoch and {eleven} bytes for 11 epochs ({eleven - one} extra)");
        Assert.InRange(eleven - one, 0, 700);
    }
}
