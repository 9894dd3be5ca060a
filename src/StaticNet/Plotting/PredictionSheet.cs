using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace StaticNet.Plotting;

/// <summary>
/// Draws a contact sheet of predictions: a grid of images, each with its predicted probabilities
/// as a small bar chart, the predicted class and the true label, wrong predictions framed in red
/// and captioned "✗ pred 3, true 5".
/// </summary>
/// <remarks>
/// Each image is embedded as a small grayscale PNG (a <c>data:</c> URI, ink dark on white as
/// matplotlib's <c>cmap=binary</c>) shown enlarged without smoothing, which keeps every gray
/// level and costs a few hundred bytes per 28 x 28 digit; the rest is plain SVG. In the bars the
/// true class is blue, a wrongly predicted class red, the others gray.
/// </remarks>
public static class PredictionSheet
{
    private const double Margin = 12;
    private const double HeaderHeight = 62;
    private const double Gap = 8;
    private const double Pad = 8;
    private const double ImageBox = 84;        // the longer side of an image, in pixels (3x for MNIST)
    private const double BarLength = 52;       // the bar of probability 1
    private const double MinRowHeight = 8.4;   // per class in the bar chart (more classes make the cell taller)
    private const double MaxRowHeight = 16;    // per class, for few classes
    private const double BarFontSize = 8;
    private const double CaptionFontSize = 10.5;
    private const double CaptionHeight = 22;

    private const string TrueColour = "#1f77b4";
    private const string WrongColour = "#d62728";
    private const string OtherColour = "#a0a0a0";
    private const string TrackColour = "#efefef";

    /// <summary>Tolerance for probabilities slightly outside [0, 1] from float rounding.</summary>
    private const float ProbabilitySlack = 1e-3f;

    /// <summary>A grid of images with their predicted probabilities, as an SVG document.</summary>
    /// <param name="images">One image per row, pixels row by row (top row first) in [0, 1], 1 being ink, as <c>Mnist.Load</c> gives them.</param>
    /// <param name="imageWidth">Pixels per image row (28 for MNIST).</param>
    /// <param name="imageHeight">Rows per image (28 for MNIST).</param>
    /// <param name="probabilities">
    /// What <c>Predict</c> returned for <paramref name="images"/>: one row per image, one column per
    /// class (softmax), or a single column holding p(1) for a binary network (sigmoid), shown as
    /// bars for classes 0 and 1.
    /// </param>
    /// <param name="labels">The true class of each image.</param>
    /// <param name="columns">Images per row of the grid.</param>
    /// <param name="title">The sheet's title; "Predictions" when <see langword="null"/>.</param>
    /// <param name="classNames">A name per class for the bars and captions; the class numbers when <see langword="null"/>.</param>
    /// <returns>The SVG document (UTF-8 text, starting with an XML declaration).</returns>
    /// <exception cref="ArgumentNullException">An array is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// Sizes disagree (the message names the expected and actual sizes), there are no images, a
    /// label is not a class, or a probability is not a number in [0, 1].
    /// </exception>
    public static string ToSvg(float[,] images, int imageWidth, int imageHeight, float[,] probabilities, int[] labels,
        int columns = 8, string? title = null, IReadOnlyList<string>? classNames = null)
    {
        int classes = Validate(images, imageWidth, imageHeight, probabilities, labels, columns, classNames);
        int count = images.GetLength(0);
        string[] names = new string[classes];
        for (int c = 0; c < classes; c++) names[c] = classNames?[c] ?? c.ToString(CultureInfo.InvariantCulture);

        // Cell geometry, shared by every cell.
        double scale = ImageBox / Math.Max(imageWidth, imageHeight);
        double imageW = imageWidth * scale, imageH = imageHeight * scale;
        double rowHeight = Math.Clamp(ImageBox / classes, MinRowHeight, MaxRowHeight);
        double barsHeight = rowHeight * classes;
        double contentHeight = Math.Max(ImageBox, barsHeight);
        double labelWidth = 4;
        foreach (string name in names) labelWidth = Math.Max(labelWidth, HistoryChart.EstimateTextWidth(name, BarFontSize) + 4);
        double cellWidth = Pad + ImageBox + 10 + labelWidth + BarLength + Pad;
        double longestCaption = 0;
        for (int i = 0; i < count; i++)
        {
            int predicted = Predicted(probabilities, i);
            longestCaption = Math.Max(longestCaption,
                HistoryChart.EstimateTextWidth(Caption(names, predicted, labels[i]), CaptionFontSize) * (predicted == labels[i] ? 1 : 1.1));
        }
        cellWidth = Math.Max(cellWidth, longestCaption + 2 * Pad);
        double cellHeight = Pad + contentHeight + CaptionHeight;

        int gridColumns = Math.Min(columns, count);
        int gridRows = (count + gridColumns - 1) / gridColumns;
        double width = 2 * Margin + gridColumns * cellWidth + (gridColumns - 1) * Gap;
        double height = HeaderHeight + gridRows * cellHeight + (gridRows - 1) * Gap + Margin;

        int wrong = 0;
        for (int i = 0; i < count; i++)
            if (Predicted(probabilities, i) != labels[i]) wrong++;

        title ??= "Predictions";
        var svg = new SvgWriter(width, height, title);
        svg.Text(Margin, 26, title, fontSize: 17, bold: true, cssClass: "title");
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"{count} images, {wrong} wrong. Bars: predicted probability of each class; blue: the true class, red: a wrong prediction.");
        svg.Text(Margin, 46, summary, fontSize: 11, fill: "#444444", cssClass: "subtitle");

        byte[] pixels = new byte[imageWidth * imageHeight];
        float[] probs = new float[classes];
        for (int i = 0; i < count; i++)
        {
            double x0 = Margin + (i % gridColumns) * (cellWidth + Gap);
            double y0 = HeaderHeight + (i / gridColumns) * (cellHeight + Gap);
            Probabilities(probabilities, i, probs);
            int predicted = Predicted(probabilities, i);
            int label = labels[i];
            bool isWrong = predicted != label;

            string tooltip = string.Create(CultureInfo.InvariantCulture,
                $"#{i}: predicted {names[predicted]} (p = {probs[predicted]:0.000}), true {names[label]}");
            svg.BeginGroup(isWrong ? "cell wrong" : "cell", tooltip, ("data-index", i.ToString(CultureInfo.InvariantCulture)));

            // Frame: thin gray, or thick red around a mistake.
            if (isWrong) svg.Rect(x0 + 1.5, y0 + 1.5, cellWidth - 3, cellHeight - 3, fill: "#fff5f5", stroke: WrongColour, strokeWidth: 3, cssClass: "wrong");
            else svg.Rect(x0 + 0.5, y0 + 0.5, cellWidth - 1, cellHeight - 1, fill: "#ffffff", stroke: "#cccccc", strokeWidth: 1, cssClass: "frame");

            // The image, centred in its square box.
            for (int k = 0; k < pixels.Length; k++)
            {
                float v = images[i, k];
                v = float.IsNaN(v) ? 0 : Math.Clamp(v, 0f, 1f);
                pixels[k] = (byte)(255 - (int)MathF.Round(v * 255f));
            }
            string href = "data:image/png;base64," + Convert.ToBase64String(PngEncoder.EncodeGray(pixels, imageWidth, imageHeight));
            double imageX = x0 + Pad + (ImageBox - imageW) / 2, imageY = y0 + Pad + (contentHeight - imageH) / 2;
            svg.Rect(imageX - 0.5, imageY - 0.5, imageW + 1, imageH + 1, fill: "#ffffff", stroke: "#dddddd", strokeWidth: 1);
            svg.Image(imageX, imageY, imageW, imageH, href, pixelated: true, cssClass: "digit");

            // The bars: one row per class, label on the left, track then bar.
            double barsX = x0 + Pad + ImageBox + 10;
            double barsY = y0 + Pad + (contentHeight - barsHeight) / 2;
            double trackX = barsX + labelWidth;
            double barHeight = Math.Max(2, rowHeight - 2.4);
            svg.BeginGroup("bars");
            for (int c = 0; c < classes; c++)
            {
                double rowY = barsY + c * rowHeight;
                string colour = c == label ? TrueColour : c == predicted ? WrongColour : OtherColour;
                svg.Text(trackX - 3, rowY + rowHeight / 2 + BarFontSize * 0.35, names[c], fontSize: BarFontSize,
                    anchor: TextAnchor.End, fill: c == predicted || c == label ? "#111111" : "#666666", bold: c == predicted,
                    cssClass: "bar-label");
                svg.Rect(trackX, rowY + 1.2, BarLength, barHeight, fill: TrackColour, cssClass: "track");
                svg.Rect(trackX, rowY + 1.2, probs[c] * BarLength, barHeight, fill: colour, cssClass: "bar",
                    tooltip: string.Create(CultureInfo.InvariantCulture, $"p({names[c]}) = {probs[c]:0.0000}"));
            }
            svg.EndGroup();

            // Caption under the image.
            svg.Text(x0 + Pad, y0 + Pad + contentHeight + 15, Caption(names, predicted, label), fontSize: CaptionFontSize,
                fill: isWrong ? WrongColour : "#2b2b2b", bold: isWrong, cssClass: isWrong ? "caption wrong" : "caption");
            svg.EndGroup();
        }
        return svg.ToString();
    }

    /// <summary>Writes <see cref="ToSvg"/>'s document to <paramref name="path"/> (UTF-8, no BOM), replacing any file there.</summary>
    /// <param name="images">One image per row, pixels row by row in [0, 1].</param>
    /// <param name="imageWidth">Pixels per image row.</param>
    /// <param name="imageHeight">Rows per image.</param>
    /// <param name="probabilities">One row of class probabilities per image, or one column p(1) for a binary network.</param>
    /// <param name="labels">The true class of each image.</param>
    /// <param name="path">The file to write, conventionally ending in <c>.svg</c>.</param>
    /// <param name="columns">Images per row of the grid.</param>
    /// <param name="title">The sheet's title; "Predictions" when <see langword="null"/>.</param>
    /// <param name="classNames">A name per class; the class numbers when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException">An array or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">As <see cref="ToSvg"/>, or <paramref name="path"/> is empty.</exception>
    public static void Save(float[,] images, int imageWidth, int imageHeight, float[,] probabilities, int[] labels,
        string path, int columns = 8, string? title = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string svg = ToSvg(images, imageWidth, imageHeight, probabilities, labels, columns, title, classNames);
        File.WriteAllText(path, svg, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
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
