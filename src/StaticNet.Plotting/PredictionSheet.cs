using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using SkiaSharp;

namespace StaticNet.Plotting;

/// <summary>
/// Draws a contact sheet of predictions: a grid of images, each with its predicted probabilities
/// as a small bar chart, the predicted class and the true label, wrong predictions framed in red
/// and captioned "✗ pred 3, true 5".
/// </summary>
/// <remarks>
/// Images are drawn ink dark on white, as matplotlib's <c>cmap=binary</c>, enlarged without
/// smoothing so every pixel stays visible. In the bars the true class is blue, a wrongly predicted
/// class red, the others gray. The file format follows the path's extension: <c>.png</c>,
/// <c>.svg</c>, <c>.jpg</c> or <c>.webp</c>.
/// </remarks>
public static class PredictionSheet
{
    private const float Margin = 14;
    private const float HeaderHeight = 66;
    private const float Gap = 8;
    private const float Pad = 8;
    private const float ImageBox = 84;        // the longer side of an image, in pixels (3x for MNIST)
    private const float BarLength = 52;       // the bar of probability 1
    private const float MinRowHeight = 8.4f;  // per class in the bar chart (more classes make the cell taller)
    private const float MaxRowHeight = 16;    // per class, for few classes
    private const float BarFontSize = 8;
    private const float CaptionFontSize = 10.5f;
    private const float CaptionHeight = 22;

    internal static readonly SKColor TrueColour = SKColor.Parse("#1f77b4");
    internal static readonly SKColor WrongColour = SKColor.Parse("#d62728");
    private static readonly SKColor OtherColour = SKColor.Parse("#a0a0a0");
    private static readonly SKColor TrackColour = SKColor.Parse("#efefef");

    /// <summary>Tolerance for probabilities slightly outside [0, 1] from float rounding.</summary>
    private const float ProbabilitySlack = 1e-3f;

    /// <summary>A grid of images with their predicted probabilities, as the bytes of an image file.</summary>
    /// <param name="images">One image per row, pixels row by row (top row first) in [0, 1], 1 being ink, as <c>Mnist.Load</c> gives them.</param>
    /// <param name="imageWidth">Pixels per image row (28 for MNIST).</param>
    /// <param name="imageHeight">Rows per image (28 for MNIST).</param>
    /// <param name="probabilities">
    /// What <c>Predict</c> returned for <paramref name="images"/>: one row per image, one column per
    /// class (softmax), or a single column holding p(1) for a binary network (sigmoid), shown as
    /// bars for classes 0 and 1.
    /// </param>
    /// <param name="labels">The true class of each image.</param>
    /// <param name="format">The image format.</param>
    /// <param name="columns">Images per row of the grid.</param>
    /// <param name="title">The sheet's title; "Predictions" when <see langword="null"/>.</param>
    /// <param name="classNames">A name per class for the bars and captions; the class numbers when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException">An array is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// Sizes disagree (the message names the expected and actual sizes), there are no images, a
    /// label is not a class, or a probability is not a number in [0, 1].
    /// </exception>
    public static byte[] Render(float[,] images, int imageWidth, int imageHeight, float[,] probabilities, int[] labels,
        ChartFormat format, int columns = 8, string? title = null, IReadOnlyList<string>? classNames = null)
    {
        int classes = Validate(images, imageWidth, imageHeight, probabilities, labels, columns, classNames);
        int count = images.GetLength(0);
        string[] names = new string[classes];
        for (int c = 0; c < classes; c++) names[c] = classNames?[c] ?? c.ToString(CultureInfo.InvariantCulture);

        using SKFont barFont = ChartFile.Font(BarFontSize);
        using SKFont barFontBold = ChartFile.Font(BarFontSize, bold: true);
        using SKFont captionFont = ChartFile.Font(CaptionFontSize);
        using SKFont captionFontBold = ChartFile.Font(CaptionFontSize, bold: true);
        using SKFont titleFont = ChartFile.Font(18, bold: true);
        using SKFont subtitleFont = ChartFile.Font(11.5f);

        // Cell geometry, shared by every cell, measured with the font that draws it.
        float scale = ImageBox / Math.Max(imageWidth, imageHeight);
        float imageW = imageWidth * scale, imageH = imageHeight * scale;
        float rowHeight = Math.Clamp(ImageBox / classes, MinRowHeight, MaxRowHeight);
        float barsHeight = rowHeight * classes;
        float contentHeight = Math.Max(ImageBox, barsHeight);
        float labelWidth = 4;
        foreach (string name in names) labelWidth = Math.Max(labelWidth, barFontBold.MeasureText(name) + 4);
        float cellWidth = Pad + ImageBox + 10 + labelWidth + BarLength + Pad;
        int wrong = 0;
        for (int i = 0; i < count; i++)
        {
            int predicted = Predicted(probabilities, i);
            if (predicted != labels[i]) wrong++;
            SKFont font = predicted == labels[i] ? captionFont : captionFontBold;
            cellWidth = Math.Max(cellWidth, font.MeasureText(Caption(names, predicted, labels[i])) + 2 * Pad);
        }
        float cellHeight = Pad + contentHeight + CaptionHeight;

        int gridColumns = Math.Min(columns, count);
        int gridRows = (count + gridColumns - 1) / gridColumns;
        title ??= "Predictions";
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"{count} images, {wrong} wrong. Bars: predicted probability of each class; blue: the true class, red: a wrong prediction.");
        float width = Math.Max(2 * Margin + gridColumns * cellWidth + (gridColumns - 1) * Gap,
            2 * Margin + Math.Max(subtitleFont.MeasureText(summary), titleFont.MeasureText(title)));
        float height = HeaderHeight + gridRows * cellHeight + (gridRows - 1) * Gap + Margin;

        return ChartFile.Encode(format, (int)MathF.Ceiling(width), (int)MathF.Ceiling(height), canvas =>
        {
            ChartFile.Text(canvas, title, Margin, 28, titleFont, SKColors.Black);
            ChartFile.Text(canvas, summary, Margin, 50, subtitleFont, SKColor.Parse("#444444"));

            using var fill = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
            using var stroke = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke };
            var pixels = new SKColor[imageWidth * imageHeight];
            float[] probs = new float[classes];
            for (int i = 0; i < count; i++)
            {
                float x0 = Margin + (i % gridColumns) * (cellWidth + Gap);
                float y0 = HeaderHeight + (i / gridColumns) * (cellHeight + Gap);
                Probabilities(probabilities, i, probs);
                int predicted = Predicted(probabilities, i);
                int label = labels[i];
                bool isWrong = predicted != label;

                // Frame: thin gray, or thick red around a mistake.
                if (isWrong)
                {
                    fill.Color = SKColor.Parse("#fff5f5");
                    canvas.DrawRect(x0, y0, cellWidth, cellHeight, fill);
                    stroke.Color = WrongColour;
                    stroke.StrokeWidth = 3;
                    canvas.DrawRect(x0 + 1.5f, y0 + 1.5f, cellWidth - 3, cellHeight - 3, stroke);
                }
                else
                {
                    stroke.Color = SKColor.Parse("#cccccc");
                    stroke.StrokeWidth = 1;
                    canvas.DrawRect(x0 + 0.5f, y0 + 0.5f, cellWidth - 1, cellHeight - 1, stroke);
                }

                // The image, centred in its square box, each pixel a square (no smoothing).
                for (int k = 0; k < pixels.Length; k++)
                {
                    float v = images[i, k];
                    v = float.IsNaN(v) ? 0 : Math.Clamp(v, 0f, 1f);
                    byte g = (byte)(255 - (int)MathF.Round(v * 255f));
                    pixels[k] = new SKColor(g, g, g);
                }
                using (var bitmap = new SKBitmap(imageWidth, imageHeight, SKColorType.Rgba8888, SKAlphaType.Opaque))
                {
                    bitmap.Pixels = pixels;
                    using SKImage image = SKImage.FromBitmap(bitmap);
                    float imageX = x0 + Pad + (ImageBox - imageW) / 2, imageY = y0 + Pad + (contentHeight - imageH) / 2;
                    stroke.Color = SKColor.Parse("#dddddd");
                    stroke.StrokeWidth = 1;
                    canvas.DrawRect(imageX - 0.5f, imageY - 0.5f, imageW + 1, imageH + 1, stroke);
                    canvas.DrawImage(image, SKRect.Create(imageX, imageY, imageW, imageH), new SKSamplingOptions(SKFilterMode.Nearest));
                }

                // The bars: one row per class, label on the left, track then bar.
                float barsX = x0 + Pad + ImageBox + 10;
                float barsY = y0 + Pad + (contentHeight - barsHeight) / 2;
                float trackX = barsX + labelWidth;
                float barHeight = Math.Max(2, rowHeight - 2.4f);
                for (int c = 0; c < classes; c++)
                {
                    float rowY = barsY + c * rowHeight;
                    ChartFile.Text(canvas, names[c], trackX - 3, rowY + rowHeight / 2 + BarFontSize * 0.35f,
                        c == predicted ? barFontBold : barFont, c == predicted || c == label ? SKColor.Parse("#111111") : SKColor.Parse("#666666"),
                        SKTextAlign.Right);
                    fill.Color = TrackColour;
                    canvas.DrawRect(trackX, rowY + 1.2f, BarLength, barHeight, fill);
                    fill.Color = c == label ? TrueColour : c == predicted ? WrongColour : OtherColour;
                    canvas.DrawRect(trackX, rowY + 1.2f, probs[c] * BarLength, barHeight, fill);
                }

                // Caption under the image.
                ChartFile.Text(canvas, Caption(names, predicted, label), x0 + Pad, y0 + Pad + contentHeight + 15,
                    isWrong ? captionFontBold : captionFont, isWrong ? WrongColour : SKColor.Parse("#2b2b2b"));
            }
        });
    }

    /// <summary>The sheet as an SVG document.</summary>
    /// <inheritdoc cref="Render"/>
    public static string ToSvg(float[,] images, int imageWidth, int imageHeight, float[,] probabilities, int[] labels,
        int columns = 8, string? title = null, IReadOnlyList<string>? classNames = null) =>
        Encoding.UTF8.GetString(Render(images, imageWidth, imageHeight, probabilities, labels, ChartFormat.Svg, columns, title, classNames));

    /// <summary>Writes the sheet to <paramref name="path"/>, replacing any file there.</summary>
    /// <param name="images">One image per row, pixels row by row in [0, 1].</param>
    /// <param name="imageWidth">Pixels per image row.</param>
    /// <param name="imageHeight">Rows per image.</param>
    /// <param name="probabilities">One row of class probabilities per image, or one column p(1) for a binary network.</param>
    /// <param name="labels">The true class of each image.</param>
    /// <param name="path">The file to write; its extension (<c>.png</c>, <c>.svg</c>, <c>.jpg</c>, <c>.webp</c>) chooses the format.</param>
    /// <param name="columns">Images per row of the grid.</param>
    /// <param name="title">The sheet's title; "Predictions" when <see langword="null"/>.</param>
    /// <param name="classNames">A name per class; the class numbers when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException">An array or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">As <see cref="Render"/>, or <paramref name="path"/> is empty or has no image extension.</exception>
    public static void Save(float[,] images, int imageWidth, int imageHeight, float[,] probabilities, int[] labels,
        string path, int columns = 8, string? title = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ChartFormat format = ChartFile.FormatOf(path);
        System.IO.File.WriteAllBytes(path, Render(images, imageWidth, imageHeight, probabilities, labels, format, columns, title, classNames));
    }

    private static string Caption(string[] names, int predicted, int label) =>
        predicted == label ? $"✓ pred {names[predicted]}, true {names[label]}" : $"✗ pred {names[predicted]}, true {names[label]}";

    /// <summary>The predicted class: the first largest probability, or p(1) &gt; 0.5 for one column (as Keras's binary accuracy).</summary>
    private static int Predicted(float[,] probabilities, int row)
    {
        int columns = probabilities.GetLength(1);
        if (columns == 1) return probabilities[row, 0] > 0.5f ? 1 : 0;
        int best = 0;
        for (int c = 1; c < columns; c++)
            if (probabilities[row, c] > probabilities[row, best]) best = c;
        return best;
    }

    /// <summary>The bar values of one row, clamped to [0, 1]; p(0) = 1 - p(1) for one column.</summary>
    private static void Probabilities(float[,] probabilities, int row, float[] result)
    {
        if (probabilities.GetLength(1) == 1)
        {
            float p1 = Math.Clamp(probabilities[row, 0], 0f, 1f);
            result[0] = 1 - p1;
            result[1] = p1;
            return;
        }
        for (int c = 0; c < result.Length; c++) result[c] = Math.Clamp(probabilities[row, c], 0f, 1f);
    }

    /// <summary>Checks every argument; returns the number of classes.</summary>
    private static int Validate(float[,] images, int imageWidth, int imageHeight, float[,] probabilities, int[] labels,
        int columns, IReadOnlyList<string>? classNames)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(labels);
        if (imageWidth <= 0) throw new ArgumentOutOfRangeException(nameof(imageWidth), imageWidth, "The image width must be positive.");
        if (imageHeight <= 0) throw new ArgumentOutOfRangeException(nameof(imageHeight), imageHeight, "The image height must be positive.");
        if (columns <= 0) throw new ArgumentOutOfRangeException(nameof(columns), columns, "The sheet needs at least one column.");

        int count = images.GetLength(0);
        long pixels = (long)imageWidth * imageHeight;
        if (images.GetLength(1) != pixels)
            throw new ArgumentException(
                $"Each image should have imageWidth * imageHeight = {imageWidth} * {imageHeight} = {pixels} pixels, " +
                $"but images has {images.GetLength(1)} columns.", nameof(images));
        if (count == 0) throw new ArgumentException("There are no images (images has 0 rows).", nameof(images));
        if (probabilities.GetLength(0) != count)
            throw new ArgumentException(
                $"probabilities should have one row per image ({count}) but has {probabilities.GetLength(0)} rows.", nameof(probabilities));
        if (labels.Length != count)
            throw new ArgumentException($"labels should have one label per image ({count}) but has {labels.Length}.", nameof(labels));

        int outputs = probabilities.GetLength(1);
        if (outputs == 0) throw new ArgumentException("probabilities has 0 columns; it needs one per class (or one for a binary network).", nameof(probabilities));
        int classes = outputs == 1 ? 2 : outputs;
        if (classNames is not null)
        {
            if (classNames.Count != classes)
                throw new ArgumentException(
                    $"classNames should have one name per class ({classes}{(outputs == 1 ? ", as probabilities has one column: a binary network" : "")}) " +
                    $"but has {classNames.Count}.", nameof(classNames));
            for (int c = 0; c < classes; c++)
                if (classNames[c] is null) throw new ArgumentException($"classNames[{c}] is null.", nameof(classNames));
        }

        for (int i = 0; i < count; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i],
                    $"labels[{i}] = {labels[i]} is not a class: classes run from 0 to {classes - 1}.");
            for (int c = 0; c < outputs; c++)
            {
                float v = probabilities[i, c];
                if (!(v >= -ProbabilitySlack && v <= 1 + ProbabilitySlack))
                    throw new ArgumentException(
                        $"probabilities[{i}, {c}] = {v.ToString(CultureInfo.InvariantCulture)} is not a probability in [0, 1]; " +
                        "pass the output of a sigmoid or softmax layer.", nameof(probabilities));
            }
        }
        return classes;
    }
}
