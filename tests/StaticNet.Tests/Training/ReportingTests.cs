using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>
/// What a Keras user reads: the progress bar within the terminal's width, Evaluate's verbose
/// output, History's table and Keras's short metric names.
/// </summary>
public class ReportingTests
{
    private long _now;

    private static Logs FourMetrics(double loss) => new()
    {
        ["loss"] = loss, ["accuracy"] = 0.9147, ["val_loss"] = 0.1571, ["val_accuracy"] = 0.9541,
    };

    /// <summary>The live segments of a dynamic bar's output (what each '\r' redraw writes).</summary>
    private static string[] Segments(string text) =>
        text.Split('\r', StringSplitOptions.RemoveEmptyEntries).Select(s => s.TrimEnd('\n', '\r')).ToArray();

    [Theory]
    [InlineData(80)]
    [InlineData(60)]
    [InlineData(40)]
    [InlineData(20)]
    public void LiveBar_NeverTakesMoreThanWidthMinusOne_FinalLineKeepsEveryValue(int width)
    {
        var output = new StringWriter();
        var bar = new ProgressBar(output, 1, dynamic: true, () => _now, ticksPerSecond: 1000, width: width);
        _now = 0;
        bar.BeginEpoch(epoch: 0, epochs: 1, steps: 1500);
        for (int step = 1; step <= 1500; step += 37)
        {
            _now += 500;
            bar.Update(step, FourMetrics(1.0 / step));
        }
        _now += 500;
        bar.Finish(1500, FourMetrics(0.2954));

        string text = output.ToString();
        string[] segments = Segments(text);
        Assert.True(segments.Length > 10);
        string final = segments[^1];
        foreach (string live in segments[..^1]) Assert.True(live.Length <= width - 1, $"{live.Length} columns: '{live}'");
        Assert.Contains(" - loss: 0.2954 - accuracy: 0.9147 - val_loss: 0.1571 - val_accuracy: 0.9541", final);
        Assert.StartsWith("1500/1500", final);
        // Only the final line ends the line: the live ones are overwritten in place.
        Assert.Single(Regex.Matches(text, Environment.NewLine));
    }

    [Fact]
    public void NarrowTerminal_ShrinksThenDropsTheBar()
    {
        string Live(int width)
        {
            var output = new StringWriter();
            var bar = new ProgressBar(output, 1, dynamic: true, () => _now, ticksPerSecond: 1000, width: width);
            _now = 0;
            bar.BeginEpoch(0, 1, 1500);
            _now = 1000;
            bar.Update(750, new Logs { ["loss"] = 0.5 });
            return Segments(output.ToString())[0];
        }
        // At 120 columns the full 30-character bar fits: " 750/1500 [==============>...............] - ETA: 1s - loss: 0.5000".
        Assert.Contains("[" + new string('=', 14) + ">" + new string('.', 15) + "]", Live(120));
        // At 50 columns the bar shrinks to what is left of width − 1 (49) columns.
        string narrow = Live(50);
        Assert.Equal(49, narrow.Length);
        Assert.Matches(@"^ 750/1500 \[=+>\.+\] - ETA: 1s - loss: 0\.5000$", narrow);
        // At 40 no bar of at least ten characters fits: the bar goes, the values stay.
        Assert.Equal(" 750/1500 - ETA: 1s - loss: 0.5000", Live(40));
        // At 20 the log entries go, then the line is cut.
        Assert.Equal(" 750/1500 - ETA: 1s", Live(20));
        Assert.Equal(" 750/1500 - ET", Live(15));
    }

    [Fact]
    public void FitWithAnotherWriter_PrintsOneLinePerEpoch()
    {
        var model = new FitClassifierNet(seed: 1);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        var output = new StringWriter();
        model.ProgressOutput = output;
        float[,] x = FitTestData.Inputs(40, 4, seed: 1);
        model.Fit(x, FitTestData.Labels(x), epochs: 3, batchSize: 4, validationSplit: 0.25);
        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, lines.Length);
        Assert.DoesNotContain('\r', output.ToString());
        Assert.Matches(@"^8/8 \[=+\] - \d+s \d+[mu]?s/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$", lines[5]);
    }

    [Fact]
    public void EvaluateVerbose_PrintsKerasLine_DefaultIsSilent()
    {
        var model = new FitClassifierNet(seed: 2);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        var output = new StringWriter();
        model.ProgressOutput = output;
        float[,] x = FitTestData.Inputs(70, 4, seed: 2);
        int[] y = FitTestData.Labels(x);

        Evaluation silent = model.Evaluate(x, y);
        Assert.Equal("", output.ToString());

        Evaluation e = model.Evaluate(x, y, verbose: 1);
        Assert.Equal(silent.Loss, e.Loss);
        string line = output.ToString();
        string values = $"loss: {ProgressBar.FormatValue(e.Loss)} - accuracy: {ProgressBar.FormatValue(e["accuracy"])}";
        Assert.Matches(@"^3/3 \[==============================\] - \d+s \d+[mu]?s/step - " + Regex.Escape(values) + "$", line.TrimEnd());
        Assert.EndsWith(Environment.NewLine, line);
        Assert.Single(Regex.Matches(line, Environment.NewLine));

        output.GetStringBuilder().Clear();
        model.Evaluate(x, y, batchSize: 10, verbose: 2);
        Assert.Matches(@"^7/7 - \d+s - \d+[mu]?s/step - " + Regex.Escape(values) + "$", output.ToString().TrimEnd());
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Evaluate(x, y, verbose: 3));
    }

    [Fact]
    public void HistoryToString_IsATableOfEpochs()
    {
        var history = new History();
        history.Add(0, new Logs { ["loss"] = 0.65234, ["accuracy"] = 0.625, ["val_loss"] = 0.00012345 });
        history.Add(1, new Logs { ["loss"] = 0.5, ["accuracy"] = 0.75, ["val_loss"] = 12.5 });
        string expected =
            "epoch    loss  accuracy    val_loss" + Environment.NewLine +
            "    1  0.6523    0.6250  1.2345e-04" + Environment.NewLine +
            "    2  0.5000    0.7500     12.5000" + Environment.NewLine;
        Assert.Equal(expected, history.ToString());
        Assert.Equal("History: no epochs", new History().ToString());
    }

    [Fact]
    public void KerasShortNames_FindTheLongOnes_InHistoryEvaluationLogsAndMonitors()
    {
        var model = new FitClassifierNet(seed: 3);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.05f), Metric.Accuracy);
        model.ProgressOutput = TextWriter.Null;
        float[,] x = FitTestData.Inputs(60, 4, seed: 3);
        int[] y = FitTestData.Labels(x);
        var stopper = new EarlyStopping(monitor: "val_acc", patience: 1);
        History h = model.Fit(x, y, epochs: 30, batchSize: 8, validationSplit: 0.25, callbacks: [stopper]);
        Assert.Same(h["accuracy"], h["acc"]);
        Assert.Same(h["val_accuracy"], h["val_acc"]);
        Assert.True(h.Contains("val_acc"));
        Assert.False(h.Contains("val_mae"));
        Assert.True(stopper.Maximizes);           // from the compiled accuracy, not from the string
        Assert.Equal(stopper.Best, h["val_accuracy"].Max());
        Assert.True(h.Epoch.Count < 30, "val_acc was not found, so the stopper never ran");
        Assert.Equal(model.Evaluate(x, y)["accuracy"], model.Evaluate(x, y)["acc"]);
        Assert.DoesNotContain("acc", h.Keys);     // the logs keep Keras's long name

        var logs = new Logs { ["val_mean_absolute_error"] = 0.25 };
        Assert.Equal(0.25, logs["val_mae"]);
        Assert.True(logs.TryGetValue("val_mae", out double mae) && mae == 0.25);
        Assert.Throws<System.Collections.Generic.KeyNotFoundException>(() => logs["mse"]);

        var regression = FitTestData.FrozenRegression(Metric.MeanAbsoluteError);
        var reducer = new EarlyStopping(monitor: "mae");
        regression.Fit(new float[4, 3], new float[4], epochs: 2, callbacks: [reducer]);
        Assert.False(reducer.Maximizes);
    }
}
