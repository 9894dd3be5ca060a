using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;
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

    private static List<XElement> Cells(XElement root) => Svg.ByClass(root, "g", "cell").ToList();

    private static int Index(XElement cell) => (int)Svg.Num((string)cell.Attribute("data-index")!);

    [Fact]
    public void ToSvg_IsSvgXmlWithNamespaceViewBoxAndOneCellPerImage()
    {
        int[] labels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0];
        XElement root = Svg.ParseRoot(PredictionSheet.ToSvg(Images(11), Side, Side, Probabilities(labels, 10), labels, columns: 4, title: "Digits"));
        var cells = Cells(root);
        Assert.Equal(Enumerable.Range(0, 11), cells.Select(Index));
        Assert.All(cells, c => Assert.Single(c.Descendants(Svg.Ns + "image")));
        Assert.All(cells, c => Assert.Equal(10, Svg.ByClass(c, "rect", "bar").Count()));
        Assert.Equal("Digits", Svg.ByClass(root, "text", "title").Single().Value);

        // 4 columns, 3 rows, cells aligned.
        var images = cells.Select(c => c.Descendants(Svg.Ns + "image").Single()).ToList();
        Assert.Equal(4, images.Select(i => Svg.Attr(i, "x")).Distinct().Count());
        Assert.Equal(3, images.Select(i => Svg.Attr(i, "y")).Distinct().Count());
    }

    [Fact]
    public void ToSvg_MarksExactlyTheWrongPredictions()
    {
        int[] labels = [3, 5, 1, 7, 2, 2, 9, 0];
        int[] predicted = [3, 3, 1, 7, 4, 2, 9, 6];  // wrong: #1 (3 for 5), #4 (4 for 2), #7 (6 for 0)
        XElement root = Svg.ParseRoot(PredictionSheet.ToSvg(Images(8), Side, Side, Probabilities(predicted, 10), labels));

        var wrongFrames = Svg.ByClass(root, "rect", "wrong").ToList();
        Assert.Equal(3, wrongFrames.Count);
        Assert.Equal(new[] { 1, 4, 7 }, wrongFrames.Select(f => Index(f.Parent!)));
        Assert.All(wrongFrames, f => Assert.Equal("#d62728", (string?)f.Attribute("stroke")));
        Assert.Equal(new[] { "✗ pred 3, true 5", "✗ pred 4, true 2", "✗ pred 6, true 0" },
            Svg.ByClass(root, "text", "caption").Where(t => Svg.HasClass(t, "wrong")).Select(t => t.Value));
        Assert.Equal(5, Svg.ByClass(root, "text", "caption").Count(t => t.Value.StartsWith("✓ pred ")));
        Assert.Equal("✓ pred 3, true 3", Svg.ByClass(Cells(root)[0], "text", "caption").Single().Value);
        Assert.Equal(5, Cells(root).Count(c => !Svg.HasClass(c, "wrong")));
        Assert.Contains("8 images, 3 wrong", Svg.ByClass(root, "text", "subtitle").Single().Value);
    }

    [Fact]
    public void ToSvg_BarLengthsAreProportionalToProbabilities_AndStartTogether()
    {
        var probabilities = new float[,] { { 0.1f, 0.6f, 0.3f }, { 1f, 0f, 0f }, { 0.25f, 0.25f, 0.5f } };
        int[] labels = [1, 0, 0];
        XElement root = Svg.ParseRoot(PredictionSheet.ToSvg(Images(3), Side, Side, probabilities, labels));
        double? full = null;
        foreach (XElement cell in Cells(root))
        {
            int i = Index(cell);
            var bars = Svg.ByClass(cell, "rect", "bar").ToList();
            Assert.Equal(3, bars.Count);
            Assert.Single(bars.Select(b => Svg.Attr(b, "x")).Distinct());
            for (int c = 0; c < 3; c++)
            {
                double width = Svg.Attr(bars[c], "width");
                if (probabilities[i, c] > 0.5f) full ??= width / probabilities[i, c];
                if (full is double scale) Assert.Equal(scale * probabilities[i, c], width, 0.01);
            }
            // Bars stack top to bottom in class order.
            var ys = bars.Select(b => Svg.Attr(b, "y")).ToList();
            Assert.Equal(ys.OrderBy(y => y), ys);
            Assert.Equal(new[] { "0", "1", "2" }, Svg.ByClass(cell, "text", "bar-label").Select(t => t.Value));
        }
        Assert.NotNull(full);
        // The bar of probability 1 fills the track.
        XElement certain = Cells(root)[1];
        Assert.Equal(Svg.Attr(Svg.ByClass(certain, "rect", "track").First(), "width"), Svg.Attr(Svg.ByClass(certain, "rect", "bar").First(), "width"), 0.01);
        // Third image: predicted 2 (0.5), true 0 -> wrong; the true bar blue, the predicted one red.
        var third = Svg.ByClass(Cells(root)[2], "rect", "bar").Select(b => (string?)b.Attribute("fill")).ToList();
        Assert.Equal(new[] { "#1f77b4", "#a0a0a0", "#d62728" }, third);
    }

    [Fact]
    public void ToSvg_OneOutputColumn_ShowsBarsForP0AndP1()
    {
        var probabilities = new float[,] { { 0.8f }, { 0.3f }, { 0.5f } };
        int[] labels = [0, 0, 1];   // predicted 1, 0, 0 (p > 0.5 is class 1): #0 and #2 wrong
        XElement root = Svg.ParseRoot(PredictionSheet.ToSvg(Images(3), Side, Side, probabilities, labels, classNames: ["zero", "one"]));
        var cells = Cells(root);
        Assert.Equal(new[] { 0, 2 }, cells.Where(c => Svg.HasClass(c, "wrong")).Select(Index));
        Assert.Equal("✗ pred one, true zero", Svg.ByClass(cells[0], "text", "caption").Single().Value);
        double track = Svg.Attr(Svg.ByClass(cells[0], "rect", "track").First(), "width");
        for (int i = 0; i < 3; i++)
        {
            var widths = Svg.ByClass(cells[i], "rect", "bar").Select(b => Svg.Attr(b, "width")).ToList();
            Assert.Equal(2, widths.Count);
            Assert.Equal((1 - probabilities[i, 0]) * track, widths[0], 0.01);
            Assert.Equal(probabilities[i, 0] * track, widths[1], 0.01);
            Assert.Equal(new[] { "zero", "one" }, Svg.ByClass(cells[i], "text", "bar-label").Select(t => t.Value));
        }
    }

    [Fact]
    public void ToSvg_EscapesClassNamesAndTitle()
    {
        string[] names = ["<T&>", "\"q\" 'a'"];
        var probabilities = new float[,] { { 0.9f, 0.1f }, { 0.2f, 0.8f } };
        string svg = PredictionSheet.ToSvg(Images(2), Side, Side, probabilities, [1, 1], title: "x < y & z", classNames: names);
        XElement root = Svg.ParseRoot(svg);
        Assert.Equal(names, Svg.ByClass(Cells(root)[0], "text", "bar-label").Select(t => t.Value));
        Assert.Equal("✗ pred <T&>, true \"q\" 'a'", Svg.ByClass(Cells(root)[0], "text", "caption").Single().Value);
        Assert.Equal("x < y & z", Svg.ByClass(root, "text", "title").Single().Value);
        Assert.DoesNotContain("<T&>", svg);
    }

    [Fact]
    public void ToSvg_EmbedsEachImageUprightAndUnmirrored_InkDarkOnWhite()
    {
        const int width = 5, height = 3;   // not square, so a transposed image would not even fit
        var images = new float[2, width * height];
        images[0, 0] = 1f;                  // top-left pixel: full ink
        images[0, 1 * width + 4] = 0.5f;    // row 1, last column: half ink
        images[1, 2 * width + 0] = 1f;      // bottom-left
        images[1, 3] = float.NaN;           // shown as background
        images[1, 4] = 7f;                  // clamped to full ink
        var probabilities = new float[,] { { 1f, 0f }, { 0f, 1f } };
        XElement root = Svg.ParseRoot(PredictionSheet.ToSvg(images, width, height, probabilities, [0, 1]));

        var elements = root.Descendants(Svg.Ns + "image").ToList();
        Assert.Equal(2, elements.Count);
        for (int i = 0; i < 2; i++)
        {
            XElement image = elements[i];
            Assert.Equal(width / (double)height, Svg.Attr(image, "width") / Svg.Attr(image, "height"), 3);
            string href = (string)image.Attribute("href")!;
            Assert.StartsWith("data:image/png;base64,", href);
            var (w, h, pixels) = PngReader.DecodeGray(Convert.FromBase64String(href["data:image/png;base64,".Length..]));
            Assert.Equal((width, height), (w, h));
            for (int k = 0; k < width * height; k++)
            {
                float v = images[i, k];
                byte expected = float.IsNaN(v) ? (byte)255 : (byte)(255 - (int)MathF.Round(Math.Clamp(v, 0f, 1f) * 255));
                Assert.Equal(expected, pixels[k]);
            }
        }
    }

    [Fact]
    public void ToSvg_SixtyFourRealDigits_StayCompact()
    {
        string directory = Mnist.FindDataDirectory() ?? throw new InvalidOperationException("samples/data/mnist not found");
        MnistData mnist = Mnist.Load(directory);
        const int count = 64;
        var images = new float[count, 784];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = mnist.TestLabels[i];
            for (int k = 0; k < 784; k++) images[i, k] = mnist.TestImages[i, k];
        }
        int[] predicted = labels.Select((l, i) => i % 9 == 4 ? (l + 1) % 10 : l).ToArray();
        string svg = PredictionSheet.ToSvg(images, 28, 28, Probabilities(predicted, 10), labels);
        XElement root = Svg.ParseRoot(svg);
        Assert.Equal(count, Cells(root).Count);
        Assert.Equal(predicted.Where((p, i) => p != labels[i]).Count(), Svg.ByClass(root, "rect", "wrong").Count());
        Assert.InRange(svg.Length, 1, 250_000);
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
    public void Save_WritesTheSameDocumentAsToSvg()
    {
        float[,] images = Images(2);
        float[,] p = Probabilities([0, 1], 2);
        string path = Path.Combine(Path.GetTempPath(), "staticnet-sheet-" + Guid.NewGuid().ToString("N") + ".svg");
        try
        {
            PredictionSheet.Save(images, Side, Side, p, [0, 0], path, columns: 1, title: "t");
            Assert.Equal(PredictionSheet.ToSvg(images, Side, Side, p, [0, 0], columns: 1, title: "t"), File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
