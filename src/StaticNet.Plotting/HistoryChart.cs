using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using ScottPlot;
using SkiaSharp;

namespace StaticNet.Plotting;

/// <summary>
/// Draws learning curves, the way Keras users plot <c>history.history</c> with matplotlib: one
/// panel for <c>loss</c> and <c>val_loss</c>, one for each metric (<c>accuracy</c> and
/// <c>val_accuracy</c>, ...), epochs on the x axis; or several runs overlaid on one chart, as the
/// course compares optimizers and learning rates.
/// </summary>
/// <remarks>
/// The file format follows the path's extension: <c>.png</c>, <c>.svg</c>, <c>.jpg</c> or
/// <c>.webp</c>. Each quantity without a <c>val_</c> prefix gets a panel together with its
/// <c>val_</c> twin when recorded; a <c>val_</c> quantity without a twin gets a panel of its own;
/// <c>loss</c> comes first; panels are laid out two per row. Training series are solid with filled
/// markers, validation series dashed with open markers. Values that are NaN or infinite are left out
/// and break the line. Value <c>i</c> of each quantity is drawn at epoch <c>history.Epoch[i] + 1</c>
/// (epochs are labelled from 1, as Keras prints them).
/// </remarks>
public static class HistoryChart
{
    private const int PanelWidth = 640;
    private const int PanelHeight = 440;
    private const int TitleHeight = 48;

    // Matplotlib's "tab10" colours without red, which the prediction sheet reserves for mistakes.
    internal static readonly string[] Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>Writes the learning curves of <paramref name="history"/> to <paramref name="path"/>, replacing any file there.</summary>
    /// <param name="history">What <c>Fit</c> returned.</param>
    /// <param name="path">The file to write; its extension (<c>.png</c>, <c>.svg</c>, <c>.jpg</c>, <c>.webp</c>) chooses the format.</param>
    /// <param name="title">The chart's title; "Training history" when <see langword="null"/>.</param>
    /// <param name="metric">Only this quantity (with its <c>val_</c> twin), for example <c>"loss"</c>; every quantity when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="history"/> or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The history is empty, <paramref name="metric"/> was not recorded, or the extension is not an image format.</exception>
    public static void Save(History history, string path, string? title = null, string? metric = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ChartFormat format = ChartFile.FormatOf(path);
        System.IO.File.WriteAllBytes(path, Render(history, format, title, metric));
    }

    /// <summary>
    /// Writes several runs overlaid on one chart to <paramref name="path"/>: one colour per run, training
    /// solid and validation dashed, for example <c>HistoryChart.Save([("SGD", h1), ("Adam", h2)], "compare.png", metric: "loss")</c>.
    /// </summary>
    /// <param name="runs">A name for the legend and a history per run, in legend order.</param>
    /// <param name="path">The file to write; its extension (<c>.png</c>, <c>.svg</c>, <c>.jpg</c>, <c>.webp</c>) chooses the format.</param>
    /// <param name="title">The chart's title; "Comparison of N runs" when <see langword="null"/>.</param>
    /// <param name="metric">Only this quantity (with its <c>val_</c> twin), for example <c>"loss"</c> or <c>"val_accuracy"</c>; a panel for each quantity when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="runs"/> or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// There is no run, a name is empty or repeated, a history is empty, <paramref name="metric"/>
    /// was not recorded by every run, or the extension is not an image format.
    /// </exception>
    public static void Save(IEnumerable<(string Name, History History)> runs, string path, string? title = null, string? metric = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ChartFormat format = ChartFile.FormatOf(path);
        System.IO.File.WriteAllBytes(path, Render(runs, format, title, metric));
    }

    /// <summary>The learning curves of <paramref name="history"/> as the bytes of an image file.</summary>
    /// <param name="history">What <c>Fit</c> returned.</param>
    /// <param name="format">The image format.</param>
    /// <param name="title">The chart's title; "Training history" when <see langword="null"/>.</param>
    /// <param name="metric">Only this quantity (with its <c>val_</c> twin); every quantity when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="history"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The history is empty or <paramref name="metric"/> was not recorded.</exception>
    public static byte[] Render(History history, ChartFormat format, string? title = null, string? metric = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        return Draw([new Run(null, history)], format, title ?? "Training history", metric);
    }

    /// <summary>Several runs overlaid, as the bytes of an image file.</summary>
    /// <param name="runs">A name for the legend and a history per run, in legend order.</param>
    /// <param name="format">The image format.</param>
    /// <param name="title">The chart's title; "Comparison of N runs" when <see langword="null"/>.</param>
    /// <param name="metric">Only this quantity (with its <c>val_</c> twin); a panel for each quantity when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="runs"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">There is no run, a name is empty or repeated, a history is empty, or <paramref name="metric"/> was not recorded by every run.</exception>
    public static byte[] Render(IEnumerable<(string Name, History History)> runs, ChartFormat format, string? title = null, string? metric = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var list = new List<Run>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, history) in runs)
        {
            if (string.IsNullOrWhiteSpace(name))
                throw new ArgumentException($"Run {list.Count} has no name; every run needs one for the legend.", nameof(runs));
            if (history is null) throw new ArgumentException($"The history of run '{name}' is null.", nameof(runs));
            if (!names.Add(name)) throw new ArgumentException($"Two runs are named '{name}'; the legend needs distinct names.", nameof(runs));
            list.Add(new Run(name, history));
        }
        if (list.Count == 0) throw new ArgumentException("There are no runs to compare.", nameof(runs));
        return Draw(list, format, title ?? $"Comparison of {list.Count} runs", metric);
    }

    /// <summary>The learning curves of <paramref name="history"/> as an SVG document.</summary>
    /// <param name="history">What <c>Fit</c> returned.</param>
    /// <param name="title">The chart's title; "Training history" when <see langword="null"/>.</param>
    /// <returns>The SVG document.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="history"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The history holds no epoch or no quantity.</exception>
    public static string ToSvg(History history, string? title = null) =>
        Encoding.UTF8.GetString(Render(history, ChartFormat.Svg, title));

    /// <summary>One run: its legend name (<see langword="null"/> for a single history, whose legend names the quantities) and history.</summary>
    private sealed record Run(string? Name, History History)
    {
        public string Label => Name ?? "history";
    }

    /// <summary>One panel: a base quantity and the series drawn in it (training first, then validation).</summary>
    internal sealed record Panel(string Name, List<string> Series);

    private static byte[] Draw(List<Run> runs, ChartFormat format, string title, string? metric)
    {
        foreach (Run run in runs)
            if (run.History.Epoch.Count == 0 || run.History.Keys.Count == 0)
                throw new ArgumentException(
                    $"The history{(run.Name is null ? "" : $" of run '{run.Name}'")} is empty ({run.History.Epoch.Count} epochs, " +
                    $"{run.History.Keys.Count} quantities): there is nothing to plot.", run.Name is null ? "history" : "runs");

        List<Panel> panels = metric is null ? Group(runs) : [ForMetric(runs, metric)];
        int columns = Math.Min(2, panels.Count);
        int rows = (panels.Count + columns - 1) / columns;
        int width = columns * PanelWidth, height = TitleHeight + rows * PanelHeight;

        var plots = new List<Plot>();
        int colour = 0;
        foreach (Panel panel in panels) plots.Add(PanelPlot(runs, panel, ref colour));
        try
        {
            return ChartFile.Encode(format, width, height, canvas =>
            {
                for (int p = 0; p < plots.Count; p++)
                {
                    float left = (p % columns) * PanelWidth, top = TitleHeight + (p / columns) * PanelHeight;
                    // ScottPlot clears the canvas before drawing; the clip keeps that to the panel.
                    canvas.Save();
                    canvas.ClipRect(SKRect.Create(left, top, PanelWidth, PanelHeight));
                    canvas.Translate(left, top);
                    ChartFile.RenderPlot(plots[p], canvas, SKRect.Create(PanelWidth, PanelHeight));
                    canvas.Restore();
                }
                using SKFont font = ChartFile.Font(20, bold: true);
                ChartFile.Text(canvas, title, width / 2f, 32, font, SKColors.Black, SKTextAlign.Center);
            });
        }
        finally
        {
            foreach (Plot plot in plots) plot.Dispose();
        }
    }

    /// <summary>A panel per quantity recorded by any run, in the first run's order, each with its <c>val_</c> twin, loss first.</summary>
    internal static List<Panel> Group(IEnumerable<History> histories)
    {
        var keys = new List<string>();
        foreach (History history in histories)
            foreach (string key in history.Keys)
                if (!keys.Contains(key)) keys.Add(key);

        var panels = new List<Panel>();
        foreach (string key in keys)
        {
            bool isValidation = IsValidation(key);
            if (isValidation && keys.Contains(key.Substring(4))) continue; // drawn with its twin
            var series = new List<string> { key };
            if (!isValidation && keys.Contains("val_" + key)) series.Add("val_" + key);
            panels.Add(new Panel(key, series));
        }
        // Keras puts the loss first; keep it there even if a metric was recorded before it.
        int loss = panels.FindIndex(p => p.Name == "loss");
        if (loss > 0)
        {
            Panel lossPanel = panels[loss];
            panels.RemoveAt(loss);
            panels.Insert(0, lossPanel);
        }
        return panels;
    }

    private static List<Panel> Group(List<Run> runs) => Group(runs.Select(r => r.History));

    private static Panel ForMetric(List<Run> runs, string metric)
    {
        ArgumentException.ThrowIfNullOrEmpty(metric);
        foreach (Run run in runs)
            if (!run.History.Contains(metric))
                throw new ArgumentException(
                    $"The history{(run.Name is null ? "" : $" of run '{run.Name}'")} has no '{metric}'; it recorded " +
                    $"{string.Join(", ", run.History.Keys)}.", nameof(metric));
        var series = new List<string> { metric };
        if (!IsValidation(metric) && runs.Any(r => r.History.Contains("val_" + metric))) series.Add("val_" + metric);
        return new Panel(metric, series);
    }

    private static Plot PanelPlot(List<Run> runs, Panel panel, ref int colour)
    {
        var plot = new Plot();
        ChartFonts.Apply(plot);
        bool single = runs.Count == 1;
        int firstEpoch = int.MaxValue, lastEpoch = int.MinValue, maxCount = 1;
        bool anyFinite = false;

        // A single history: a colour per series, legend by quantity. Several runs: a colour per run,
        // legend by run name plus a key to the line styles.
        var seriesColours = new Color[panel.Series.Count];
        for (int s = 0; s < seriesColours.Length; s++) seriesColours[s] = Color.FromHex(Palette[(single ? colour++ : s) % Palette.Length]);

        for (int r = 0; r < runs.Count; r++)
        {
            History history = runs[r].History;
            foreach (int e in history.Epoch)
            {
                firstEpoch = Math.Min(firstEpoch, e + 1);
                lastEpoch = Math.Max(lastEpoch, e + 1);
            }
            maxCount = Math.Max(maxCount, history.Epoch.Count);
        }
        float markerSize = maxCount <= 30 ? 7 : maxCount <= 60 ? 4 : 0;

        for (int r = 0; r < runs.Count; r++)
        {
            History history = runs[r].History;
            for (int s = 0; s < panel.Series.Count; s++)
            {
                string key = panel.Series[s];
                if (!history.Contains(key)) continue;
                Color colour1 = single ? seriesColours[s] : Color.FromHex(Palette[r % Palette.Length]);
                bool validation = IsValidation(key);
                IReadOnlyList<double> values = history[key];
                int count = Math.Min(values.Count, history.Epoch.Count);
                // One scatter per run of finite values, so NaN and infinities break the line.
                var xs = new List<double>();
                var ys = new List<double>();
                for (int i = 0; i <= count; i++)
                {
                    if (i < count && double.IsFinite(values[i]))
                    {
                        xs.Add(history.Epoch[i] + 1);
                        ys.Add(values[i]);
                        continue;
                    }
                    if (xs.Count > 0)
                    {
                        anyFinite = true;
                        var scatter = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), colour1);
                        scatter.LineWidth = 2;
                        scatter.LinePattern = validation ? LinePattern.Dashed : LinePattern.Solid;
                        scatter.MarkerSize = markerSize;
                        scatter.MarkerShape = validation ? MarkerShape.OpenCircle : MarkerShape.FilledCircle;
                        scatter.MarkerLineWidth = 1.5f;
                    }
                    xs.Clear();
                    ys.Clear();
                }
            }
        }

        // Legend, outside the data area on the right so it never covers a curve.
        if (single)
        {
            for (int s = 0; s < panel.Series.Count; s++)
                plot.Legend.ManualItems.Add(Item(panel.Series[s], seriesColours[s], IsValidation(panel.Series[s])));
        }
        else
        {
            for (int r = 0; r < runs.Count; r++)
                plot.Legend.ManualItems.Add(Item(runs[r].Label, Color.FromHex(Palette[r % Palette.Length]), validation: false));
            if (panel.Series.Count == 2)
            {
                plot.Legend.ManualItems.Add(Item("training", Colors.Gray, validation: false));
                plot.Legend.ManualItems.Add(Item("validation", Colors.Gray, validation: true));
            }
        }
        plot.ShowLegend(Edge.Right);
        plot.Legend.FontName = ChartFonts.Family;
        plot.Legend.FontSize = 13;

        plot.Title(PanelTitle(panel), 15);
        plot.XLabel("epoch", 14);
        plot.YLabel(panel.Name, 14);
        ChartFonts.Apply(plot);

        List<int> ticks = EpochTicks(firstEpoch, lastEpoch);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            ticks.Select(t => (double)t).ToArray(), ticks.Select(t => t.ToString(CultureInfo.InvariantCulture)).ToArray());
        double pad = Math.Max(0.3, (lastEpoch - firstEpoch) * 0.03);
        if (anyFinite)
        {
            plot.Axes.AutoScale();
            plot.Axes.SetLimitsX(firstEpoch - pad, lastEpoch + pad);
        }
        else
        {
            plot.Axes.SetLimits(firstEpoch - pad, lastEpoch + pad, 0, 1);
            var note = plot.Add.Text("no finite values", (firstEpoch + lastEpoch) / 2.0, 0.5);
            note.LabelFontName = ChartFonts.Family;
            note.LabelFontSize = 14;
            note.LabelFontColor = Colors.Gray;
            note.LabelAlignment = Alignment.MiddleCenter;
        }
        return plot;
    }

    private static LegendItem Item(string label, Color colour, bool validation) => new()
    {
        LabelText = label,
        LineColor = colour,
        LineWidth = 2,
        LinePattern = validation ? LinePattern.Dashed : LinePattern.Solid,
        MarkerShape = validation ? MarkerShape.OpenCircle : MarkerShape.FilledCircle,
        MarkerFillColor = colour,
        MarkerLineColor = colour,
        MarkerSize = 7,
    };

    private static string PanelTitle(Panel panel) =>
        panel.Series.Count == 2 ? $"Training and validation {panel.Name}" : panel.Name;

    private static bool IsValidation(string key) => key.StartsWith("val_", StringComparison.Ordinal);

    /// <summary>Epoch tick labels: every epoch when few, else multiples of a 1-2-5 step (about 10 at most).</summary>
    internal static List<int> EpochTicks(int first, int last)
    {
        var ticks = new List<int>();
        int step = (int)Math.Max(1, NiceStep(Math.Max(1, last - first) / 9.0));
        for (long t = (long)Math.Ceiling(first / (double)step) * step; t <= last; t += step)
            ticks.Add((int)t);
        if (ticks.Count == 0) ticks.Add(first);
        return ticks;
    }

    /// <summary>The smallest of 1, 2, 5 times a power of ten that is at least <paramref name="rough"/>.</summary>
    private static double NiceStep(double rough)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double fraction = rough / power;
        double nice = fraction <= 1 + 1e-9 ? 1 : fraction <= 2 + 1e-9 ? 2 : fraction <= 5 + 1e-9 ? 5 : 10;
        return nice * power;
    }
}
