using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using SkiaSharp;

namespace StaticNet.Plotting;

/// <summary>
/// Draws small grey images in a grid, each with an optional caption: a convolution's learned
/// filters, the feature maps a layer computes for one input, or a few input images.
/// </summary>
/// <remarks>
/// Each image is a <c>float[height, width]</c> (row 0 at the top); images may differ in size. Each
/// is enlarged by the largest whole factor that fits an 84-pixel box, without smoothing, so every
/// value stays a visible square (a 3x3 filter becomes 28-pixel squares, a 28x28 digit 3-pixel ones)
/// and images of different sizes keep their relative size when the factor is the same. Grey levels
/// follow <see cref="ImageScaling"/>: white is low, black high, as ink on paper (matplotlib's
/// <c>cmap=binary</c>). The file format follows the path's extension: <c>.png</c>, <c>.svg</c>,
/// <c>.jpg</c> or <c>.webp</c>.
/// </remarks>
public static class ImageGrid
{
    private const float Margin = 14;
    private const float HeaderHeight = 66;
    private const float Gap = 6;
    private const float Pad = 6;
    private const int ImageBox = 84;
    private const float CaptionFontSize = 10.5f;
    private const float CaptionHeight = 18;

    /// <summary>The images in a grid, as the bytes of an image file.</summary>
    /// <param name="images">The images, each a <c>float[height, width]</c> of finite values, row 0 at the top.</param>
    /// <param name="format">The image format.</param>
    /// <param name="columns">Images per row of the grid.</param>
    /// <param name="title">The picture's title; "Images" when <see langword="null"/>.</param>
    /// <param name="captions">A caption under each image (one per image), or none when <see langword="null"/>.</param>
    /// <param name="scaling">How values become grey levels.</param>
    /// <exception cref="ArgumentNullException"><paramref name="images"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// There are no images, an image is <see langword="null"/> or empty or holds NaN or infinity (the
    /// message names the image and the position), or the captions are not one per image.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="columns"/> is less than 1, or <paramref name="scaling"/> is not a defined value.</exception>
    public static byte[] Render(IReadOnlyList<float[,]> images, ChartFormat format, int columns = 8, string? title = null,
        IReadOnlyList<string>? captions = null, ImageScaling scaling = ImageScaling.EachImage)
    {
        Validate(images, columns, captions, scaling);
        int count = images.Count;

        // The grey range of each image: its own, or the one of all images, or [0, 1].
        var low = new float[count];
        var high = new float[count];
        float allLow = float.PositiveInfinity, allHigh = float.NegativeInfinity;
        for (int i = 0; i < count; i++)
        {
            (low[i], high[i]) = Range(images[i]);
            allLow = Math.Min(allLow, low[i]);
            allHigh = Math.Max(allHigh, high[i]);
        }
        for (int i = 0; i < count; i++)
        {
            if (scaling == ImageScaling.AllImages) (low[i], high[i]) = (allLow, allHigh);
            else if (scaling == ImageScaling.UnitRange) (low[i], high[i]) = (0f, 1f);
        }

        using SKFont captionFont = ChartFile.Font(CaptionFontSize);
        using SKFont titleFont = ChartFile.Font(18, bold: true);
        using SKFont subtitleFont = ChartFile.Font(11.5f);

        float cellWidth = ImageBox + 2 * Pad;
        if (captions is not null)
            foreach (string caption in captions) cellWidth = Math.Max(cellWidth, captionFont.MeasureText(caption) + 2 * Pad);
        float cellHeight = ImageBox + 2 * Pad + (captions is null ? 0 : CaptionHeight);
        int gridColumns = Math.Min(columns, count);
        int gridRows = (count + gridColumns - 1) / gridColumns;
        title ??= "Images";
        string summary = Summary(count, scaling, allLow, allHigh);
        float width = Math.Max(2 * Margin + gridColumns * cellWidth + (gridColumns - 1) * Gap,
            2 * Margin + Math.Max(subtitleFont.MeasureText(summary), titleFont.MeasureText(title)));
        float height = HeaderHeight + gridRows * cellHeight + (gridRows - 1) * Gap + Margin;

        return ChartFile.Encode(format, (int)MathF.Ceiling(width), (int)MathF.Ceiling(height), canvas =>
        {
            ChartFile.Text(canvas, title, Margin, 28, titleFont, SKColors.Black);
            ChartFile.Text(canvas, summary, Margin, 50, subtitleFont, SKColor.Parse("#444444"));
            using var frame = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 1, Color = SKColor.Parse("#bbbbbb") };
            for (int i = 0; i < count; i++)
            {
                float x0 = Margin + (i % gridColumns) * (cellWidth + Gap);
                float y0 = HeaderHeight + (i / gridColumns) * (cellHeight + Gap);
                float[,] image = images[i];
                int rows = image.GetLength(0), cols = image.GetLength(1);
                int factor = Math.Max(1, ImageBox / Math.Max(rows, cols));
                float w = cols * factor, h = rows * factor;
                float imageX = x0 + (cellWidth - w) / 2, imageY = y0 + Pad + (ImageBox - h) / 2;

                var pixels = new SKColor[rows * cols];
                float range = high[i] - low[i];
                for (int r = 0; r < rows; r++)
                    for (int c = 0; c < cols; c++)
                    {
                        // Equal values (range 0) are all at the low end: white.
                        float v = range > 0 ? Math.Clamp((image[r, c] - low[i]) / range, 0f, 1f) : 0f;
                        byte g = (byte)(255 - (int)MathF.Round(v * 255f));
                        pixels[r * cols + c] = new SKColor(g, g, g);
                    }
                using (var bitmap = new SKBitmap(cols, rows, SKColorType.Rgba8888, SKAlphaType.Opaque))
                {
                    bitmap.Pixels = pixels;
                    using SKImage picture = SKImage.FromBitmap(bitmap);
                    canvas.DrawRect(imageX - 0.5f, imageY - 0.5f, w + 1, h + 1, frame);
                    canvas.DrawImage(picture, SKRect.Create(imageX, imageY, w, h), new SKSamplingOptions(SKFilterMode.Nearest));
                }
                if (captions is not null)
                    ChartFile.Text(canvas, captions[i], x0 + cellWidth / 2, y0 + Pad + ImageBox + 14, captionFont,
                        SKColor.Parse("#2b2b2b"), SKTextAlign.Center);
            }
        });
    }

    /// <summary>The grid as an SVG document.</summary>
    /// <inheritdoc cref="Render"/>
    public static string ToSvg(IReadOnlyList<float[,]> images, int columns = 8, string? title = null,
        IReadOnlyList<string>? captions = null, ImageScaling scaling = ImageScaling.EachImage) =>
        Encoding.UTF8.GetString(Render(images, ChartFormat.Svg, columns, title, captions, scaling));

    /// <summary>Writes the grid to <paramref name="path"/>, replacing any file there.</summary>
    /// <param name="images">The images, each a <c>float[height, width]</c> of finite values, row 0 at the top.</param>
    /// <param name="path">The file to write; its extension (<c>.png</c>, <c>.svg</c>, <c>.jpg</c>, <c>.webp</c>) chooses the format.</param>
    /// <param name="columns">Images per row of the grid.</param>
    /// <param name="title">The picture's title; "Images" when <see langword="null"/>.</param>
    /// <param name="captions">A caption under each image (one per image), or none when <see langword="null"/>.</param>
    /// <param name="scaling">How values become grey levels.</param>
    /// <exception cref="ArgumentNullException"><paramref name="images"/> or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">As <see cref="Render"/>, or <paramref name="path"/> is empty or has no image extension.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="Render"/>.</exception>
    public static void Save(IReadOnlyList<float[,]> images, string path, int columns = 8, string? title = null,
        IReadOnlyList<string>? captions = null, ImageScaling scaling = ImageScaling.EachImage)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ChartFormat format = ChartFile.FormatOf(path);
        System.IO.File.WriteAllBytes(path, Render(images, format, columns, title, captions, scaling));
    }

    /// <summary>The line under the title: how many images and what the grey levels mean.</summary>
    private static string Summary(int count, ImageScaling scaling, float allLow, float allHigh)
    {
        string images = count == 1 ? "1 image" : $"{count} images";
        return scaling switch
        {
            ImageScaling.EachImage => count == 1
                ? "1 image, scaled to its range: white its smallest value, black its largest."
                : $"{images}, each scaled to its own range: white its smallest value, black its largest.",
            ImageScaling.AllImages => string.Create(CultureInfo.InvariantCulture, $"{images} on one scale: white {allLow:G4}, black {allHigh:G4}."),
            _ => $"{images}: white 0, black 1.",
        };
    }

    private static (float Low, float High) Range(float[,] image)
    {
        float low = float.PositiveInfinity, high = float.NegativeInfinity;
        foreach (float v in image)
        {
            low = Math.Min(low, v);
            high = Math.Max(high, v);
        }
        return (low, high);
    }

    private static void Validate(IReadOnlyList<float[,]> images, int columns, IReadOnlyList<string>? captions, ImageScaling scaling)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (columns <= 0) throw new ArgumentOutOfRangeException(nameof(columns), columns, "The grid needs at least one column.");
        if (!Enum.IsDefined(scaling)) throw new ArgumentOutOfRangeException(nameof(scaling), scaling, "Not an ImageScaling value.");
        if (images.Count == 0) throw new ArgumentException("There are no images (the list is empty).", nameof(images));
        for (int i = 0; i < images.Count; i++)
        {
            float[,]? image = images[i];
            if (image is null) throw new ArgumentException($"images[{i}] is null.", nameof(images));
            if (image.Length == 0)
                throw new ArgumentException($"images[{i}] is empty ({image.GetLength(0)} x {image.GetLength(1)}).", nameof(images));
            for (int r = 0; r < image.GetLength(0); r++)
                for (int c = 0; c < image.GetLength(1); c++)
                    if (!float.IsFinite(image[r, c]))
                        throw new ArgumentException(
                            $"images[{i}][{r}, {c}] is {image[r, c].ToString(CultureInfo.InvariantCulture)}; every value must be a finite number.", nameof(images));
        }
        if (captions is not null)
        {
            if (captions.Count != images.Count)
                throw new ArgumentException($"captions should have one caption per image ({images.Count}) but has {captions.Count}.", nameof(captions));
            for (int i = 0; i < captions.Count; i++)
                if (captions[i] is null) throw new ArgumentException($"captions[{i}] is null.", nameof(captions));
        }
    }
}
