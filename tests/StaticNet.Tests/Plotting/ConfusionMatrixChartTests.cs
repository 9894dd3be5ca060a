using System;
using System.IO;
using System.Linq;
using System.Text;
using SkiaSharp;
using StaticNet.Plotting;
using Xunit;

namespace StaticNet.Tests.Plotting;

public class ConfusionMatrixChartTests
{
    private static readonly SKColor Darkest = SKColor.Parse("#08306b");  // a row share of 1
    private static readonly SKColor Lightest = SKColor.Parse("#f7fbff"); // a row share of 0

    [Fact]
    public void Svg_WritesEveryCount_ClassNames_AxisTitles_AndTheAccuracy()
    {
        int[] actual = [0, 0, 0, 1, 1, 2, 2, 2, 2];
        int[] predicted = [0, 0, 1, 1, 1, 2, 2, 0, 2];
        var matrix = new ConfusionMatrix(actual, predicted, classNames: ["cat", "dog", "bird"]);
        var texts = Picture.SvgTexts(Encoding.UTF8.GetString(ConfusionMatrixChart.Render(matrix, ChartFormat.Svg, "Pets")));
        foreach (string t in new[] { "Pets", "cat", "dog", "bird", "predicted class", "true class" })
            Assert.Contains(t, texts);
        Assert.Contains(texts, t => t.StartsWith("accuracy 0.7778 (7 of 9)", StringComparison.Ordinal));
        // Nine cells: counts 2 1 0 / 0 2 0 / 1 0 3 (colour-bar labels are decimals, so they do not count here).
        // The colour bar's ticks run 0, 0.1, ..., 1 after the cells.
        var counts = texts.Take(9).Select(t => int.Parse(t, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(new[] { 2, 1, 0, 0, 2, 0, 1, 0, 3 }, counts);
        Assert.Single(texts, t => t == "Pets"); // drawn once
    }

    [Fact]
    public void Png_ShadesCellsByTheirShareOfTheRow()
    {
        // A perfect classifier: three cells of share 1 (darkest), six of share 0 (lightest).
        int[] labels = [0, 1, 2, 0, 1, 2];
        using SKBitmap perfect = Picture.DecodePng(ConfusionMatrixChart.Render(new ConfusionMatrix(labels, labels), ChartFormat.Png));
        int dark = Picture.Count(perfect, Darkest, 3), light = Picture.Count(perfect, Lightest, 1);
        // Six light cells have about twice the area of three dark ones (the colour bar adds a little of each).
        Assert.True(dark > 3 * 50 * 50, $"{dark} darkest pixels");
        Assert.InRange(light / (double)dark, 1.6, 2.6);

        // Every prediction the same class: one full column dark, nothing on the rest of the diagonal.
        using SKBitmap constant = Picture.DecodePng(ConfusionMatrixChart.Render(new ConfusionMatrix(labels, [0, 0, 0, 0, 0, 0]), ChartFormat.Png));
        Assert.InRange(Picture.Count(constant, Darkest, 3) / (double)dark, 0.85, 1.15);
    }

    [Fact]
    public void Save_FromProbabilities_IsTheMatrixOfTheArgmax_AndGrowsWithTheClasses()
    {
        string dir = Path.Combine(Path.GetTempPath(), "staticnet-cm-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var p = new float[,] { { 0.1f, 0.7f, 0.2f }, { 0.6f, 0.3f, 0.1f } };
            string a = Path.Combine(dir, "a.png"), b = Path.Combine(dir, "b.png");
            ConfusionMatrixChart.Save([1, 2], p, a);
            ConfusionMatrixChart.Save([1, 2], [1, 0], b, classNames: ["0", "1", "2"]);
            Assert.Equal(File.ReadAllBytes(b), File.ReadAllBytes(a));

            int[] ten = Enumerable.Range(0, 10).ToArray();
            using SKBitmap small = Picture.DecodePng(File.ReadAllBytes(a));
            using SKBitmap large = Picture.DecodePng(ConfusionMatrixChart.Render(new ConfusionMatrix(ten, ten), ChartFormat.Png));
            Assert.True(large.Width > small.Width && large.Height > small.Height);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void BadArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => ConfusionMatrixChart.Save([0, 1], [0], "x.png"));
        Assert.Throws<ArgumentException>(() => ConfusionMatrixChart.Save([0, 1], [0, 1], "x.txt"));
        // Names fix the number of classes: one name, yet a class 1.
        Assert.ThrowsAny<ArgumentException>(() => ConfusionMatrixChart.Save([0, 1], [0, 1], "x.png", classNames: ["a"]));
        Assert.Throws<ArgumentNullException>(() => ConfusionMatrixChart.Render(null!, ChartFormat.Png));
    }
}
