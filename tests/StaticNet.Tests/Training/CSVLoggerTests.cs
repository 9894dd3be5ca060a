using System;
using System.Globalization;
using System.IO;
using StaticNet;
using Xunit;
using static StaticNet.Tests.Serialization.SerializationData;

namespace StaticNet.Tests.Training;

/// <summary>CSVLogger writes Keras's file: sorted keys, epoch from 0, Python's float text, \r\n lines, a row per epoch at once.</summary>
public sealed class CSVLoggerTests
{
    private static Serialization.ResumeNet Model()
    {
        var model = new Serialization.ResumeNet(seed: 2);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.01f), Metric.Accuracy);
        return model;
    }

    [Fact]
    public void WritesAHeaderAndOneRowPerEpoch_AsKeras()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "logs", "run.csv");   // the folder is created
        var (x, y) = Classification();
        var rowsSeen = new System.Collections.Generic.List<int>();
        History history = Model().Fit(x, y, epochs: 3, batchSize: 8, validationSplit: 0.2, verbose: 0, callbacks:
        [
            new CSVLogger(path),
            // Each row is in the file as soon as its epoch ends.
            new LambdaCallback(onEpochEnd: (epoch, _) => rowsSeen.Add(File.ReadAllLines(path).Length)),
        ]);
        Assert.Equal(new[] { 2, 3, 4 }, rowsSeen);

        string text = File.ReadAllText(path);
        string[] lines = text.Split("\r\n");
        Assert.Equal(5, lines.Length);   // header, 3 rows, nothing after the last \r\n
        Assert.Equal("", lines[4]);
        Assert.Equal("epoch,accuracy,loss,val_accuracy,val_loss", lines[0]);
        for (int e = 0; e < 3; e++)
        {
            string[] cells = lines[e + 1].Split(',');
            Assert.Equal(e.ToString(CultureInfo.InvariantCulture), cells[0]);
            Assert.Equal(history["accuracy"][e], double.Parse(cells[1], CultureInfo.InvariantCulture));
            Assert.Equal(history["loss"][e], double.Parse(cells[2], CultureInfo.InvariantCulture));   // round-trips exactly
            Assert.Equal(history["val_loss"][e], double.Parse(cells[4], CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void PythonNumberText_Separator_MissingKeys_AndQuoting()
    {
        using var dir = new TempDirectory();
        string path = dir.File("log.csv");
        var logger = new CSVLogger(path, separator: ';');
        logger.SetModel(Model());
        logger.OnTrainBegin();
        logger.OnEpochEnd(0, new Logs { ["loss"] = 0.5, ["b;c"] = 1e-5, ["nan"] = double.NaN, ["big"] = 1e16 });
        logger.OnEpochEnd(1, new Logs { ["loss"] = 0.25, ["other"] = 3 });   // keys come from the first epoch, missing ones are NA
        Assert.Equal("epoch;\"b;c\";big;loss;nan\r\n0;1e-05;1e+16;0.5;nan\r\n1;NA;NA;0.25;NA\r\n", File.ReadAllText(path));
    }

    [Fact]
    public void Append_KeepsTheRows_AndWritesTheHeaderOnlyIntoAnEmptyFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("log.csv");
        var (x, y) = Classification();
        Serialization.ResumeNet model = Model();
        model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, callbacks: [new CSVLogger(path, append: true)]);   // no file yet: header
        model.Fit(x, y, epochs: 4, initialEpoch: 2, batchSize: 8, verbose: 0, callbacks: [new CSVLogger(path, append: true)]);
        string[] lines = File.ReadAllLines(path);
        Assert.Equal(new[] { "epoch,accuracy,loss", "0", "1", "2", "3" }, Array.ConvertAll(lines, l => l.Split(',')[0] == "epoch" ? l : l.Split(',')[0]));

        // Without append, a new run starts the file afresh.
        model.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0, callbacks: [new CSVLogger(path)]);
        Assert.Equal(2, File.ReadAllLines(path).Length);
    }

    [Fact]
    public void BadArguments_AreRejected()
    {
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => new CSVLogger("")).ParamName);
        Assert.Equal("separator", Assert.Throws<ArgumentException>(() => new CSVLogger("a.csv", separator: '"')).ParamName);
    }
}
