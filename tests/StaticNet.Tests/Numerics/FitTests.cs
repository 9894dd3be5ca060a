using System;
using System.IO;
using System.Linq;
using StaticNet;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Numerics;

/// <summary>Fit and Evaluate: the History, convergence, batching, argument checks and progress output.</summary>
public sealed class FitTests
{
    private static readonly float[,] XorX = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } };
    private static readonly float[] XorY = { 0, 1, 1, 0 };

    /// <summary>Points in [−1, 1]³ labelled by their largest coordinate (a linearly separable 3-class problem).</summary>
    private static (float[,] X, int[] Y) ThreeClass(int count, int seed)
    {
        float[] flat = TestData.Uniform(seed, count * 3, -1, 1);
        var y = new int[count];
        for (int s = 0; s < count; s++)
        {
            int best = 0;
            for (int i = 1; i < 3; i++) if (flat[s * 3 + i] > flat[s * 3 + best]) best = i;
            y[s] = best;
        }
        return (TestData.ToMatrix(flat, count, 3), y);
    }

    // ------------------------------------------------------------------ History

    [Fact]
    public void History_HasOneLossAndAccuracyPerEpoch_AndEpochsFromZero()
    {
        var model = new XorNet(1);
        model.Compile(new BinaryCrossentropy(), new Adam(0.05f), Metric.Accuracy);
        History history = model.Fit(XorX, XorY, epochs: 7, batchSize: 4, verbose: 0);
        Assert.Equal(new[] { "loss", "accuracy" }, history.Keys);
        Assert.Equal(Enumerable.Range(0, 7), history.Epoch);
        Assert.Equal(7, history["loss"].Count);
        Assert.Equal(7, history["accuracy"].Count);
        Assert.All(history["loss"], v => Assert.True(double.IsFinite(v) && v > 0));
        // With 4 samples the accuracy is a multiple of 1/4.
        Assert.All(history["accuracy"], v => Assert.Contains(v, new[] { 0, 0.25, 0.5, 0.75, 1 }));
    }

    [Fact]
    public void History_WithoutMetrics_HasOnlyTheLoss()
    {
        var model = new XorNet(1);
        model.Compile(new BinaryCrossentropy(), new Adam(0.05f));
        History history = model.Fit(XorX, XorY, epochs: 3, verbose: 0);
        Assert.Equal(new[] { "loss" }, history.Keys);
        Assert.False(history.Contains("accuracy"));
        var e = Assert.Throws<System.Collections.Generic.KeyNotFoundException>(() => history["accuracy"]);
        Assert.Contains("loss", e.Message);
    }

    [Fact]
    public void History_LossIsTheMeanOfTheBatchLossesBeforeEachStep()
    {
        // Replays one epoch on a copy of the model, in order (no shuffle): 10 samples with batch
        // size 4 give batches of 4, 4 and 2. Each step is plain SGD (w −= lr·g) with the batch's
        // mean-loss gradient from ComputeGradients (checked against finite differences in
        // GradientCheckTests). The epoch loss is Σ (batch mean loss × batch size) / 10, each
        // batch's loss taken before its step; here it comes from the independent Reference.
        var (x, labels) = ThreeClass(10, 3);
        float[] y = labels.Select(v => (float)v).ToArray();
        const float Lr = 0.5f;
        var model = new TinyClassifier(9);
        model.Compile(new SparseCategoricalCrossentropy(), new Sgd(Lr));
        var replay = new TinyClassifier(9);
        replay.Compile(new SparseCategoricalCrossentropy(), new Sgd(Lr));
        float[] flat = new float[30];
        for (int s = 0; s < 10; s++) for (int i = 0; i < 3; i++) flat[s * 3 + i] = x[s, i];

        History history = model.Fit(x, y, epochs: 1, batchSize: 4, shuffle: false, verbose: 0);

        var g = new float[replay.NetworkShape.ParameterCount];
        double lossSum = 0;
        foreach (var (start, count) in new[] { (0, 4), (4, 4), (8, 2) })
        {
            ReadOnlySpan<float> bx = flat.AsSpan(start * 3, count * 3), by = y.AsSpan(start, count);
            lossSum += count * Reference.Loss(replay.Loss!, replay.NetworkShape, Reference.Forward(replay.NetworkShape, replay.Parameters, bx, count), by, count);
            replay.ComputeGradients(bx, by, count, g);
            for (int i = 0; i < g.Length; i++) replay.Parameters[i] -= Lr * g[i];
        }
        Assert.Equal(lossSum / 10, history["loss"][0], 1e-6);
        Assert.Equal(3, model.Optimizer!.Iterations);
        for (int i = 0; i < g.Length; i++)
            Assert.True(Math.Abs(model.Parameters[i] - replay.Parameters[i]) <= 1e-6, $"parameter {i}: Fit {model.Parameters[i]:G9}, replay {replay.Parameters[i]:G9}");
        // Not vacuous: the last, short batch moved the weights (dropping it or scaling it by 1/4
        // instead of 1/2 would leave a difference far above 1e-6).
        double moved = 0;
        var before = new TinyClassifier(9);
        before.Compile(new SparseCategoricalCrossentropy(), new Sgd(Lr));
        for (int i = 0; i < 2; i++)
        {
            before.ComputeGradients(flat.AsSpan(i * 12, 12), y.AsSpan(i * 4, 4), 4, g);
            for (int j = 0; j < g.Length; j++) before.Parameters[j] -= Lr * g[j];
        }
        for (int i = 0; i < g.Length; i++) moved = Math.Max(moved, Math.Abs(before.Parameters[i] - model.Parameters[i]));
        Assert.True(moved > 1e-3, $"The last batch of 2 changed no parameter by more than {moved}.");
    }

    [Fact]
    public void BatchSizeLargerThanTheData_IsOneStepPerEpoch()
    {
        var (x, y) = ThreeClass(10, 4);
        var model = new TinyClassifier(2);
        model.Compile(new SparseCategoricalCrossentropy(), new Sgd(0.1f));
        History history = model.Fit(x, y, epochs: 3, batchSize: 32, verbose: 0);
        Assert.Equal(3, model.Optimizer!.Iterations);
        Assert.Equal(3, history["loss"].Count);
    }

    // ------------------------------------------------------------------ convergence

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Xor_IsLearnedTo100PercentAccuracy(int seed)
    {
        var model = new XorNet(seed);
        model.Compile(new BinaryCrossentropy(), new Adam(0.05f), Metric.Accuracy);
        History history = model.Fit(XorX, XorY, epochs: 500, batchSize: 4, verbose: 0);
        var loss = history["loss"];
        Assert.True(loss[^1] < 0.1, $"final loss {loss[^1]}");
        Assert.True(loss[^1] < loss[250] && loss[250] < loss[0], $"loss {loss[0]} -> {loss[250]} -> {loss[^1]}");
        Assert.True(loss[0] > 0.5, $"initial loss {loss[0]}");  // it started near ln 2
        Assert.Equal(1.0, history["accuracy"][^1]);

        Evaluation evaluation = model.Evaluate(XorX, XorY);
        Assert.Equal(1.0, evaluation["accuracy"]);
        float[,] p = model.Predict(XorX);
        for (int s = 0; s < 4; s++) Assert.Equal(XorY[s] > 0.5f, p[s, 0] > 0.5f);
    }

    // ------------------------------------------------------------------ Evaluate against Predict

    [Fact]
    public void Evaluate_BinaryCrossentropy_EqualsTheLossRecomputedFromPredictions()
    {
        var model = new XorNet(4);
        model.Compile(new BinaryCrossentropy(), new Adam(0.05f), Metric.Accuracy);
        model.Fit(XorX, XorY, epochs: 50, verbose: 0);
        float[,] x = TestData.ToMatrix(TestData.Uniform(5, 9 * 2, -1, 2), 9, 2);
        float[] y = TestData.Labels(6, 9, 2);
        float[,] p = model.Predict(x);
        double expected = 0;
        int right = 0;
        for (int s = 0; s < 9; s++)
        {
            expected += -(y[s] * Math.Log(p[s, 0]) + (1 - y[s]) * Math.Log(1 - p[s, 0])) / 9;
            if ((p[s, 0] > 0.5) == (y[s] > 0.5)) right++;
        }
        Evaluation evaluation = model.Evaluate(x, y, batchSize: 4);  // batches of 4, 4, 1
        Assert.Equal(expected, evaluation.Loss, 1e-6);
        Assert.Equal(right / 9.0, evaluation["accuracy"], 1e-12);
        Assert.Equal(new[] { "loss", "accuracy" }, evaluation.Keys);
    }

    [Fact]
    public void Evaluate_SparseCrossentropy_EqualsTheLossRecomputedFromPredictions()
    {
        var (x, y) = ThreeClass(7, 8);
        var model = new TinyClassifier(3);
        model.Compile(new SparseCategoricalCrossentropy(), new Adam(0.01f), Metric.Accuracy);
        model.Fit(x, y, epochs: 5, batchSize: 4, verbose: 0);
        float[,] p = model.Predict(x);
        double expected = 0;
        int right = 0;
        for (int s = 0; s < 7; s++)
        {
            expected += -Math.Log(p[s, y[s]]) / 7;
            int argmax = 0;
            for (int o = 1; o < 3; o++) if (p[s, o] > p[s, argmax]) argmax = o;
            if (argmax == y[s]) right++;
        }
        Evaluation evaluation = model.Evaluate(x, y, batchSize: 3);  // batches of 3, 3, 1
        Assert.Equal(expected, evaluation.Loss, 1e-6);
        Assert.Equal(right / 7.0, evaluation["accuracy"], 1e-12);
    }

    [Fact]
    public void Evaluate_MeanSquaredError_EqualsTheLossRecomputedFromPredictions()
    {
        float[,] x = TestData.ToMatrix(TestData.Uniform(9, 5 * 3, -1, 1), 5, 3);
        float[,] y = TestData.ToMatrix(TestData.Uniform(10, 5 * 2, -2, 2), 5, 2);
        var model = new TinyRegressor(4);
        model.Compile(new MeanSquaredError(), new Sgd(0.05f), Metric.MeanAbsoluteError);
        model.Fit(x, y, epochs: 3, batchSize: 2, verbose: 0);
        float[,] p = model.Predict(x);
        double mse = 0, mae = 0;
        for (int s = 0; s < 5; s++)
            for (int o = 0; o < 2; o++)
            {
                double d = p[s, o] - y[s, o];
                mse += d * d / 10;          // mean over 5 samples of the mean over 2 outputs
                mae += Math.Abs(d) / 10;
            }
        Evaluation evaluation = model.Evaluate(x, y, batchSize: 2);
        Assert.True(mse > 0.1);
        Assert.Equal(mse, evaluation.Loss, 1e-6);
        Assert.Equal(mae, evaluation["mean_absolute_error"], 1e-6);
    }

    // ------------------------------------------------------------------ argument checks

    [Fact]
    public void BeforeCompile_FitEvaluateAndComputeGradientsThrowInvalidOperation()
    {
        var model = new XorNet(1);
        Assert.Throws<InvalidOperationException>(() => model.Fit(XorX, XorY, verbose: 0));
        Assert.Throws<InvalidOperationException>(() => model.Evaluate(XorX, XorY));
        Assert.Throws<InvalidOperationException>(() => model.ComputeGradients(new float[2], new float[1], 1, new float[model.NetworkShape.ParameterCount]));
        Assert.Null(model.Optimizer);
    }

    private static TinyClassifier Compiled()
    {
        var model = new TinyClassifier(1);
        model.Compile(new SparseCategoricalCrossentropy(), new Sgd());
        return model;
    }

    [Fact]
    public void Fit_WithWrongInputWidth_NamesExpectedAndActual()
    {
        var model = Compiled();
        var e = Assert.Throws<ArgumentException>(() => model.Fit(new float[4, 2], new[] { 0, 1, 2, 0 }, verbose: 0));
        Assert.Contains("3", e.Message);
        Assert.Contains("2", e.Message);
        Assert.StartsWith("x", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => model.Evaluate(new float[4, 5], new[] { 0, 1, 2, 0 }));
        Assert.Contains("3", e.Message);
        Assert.Contains("5", e.Message);
    }

    [Fact]
    public void Fit_WithMismatchedTargetCount_NamesExpectedAndActual()
    {
        var model = Compiled();
        var e = Assert.Throws<ArgumentException>(() => model.Fit(new float[4, 3], new[] { 0, 1, 2 }, verbose: 0));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("4", e.Message);
        Assert.Contains("3", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Evaluate(new float[4, 3], new[] { 0, 1, 2, 0, 1 }));
        Assert.Contains("4", e.Message);
        Assert.Contains("5", e.Message);
    }

    [Fact]
    public void Fit_WithWrongTargetWidth_NamesExpectedAndActual()
    {
        var model = new TinyClassifier(1);
        model.Compile(new CategoricalCrossentropy(), new Sgd());
        var e = Assert.Throws<ArgumentException>(() => model.Fit(new float[4, 3], new float[4, 2], verbose: 0));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("3", e.Message);
        Assert.Contains("2", e.Message);
        // One value per sample for a loss that reads the output size.
        Assert.Throws<ArgumentException>(() => model.Fit(new float[4, 3], new float[4], verbose: 0));
    }

    [Fact]
    public void Fit_WithNonFiniteInputs_ThrowsBeforeTouchingTheModel()
    {
        var model = Compiled();
        float[] before = model.Parameters.ToArray();
        var x = new float[4, 3];
        x[2, 1] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, new[] { 0, 1, 2, 0 }, verbose: 0));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("NaN", e.Message);
        Assert.Contains("sample 2", e.Message);
        x[2, 1] = float.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => model.Fit(x, new[] { 0, 1, 2, 0 }, verbose: 0));
        Assert.Equal(before, model.Parameters.ToArray());
        Assert.Equal(0, model.Optimizer!.Iterations);
    }

    [Theory]
    [InlineData(3f)]
    [InlineData(-1f)]
    [InlineData(1.5f)]
    public void Fit_WithAnInvalidClassLabel_NamesTheRangeAndTheLabel(float label)
    {
        var model = Compiled();
        var y = new[] { 0f, 1f, label, 2f };
        var e = Assert.Throws<ArgumentException>(() => model.Fit(new float[4, 3], y, verbose: 0));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("[0, 2]", e.Message);
        Assert.Contains(label.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        Assert.Contains("sample 2", e.Message);
        Assert.Throws<ArgumentException>(() => model.Evaluate(new float[4, 3], y));
        Assert.Equal(0, model.Optimizer!.Iterations);
    }

    [Fact]
    public void Fit_WithBatchSizeOrEpochsBelowOne_ThrowsOutOfRangeWithTheValue()
    {
        var model = Compiled();
        var x = new float[4, 3];
        var y = new[] { 0, 1, 2, 0 };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, y, batchSize: 0, verbose: 0));
        Assert.Equal("batchSize", e.ParamName);
        Assert.Equal(0, e.ActualValue);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, y, epochs: 0, verbose: 0));
        Assert.Equal("epochs", e.ParamName);
        Assert.Equal(0, e.ActualValue);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, y, epochs: -3, verbose: 0));
        Assert.Equal(-3, e.ActualValue);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, y, verbose: 3));
        Assert.Equal("verbose", e.ParamName);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Evaluate(x, y, batchSize: 0));
        Assert.Equal("batchSize", e.ParamName);
        Assert.Equal(0, model.Optimizer!.Iterations);
    }

    [Fact]
    public void Fit_WithNoSamples_Throws()
    {
        var model = Compiled();
        Assert.Throws<ArgumentException>(() => model.Fit(new float[0, 3], Array.Empty<int>(), verbose: 0));
    }

    // ------------------------------------------------------------------ equivalent overloads

    [Fact]
    public void Fit_IntLabelsFloatLabelsAndFlatSpans_TrainIdentically()
    {
        var (x, y) = ThreeClass(12, 11);
        float[] yf = y.Select(v => (float)v).ToArray();
        float[] flat = new float[36];
        for (int s = 0; s < 12; s++) for (int i = 0; i < 3; i++) flat[s * 3 + i] = x[s, i];

        TinyClassifier Make()
        {
            var m = new TinyClassifier(6);
            m.Compile(new SparseCategoricalCrossentropy(), new Adam(0.02f));
            return m;
        }
        TinyClassifier a = Make(), b = Make(), c = Make();
        a.Fit(x, y, epochs: 4, batchSize: 5, verbose: 0);
        b.Fit(x, yf, epochs: 4, batchSize: 5, verbose: 0);
        c.Fit(flat.AsSpan(), yf.AsSpan(), epochs: 4, batchSize: 5, verbose: 0);
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        Assert.True(a.Parameters.SequenceEqual(c.Parameters));
        Assert.False(new TinyClassifier(6).Parameters.SequenceEqual(a.Parameters));
    }

    // ------------------------------------------------------------------ progress output

    [Fact]
    public void Verbose1_WritesOneEpochHeaderAndOneSummaryPerEpoch()
    {
        var model = new XorNet(1);
        model.Compile(new BinaryCrossentropy(), new Adam(0.05f), Metric.Accuracy);
        var writer = new StringWriter();
        model.ProgressOutput = writer;
        model.Fit(XorX, XorY, epochs: 2, batchSize: 2, verbose: 1);
        string[] lines = writer.ToString().Split(writer.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Equal("Epoch 1/2", lines[0]);
        Assert.Equal("Epoch 2/2", lines[2]);
        foreach (string summary in new[] { lines[1], lines[3] })
        {
            Assert.StartsWith("2/2 ", summary);  // steps: 4 samples in batches of 2
            Assert.Contains("loss: ", summary);
            Assert.Contains("accuracy: ", summary);
        }
    }

    [Fact]
    public void Verbose0_WritesNothing()
    {
        var model = new XorNet(1);
        model.Compile(new BinaryCrossentropy(), new Adam(0.05f), Metric.Accuracy);
        var writer = new StringWriter();
        model.ProgressOutput = writer;
        model.Fit(XorX, XorY, epochs: 3, verbose: 0);
        Assert.Equal("", writer.ToString());
        Assert.Equal(3, model.Optimizer!.Iterations);  // it did train
    }
}
