using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticNet;
using StaticNet.Tests.Networks;
using StaticNet.Tests.Numerics;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>
/// classWeight and sampleWeight as Keras 3 defines them: a batch's loss is Σ wᵢ·lossᵢ / batch size
/// (reduction "sum_over_batch_size", keras/src/losses/loss.py), the epoch's loss the mean of the
/// batch losses weighted by batch size, so Σ wᵢ·lossᵢ / N; compiled metrics are not weighted.
/// References are computed here in double precision from the textbook losses (<see cref="Reference"/>).
/// </summary>
public class SampleWeightTests
{
    private static readonly float[] Weights5 = { 0.5f, 2f, 0f, 1f, 3f };

    /// <summary>Σ wᵢ·lossᵢ / count, with each lossᵢ from the independent double-precision reference.</summary>
    private static double ReferenceWeightedLoss(NeuralNetwork model, float[] x, float[] y, int count, float[] w)
    {
        int inputs = model.NetworkShape.InputSize, width = model.Loss!.TargetWidth(model.NetworkShape.OutputSize);
        double sum = 0;
        for (int s = 0; s < count; s++)
        {
            var pass = Reference.Forward(model.NetworkShape, model.Parameters, x.AsSpan(s * inputs, inputs), 1);
            sum += w[s] * Reference.Loss(model.Loss!, model.NetworkShape, pass, y.AsSpan(s * width, width), 1);
        }
        return sum / count;
    }

    public static TheoryData<string> Cases() => new()
    {
        "2 sigmoid/sigmoid, BCE fused, batch 5",
        "4 tanh/relu/sigmoid/softmax, sparse CE, batch 6",
        "2 linear/softmax, categorical CE soft targets, batch 3",
        "2 tanh/tanh, MSE, batch 4",
    };

    private static float[] WeightsFor(int count) => Enumerable.Range(0, count).Select(i => Weights5[i % Weights5.Length]).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void WeightedLoss_IsSumOfWeightedLossesOverTheSampleCount_NotOverTheWeightSum(string name)
    {
        var c = GradientCheckTests.All.Single(k => k.Name == name);
        var (model, x, y) = GradientCheckTests.Build(c);
        float[] w = WeightsFor(c.Count);
        double expected = ReferenceWeightedLoss(model, x, y, c.Count, w);
        double loss = model.ComputeGradients(x, y, c.Count, new float[model.NetworkShape.ParameterCount], w);
        Assert.True(Math.Abs(loss - expected) <= 1e-5 * Math.Max(1, expected), $"{loss:G9} vs reference {expected:G9}");
        // Dividing by Σw instead would give another number (Σw ≠ count for these weights).
        Assert.NotEqual(w.Sum(), (float)c.Count);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void WeightedGradient_MatchesCentralDifferencesOfTheWeightedLoss(string name)
    {
        var c = GradientCheckTests.All.Single(k => k.Name == name);
        var (model, x, y) = GradientCheckTests.Build(c);
        float[] w = WeightsFor(c.Count);
        int n = model.NetworkShape.ParameterCount;
        var analytic = new float[n];
        model.ComputeGradients(x, y, c.Count, analytic, w);
        var sink = new float[n];
        bool hasKinks = model.NetworkShape.Activations.Any(a => a is Activation.Relu or Activation.LeakyRelu);
        List<int> baseSigns = hasKinks ? Reference.KinkSigns(model.NetworkShape, model.Parameters, x, c.Count) : new List<int>();
        int checkedCount = 0;
        for (int i = 0; i < n; i++)
        {
            float p = model.Parameters[i];
            float plus = (float)(p + GradientCheckTests.H), minus = (float)(p - GradientCheckTests.H);
            model.Parameters[i] = plus;
            bool kink = hasKinks && !Reference.KinkSigns(model.NetworkShape, model.Parameters, x, c.Count).SequenceEqual(baseSigns);
            double lossPlus = model.ComputeGradients(x, y, c.Count, sink, w);
            model.Parameters[i] = minus;
            kink |= hasKinks && !Reference.KinkSigns(model.NetworkShape, model.Parameters, x, c.Count).SequenceEqual(baseSigns);
            double lossMinus = model.ComputeGradients(x, y, c.Count, sink, w);
            model.Parameters[i] = p;
            if (kink) continue;
            double numeric = (lossPlus - lossMinus) / ((double)plus - minus);
            Assert.True(Math.Abs(analytic[i] - numeric) <= GradientCheckTests.AbsTol + GradientCheckTests.RelTol * Math.Abs(numeric),
                $"parameter {i}: analytic {analytic[i]:G9}, numeric {numeric:G9}");
            checkedCount++;
        }
        Assert.True(checkedCount >= 0.9 * n, $"only {checkedCount} of {n} checked");

        // Not the unweighted gradient: the weights change it.
        var plain = new float[n];
        model.ComputeGradients(x, y, c.Count, plain);
        Assert.True(plain.Zip(analytic, (a, b) => Math.Abs(a - b)).Max() > 1e-3);
    }

    [Fact]
    public void FitStep_MovesByTheWeightedGradient_AndLogsTheWeightedLoss()
    {
        // One SGD step (learning rate 1, no momentum) on the whole batch: Δθ = −∇(Σ wᵢ·lossᵢ / N).
        var c = GradientCheckTests.All.Single(k => k.Name == "4 tanh/relu/sigmoid/softmax, sparse CE, batch 6");
        var (model, x, y) = GradientCheckTests.Build(c);
        float[] w = WeightsFor(c.Count);
        int n = model.NetworkShape.ParameterCount;
        var gradient = new float[n];
        double expectedLoss = model.ComputeGradients(x, y, c.Count, gradient, w);
        float[] before = model.Parameters.ToArray();
        model.Compile(new SparseCategoricalCrossentropy(), new Sgd(learningRate: 1f), Metric.Accuracy);
        var matrix = TestData.ToMatrix(x, c.Count, model.NetworkShape.InputSize);
        History h = model.Fit(matrix, y, epochs: 1, batchSize: c.Count, shuffle: false, verbose: 0, sampleWeight: w);
        for (int i = 0; i < n; i++)
            Assert.True(Math.Abs(before[i] - gradient[i] - model.Parameters[i]) <= 1e-6 + 1e-6 * Math.Abs(before[i]), $"parameter {i}");
        Assert.Equal(expectedLoss, h["loss"][0], 1e-6);
    }

    [Fact]
    public void EpochLoss_WeighsBatchesBySize_AsKerasLossTracker()
    {
        // Batches of 4, 4 and 2: the epoch's loss is Σ wᵢ·lossᵢ / 10 at the weights each batch saw.
        // With a learning rate of 1e-30 the weights never move, so it equals Evaluate's weighted loss
        // and the double-precision reference.
        var model = FitTestData.FrozenRegression();
        float[,] x = FitTestData.Inputs(10, 3, seed: 4);
        var y = Enumerable.Range(0, 10).Select(i => (float)Math.Sin(i)).ToArray();
        float[] w = WeightsFor(10);
        History h = model.Fit(x, y, epochs: 1, batchSize: 4, shuffle: false, verbose: 0, sampleWeight: w);
        double reference = ReferenceWeightedLoss(model, Flatten(x), y, 10, w);
        Assert.Equal(reference, h["loss"][0], 1e-6);
        Assert.Equal(reference, model.Evaluate(x, y, batchSize: 3, sampleWeight: w).Loss, 1e-6);
        Assert.NotEqual(model.Evaluate(x, y).Loss, reference, 3);
    }

    [Fact]
    public void Metrics_AreNotWeighted_AsKerasMetricsArgument()
    {
        var model = new FitClassifierNet(seed: 2);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Sgd(), Metric.Accuracy);
        float[,] x = FitTestData.Inputs(12, 4, seed: 5);
        int[] y = FitTestData.Labels(x);
        var w = new float[12];
        w[0] = 1;   // only sample 0 counts in the loss
        Evaluation weighted = model.Evaluate(x, y, sampleWeight: w);
        Evaluation plain = model.Evaluate(x, y);
        Assert.Equal(plain["accuracy"], weighted["accuracy"]);
        Assert.NotEqual(plain.Loss, weighted.Loss);
    }

    [Fact]
    public void ClassWeights_AreTheSampleWeightsOfEachSamplesClass_BitForBit()
    {
        float[,] x = FitTestData.Inputs(40, 4, seed: 6);
        int[] y = FitTestData.Labels(x);
        float[] byClass = { 1f, 3f, 0.5f };
        float[] perSample = y.Select(label => byClass[label]).ToArray();

        FitClassifierNet Train(Func<FitClassifierNet, History> fit, out History h)
        {
            var model = new FitClassifierNet(seed: 9);
            model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.01f), Metric.Accuracy);
            h = fit(model);
            return model;
        }
        var a = Train(m => m.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, classWeight: byClass), out History ha);
        var b = Train(m => m.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, sampleWeight: perSample), out History hb);
        var dictionary = new Dictionary<int, float> { [1] = 3f, [2] = 0.5f };   // class 0 unlisted: weight 1
        var d = Train(m => m.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, classWeight: dictionary), out History hd);
        var plain = Train(m => m.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0), out History hp);

        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
        Assert.Equal(a.Parameters.ToArray(), d.Parameters.ToArray());
        Assert.Equal(ha["loss"], hb["loss"]);
        Assert.NotEqual(a.Parameters.ToArray(), plain.Parameters.ToArray());
    }

    [Fact]
    public void UnitWeights_TrainBitIdenticallyToNoWeights()
    {
        float[,] x = FitTestData.Inputs(30, 4, seed: 7);
        int[] y = FitTestData.Labels(x);
        var one = new FitClassifierNet(seed: 3);
        var two = new FitClassifierNet(seed: 3);
        one.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.01f));
        two.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.01f));
        History h1 = one.Fit(x, y, epochs: 2, batchSize: 7, verbose: 0);
        History h2 = two.Fit(x, y, epochs: 2, batchSize: 7, verbose: 0, sampleWeight: Enumerable.Repeat(1f, 30).ToArray());
        Assert.Equal(one.Parameters.ToArray(), two.Parameters.ToArray());
        Assert.Equal(h1["loss"], h2["loss"]);
    }

    [Fact]
    public void ClassWeights_OneHotRowsUseTheirArgmax_OneSigmoidOutputHasTwoClasses()
    {
        // One-hot targets: the class is the row's argmax.
        float[,] x = FitTestData.Inputs(20, 4, seed: 8);
        int[] labels = FitTestData.Labels(x);
        float[,] oneHot = Categorical.OneHot(labels, 3);
        float[] byClass = { 2f, 1f, 0.25f };
        var a = new FitClassifierNet(seed: 4);
        var b = new FitClassifierNet(seed: 4);
        a.Compile(Loss.CategoricalCrossentropy, new Sgd(0.1f));
        b.Compile(Loss.CategoricalCrossentropy, new Sgd(0.1f));
        a.Fit(x, oneHot, epochs: 2, batchSize: 5, verbose: 0, classWeight: byClass);
        b.Fit(x, oneHot, epochs: 2, batchSize: 5, verbose: 0, sampleWeight: labels.Select(l => byClass[l]).ToArray());
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());

        // One sigmoid output: classes 0 and 1; three weights is an error naming both counts.
        var binary = new FitBinaryNet(seed: 1);
        binary.Compile(Loss.BinaryCrossentropy, new Sgd());
        float[,] xb = FitTestData.Inputs(6, 2, seed: 9);
        float[] yb = { 0, 1, 1, 0, 1, 0 };
        binary.Fit(xb, yb, verbose: 0, classWeight: new float[] { 1f, 4f });
        var e = Assert.Throws<ArgumentException>(() => binary.Fit(xb, yb, verbose: 0, classWeight: new float[] { 1f, 4f, 2f }));
        Assert.Contains("3 weights", e.Message);
        Assert.Contains("2 classes", e.Message);
    }

    [Fact]
    public void ValidationSplit_KeepsTheSampleWeightsOfTheHeldOutRows_ButNotClassWeights()
    {
        // Keras 3 splits (x, y, sample_weight) together; class_weight weighs training only.
        var model = FitTestData.FrozenRegression();
        float[,] x = FitTestData.Inputs(10, 3, seed: 10);
        var y = Enumerable.Range(0, 10).Select(i => (float)Math.Cos(i)).ToArray();
        float[] w = WeightsFor(10);
        History h = model.Fit(x, y, epochs: 1, verbose: 0, validationSplit: 0.3, sampleWeight: w);
        float[,] xVal = FitTestData.Rows(x, 7, 3);
        float[] yVal = FitTestData.Rows(y, 7, 3), wVal = FitTestData.Rows(w, 7, 3);
        Assert.Equal(model.Evaluate(xVal, yVal, sampleWeight: wVal).Loss, h["val_loss"][0], 1e-7);

        // validationData with weights: new(x, y, sampleWeight).
        h = model.Fit(x, y, epochs: 1, verbose: 0, validationData: new ValidationData(xVal, yVal, wVal));
        Assert.Equal(model.Evaluate(xVal, yVal, sampleWeight: wVal).Loss, h["val_loss"][0], 1e-7);
        Assert.NotEqual(model.Evaluate(xVal, yVal).Loss, h["val_loss"][0], 4);
    }

    [Fact]
    public void BadWeights_AreRejectedWithClearMessages()
    {
        var model = new FitClassifierNet(seed: 1);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Sgd());
        float[,] x = FitTestData.Inputs(4, 4, seed: 1);
        int[] y = { 0, 1, 2, 0 };
        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, y, verbose: 0, sampleWeight: new float[3]));
        Assert.Equal("sampleWeight", e.ParamName);
        Assert.Contains("Expected 4 weights", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Fit(x, y, verbose: 0, sampleWeight: new[] { 1f, -1f, 1f, 1f }));
        Assert.Contains("sample 1", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Evaluate(x, y, sampleWeight: new[] { 1f, 1f, float.NaN, 1f }));
        Assert.Contains("sample 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Fit(x, y, verbose: 0, classWeight: new float[] { 1, 1, 1 }, sampleWeight: new float[4]));
        Assert.Contains("not both", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Fit(x, y, verbose: 0, classWeight: new Dictionary<int, float> { [3] = 2f }));
        Assert.Contains("class 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => new ClassWeights(new[] { 1f, float.PositiveInfinity }));
        Assert.Contains("class 1", e.Message);
        Assert.Throws<ArgumentException>(() => new ClassWeights(new Dictionary<int, float> { [-1] = 1f }));
    }

    private static float[] Flatten(float[,] x) => x.Cast<float>().ToArray();
}
