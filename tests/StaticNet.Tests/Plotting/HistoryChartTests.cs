using System;
using System.IO;
using System.Linq;
using System.Text;
using SkiaSharp;
using StaticNet.Plotting;
using Xunit;

namespace StaticNet.Tests.Plotting;

public class HistoryChartTests
{
    /// <summary>A history as Fit records it: keys in the order loss, metrics, val_ versions.</summary>
    internal static History Make(params (string Key, double[] Values)[] series) => MakeFrom(0, series);

    internal static History MakeFrom(int firstEpoch, params (string Key, double[] Values)[] series)
    {
        var history = new History();
        int epochs = series[0].Values.Length;
        for (int e = 0; e < epochs; e++)
        {
            var logs = new Logs();
            foreach (var (key, values) in series) logs[key] = values[e];
            history.Add(firstEpoch + e, logs);
        }
        return history;
    }

    private static readonly double[] Loss = [0.9, 0.6, 0.45, 0.38, 0.33, 0.31, 0.3];
    private static readonly double[] ValLoss = [0.95, 0.7, 0.55, 0.5, 0.49, 0.5, 0.52];
    private static readonly double[] Accuracy = [0.62, 0.78, 0.85, 0.88, 0.9, 0.91, 0.92];
    private static readonly double[] ValAccuracy = [0.6, 0.74, 0.8, 0.82, 0.83, 0.83, 0.82];

    internal static History Full() =>
        Make(("loss", Loss), ("accuracy", Accuracy), ("val_loss", ValLoss), ("val_accuracy", ValAccuracy));

    private static readonly SKColor[] Palette = HistoryChart.Palette.Select(SKColor.Parse).ToArray();

    [Fact]
    public void Png_TwoPanelsSideBySide_EachWithTheColoursOfItsOwnSeries()
    {
        using SKBitmap png = Picture.DecodePng(HistoryChart.Render(Full(), ChartFormat.Png));
        Assert.Equal((1280, 488), (png.Width, png.Height));
        var left = new SKRectI(0, 48, 640, 488);
        var right = new SKRectI(640, 48, 1280, 488);
        // loss (colour 0) and val_loss (colour 1) on the left; accuracy (2) and val_accuracy (3) on the right.
        Assert.True(Picture.Count(png, Palette[0], area: left) > 200);
        Assert.True(Picture.Count(png, Palette[1], area: left) > 100);
        Assert.True(Picture.Count(png, Palette[2], area: right) > 200);
        Assert.True(Picture.Count(png, Palette[3], area: right) > 100);
        Assert.Equal(0, Picture.Count(png, Palette[2], area: left));
        Assert.Equal(0, Picture.Count(png, Palette[0], area: right));
    }

    [Fact]
    public void Png_DrawsTheTitleText_WithTheEmbeddedFont()
    {
        // Text is drawn from the font inside the assembly, so it appears even where no font is installed.
        using SKBitmap withTitle = Picture.DecodePng(HistoryChart.Render(Full(), ChartFormat.Png, title: "A title in the middle"));
        var titleBand = new SKRectI(400, 8, 880, 44);
        Assert.True(Picture.Dark(withTitle, titleBand) > 300, $"only {Picture.Dark(withTitle, titleBand)} dark pixels where the title is");
        using SKBitmap noTitle = Picture.DecodePng(HistoryChart.Render(Full(), ChartFormat.Png, title: " "));
        Assert.Equal(0, Picture.Dark(noTitle, titleBand));
    }

    [Fact]
    public void Svg_PairsEachQuantityWithItsValidationTwin_LossFirst_AndNamesEverySeriesInTheLegend()
    {
        History history = Make(("accuracy", Accuracy), ("loss", Loss), ("val_accuracy", ValAccuracy), ("val_loss", ValLoss));
        var texts = Picture.SvgTexts(HistoryChart.ToSvg(history, "My model"));
        Assert.Equal("My model", texts.Last());
        int lossPanel = texts.IndexOf("Training and validation loss");
        int accuracyPanel = texts.IndexOf("Training and validation accuracy");
        Assert.True(lossPanel >= 0 && accuracyPanel > lossPanel, string.Join(" | ", texts));
        foreach (string key in new[] { "loss", "val_loss", "accuracy", "val_accuracy", "epoch" })
            Assert.Contains(key, texts);
        Assert.DoesNotContain("Training and validation val_loss", texts);
        Assert.Single(texts, t => t == "Training and validation loss"); // each element drawn once
    }

    [Fact]
    public void Svg_ResumedRun_LabelsTheRecordedOneBasedEpochs()
    {
        History history = MakeFrom(5, ("loss", [0.5, 0.4, 0.3]));
        var texts = Picture.SvgTexts(HistoryChart.ToSvg(history));
        Assert.Contains("6", texts);
        Assert.Contains("8", texts);
        Assert.DoesNotContain("5", texts);
        Assert.DoesNotContain("9", texts);
    }

    [Theory]
    [InlineData(1, 7, new[] { 1, 2, 3, 4, 5, 6, 7 })]
    [InlineData(1, 20, new[] { 5, 10, 15, 20 })]
    [InlineData(1, 12, new[] { 2, 4, 6, 8, 10, 12 })]
    [InlineData(6, 8, new[] { 6, 7, 8 })]
    [InlineData(1, 100, new[] { 20, 40, 60, 80, 100 })]
    [InlineData(3, 3, new[] { 3 })]
    public void EpochTicks_AreWholeEpochsOnA125Step(int first, int last, int[] expected) =>
        Assert.Equal(expected, HistoryChart.EpochTicks(first, last));

    [Fact]
    public void Overlay_OneColourPerRun_LegendNamesRunsAndLineStyles()
    {
        History sgd = Make(("loss", [1.0, 0.8, 0.7]), ("val_loss", [1.1, 0.9, 0.8]));
        History adam = Make(("loss", [0.6, 0.4, 0.3]), ("val_loss", [0.7, 0.5, 0.45]));
        History rms = Make(("loss", [0.7, 0.5, 0.35]), ("val_loss", [0.75, 0.55, 0.5]));
        (string, History)[] runs = [("SGD", sgd), ("Adam", adam), ("RMSprop", rms)];

        using SKBitmap png = Picture.DecodePng(HistoryChart.Render(runs, ChartFormat.Png, metric: "loss"));
        Assert.Equal((640, 488), (png.Width, png.Height));
        for (int r = 0; r < 3; r++) Assert.True(Picture.Count(png, Palette[r]) > 150, $"run {r}'s colour is missing");
        Assert.Equal(0, Picture.Count(png, Palette[3]));

        var texts = Picture.SvgTexts(Encoding.UTF8.GetString(HistoryChart.Render(runs, ChartFormat.Svg, title: "Optimizers", metric: "loss")));
        foreach (string label in new[] { "SGD", "Adam", "RMSprop", "training", "validation", "Optimizers", "Training and validation loss" })
            Assert.Contains(label, texts);
    }

    [Fact]
    public void Overlay_WithoutMetric_GivesAPanelPerQuantity_AndAValidationMetricAlone()
    {
        (string, History)[] runs = [("a", Full()), ("b", Full())];
        using SKBitmap all = Picture.DecodePng(HistoryChart.Render(runs, ChartFormat.Png));
        Assert.Equal((1280, 488), (all.Width, all.Height));

        var texts = Picture.SvgTexts(Encoding.UTF8.GetString(HistoryChart.Render(runs, ChartFormat.Svg, metric: "val_accuracy")));
        Assert.Contains("val_accuracy", texts);
        Assert.DoesNotContain("validation", texts); // one kind of line only: no key to the line styles
        Assert.DoesNotContain("Training and validation accuracy", texts);
    }

    [Fact]
    public void Overlay_RejectsBadRuns_NamingTheProblem()
    {
        History h = Full();
        var e = Assert.Throws<ArgumentException>(() => HistoryChart.Render([("x", h), ("y", Make(("mae", [1.0])))], ChartFormat.Png, metric: "accuracy"));
        Assert.Contains("'y'", e.Message);
        Assert.Contains("mae", e.Message);
        Assert.Equal("metric", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => HistoryChart.Render([("x", h), ("x", h)], ChartFormat.Png));
        Assert.Contains("'x'", e.Message);
        Assert.Throws<ArgumentException>(() => HistoryChart.Render([("", h)], ChartFormat.Png));
        Assert.Throws<ArgumentException>(() => HistoryChart.Render(Array.Empty<(string, History)>(), ChartFormat.Png));
        e = Assert.Throws<ArgumentException>(() => HistoryChart.Render([("x", h), ("empty", new History())], ChartFormat.Png));
        Assert.Contains("'empty'", e.Message);
    }

    [Fact]
    public void NonFiniteValues_AreLeftOut_AndAllNonFiniteSaysSo()
    {
        History gaps = Make(("loss", [0.9, double.NaN, 0.5, double.PositiveInfinity, 0.3]));
        using SKBitmap png = Picture.DecodePng(HistoryChart.Render(gaps, ChartFormat.Png));
        Assert.True(Picture.Count(png, Palette[0]) > 50);

        var texts = Picture.SvgTexts(HistoryChart.ToSvg(Make(("loss", [double.NaN, double.NaN]))));
        Assert.Contains("no finite values", texts);
        Assert.DoesNotContain("no finite values", Picture.SvgTexts(HistoryChart.ToSvg(gaps)));
    }

    [Fact]
    public void EmptyHistory_UnknownMetric_AndUnknownExtension_Throw()
    {
        Assert.Throws<ArgumentException>(() => HistoryChart.ToSvg(new History()));
        var e = Assert.Throws<ArgumentException>(() => HistoryChart.Render(Full(), ChartFormat.Png, metric: "mae"));
        Assert.Contains("loss, accuracy, val_loss, val_accuracy", e.Message);
        e = Assert.Throws<ArgumentException>(() => HistoryChart.Save(Full(), "chart.gif"));
        Assert.Contains(".gif", e.Message);
        Assert.Contains(".png", e.Message);
        Assert.Throws<ArgumentNullException>(() => HistoryChart.ToSvg(null!));
    }

    [Theory]
    [InlineData(".png", new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' })]
    [InlineData(".PNG", new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' })]
    [InlineData(".svg", new byte[] { (byte)'<', (byte)'?', (byte)'x', (byte)'m' })]
    [InlineData(".jpg", new byte[] { 0xFF, 0xD8, 0xFF })]
    [InlineData(".webp", new byte[] { (byte)'R', (byte)'I', (byte)'F', (byte)'F' })]
    public void Save_WritesTheFormatItsExtensionNames(string extension, byte[] magic)
    {
        string path = Path.Combine(Path.GetTempPath(), "staticnet-history-" + Guid.NewGuid().ToString("N") + extension);
        try
        {
            HistoryChart.Save(Full(), path, "t");
            byte[] bytes = File.ReadAllBytes(path);
            Assert.Equal(magic, bytes[..magic.Length]);
            Assert.True(bytes.Length > 2000);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
