using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace StaticNet.Plotting;

/// <summary>
/// Draws a <see cref="History"/> as learning curves, the way Keras users plot
/// <c>history.history</c> with matplotlib: one panel for <c>loss</c> and <c>val_loss</c>, one for
/// each metric (<c>accuracy</c> and <c>val_accuracy</c>, ...), epochs on the x axis.
/// </summary>
/// <remarks>
/// The result is a self-contained SVG document (no scripts, no external resources) that browsers,
/// GitHub, Inkscape and <c>rsvg-convert</c> display. Each quantity without a <c>val_</c> prefix
/// gets a panel together with its <c>val_</c> twin when recorded; a <c>val_</c> quantity without
/// a twin gets a panel of its own. Panels are laid out two per row. Training series are solid,
/// validation series dashed, every series has its own colour and point markers (with a tooltip
/// giving the exact value). Values that are NaN or infinite are left out and break the line.
/// Value <c>i</c> of each quantity is drawn at epoch <c>history.Epoch[i] + 1</c> (epochs are
/// labelled from 1, as Keras prints them).
/// </remarks>
public static class HistoryChart
{
    private const double PanelWidth = 470;
    private const double PanelHeight = 340;
    private const double TitleHeight = 40;
    private const double PlotLeft = 66;      // room for tick labels and the rotated axis label
    private const double PlotRight = 18;
    private const double PlotBottom = 52;    // room for tick labels and "epoch"
    private const double LegendFontSize = 12;
    private const double LegendRowHeight = 18;
    private const double TickFontSize = 11;

    // Matplotlib's "tab10" colours without red, which the prediction sheet reserves for mistakes.
    private static readonly string[] Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>The learning curves of <paramref name="history"/> as an SVG document.</summary>
    /// <param name="history">What <c>Fit</c> returned.</param>
    /// <param name="title">The chart's title; "Training history" when <see langword="null"/>.</param>
    /// <returns>The SVG document (UTF-8 text, starting with an XML declaration).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="history"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The history holds no epoch or no quantity.</exception>
    public static string ToSvg(History history, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Epoch.Count == 0 || history.Keys.Count == 0)
            throw new ArgumentException(
                $"The history is empty ({history.Epoch.Count} epochs, {history.Keys.Count} quantities): there is nothing to plot.",
                nameof(history));

        List<Panel> panels = Group(history);
        int columns = Math.Min(2, panels.Count);
        int rows = (panels.Count + columns - 1) / columns;
        title ??= "Training history";

        var svg = new SvgWriter(columns * PanelWidth, TitleHeight + rows * PanelHeight, title);
        svg.Text(columns * PanelWidth / 2, 26, title, fontSize: 17, anchor: TextAnchor.Middle, bold: true, cssClass: "title");

        int legendRows = 1;
        foreach (Panel panel in panels)
            foreach (var (_, row) in LegendLayout(panel)) legendRows = Math.Max(legendRows, row + 1);

        int colour = 0;
        for (int p = 0; p < panels.Count; p++)
        {
            double left = (p % columns) * PanelWidth;
            double top = TitleHeight + (p / columns) * PanelHeight;
            DrawPanel(svg, history, panels[p], left, top, legendRows, ref colour);
        }
        return svg.ToString();
    }

    /// <summary>Writes <see cref="ToSvg"/>'s document to <paramref name="path"/> (UTF-8, no BOM), replacing any file there.</summary>
    /// <param name="history">What <c>Fit</c> returned.</param>
    /// <param name="path">The file to write, conventionally ending in <c>.svg</c>.</param>
    /// <param name="title">The chart's title; "Training history" when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="history"/> or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The history is empty or <paramref name="path"/> is empty.</exception>
    public static void Save(History history, string path, string? title = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string svg = ToSvg(history, title);
        File.WriteAllText(path, svg, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    /// <summary>One panel: a base quantity and the series drawn in it (training first, then validation).</summary>
    private sealed record Panel(string Name, List<string> Series);

    private static List<Panel> Group(History history)
    {
        var panels = new List<Panel>();
        foreach (string key in history.Keys)
        {
            bool isValidation = key.StartsWith("val_", StringComparison.Ordinal);
            if (isValidation && history.Contains(key.Substring(4))) continue; // drawn with its twin
            var series = new List<string> { key };
            if (!isValidation && history.Contains("val_" + key)) series.Add("val_" + key);
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

    private static void DrawPanel(SvgWriter svg, History history, Panel panel, double left, double top, int legendRows, ref int colour)
    {
        int epochs = history.Epoch.Count;
        svg.BeginGroup("panel", attributes: ("data-key", panel.Name));

        // Panel title and legend (one or more rows above the plot, so they never cover a curve).
        double plotLeft = left + PlotLeft;
        double plotRight = left + PanelWidth - PlotRight;
        string panelTitle = PanelTitle(panel);
        svg.Text((plotLeft + plotRight) / 2, top + 18, panelTitle, fontSize: FitFont(panelTitle, (plotRight - plotLeft) * 0.9, 14), anchor: TextAnchor.Middle,
            bold: true, cssClass: "panel-title");

        var colours = new string[panel.Series.Count];
        for (int s = 0; s < colours.Length; s++) colours[s] = Palette[colour++ % Palette.Length];

        double legendTop = top + 30;
        var legend = LegendLayout(panel);
        for (int s = 0; s < panel.Series.Count; s++)
        {
            string key = panel.Series[s];
            double x = plotLeft + legend[s].Offset;
            double rowY = legendTop + LegendFontSize + legend[s].Row * LegendRowHeight;
            bool validation = IsValidation(key);
            svg.BeginGroup("legend-entry");
            double sampleY = rowY - LegendFontSize * 0.35;
            svg.Line(x, sampleY, x + 30, sampleY, colours[s], 2, validation ? "6 4" : null);
            Marker(svg, x + 15, sampleY, 3.2, colours[s], validation, tooltip: null);
            svg.Text(x + 38, rowY, key, fontSize: LegendFontSize, cssClass: "legend");
            svg.EndGroup();
        }

        // Every panel leaves room for the tallest legend, so plots side by side line up.
        double plotTop = legendTop + LegendFontSize + (legendRows - 1) * LegendRowHeight + 12;
        double plotBottom = top + PanelHeight - PlotBottom;

        // Scales: y from every finite value in the panel, x from the epoch numbers.
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (string key in panel.Series)
        {
            IReadOnlyList<double> values = history[key];
            for (int i = 0; i < Math.Min(values.Count, epochs); i++)
            {
                double v = values[i];
                if (!double.IsFinite(v)) continue;
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }
        bool anyFinite = min <= max;
        NiceScale yScale = anyFinite ? NiceScale.Create(min, max) : NiceScale.Create(0, 1);

        double firstEpoch = double.PositiveInfinity, lastEpoch = double.NegativeInfinity;
        foreach (int e in history.Epoch)
        {
            firstEpoch = Math.Min(firstEpoch, e + 1);
            lastEpoch = Math.Max(lastEpoch, e + 1);
        }
        double xMin = firstEpoch, xMax = lastEpoch;
        if (xMax == xMin) { xMin -= 1; xMax += 1; }
        double pad = Math.Min(12, (plotRight - plotLeft) * 0.03);
        double X(double epoch) => plotLeft + pad + (epoch - xMin) / (xMax - xMin) * (plotRight - plotLeft - 2 * pad);
        // A small margin inside the frame, as matplotlib's, so points on the first or last tick stay clear of it.
        double yPad = Math.Min(10, (plotBottom - plotTop) * 0.04);
        double Y(double value) => plotBottom - yPad - (value - yScale.Min) / (yScale.Max - yScale.Min) * (plotBottom - plotTop - 2 * yPad);

        // Grid and ticks.
        svg.BeginGroup("grid");
        foreach (double tick in yScale.Ticks())
        {
            double y = Y(tick);
            svg.Line(plotLeft, y, plotRight, y, "#e3e3e3", 1);
            svg.Line(plotLeft - 4, y, plotLeft, y, "#444444", 1);
            svg.Text(plotLeft - 7, y + TickFontSize * 0.35, yScale.Label(tick), fontSize: TickFontSize,
                anchor: TextAnchor.End, fill: "#333333", cssClass: "ytick");
        }
        foreach (int tick in EpochTicks((int)firstEpoch, (int)lastEpoch))
        {
            double xt = X(tick);
            svg.Line(xt, plotTop, xt, plotBottom, "#eeeeee", 1);
            svg.Line(xt, plotBottom, xt, plotBottom + 4, "#444444", 1);
            svg.Text(xt, plotBottom + 17, tick.ToString(CultureInfo.InvariantCulture), fontSize: TickFontSize,
                anchor: TextAnchor.Middle, fill: "#333333", cssClass: "xtick");
        }
        svg.EndGroup();
        svg.Rect(plotLeft, plotTop, plotRight - plotLeft, plotBottom - plotTop, fill: null, stroke: "#444444", cssClass: "frame");

        // Axis labels.
        svg.Text((plotLeft + plotRight) / 2, top + PanelHeight - 12, "epoch", fontSize: 12, anchor: TextAnchor.Middle,
            cssClass: "xlabel");
        double yLabelX = left + 16, yLabelY = (plotTop + plotBottom) / 2;
        svg.Text(yLabelX, yLabelY, panel.Name, fontSize: FitFont(panel.Name, plotBottom - plotTop, 12), anchor: TextAnchor.Middle, rotate: -90, cssClass: "ylabel");

        if (!anyFinite)
            svg.Text((plotLeft + plotRight) / 2, (plotTop + plotBottom) / 2, "no finite values", fontSize: 12,
                anchor: TextAnchor.Middle, fill: "#888888", cssClass: "note");

        // Series: lines broken at non-finite values, then markers on top.
        double markerRadius = Math.Clamp((plotRight - plotLeft) / Math.Max(1, epochs) / 3.5, 1.3, 3.2);
        for (int s = 0; s < panel.Series.Count; s++)
        {
            string key = panel.Series[s];
            bool validation = IsValidation(key);
            IReadOnlyList<double> values = history[key];
            int count = Math.Min(values.Count, epochs);
            svg.BeginGroup("series", attributes: ("data-key", key));
            var segment = new List<SvgPoint>();
            for (int i = 0; i <= count; i++)
            {
                bool finite = i < count && double.IsFinite(values[i]);
                if (finite)
                {
                    segment.Add(new SvgPoint(X(history.Epoch[i] + 1), Y(values[i])));
                    continue;
                }
                if (segment.Count > 0) svg.Polyline(segment, colours[s], 2, validation ? "6 4" : null);
                segment.Clear();
            }
            for (int i = 0; i < count; i++)
            {
                if (!double.IsFinite(values[i])) continue;
                int epoch = history.Epoch[i] + 1;
                Marker(svg, X(epoch), Y(values[i]), markerRadius, colours[s], validation,
                    $"epoch {epoch.ToString(CultureInfo.InvariantCulture)}: {key} = {values[i].ToString("G6", CultureInfo.InvariantCulture)}");
            }
            svg.EndGroup();
        }
        svg.EndGroup();
    }

    /// <summary>Where each legend entry goes: its offset from the plot's left edge and its row, wrapping at the plot's width.</summary>
    private static List<(double Offset, int Row)> LegendLayout(Panel panel)
    {
        const double available = PanelWidth - PlotLeft - PlotRight;
        var layout = new List<(double Offset, int Row)>();
        double x = 0;
        int row = 0;
        foreach (string key in panel.Series)
        {
            double entryWidth = 40 + EstimateTextWidth(key, LegendFontSize) + 18;
            if (x > 0 && x + entryWidth > available)
            {
                x = 0;
                row++;
            }
            layout.Add((x, row));
            x += entryWidth;
        }
        return layout;
    }

    private static void Marker(SvgWriter svg, double x, double y, double r, string colour, bool validation, string? tooltip)
    {
        // Training: filled dots (matplotlib's 'o'); validation: hollow dots on the dashed line.
        if (validation) svg.Circle(x, y, r, "#ffffff", colour, 1.5, cssClass: "marker", tooltip: tooltip);
        else svg.Circle(x, y, r, colour, cssClass: "marker", tooltip: tooltip);
    }

    private static string PanelTitle(Panel panel) =>
        panel.Series.Count == 2 ? $"Training and validation {panel.Name}" : panel.Name;

    private static bool IsValidation(string key) => key.StartsWith("val_", StringComparison.Ordinal);

    /// <summary>Epoch tick labels: every epoch when few, else multiples of a 1-2-5 step (about 10 at most).</summary>
    internal static List<int> EpochTicks(int first, int last)
    {
        var ticks = new List<int>();
        int step = (int)Math.Max(1, NiceScale.NiceStep(Math.Max(1, last - first) / 9.0));
        for (long t = (long)Math.Ceiling(first / (double)step) * step; t <= last; t += step)
            ticks.Add((int)t);
        if (ticks.Count == 0) ticks.Add(first);
        return ticks;
    }

    /// <summary>The preferred font size, or a smaller one (down to 8) that fits <paramref name="text"/> in <paramref name="width"/>.</summary>
    private static double FitFont(string text, double width, double preferred) =>
        Math.Clamp(width / Math.Max(1, EstimateTextWidth(text, 1)), 8, preferred);

    /// <summary>A rough width of <paramref name="text"/> in a sans-serif font (0.6 em per character).</summary>
    internal static double EstimateTextWidth(string text, double fontSize) => text.Length * fontSize * 0.6;
}
