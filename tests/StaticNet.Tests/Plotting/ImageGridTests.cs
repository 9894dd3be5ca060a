using System;
using System.IO;
using System.Linq;
using SkiaSharp;
using StaticNet.Plotting;
using Xunit;

namespace StaticNet.Tests.Plotting;

public class ImageGridTests
{
    // Layout constants of ImageGrid: margin 14, header 66, pad 6, gap 6, image box 84.
    private const int CellLeft = 14, CellTop = 66, Pad = 6, Box = 84, Gap = 6;

    private static float[,] Ramp(int rows, int cols, float low, float high)
    {
        var image = new float[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                image[r, c] = low + (high - low) * (r * cols + c) / (rows * cols - 1);
        return image;
    }

    [Fact]
    public void Png_DrawsEachValueAsAnUprightSquare_WhiteLowestBlackHighest_EachImageOnItsOwnRange()
    {
        // A 3x3 filter with its smallest value top-left and its largest bottom-right: enlarged 28x,
        // a 28-pixel square per value. Its range (-2..6) is not [0, 1]: EachImage stretches it.
        float[,] filter = Ramp(3, 3, -2f, 6f);
        using SKBitmap png = Picture.DecodePng(ImageGrid.Render([filter], ChartFormat.Png));
        int x0 = CellLeft + Pad, y0 = CellTop + Pad;
        Assert.Equal(SKColors.White, png.GetPixel(x0 + 14, y0 + 14));                  // (0, 0): the smallest
        Assert.Equal(SKColors.Black, png.GetPixel(x0 + 2 * 28 + 14, y0 + 2 * 28 + 14)); // (2, 2): the largest
        Assert.Equal(SKColors.Black, png.GetPixel(x0 + 2 * 28 + 1, y0 + 2 * 28 + 1));   // its corner: no smoothing
        SKColor middle = png.GetPixel(x0 + 28 + 14, y0 + 28 + 14);                      // (1, 1): value 2, half way
        Assert.InRange(middle.Red, 126, 129);
        // Row 0, column 2 (value 0) is lighter than row 2, column 0 (value 4): not transposed or mirrored.
        Assert.True(png.GetPixel(x0 + 2 * 28 + 14, y0 + 14).Red > png.GetPixel(x0 + 14, y0 + 2 * 28 + 14).Red);
    }

    [Fact]
    public void Png_ScalingChoosesTheGreyRange()
    {
        // Two 2x2 images: one 0..0.5, one 0..1. On one scale (AllImages) or as they are (UnitRange)
        // the first's largest value is mid grey; each on its own range it is black.
        float[,] faint = { { 0f, 0.5f }, { 0.25f, 0.5f } };
        float[,] strong = { { 0f, 1f }, { 0.5f, 1f } };
        int x = CellLeft + Pad + Box / 2 + 21, y = CellTop + Pad + 21;   // value (0, 1) of the first image: 42-pixel squares
        byte Grey(ImageScaling scaling)
        {
            using SKBitmap png = Picture.DecodePng(ImageGrid.Render([faint, strong], ChartFormat.Png, scaling: scaling));
            return png.GetPixel(x, y).Red;
        }
        Assert.Equal(0, Grey(ImageScaling.EachImage));
        Assert.InRange(Grey(ImageScaling.AllImages), 126, 129);
        Assert.InRange(Grey(ImageScaling.UnitRange), 126, 129);
    }

    [Fact]
    public void Png_AnImageOfEqualValues_IsWhite_AndImagesOfOtherSizesKeepSquarePixels()
    {
        // A dead relu map (all zeros) is white; a 28x28 image is enlarged 3x (84 pixels), a 26x26 one 3x too (78, centred).
        var dead = new float[26, 26];
        var digit = new float[28, 28];
        digit[27, 27] = 1f;
        using SKBitmap png = Picture.DecodePng(ImageGrid.Render([digit, dead], ChartFormat.Png, columns: 2));
        int x0 = CellLeft + Pad, y0 = CellTop + Pad;
        Assert.Equal(SKColors.Black, png.GetPixel(x0 + 84 - 2, y0 + 84 - 2));   // the digit's last pixel, bottom-right
        Assert.Equal(SKColors.White, png.GetPixel(x0 + 84 - 4, y0 + 84 - 4));   // its neighbour (a 3-pixel square)
        int cell2 = CellLeft + (Box + 2 * Pad) + Gap;
        var inside = new SKRectI(cell2 + Pad + 3 + 1, y0 + 3 + 1, cell2 + Pad + 3 + 78 - 1, y0 + 3 + 78 - 1);
        Assert.Equal(inside.Width * inside.Height, Picture.Count(png, SKColors.White, 0, inside));
    }

    [Fact]
    public void Svg_HasTheTitle_TheScalingLine_AndOneCaptionPerImage_InOrder()
    {
        float[][,] images = Enumerable.Range(0, 5).Select(i => Ramp(3, 3, 0, i + 1)).ToArray();
        string[] captions = ["input", "map 0", "map 1", "map 2", "map 3"];
        var texts = Picture.SvgTexts(ImageGrid.ToSvg(images, columns: 3, title: "Maps", captions: captions, scaling: ImageScaling.AllImages));
        Assert.Equal("Maps", texts[0]);
        Assert.Equal("5 images on one scale: white 0, black 5.", texts[1]);
        Assert.Equal(captions, texts.Skip(2));
        Assert.Equal(new[] { "Images", "1 image: white 0, black 1." },
            Picture.SvgTexts(ImageGrid.ToSvg([Ramp(2, 2, 0, 1)], scaling: ImageScaling.UnitRange)));
    }

    [Fact]
    public void Png_GridHasTheGivenColumns()
    {
        float[][,] images = Enumerable.Range(0, 10).Select(_ => Ramp(4, 4, 0, 1)).ToArray();
        using SKBitmap five = Picture.DecodePng(ImageGrid.Render(images, ChartFormat.Png, columns: 5));
        using SKBitmap two = Picture.DecodePng(ImageGrid.Render(images, ChartFormat.Png, columns: 2));
        Assert.Equal(CellTop + 2 * (Box + 2 * Pad) + Gap + CellLeft, five.Height);
        Assert.Equal(CellTop + 5 * (Box + 2 * Pad) + 4 * Gap + CellLeft, two.Height);
        Assert.True(five.Width > two.Width);
    }

    [Fact]
    public void BadArguments_AreNamed()
    {
        float[,] ok = Ramp(3, 3, 0, 1);
        Assert.Throws<ArgumentNullException>(() => ImageGrid.ToSvg(null!));
        var e = Assert.Throws<ArgumentException>(() => ImageGrid.ToSvg(Array.Empty<float[,]>()));
        Assert.Equal("images", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => ImageGrid.ToSvg([ok, null!]));
        Assert.Contains("images[1] is null", e.Message);
        e = Assert.Throws<ArgumentException>(() => ImageGrid.ToSvg([ok, new float[0, 4]]));
        Assert.Contains("images[1] is empty", e.Message);
        var bad = (float[,])ok.Clone();
        bad[2, 1] = float.NaN;
        e = Assert.Throws<ArgumentException>(() => ImageGrid.ToSvg([ok, bad]));
        Assert.Contains("images[1][2, 1] is NaN", e.Message);
        e = Assert.Throws<ArgumentException>(() => ImageGrid.ToSvg([ok, ok], captions: ["one"]));
        Assert.Contains("one caption per image (2) but has 1", e.Message);
        Assert.Equal("captions", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.ToSvg([ok], columns: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.ToSvg([ok], scaling: (ImageScaling)7));
        Assert.Throws<ArgumentException>(() => ImageGrid.Save([ok], ""));
        Assert.Throws<ArgumentException>(() => ImageGrid.Save([ok], "grid.bmp"));
    }

    [Fact]
    public void Save_WritesTheSameImageAsRender()
    {
        float[,] image = Ramp(5, 3, -1, 1);
        string path = Path.Combine(Path.GetTempPath(), "staticnet-grid-" + Guid.NewGuid().ToString("N") + ".png");
        try
        {
            ImageGrid.Save([image, image], path, columns: 1, title: "t", captions: ["a", "b"]);
            Assert.Equal(ImageGrid.Render([image, image], ChartFormat.Png, columns: 1, title: "t", captions: ["a", "b"]), File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
