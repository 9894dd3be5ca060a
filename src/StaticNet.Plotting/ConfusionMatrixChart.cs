using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ScottPlot;
using SkiaSharp;

namespace StaticNet.Plotting;

/// <summary>
/// Draws a <see cref="ConfusionMatrix"/> as a grid, scikit-learn's <c>ConfusionMatrixDisplay</c>:
/// true class down the rows, predicted class across the columns, each cell showing its count, shaded
/// by the share of its row (so a rare class's mistakes are as visible as a common one's), with a
/// colour bar.
/// </summary>
/// <remarks>The file format follows the path's extension: <c>.png</c>, <c>.svg</c>, <c>.jpg</c> or <c>.webp</c>.</remarks>
public static class ConfusionMatrixChart
{
    private const int CellSize = 56;

    /// <summary>Writes the confusion matrix of <paramref name="predicted"/> against <paramref name="actual"/> to <paramref name="path"/>.</summary>
    /// <param name="actual">The true class of each sample.</param>
    /// <param name="predicted">The predicted class of each sample, same length.</param>
    /// <param name="path">The file to write; its extension (<c>.png</c>, <c>.svg</c>, <c>.jpg</c>, <c>.webp</c>) chooses the format.</param>
    /// <param name="classNames">A name per class; the class numbers when <see langword="null"/>.</param>
    /// <param name="title">The chart's title; "Confusion matrix" when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">As <see cref="ConfusionMatrix(ReadOnlySpan{int}, ReadOnlySpan{int}, int?, IReadOnlyList{string}?)"/>, or the extension is not an image format.</exception>
    public static void Save(int[] actual, int[] predicted, string path, IReadOnlyList<string>? classNames = null, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(predicted);
        Save(new ConfusionMatrix(actual, predicted, classNames?.Count, classNames), path, title);
    }

    /// <summary>
    /// Writes the confusion matrix of the classes <paramref name="probabilities"/> predict (argmax, or
    /// p(1) &gt; 0.5 for one column) against <paramref name="actual"/> to <paramref name="path"/>.
    /// </summary>
    /// <param name="actual">The true class of each sample.</param>
    /// <param name="probabilities">What <c>Predict</c> returned: one row per sample.</param>
    /// <param name="path">The file to write; its extension (<c>.png</c>, <c>.svg</c>, <c>.jpg</c>, <c>.webp</c>) chooses the format.</param>
    /// <param name="classNames">A name per class; the class numbers when <see langword="null"/>.</param>
    /// <param name="title">The chart's title; "Confusion matrix" when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">As <see cref="ConfusionMatrix.FromProbabilities"/>, or the extension is not an image format.</exception>
    public static void Save(int[] actual, float[,] probabilities, string path, IReadOnlyList<string>? classNames = null, string? title = null) =>
        Save(ConfusionMatrix.FromProbabilities(actual, probabilities, classNames), path, title);

    /// <summary>Writes <paramref name="matrix"/> to <paramref name="path"/>, replacing any file there.</summary>
    /// <param name="matrix">The counts.</param>
    /// <param name="path">The file to write; its extension (<c>.png</c>, <c>.svg</c>, <c>.jpg</c>, <c>.webp</c>) chooses the format.</param>
    /// <param name="title">The chart's title; "Confusion matrix" when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="matrix"/> or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The extension is not an image format.</exception>
    public static void Save(ConfusionMatrix matrix, string path, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ChartFormat format = ChartFile.FormatOf(path);
        System.IO.File.WriteAllBytes(path, Render(matrix, format, title));
    }

    /// <summary><paramref name="matrix"/> as the bytes of an image file.</summary>
    /// <param name="matrix">The counts.</param>
    /// <param name="format">The image format.</param>
    /// <param name="title">The chart's title; "Confusion matrix" when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="matrix"/> is <see langword="null"/>.</exception>
    public static byte[] Render(ConfusionMatrix matrix, ChartFormat format, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        int n = matrix.Classes;
        title ??= "Confusion matrix";
        string subtitle = string.Create(CultureInfo.InvariantCulture, $"accuracy {matrix.Accuracy:0.0000} ({matrix.Correct} of {matrix.Total}); colour: share of the true class (row)");

        // Cell (actual a, predicted p) is centred at x = p, y = n - 1 - a: class 0 in the top row, as scikit-learn draws it.
        var shares = new double[n, n];
        for (int a = 0; a < n; a++)
        {
            int support = matrix.Support(a);
            for (int p = 0; p < n; p++) shares[a, p] = support == 0 ? 0 : (double)matrix[a, p] / support;
        }

        using var plot = new Plot();
        ChartFonts.Apply(plot);
        var heatmap = plot.Add.Heatmap(shares);
        heatmap.Colormap = new BluesColormap();
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        // Cells as rectangles: crisp edges in PNG and real shapes in SVG.
        heatmap.RenderStrategy = new ScottPlot.Plottables.Heatmap.RenderStrategies.Rectangles();

        float countSize = n <= 10 ? 13 : n <= 20 ? 10 : 8;
        for (int a = 0; a < n; a++)
            for (int p = 0; p < n; p++)
            {
                var text = plot.Add.Text(matrix[a, p].ToString(CultureInfo.InvariantCulture), p, n - 1 - a);
                text.LabelFontName = ChartFonts.Family;
                text.LabelFontSize = countSize;
                text.LabelBold = a == p;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = shares[a, p] > 0.5 ? Colors.White : Colors.Black;
            }

        double[] positions = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, [.. matrix.ClassNames]);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            positions, Enumerable.Range(0, n).Select(i => matrix.ClassNames[n - 1 - i]).ToArray());
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.HideGrid();
        plot.Title(title, 16);
        plot.XLabel("predicted class", 14);
        plot.YLabel("true class", 14);
        var colourBar = plot.Add.ColorBar(heatmap);
        ChartFonts.Apply(plot);
        colourBar.Axis.TickLabelStyle.FontName = ChartFonts.Family;

        int side = Math.Max(240, n * CellSize);
        int width = side + 230, height = side + 150;
        return ChartFile.Encode(format, width, height, canvas =>
        {
            ChartFile.RenderPlot(plot, canvas, SKRect.Create(width, height - 24));
            using SKFont font = ChartFile.Font(12.5f);
            ChartFile.Text(canvas, subtitle, width / 2f, height - 8, font, SKColor.Parse("#333333"), SKTextAlign.Center);
        });
    }

    /// <summary>Matplotlib's "Blues" (white to dark blue), as scikit-learn's confusion matrices use; ScottPlot's runs the other way.</summary>
    private sealed class BluesColormap : IColormap
    {
        private static readonly Color[] Stops =
        [
            Color.FromHex("#f7fbff"), Color.FromHex("#deebf7"), Color.FromHex("#c6dbef"), Color.FromHex("#9ecae1"),
            Color.FromHex("#6baed6"), Color.FromHex("#4292c6"), Color.FromHex("#2171b5"), Color.FromHex("#08519c"),
            Color.FromHex("#08306b"),
        ];

        public string Name => "Blues (matplotlib)";

        public Color GetColor(double position)
        {
            double x = Math.Clamp(double.IsFinite(position) ? position : 0, 0, 1) * (Stops.Length - 1);
            int i = Math.Min((int)x, Stops.Length - 2);
            double f = x - i;
            Color a = Stops[i], b = Stops[i + 1];
            return new Color(
                (byte)Math.Round(a.R + (b.R - a.R) * f), (byte)Math.Round(a.G + (b.G - a.G) * f), (byte)Math.Round(a.B + (b.B - a.B) * f));
        }
    }
}
