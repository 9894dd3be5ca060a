using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SkiaSharp;
using StaticNet.Data;
using StaticNet.Plotting;
using Xunit;

namespace StaticNet.Tests.Plotting;

public class PredictionSheetTests
{
    private const int Side = 4;

    /// <summary><paramref name="count"/> 4x4 images with distinct pixels.</summary>
    private static float[,] Images(int count, int width = Side, int height = Side)
    {
        var images = new float[count, width * height];
        for (int i = 0; i < count; i++)
            for (int k = 0; k < width * height; k++)
                images[i, k] = ((i * 7 + k * 3) % 11) / 10f;
        return images;
    }

    /// <summary>Softmax-like rows: the mass 0.7 on <paramref name="predicted"/>[i], the rest spread evenly.</summary>
    private static float[,] Probabilities(int[] predicted, int classes)
    {
        var p = new float[predicted.Length, classes];
        for (int i = 0; i < predicted.Length; i++)
            for (int c = 0; c < classes; c++)
                p[i, c] = c == predicted[i] ? 0.7f : 0.3f / (classes - 1);
        return p;
    }

    [Fact]
    public void Png_OneCellPerImage_InAGridOfTheGivenColumns()
    {
        int[] labels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0];
        using SKBitmap four = Picture.DecodePng(PredictionSheet.Render(Images(11), Side, Side, Probabilities(labels, 10), labels, ChartFormat.Png, columns: 4));
        using SKBitmap two = Picture.DecodePng(PredictionSheet.Render(Images(11), Side, Side, Probabilities(labels, 10), labels, ChartFormat.Png, columns: 2));
        // 4 x 3 cells against 2 x 6: twice the columns, half the rows.
        Assert.True(four.Width > two.Width && four.Height < two.Height);
        // Every prediction right: blue bars (the true class), no red anywhere.
        Assert.True(Picture.Count(four, PredictionSheet.TrueColour, 2) > 11 * 30);
        Assert.Equal(0, Picture.Count(four, PredictionSheet.WrongColour, 2));
    }

    [Fact]
    public void Svg_CaptionsMarkExactlyTheWrongPredictions()
    {
        int[] labels = [3, 5, 1, 7, 2, 2, 9, 0];
        int[] predicted = [3, 3, 1, 7, 2, 8, 9, 0];
        var texts = Picture.SvgTexts(PredictionSheet.ToSvg(Images(8), Side, Side, Probabilities(predicted, 10), labels, title: "Sheet"));
        Assert.Equal("Sheet", texts[0]);
        Assert.StartsWith("8 images, 2 wrong.", texts[1]);
        var wrong = texts.Where(t => t.StartsWith("✗", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[] { "✗ pred 3, true 5", "✗ pred 8, true 2" }, wrong);
        Assert.Equal(6, texts.Count(t => t.StartsWith("✓", StringComparison.Ordinal)));
        Assert.Contains("✓ pred 9, true 9", texts);
    }

    [Fact]
    public void Png_WrongPredictionsGetARedFrameAndARedBar()
    {
        int[] labels = [0, 1];
        using SKBitmap right = Picture.DecodePng(PredictionSheet.Render(Images(2), Side, Side, Probabilities([0, 1], 2), labels, ChartFormat.Png));
        using SKBitmap wrong = Picture.DecodePng(PredictionSheet.Render(Images(2), Side, Side, Probabilities([0, 0], 2), labels, ChartFormat.Png));
        Assert.Equal(0, Picture.Count(right, PredictionSheet.WrongColour, 2));
        // A 3-pixel frame round a cell of about 150 x 110 pixels, plus the bar and caption.
        Assert.True(Picture.Count(wrong, PredictionSheet.WrongColour, 2) > 2 * 3 * (150 + 100));
    }

    [Fact]
    public void Svg_OneOutputColumn_ShowsBarsForP0AndP1_WithClassNames()
    {
        var p = new float[,] { { 0.9f }, { 0.2f } };
        var texts = Picture.SvgTexts(PredictionSheet.ToSvg(Images(2), Side, Side, p, [1, 1], classNames: ["cat", "dog"]));
        Assert.Contains("✓ pred dog, true dog", texts);
        Assert.Contains("✗ pred cat, true dog", texts);
        Assert.Equal(2, texts.Count(t => t == "cat"));
        Assert.Equal(2, texts.Count(t => t == "dog"));
    }

    [Fact]
    public void Png_DrawsEachImageUprightAndUnmirrored_InkDarkOnWhite_OnePixelPerSquare()
    {
        // One 4 x 4 image with ink only in its top-left pixel; the image box is 84 pixels, 21 per image pixel,
        // at (Margin + Pad, Header + Pad) = (22, 74).
        var image = new float[1, 16];
        image[0, 0] = 1f;
        using SKBitmap png = Picture.DecodePng(PredictionSheet.Render(image, Side, Side, new float[,] { { 0.9f } }, [1], ChartFormat.Png));
        Assert.Equal(SKColors.Black, png.GetPixel(22 + 10, 74 + 10));
        Assert.Equal(SKColors.Black, png.GetPixel(22 + 1, 74 + 19));   // the square's corners: no smoothing
        Assert.Equal(SKColors.White, png.GetPixel(22 + 84 - 10, 74 + 10)); // not mirrored
        Assert.Equal(SKColors.White, png.GetPixel(22 + 10, 74 + 84 - 10)); // not upside down
        Assert.Equal(SKColors.White, png.GetPixel(22 + 23, 74 + 10));  // the next pixel
    }

    [Fact]
    public void SixtyFourRealDigits_RenderAsAnEightByEightSheet()
    {
        string? data = Mnist.FindDataDirectory();
        Assert.NotNull(data);
        MnistData mnist = Mnist.Load(data);
        var images = new float[64, 784];
        var labels = new int[64];
        for (int i = 0; i < 64; i++)
        {
            for (int k = 0; k < 784; k++) images[i, k] = mnist.TestImages[i, k];
            labels[i] = mnist.TestLabels[i];
        }
        var p = Probabilities(labels, 10);
        using SKBitmap png = Picture.DecodePng(PredictionSheet.Render(images, 28, 28, p, labels, ChartFormat.Png));
        Assert.InRange(png.Width, 8 * 150, 8 * 200);
        Assert.InRange(png.Height, 8 * 110, 8 * 140);
        Assert.True(Picture.Count(png, SKColors.Black, 20) > 64 * 500, "the digits' ink is missing");
    }

    [Fact]
    public void ToSvg_RejectsInconsistentArguments_NamingExpectedAndActualSizes()
    {
        float[,] images = Images(3);
        float[,] p = Probabilities([0, 1, 2], 3);
        int[] labels = [0, 1, 2];

        var e = Assert.Throws<ArgumentException>(() => PredictionSheet.ToSvg(images, Side, Side + 1, p, labels));
        Assert.Contains("20", e.Message);
        Assert.Contains("16", e.Message);
        Assert.Equal("images", e.ParamName);

        e = Assert.Throws<ArgumentException>(() => PredictionSheet.ToSvg(images, Side, Side, Probabilities([0, 1], 3), labels));
        Assert.Contains("(3)", e.Message);
        Assert.Contains("has 2 rows", e.Message);
        Assert.Equal("probabilities", e.ParamName);

        e = Assert.Throws<ArgumentException>(() => PredictionSheet.ToSvg(images, Side, Side, p, [0, 1]));
        Assert.Contains("(3)", e.Message);
        Assert.Contains("has 2", e.Message);
        Assert.Equal("labels", e.ParamName);

        e = Assert.Throws<ArgumentException>(() => PredictionSheet.ToSvg(images, Side, Side, p, labels, classNames: ["a", "b"]));
        Assert.Contains("(3)", e.Message);
        Assert.Contains("has 2", e.Message);

        e = Assert.Throws<ArgumentOutOfRangeException>(() => PredictionSheet.ToSvg(images, Side, Side, p, [0, 3, 1]));
        Assert.Contains("labels[1] = 3", e.Message);

        var outOfRange = (float[,])p.Clone();
        outOfRange[2, 1] = 4.5f;
        e = Assert.Throws<ArgumentException>(() => PredictionSheet.ToSvg(images, Side, Side, outOfRange, labels));
        Assert.Contains("probabilities[2, 1] = 4.5", e.Message);
        outOfRange[2, 1] = float.NaN;
        Assert.Throws<ArgumentException>(() => PredictionSheet.ToSvg(images, Side, Side, outOfRange, labels));

        Assert.Throws<ArgumentException>(() => PredictionSheet.ToSvg(new float[0, 16], Side, Side, new float[0, 3], []));
        Assert.Throws<ArgumentException>(() => PredictionSheet.ToSvg(images, Side, Side, new float[3, 0], labels));
        Assert.Throws<ArgumentOutOfRangeException>(() => PredictionSheet.ToSvg(images, Side, Side, p, labels, columns: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PredictionSheet.ToSvg(images, 0, Side, p, labels));
        Assert.Throws<ArgumentNullException>(() => PredictionSheet.ToSvg(null!, Side, Side, p, labels));
        Assert.Throws<ArgumentException>(() => PredictionSheet.Save(images, Side, Side, p, labels, ""));
    }

    [Fact]
    public void Save_WritesTheSameImageAsRender()
    {
        float[,] images = Images(2);
        float[,] p = Probabilities([0, 1], 2);
        string path = Path.Combine(Path.GetTempPath(), "staticnet-sheet-" + Guid.NewGuid().ToString("N") + ".png");
        try
        {
            PredictionSheet.Save(images, Side, Side, p, [0, 0], path, columns: 1, title: "t");
            Assert.Equal(PredictionSheet.Render(images, Side, Side, p, [0, 0], ChartFormat.Png, columns: 1, title: "t"), File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
