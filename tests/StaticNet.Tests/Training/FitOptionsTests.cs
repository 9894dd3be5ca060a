using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>validationSplit, validationData, initialEpoch, history keys and the printed lines of Fit.</summary>
public class FitOptionsTests
{
    /// <summary>Targets that differ row by row, so that any other choice of rows gives another loss.</summary>
    private static (float[,] X, float[] Y) Markers(int samples)
    {
        float[,] x = FitTestData.Inputs(samples, 3, seed: 11);
        var y = new float[samples];
        for (int i = 0; i < samples; i++) y[i] = i * 0.01f;
        return (x, y);
    }

    [Theory]
    [InlineData(10, 0.3, 7)]
    [InlineData(50, 0.1, 45)]
    [InlineData(100, 0.29, 71)]
    [InlineData(1000, 0.07, 929)]   // 1000 * (1 - 0.07) is 929.9999999999999 in doubles, as in Python: 929 training rows
    public void ValidationSplit_ValidatesOnExactlyTheLastRows(int samples, double split, int expectedTrainRows)
    {
        // Split points computed in Python: int(math.floor(n * (1.0 - split))).
        var (x, y) = Markers(samples);
        FitRegressionNet model = FitTestData.FrozenRegression();
        History history = model.Fit(x, y, epochs: 1, batchSize: 16, shuffle: true, verbose: 0, validationSplit: split);

        int valRows = samples - expectedTrainRows;
        double expected = model.Evaluate(FitTestData.Rows(x, expectedTrainRows, valRows), FitTestData.Rows(y, expectedTrainRows, valRows)).Loss;
        double oneRowMore = model.Evaluate(FitTestData.Rows(x, expectedTrainRows - 1, valRows + 1), FitTestData.Rows(y, expectedTrainRows - 1, valRows + 1)).Loss;
        double oneRowLess = model.Evaluate(FitTestData.Rows(x, expectedTrainRows + 1, valRows - 1), FitTestData.Rows(y, expectedTrainRows + 1, valRows - 1)).Loss;
        Assert.Equal(expected, history["val_loss"][0], 10);
        Assert.NotEqual(Math.Round(oneRowMore, 6), Math.Round(history["val_loss"][0], 6));
        Assert.NotEqual(Math.Round(oneRowLess, 6), Math.Round(history["val_loss"][0], 6));
        // The training loss is the mean over exactly the first rows (the weights did not move).
        double train = model.Evaluate(FitTestData.Rows(x, 0, expectedTrainRows), FitTestData.Rows(y, 0, expectedTrainRows)).Loss;
        Assert.Equal(train, history["loss"][0], 10);
    }

    [Fact]
    public void ValidationSplit_ThatLeavesNoRowsOnOneSide_Throws()
    {
        var (x, y) = Markers(3);
        FitRegressionNet model = FitTestData.FrozenRegression();
        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, y, verbose: 0, validationSplit: 0.7));   // floor(3 * 0.3) = 0
        Assert.Contains("not sufficient to split", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, y, verbose: 0, validationSplit: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, y, verbose: 0, validationSplit: -0.1));
    }

    [Fact]
    public void ValidationData_IsEvaluatedEachEpoch_AndOverridesTheSplit()
    {
        var (x, y) = Markers(40);
        float[,] xVal = FitTestData.Inputs(12, 3, seed: 99);
        var yVal = new float[12];
        for (int i = 0; i < yVal.Length; i++) yVal[i] = 5 + i;
        FitRegressionNet model = FitTestData.FrozenRegression(Metric.MeanAbsoluteError);

        History history = model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, validationSplit: 0.5, validationData: (xVal, yVal));

        Assert.Equal(new[] { "loss", "mean_absolute_error", "val_loss", "val_mean_absolute_error" }, history.Keys);
        Evaluation val = model.Evaluate(xVal, yVal);
        Evaluation all = model.Evaluate(x, y);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            Assert.Equal(val.Loss, history["val_loss"][epoch], 10);
            Assert.Equal(val["mean_absolute_error"], history["val_mean_absolute_error"][epoch], 10);
            // The split was ignored: all 40 rows trained.
            Assert.Equal(all.Loss, history["loss"][epoch], 10);
            Assert.Equal(all["mean_absolute_error"], history["mean_absolute_error"][epoch], 10);
        }
    }

    [Fact]
    public void ValidationData_AcceptsEveryTargetForm()
    {
        float[,] x = FitTestData.Inputs(30, 4, seed: 2);
        int[] labels = FitTestData.Labels(x);
        var oneHot = new float[30, 3];
        for (int i = 0; i < 30; i++) oneHot[i, labels[i]] = 1;

        var sparse = new FitClassifierNet(seed: 4);
        sparse.Compile(Loss.SparseCategoricalCrossentropy, new Sgd(learningRate: 1e-30f), Metric.Accuracy);
        History h1 = sparse.Fit(x, labels, epochs: 1, verbose: 0, validationData: (x, labels));
        Assert.Equal(new[] { "loss", "accuracy", "val_loss", "val_accuracy" }, h1.Keys);
        Assert.Equal(sparse.Evaluate(x, labels)["accuracy"], h1["val_accuracy"][0], 10);

        var categorical = new FitClassifierNet(seed: 4);
        categorical.Compile(Loss.CategoricalCrossentropy, new Sgd(learningRate: 1e-30f), Metric.Accuracy);
        History h2 = categorical.Fit(x, oneHot, epochs: 1, verbose: 0, validationData: new ValidationData(x, oneHot));
        // Same weights (seed 4), same data: the same numbers whichever target form.
        Assert.Equal(h1["val_loss"][0], h2["val_loss"][0], 6);
        Assert.Equal(h1["val_accuracy"][0], h2["val_accuracy"][0], 10);

        // A wrong validation shape is reported with the argument's name.
        var e = Assert.Throws<ArgumentException>(() => sparse.Fit(x, labels, verbose: 0, validationData: (FitTestData.Inputs(5, 3, 1), new int[5])));
        Assert.Contains("validationData.X", e.Message);
    }

    [Fact]
    public void InitialEpoch_NumbersEpochsFromIt_AndEpochsIsTheFinalIndex()
    {
        float[,] x = FitTestData.Inputs(20, 3, seed: 1);
        var y = new float[20];
        var model = new FitRegressionNet(seed: 1);
        model.Compile(Loss.MeanSquaredError, new Sgd());
        var output = new StringWriter();
        model.ProgressOutput = output;
        var seen = new List<int>();
        History history = model.Fit(x, y, epochs: 5, batchSize: 10, verbose: 2, initialEpoch: 2,
            callbacks: [new LambdaCallback(onEpochBegin: seen.Add)]);

        Assert.Equal(new[] { 2, 3, 4 }, history.Epoch);
        Assert.Equal(new[] { 2, 3, 4 }, seen);
        Assert.Equal(3, history["loss"].Count);
        string text = output.ToString();
        Assert.Equal(new[] { "Epoch 3/5", "Epoch 4/5", "Epoch 5/5" },
            text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("Epoch ", StringComparison.Ordinal)));

        // Starting at or after the last epoch trains nothing, as Keras.
        float before = model.Parameters[0];
        History none = model.Fit(x, y, epochs: 5, initialEpoch: 5, verbose: 0);
        Assert.Empty(none.Epoch);
        Assert.Equal(before, model.Parameters[0]);
    }

    [Fact]
    public void Verbose2_PrintsKerasOneLinePerEpoch()
    {
        float[,] x = FitTestData.Inputs(100, 4, seed: 3);
        int[] y = FitTestData.Labels(x);
        var model = new FitClassifierNet(seed: 2);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        var output = new StringWriter();
        model.ProgressOutput = output;
        History history = model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 2, validationSplit: 0.2);   // 80 rows: 10 steps

        string[] lines = Lines(output);
        Assert.Equal(4, lines.Length);
        Assert.Equal("Epoch 1/2", lines[0]);
        Assert.Equal("Epoch 2/2", lines[2]);
        for (int e = 0; e < 2; e++)
        {
            var match = Regex.Match(lines[1 + 2 * e],
                @"^10/10 - \d+s - \d+(s|ms|us)/step - loss: (\d\.\d{4}) - accuracy: (\d\.\d{4}) - val_loss: (\d\.\d{4}) - val_accuracy: (\d\.\d{4})$");
            Assert.True(match.Success, lines[1 + 2 * e]);
            Assert.Equal(history["loss"][e].ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture), match.Groups[2].Value);
            Assert.Equal(history["val_accuracy"][e].ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture), match.Groups[5].Value);
        }
    }

    [Fact]
    public void Verbose1_ToAWriter_PrintsTheFinalBarOncePerEpoch()
    {
        float[,] x = FitTestData.Inputs(100, 4, seed: 3);
        int[] y = FitTestData.Labels(x);
        var model = new FitClassifierNet(seed: 2);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        var output = new StringWriter();
        model.ProgressOutput = output;
        model.Fit(x, y, epochs: 3, batchSize: 32, verbose: 1, validationData: (x, y));   // 4 steps

        string text = output.ToString();
        Assert.DoesNotContain("\r", text.Replace(Environment.NewLine, "\n"));
        string[] lines = Lines(output);
        Assert.Equal(6, lines.Length);
        for (int e = 0; e < 3; e++)
        {
            Assert.Equal($"Epoch {e + 1}/3", lines[2 * e]);
            Assert.Matches(@"^4/4 \[==============================\] - \d+s \d+(s|ms|us)/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$", lines[2 * e + 1]);
        }
    }

    [Fact]
    public void OneEpoch_PrintsNoEpochHeader_AsKeras()
    {
        float[,] x = FitTestData.Inputs(10, 3, seed: 1);
        FitRegressionNet model = FitTestData.FrozenRegression();
        var output = new StringWriter();
        model.ProgressOutput = output;
        model.Fit(x, new float[10], epochs: 1, batchSize: 4, verbose: 2);
        string[] lines = Lines(output);
        Assert.Single(lines);
        Assert.Matches(@"^3/3 - \d+s - \d+(s|ms|us)/step - loss: ", lines[0]);
    }

    [Fact]
    public void ExistingCallsStillCompileAndRun()
    {
        float[,] x = FitTestData.Inputs(16, 3, seed: 1);
        var model = new FitRegressionNet(seed: 1);
        model.Compile(Loss.MeanSquaredError, new Sgd());
        History h = model.Fit(x, new float[16], epochs: 2, batchSize: 4, verbose: 0);
        History h2 = model.Fit(x, new float[16], 2, 4, false, 0);
        History h3 = model.Fit(x.Cast<float>().ToArray().AsSpan(), new float[16], epochs: 1, verbose: 0, validationSplit: 0.25);
        Assert.Equal(2, h.Epoch.Count);
        Assert.Equal(2, h2.Epoch.Count);
        Assert.Equal(new[] { "loss", "val_loss" }, h3.Keys);
    }

    private static string[] Lines(StringWriter output) =>
        output.ToString().Replace("\r\n", "\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
