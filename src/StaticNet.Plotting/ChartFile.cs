using System;
using System.IO;
using SkiaSharp;

namespace StaticNet.Plotting;

/// <summary>The image formats a chart can be written in.</summary>
public enum ChartFormat
{
    /// <summary>PNG: lossless, opens everywhere (image viewers, IDEs, documents, GitHub).</summary>
    Png,
    /// <summary>SVG: vector, text stays text; browsers, GitHub and Inkscape display it.</summary>
    Svg,
    /// <summary>JPEG, quality 95.</summary>
    Jpeg,
    /// <summary>WebP, lossless.</summary>
    Webp,
}

/// <summary>Turns a drawing on a Skia canvas into the bytes of an image file, and writes it.</summary>
internal static class ChartFile
{
    /// <summary>The format named by <paramref name="path"/>'s extension (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The extension is none of .png, .svg, .jpg, .jpeg, .webp.</exception>
    public static ChartFormat FormatOf(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".png" => ChartFormat.Png,
            ".svg" => ChartFormat.Svg,
            ".jpg" or ".jpeg" => ChartFormat.Jpeg,
            ".webp" => ChartFormat.Webp,
            _ => throw new ArgumentException(
                $"Cannot tell the image format of '{path}' from its extension '{extension}': use .png, .svg, .jpg, .jpeg or .webp.", nameof(path)),
        };
    }

    /// <summary>Renders <paramref name="draw"/> on a white <paramref name="width"/> x <paramref name="height"/> canvas and encodes it.</summary>
    public static byte[] Encode(ChartFormat format, int width, int height, Action<SKCanvas> draw)
    {
        if (format == ChartFormat.Svg)
        {
            using var stream = new MemoryStream();
            // The SVG canvas writes its document when disposed, so dispose it before reading the stream.
            using (var managed = new SKManagedWStream(stream))
            using (SKCanvas svg = SKSvgCanvas.Create(SKRect.Create(width, height), managed))
            {
                svg.Clear(SKColors.White);
                draw(svg);
            }
            return stream.ToArray();
        }

        using SKSurface surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"SkiaSharp could not create a {width} x {height} image.");
        surface.Canvas.Clear(SKColors.White);
        draw(surface.Canvas);
        using SKImage image = surface.Snapshot();
        (SKEncodedImageFormat encoded, int quality) = format switch
        {
            ChartFormat.Png => (SKEncodedImageFormat.Png, 100),
            ChartFormat.Jpeg => (SKEncodedImageFormat.Jpeg, 95),
            ChartFormat.Webp => (SKEncodedImageFormat.Webp, 100),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Not an image format."),
        };
        using SKData data = image.Encode(encoded, quality)
            ?? throw new InvalidOperationException($"SkiaSharp could not encode the chart as {format}.");
        return data.ToArray();
    }

    /// <summary>Writes the chart to <paramref name="path"/> in the format its extension names, replacing any file there.</summary>
    public static void Save(string path, int width, int height, Action<SKCanvas> draw)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ChartFormat format = FormatOf(path);
        File.WriteAllBytes(path, Encode(format, width, height, draw));
    }

    /// <summary>
    /// Draws <paramref name="plot"/> into <paramref name="rect"/> of <paramref name="canvas"/> once. ScottPlot
    /// renders a second time when the first render changed the axis limits or layout; that is harmless in a
    /// PNG but would write every element twice into an SVG, so a first render on a canvas that draws
    /// nothing settles the layout.
    /// </summary>
    public static void RenderPlot(ScottPlot.Plot plot, SKCanvas canvas, SKRect rect)
    {
        using (var settle = new SKNoDrawCanvas((int)MathF.Ceiling(rect.Right), (int)MathF.Ceiling(rect.Bottom)))
            plot.Render(settle, new ScottPlot.PixelRect(rect.Left, rect.Right, rect.Bottom, rect.Top));
        plot.Render(canvas, new ScottPlot.PixelRect(rect.Left, rect.Right, rect.Bottom, rect.Top));
    }

    /// <summary>A paint for text in the embedded font.</summary>
    public static SKFont Font(float size, bool bold = false) => new(bold ? ChartFonts.Bold : ChartFonts.Regular, size) { Subpixel = true, Edging = SKFontEdging.Antialias };

    /// <summary>Draws <paramref name="text"/> with its baseline at <paramref name="y"/>; <paramref name="align"/> is relative to <paramref name="x"/>.</summary>
    public static void Text(SKCanvas canvas, string text, float x, float y, SKFont font, SKColor colour, SKTextAlign align = SKTextAlign.Left)
    {
        using var paint = new SKPaint { Color = colour, IsAntialias = true };
        canvas.DrawText(text, x, y, align, font, paint);
    }
}
