using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace StaticNet.Plotting;

/// <summary>A point in SVG user units (pixels, y pointing down).</summary>
internal readonly record struct SvgPoint(double X, double Y);

/// <summary>Where a text's x coordinate sits on the text: SVG's <c>text-anchor</c>.</summary>
internal enum TextAnchor
{
    Start,
    Middle,
    End,
}

/// <summary>
/// Builds one SVG document as a string: a handful of element kinds (line, polyline, rect, circle,
/// text, image, g, title), text and attribute values escaped for XML, and every number written
/// with the invariant culture and at most <see cref="Decimals"/> decimals.
/// </summary>
/// <remarks>
/// Elements are appended in drawing order (later ones paint over earlier ones). Groups opened
/// with <see cref="BeginGroup"/> must be closed with <see cref="EndGroup"/> before
/// <see cref="ToString"/>.
/// </remarks>
internal sealed class SvgWriter
{
    /// <summary>The SVG namespace.</summary>
    public const string Namespace = "http://www.w3.org/2000/svg";

    /// <summary>Decimals written for coordinates and lengths (hundredths of a pixel).</summary>
    public const int Decimals = 2;

    /// <summary>Fonts present almost everywhere, DejaVu first for its wide glyph coverage (✗, ✓).</summary>
    public const string FontFamily = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif";

    private readonly StringBuilder _sb = new();
    private int _openGroups;

    /// <summary>Starts a document of the given size with a white background.</summary>
    /// <param name="width">Width in pixels (also the viewBox width).</param>
    /// <param name="height">Height in pixels (also the viewBox height).</param>
    /// <param name="title">The document's <c>&lt;title&gt;</c> (shown as a tooltip, read by screen readers).</param>
    public SvgWriter(double width, double height, string? title = null)
    {
        if (!(width > 0) || !double.IsFinite(width)) throw new ArgumentOutOfRangeException(nameof(width), width, "The width must be positive and finite.");
        if (!(height > 0) || !double.IsFinite(height)) throw new ArgumentOutOfRangeException(nameof(height), height, "The height must be positive and finite.");
        Width = width;
        Height = height;

        _sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        _sb.Append("<svg xmlns=\"").Append(Namespace).Append('"');
        Attr("width", width);
        Attr("height", height);
        _sb.Append(" viewBox=\"0 0 ").Append(Format(width)).Append(' ').Append(Format(height)).Append('"');
        Attr("font-family", FontFamily);
        _sb.Append(">\n");
        if (title is not null) Title(title);
        Rect(0, 0, width, height, fill: "#ffffff");
    }

    /// <summary>The document's width in pixels.</summary>
    public double Width { get; }

    /// <summary>The document's height in pixels.</summary>
    public double Height { get; }

    /// <summary>A straight line.</summary>
    public void Line(double x1, double y1, double x2, double y2, string stroke, double strokeWidth = 1,
        string? dash = null, string? cssClass = null)
    {
        Open("line", cssClass);
        Attr("x1", x1);
        Attr("y1", y1);
        Attr("x2", x2);
        Attr("y2", y2);
        StrokeAttrs(stroke, strokeWidth, dash);
        _sb.Append("/>\n");
    }

    /// <summary>An open path through <paramref name="points"/>, not filled.</summary>
    public void Polyline(IReadOnlyList<SvgPoint> points, string stroke, double strokeWidth = 1.5,
        string? dash = null, string? cssClass = null)
    {
        Open("polyline", cssClass);
        _sb.Append(" points=\"");
        for (int i = 0; i < points.Count; i++)
        {
            if (i > 0) _sb.Append(' ');
            _sb.Append(Format(points[i].X)).Append(',').Append(Format(points[i].Y));
        }
        _sb.Append('"');
        Attr("fill", "none");
        StrokeAttrs(stroke, strokeWidth, dash);
        Attr("stroke-linejoin", "round");
        _sb.Append("/>\n");
    }

    /// <summary>A rectangle; <paramref name="fill"/> <see langword="null"/> leaves it unfilled.</summary>
    public void Rect(double x, double y, double width, double height, string? fill, string? stroke = null,
        double strokeWidth = 1, string? cssClass = null, string? tooltip = null)
    {
        Open("rect", cssClass);
        Attr("x", x);
        Attr("y", y);
        Attr("width", Math.Max(0, width));
        Attr("height", Math.Max(0, height));
        Attr("fill", fill ?? "none");
        if (stroke is not null) StrokeAttrs(stroke, strokeWidth, dash: null);
        CloseWithTooltip("rect", tooltip);
    }

    /// <summary>A circle, used for point markers.</summary>
    public void Circle(double cx, double cy, double r, string fill, string? stroke = null, double strokeWidth = 1,
        string? cssClass = null, string? tooltip = null)
    {
        Open("circle", cssClass);
        Attr("cx", cx);
        Attr("cy", cy);
        Attr("r", r);
        Attr("fill", fill);
        if (stroke is not null) StrokeAttrs(stroke, strokeWidth, dash: null);
        CloseWithTooltip("circle", tooltip);
    }

    /// <summary>
    /// One line of text whose baseline starts (or is centred, or ends) at (x, y), turned
    /// <c>rotate</c> degrees clockwise around that point (-90 reads bottom to top).
    /// </summary>
    public void Text(double x, double y, string text, double fontSize = 12, TextAnchor anchor = TextAnchor.Start,
        string fill = "#222222", bool bold = false, double rotate = 0, string? cssClass = null)
    {
        Open("text", cssClass);
        Attr("x", x);
        Attr("y", y);
        Attr("font-size", fontSize);
        if (anchor != TextAnchor.Start) Attr("text-anchor", anchor == TextAnchor.Middle ? "middle" : "end");
        if (bold) Attr("font-weight", "bold");
        Attr("fill", fill);
        if (rotate != 0)
            Attr("transform", "rotate(" + Format(rotate) + " " + Format(x) + " " + Format(y) + ")");
        _sb.Append('>');
        AppendEscaped(text);
        _sb.Append("</text>\n");
    }

    /// <summary>
    /// A raster image from a URI (typically a <c>data:image/png;base64,...</c> URI), stretched to the
    /// box; <paramref name="pixelated"/> asks viewers to enlarge it without smoothing.
    /// </summary>
    public void Image(double x, double y, double width, double height, string href, bool pixelated = true,
        string? cssClass = null)
    {
        Open("image", cssClass);
        Attr("x", x);
        Attr("y", y);
        Attr("width", width);
        Attr("height", height);
        Attr("preserveAspectRatio", "none");
        if (pixelated) Attr("style", "image-rendering:pixelated;image-rendering:crisp-edges");
        Attr("href", href);
        _sb.Append("/>\n");
    }

    /// <summary>Opens a <c>&lt;g&gt;</c>; extra attributes are (name, value) pairs with XML-safe names.</summary>
    public void BeginGroup(string? cssClass = null, string? tooltip = null, params (string Name, string Value)[] attributes)
    {
        Open("g", cssClass);
        foreach (var (name, value) in attributes) Attr(name, value);
        _sb.Append(">\n");
        _openGroups++;
        if (tooltip is not null) Title(tooltip);
    }

    /// <summary>Closes the innermost open group.</summary>
    public void EndGroup()
    {
        if (_openGroups == 0) throw new InvalidOperationException("No group is open.");
        _openGroups--;
        _sb.Append("</g>\n");
    }

    /// <summary>A <c>&lt;title&gt;</c> for the enclosing element (the document or the open group).</summary>
    public void Title(string text)
    {
        _sb.Append("<title>");
        AppendEscaped(text);
        _sb.Append("</title>\n");
    }

    /// <summary>The finished document.</summary>
    /// <exception cref="InvalidOperationException">A group is still open.</exception>
    public override string ToString()
    {
        if (_openGroups != 0) throw new InvalidOperationException($"{_openGroups} group(s) are still open.");
        return _sb.ToString() + "</svg>\n";
    }

    /// <summary>
    /// A number as SVG wants it: invariant culture, at most <paramref name="decimals"/> decimals,
    /// no exponent, no negative zero.
    /// </summary>
    /// <exception cref="ArgumentException">The number is NaN or infinite (a bug in the caller's layout).</exception>
    public static string Format(double value, int decimals = Decimals)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"Cannot write the non-finite number {value} into an SVG.", nameof(value));
        double rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        if (rounded == 0) return "0";
        return rounded.ToString(decimals switch
        {
            0 => "0",
            1 => "0.#",
            2 => "0.##",
            3 => "0.###",
            _ => "0." + new string('#', decimals),
        }, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Escapes text for XML content and attribute values: &amp;, &lt;, &gt; and both quotes become
    /// entities; characters XML 1.0 forbids (most control characters, lone surrogates, U+FFFE/U+FFFF)
    /// become U+FFFD so the document always parses.
    /// </summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        AppendEscaped(sb, text);
        return sb.ToString();
    }

    private void AppendEscaped(string text) => AppendEscaped(_sb, text);

    private static void AppendEscaped(StringBuilder sb, string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&apos;"); break;
                case '\t' or '\n' or '\r': sb.Append("&#x").Append(((int)c).ToString("X", CultureInfo.InvariantCulture)).Append(';'); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        sb.Append(c).Append(text[i + 1]);
                        i++;
                    }
                    else if (c < ' ' || char.IsSurrogate(c) || c == '\uFFFE' || c == '\uFFFF')
                        sb.Append('\uFFFD');
                    else
                        sb.Append(c);
                    break;
            }
        }
    }

    private void Open(string element, string? cssClass)
    {
        _sb.Append('<').Append(element);
        if (cssClass is not null) Attr("class", cssClass);
    }

    private void CloseWithTooltip(string element, string? tooltip)
    {
        if (tooltip is null)
        {
            _sb.Append("/>\n");
            return;
        }
        _sb.Append('>');
        _sb.Append("<title>");
        AppendEscaped(tooltip);
        _sb.Append("</title></").Append(element).Append(">\n");
    }

    private void StrokeAttrs(string stroke, double strokeWidth, string? dash)
    {
        Attr("stroke", stroke);
        Attr("stroke-width", strokeWidth);
        if (dash is not null) Attr("stroke-dasharray", dash);
    }

    private void Attr(string name, double value) =>
        _sb.Append(' ').Append(name).Append("=\"").Append(Format(value)).Append('"');

    private void Attr(string name, string value)
    {
        _sb.Append(' ').Append(name).Append("=\"");
        AppendEscaped(value);
        _sb.Append('"');
    }
}
