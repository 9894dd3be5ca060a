using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using StaticNet.Plotting;
using Xunit;

namespace StaticNet.Tests.Plotting;

public class HistoryChartTests
{
    /// <summary>A history as Fit records it: keys in the order loss, metrics, val_ versions.</summary>
    private static History Make(params (string Key, double[] Values)[] series)
    {
        var history = new History();
        int epochs = series[0].Values.Length;
        for (int e = 0; e < epochs; e++)
        {
            var logs = new Logs();
            foreach (var (key, values) in series) logs[key] = values[e];
            history.Add(e, logs);
        }
        return history;
    }

    private static readonly double[] Loss = [0.9, 0.6, 0.45, 0.38, 0.33, 0.31, 0.3];
    private static readonly double[] ValLoss = [0.95, 0.7, 0.55, 0.5, 0.49, 0.5, 0.52];
    private static readonly double[] Accuracy = [0.62, 0.78, 0.85, 0.88, 0.9, 0.91, 0.92];
    private static readonly double[] ValAccuracy = [0.6, 0.74, 0.8, 0.82, 0.83, 0.83, 0.82];

    private static History Full() =>
        Make(("loss", Loss), ("accuracy", Accuracy), ("val_loss", ValLoss), ("val_accuracy", ValAccuracy));

    private static XElement Series(XElement root, string key) =>
        Svg.ByClass(root, "g", "series").Single(g => (string?)g.Attribute("data-key") == key);

    [Fact]
    public void ToSvg_IsSvgXmlWithNamespaceViewBoxAndTitle()
    {
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(Full(), "My model"));
        Assert.Equal("My model", (string?)root.Element(Svg.Ns + "title"));
        Assert.Equal("My model", Svg.ByClass(root, "text", "title").Single().Value);
    }

    [Fact]
    public void ToSvg_DrawsOnePolylinePerSeriesWithOnePointAndOneMarkerPerEpoch()
    {
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(Full()));

        var keys = Svg.ByClass(root, "g", "series").Select(g => (string?)g.Attribute("data-key")).ToList();
        Assert.Equal(new[] { "loss", "accuracy", "val_loss", "val_accuracy" }.OrderBy(k => k), keys.OrderBy(k => k));
        foreach (string key in new[] { "loss", "val_loss", "accuracy", "val_accuracy" })
        {
            XElement series = Series(root, key);
            XElement polyline = Assert.Single(series.Elements(Svg.Ns + "polyline"));
            Assert.Equal(Loss.Length, Svg.Points(polyline).Count);
            Assert.Equal(Loss.Length, Svg.ByClass(series, "circle", "marker").Count());
        }
    }

    [Fact]
    public void ToSvg_PairsEachQuantityWithItsValidationTwinInOnePanel_LossFirst()
    {
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(Full()));
        var panels = Svg.ByClass(root, "g", "panel").ToList();
        Assert.Equal(new[] { "loss", "accuracy" }, panels.Select(p => (string?)p.Attribute("data-key")));
        Assert.Equal(new[] { "loss", "val_loss" }, Svg.ByClass(panels[0], "g", "series").Select(g => (string?)g.Attribute("data-key")));
        Assert.Equal(new[] { "accuracy", "val_accuracy" }, Svg.ByClass(panels[1], "g", "series").Select(g => (string?)g.Attribute("data-key")));
    }

    [Fact]
    public void ToSvg_LegendNamesEverySeries()
    {
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(Full()));
        var legend = Svg.ByClass(root, "text", "legend").Select(t => t.Value).ToList();
        Assert.Equal(new[] { "loss", "val_loss", "accuracy", "val_accuracy" }, legend);
    }

    [Fact]
    public void ToSvg_MapsValuesLinearlyAndInverselyToY_AndEpochsEvenlyToX()
    {
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(Full()));

        foreach (var (key, values) in new[] { ("loss", Loss), ("val_loss", ValLoss), ("accuracy", Accuracy), ("val_accuracy", ValAccuracy) })
        {
            var points = Svg.Points(Series(root, key).Element(Svg.Ns + "polyline")!);
            // Higher value, smaller y (SVG's y points down), and the same pixels per unit everywhere.
            for (int i = 0; i < values.Length; i++)
                for (int j = 0; j < values.Length; j++)
                    if (values[i] > values[j]) Assert.True(points[i].Y < points[j].Y, $"{key}: {values[i]} at y {points[i].Y}, {values[j]} at y {points[j].Y}");
            double pixelsPerUnit = (points[^1].Y - points[0].Y) / (values[^1] - values[0]);
            Assert.True(pixelsPerUnit < 0);
            for (int i = 1; i < values.Length; i++)
                Assert.Equal(points[0].Y + pixelsPerUnit * (values[i] - values[0]), points[i].Y, 0.02);
            double dx = points[1].X - points[0].X;
            Assert.True(dx > 0);
            for (int i = 1; i < points.Count; i++) Assert.Equal(dx, points[i].X - points[i - 1].X, 0.02);
        }
    }

    [Fact]
    public void ToSvg_DecreasingLoss_GivesStrictlyIncreasingY()
    {
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(Make(("loss", Loss))));
        var ys = Svg.Points(Series(root, "loss").Element(Svg.Ns + "polyline")!).Select(p => p.Y).ToList();
        for (int i = 1; i < ys.Count; i++) Assert.True(ys[i] > ys[i - 1]);
    }

    [Fact]
    public void ToSvg_YTicksAreNiceNumbersCoveringTheData()
    {
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(Full()));
        foreach (var (panelKey, data) in new[] { ("loss", Loss.Concat(ValLoss)), ("accuracy", Accuracy.Concat(ValAccuracy)) })
        {
            XElement panel = Svg.ByClass(root, "g", "panel").Single(p => (string?)p.Attribute("data-key") == panelKey);
            var labels = Svg.ByClass(panel, "text", "ytick").Select(t => t.Value).ToList();
            var ticks = labels.Select(Svg.Num).ToList();
            Assert.InRange(ticks.Count, 3, 11);
            double step = ticks[1] - ticks[0];
            for (int i = 1; i < ticks.Count; i++) Assert.Equal(step, ticks[i] - ticks[i - 1], 9);
            AssertNiceStep(step);
            foreach (double tick in ticks) Assert.Equal(0, Math.Abs(Math.IEEERemainder(tick, step)), 9); // multiples of the step
            Assert.True(ticks[0] <= data.Min() && ticks[^1] >= data.Max());
            // Every label is written with the same number of decimals, no more than the step needs.
            int decimals = labels[0].Contains('.') ? labels[0].Length - labels[0].IndexOf('.') - 1 : 0;
            Assert.All(labels, l => Assert.Equal(decimals, l.Contains('.') ? l.Length - l.IndexOf('.') - 1 : 0));
            Assert.Equal(step.ToString("F" + decimals, System.Globalization.CultureInfo.InvariantCulture), (ticks[1] - ticks[0]).ToString("F" + decimals, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static void AssertNiceStep(double step)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(step) + 1e-9));
        double mantissa = Math.Round(step / power, 9);
        Assert.Contains(mantissa, new[] { 1.0, 2.0, 5.0 });
    }

    [Fact]
    public void ToSvg_XTicksAreOneBasedEpochs_AtThePointsOfThoseEpochs()
    {
        double[] loss = Enumerable.Range(0, 20).Select(i => 2.0 / (1 + i)).ToArray();
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(Make(("loss", loss))));
        var ticks = Svg.ByClass(root, "text", "xtick").ToList();
        Assert.Equal(new[] { "5", "10", "15", "20" }, ticks.Select(t => t.Value));
        var points = Svg.Points(Series(root, "loss").Element(Svg.Ns + "polyline")!);
        // Label "5" sits under the 5th point (Epoch[4] == 4), label "20" under the last.
        Assert.Equal(points[4].X, Svg.Attr(ticks[0], "x"), 0.02);
        Assert.Equal(points[19].X, Svg.Attr(ticks[^1], "x"), 0.02);
        Assert.Equal("epoch", Svg.ByClass(root, "text", "xlabel").Single().Value);
        Assert.Equal("loss", Svg.ByClass(root, "text", "ylabel").Single().Value);
    }

    [Fact]
    public void ToSvg_ResumedRun_LabelsTheRecordedEpochs()
    {
        var history = new History();
        for (int e = 3; e < 8; e++)   // Fit(..., initialEpoch: 3) records epochs 3..7, printed as 4..8
        {
            var logs = new Logs();
            logs["loss"] = 1.0 / e;
            history.Add(e, logs);
        }
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(history));
        var ticks = Svg.ByClass(root, "text", "xtick").ToList();
        Assert.Equal(new[] { "4", "5", "6", "7", "8" }, ticks.Select(t => t.Value));
        var points = Svg.Points(Series(root, "loss").Element(Svg.Ns + "polyline")!);
        for (int i = 0; i < 5; i++) Assert.Equal(points[i].X, Svg.Attr(ticks[i], "x"), 0.02);
    }

    [Fact]
    public void ToSvg_FewEpochs_LabelsEveryEpoch()
    {
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(Full()));
        XElement panel = Svg.ByClass(root, "g", "panel").First();
        Assert.Equal(new[] { "1", "2", "3", "4", "5", "6", "7" }, Svg.ByClass(panel, "text", "xtick").Select(t => t.Value));
    }

    [Fact]
    public void ToSvg_ValidationSeriesAreDashed_TrainingSolid_AllColoursDistinct()
    {
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(Full()));
        var colours = new List<string>();
        foreach (string key in new[] { "loss", "val_loss", "accuracy", "val_accuracy" })
        {
            XElement line = Series(root, key).Element(Svg.Ns + "polyline")!;
            Assert.Equal(key.StartsWith("val_"), line.Attribute("stroke-dasharray") is not null);
            colours.Add((string)line.Attribute("stroke")!);
        }
        Assert.Equal(colours.Count, colours.Distinct().Count());
    }

    [Fact]
    public void ToSvg_OtherMetrics_ArePairedWithTheirValidationVersions()
    {
        History history = Make(("loss", Loss), ("mae", Accuracy), ("val_loss", ValLoss), ("val_mae", ValAccuracy), ("val_only", Loss));
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(history));
        var panels = Svg.ByClass(root, "g", "panel").Select(p => (string?)p.Attribute("data-key")).ToList();
        Assert.Equal(new[] { "loss", "mae", "val_only" }, panels);
        Assert.Equal(new[] { "loss", "val_loss", "mae", "val_mae", "val_only" }, Svg.ByClass(root, "text", "legend").Select(t => t.Value));
    }

    [Fact]
    public void ToSvg_NonFiniteValuesAreSkipped_AndBreakTheLine()
    {
        double[] loss = [1.0, double.NaN, 0.5, double.PositiveInfinity, 0.3, 0.2];
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(Make(("loss", loss))));
        XElement series = Series(root, "loss");
        var segments = series.Elements(Svg.Ns + "polyline").Select(Svg.Points).ToList();
        Assert.Equal(new[] { 1, 1, 2 }, segments.Select(s => s.Count));
        Assert.Equal(4, Svg.ByClass(series, "circle", "marker").Count());
        // The finite points are still in order: 1.0 highest (smallest y), 0.2 lowest.
        var ys = segments.SelectMany(s => s).Select(p => p.Y).ToList();
        Assert.Equal(ys.OrderBy(y => y), ys);
        // The y axis covers only the finite values.
        var ticks = Svg.ByClass(root, "text", "ytick").Select(t => Svg.Num(t.Value)).ToList();
        Assert.True(ticks[0] <= 0.2 && ticks[^1] >= 1.0 && ticks[^1] < 2);
    }

    [Fact]
    public void ToSvg_AllValuesNonFinite_DrawsEmptyAxesAndSaysSo()
    {
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(Make(("loss", [double.NaN, double.NaN]))));
        Assert.Empty(Series(root, "loss").Elements(Svg.Ns + "polyline"));
        Assert.Equal("no finite values", Svg.ByClass(root, "text", "note").Single().Value);
    }

    [Fact]
    public void ToSvg_OneEpoch_DrawsOnePointAboveEpochOne()
    {
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(Make(("loss", [0.7]), ("val_loss", [0.8]))));
        XElement frame = Svg.ByClass(root, "rect", "frame").Single();
        double left = Svg.Attr(frame, "x"), right = left + Svg.Attr(frame, "width");
        var point = Assert.Single(Svg.Points(Series(root, "loss").Element(Svg.Ns + "polyline")!));
        Assert.Equal((left + right) / 2, point.X, 0.02);
        Assert.Equal(new[] { "1" }, Svg.ByClass(root, "text", "xtick").Select(t => t.Value));
    }

    [Fact]
    public void ToSvg_ConstantSeries_IsDrawnInsideTheFrameBetweenTicks()
    {
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(Make(("loss", [0.5, 0.5, 0.5]), ("accuracy", [1.0, 1.0, 1.0]), ("zero", [0.0, 0.0, 0.0]))));
        foreach (string key in new[] { "loss", "accuracy", "zero" })
        {
            XElement panel = Svg.ByClass(root, "g", "panel").Single(p => (string?)p.Attribute("data-key") == key);
            XElement frame = Svg.ByClass(panel, "rect", "frame").Single();
            double top = Svg.Attr(frame, "y"), bottom = top + Svg.Attr(frame, "height");
            var points = Svg.Points(Series(panel, key).Element(Svg.Ns + "polyline")!);
            Assert.All(points, p => Assert.Equal(points[0].Y, p.Y));
            Assert.InRange(points[0].Y, top + 1, bottom - 1);
            var ticks = Svg.ByClass(panel, "text", "ytick").Select(t => Svg.Num(t.Value)).ToList();
            Assert.True(ticks.Count >= 2);
            AssertNiceStep(ticks[1] - ticks[0]);
        }
    }

    [Fact]
    public void ToSvg_ManyPanels_AreLaidOutTwoPerRow()
    {
        History history = Make(("loss", Loss), ("a", Loss), ("b", Loss));
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(history));
        var frames = Svg.ByClass(root, "rect", "frame").ToList();
        Assert.Equal(3, frames.Count);
        Assert.Equal(Svg.Attr(frames[0], "y"), Svg.Attr(frames[1], "y"));
        Assert.True(Svg.Attr(frames[2], "y") > Svg.Attr(frames[0], "y") + Svg.Attr(frames[0], "height"));
        Assert.Equal(Svg.Attr(frames[0], "x"), Svg.Attr(frames[2], "x"));
    }

    [Fact]
    public void ToSvg_EscapesTitleAndKeys()
    {
        const string title = "a < b & \"c\" 'd' >";
        History history = Make(("loss", Loss), ("<T&\">", Accuracy));
        XElement root = Svg.ParseRoot(HistoryChart.ToSvg(history, title));
        Assert.Equal(title, Svg.ByClass(root, "text", "title").Single().Value);
        Assert.Contains("<T&\">", Svg.ByClass(root, "text", "legend").Select(t => t.Value));
    }

    [Fact]
    public void ToSvg_EmptyHistory_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => HistoryChart.ToSvg(new History()));
        Assert.Equal("history", e.ParamName);
        Assert.Throws<ArgumentNullException>(() => HistoryChart.ToSvg(null!));
    }

    [Fact]
    public void Save_WritesTheSameDocumentAsToSvg()
    {
        string path = Path.Combine(Path.GetTempPath(), "staticnet-history-" + Guid.NewGuid().ToString("N") + ".svg");
        try
        {
            HistoryChart.Save(Full(), path, "t");
            Assert.Equal(HistoryChart.ToSvg(Full(), "t"), File.ReadAllText(path));
            Assert.NotEqual(0xEF, File.ReadAllBytes(path)[0]); // no BOM
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Throws<ArgumentException>(() => HistoryChart.Save(Full(), ""));
    }
}
