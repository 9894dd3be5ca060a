using System;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Xml.Linq;
using StaticNet.Plotting;
using Xunit;

namespace StaticNet.Tests.Plotting;

public class SvgWriterTests
{
    [Fact]
    public void Format_UsesInvariantCultureAndAtMostTwoDecimals_WhateverTheCurrentCulture()
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            Assert.Equal("1.5", SvgWriter.Format(1.5));
            Assert.Equal("1234567.89", SvgWriter.Format(1234567.891));
            Assert.Equal("0.33", SvgWriter.Format(1.0 / 3));
            Assert.Equal("-2.68", SvgWriter.Format(-2.675000001));
            Assert.Equal("3", SvgWriter.Format(2.999));
            Assert.Equal("0", SvgWriter.Format(-0.001));
            Assert.Equal("0", SvgWriter.Format(-0.0));
            Assert.Equal("0.0001", SvgWriter.Format(0.0001, 4));
            Assert.Equal("100000000000000000000", SvgWriter.Format(1e20));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
        Assert.Throws<ArgumentException>(() => SvgWriter.Format(double.NaN));
        Assert.Throws<ArgumentException>(() => SvgWriter.Format(double.PositiveInfinity));
    }

    [Fact]
    public void Escape_ProducesTextThatParsesBackToTheOriginal()
    {
        const string text = "a & b < c > d \"e\" 'f' ✗ \U0001F600 tab\tnew\nline";
        Assert.Equal("&amp;&lt;&gt;&quot;&apos;", SvgWriter.Escape("&<>\"'"));
        var svg = new SvgWriter(10, 10, text);
        svg.BeginGroup("g", attributes: ("data-key", text));
        svg.Text(1, 2, text);
        svg.EndGroup();
        XElement root = Svg.ParseRoot(svg.ToString());
        Assert.Equal(text, root.Element(Svg.Ns + "title")!.Value);
        Assert.Equal(text, (string?)root.Element(Svg.Ns + "g")!.Attribute("data-key"));
        Assert.Equal(text, root.Descendants(Svg.Ns + "text").Single().Value);
    }

    [Fact]
    public void Escape_ReplacesCharactersXmlForbids()
    {
        string text = "bell\u0007 nul\0 lone\uD800 end\uFFFF";
        var svg = new SvgWriter(10, 10);
        svg.Text(0, 0, text);
        XElement root = Svg.ParseRoot(svg.ToString());
        Assert.Equal("bell\uFFFD nul\uFFFD lone\uFFFD end\uFFFD", root.Descendants(Svg.Ns + "text").Single().Value);
    }

    [Fact]
    public void Writer_EmitsEveryElementKindAsValidSvg()
    {
        var svg = new SvgWriter(200.5, 100, "t");
        svg.BeginGroup("grp", "tip");
        svg.Line(0, 0, 10, 10, "#000", 1, "4 2", "l");
        svg.Polyline([new SvgPoint(0, 0), new SvgPoint(1.234, 5.678)], "red");
        svg.Rect(1, 2, 3, -4, null, "blue", 2, "r", "rect tip");
        svg.Circle(5, 5, 2, "green", tooltip: "dot");
        svg.Text(10, 20, "rotated", 9, TextAnchor.Middle, bold: true, rotate: -90);
        svg.Image(0, 0, 28, 28, "data:image/png;base64,AAAA");
        svg.EndGroup();
        XElement root = Svg.ParseRoot(svg.ToString());
        Assert.Equal("0 0 200.5 100", (string?)root.Attribute("viewBox"));
        XElement g = root.Element(Svg.Ns + "g")!;
        Assert.Equal(new[] { "title", "line", "polyline", "rect", "circle", "text", "image" }, g.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("0,0 1.23,5.68", (string?)g.Element(Svg.Ns + "polyline")!.Attribute("points"));
        Assert.Equal("0", (string?)g.Element(Svg.Ns + "rect")!.Attribute("height"));
        Assert.Equal("rotate(-90 10 20)", (string?)g.Element(Svg.Ns + "text")!.Attribute("transform"));
        Assert.Equal("dot", g.Element(Svg.Ns + "circle")!.Element(Svg.Ns + "title")!.Value);
    }

    [Fact]
    public void Writer_RejectsUnbalancedGroupsAndBadSizes()
    {
        var svg = new SvgWriter(10, 10);
        svg.BeginGroup();
        Assert.Throws<InvalidOperationException>(() => svg.ToString());
        svg.EndGroup();
        Assert.Throws<InvalidOperationException>(() => svg.EndGroup());
        Assert.Throws<ArgumentOutOfRangeException>(() => new SvgWriter(0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SvgWriter(10, double.NaN));
    }

    [Theory]
    [InlineData(0.45, 0.5)]
    [InlineData(1.0, 1.0)]
    [InlineData(1.01, 2.0)]
    [InlineData(2.1, 5.0)]
    [InlineData(7.0, 10.0)]
    [InlineData(0.0123, 0.02)]
    [InlineData(340.0, 500.0)]
    public void NiceStep_RoundsUpTo125TimesAPowerOfTen(double rough, double expected) =>
        Assert.Equal(expected, NiceScale.NiceStep(rough), 12);

    [Fact]
    public void NiceScale_CoversTheRangeWithMultiplesOfTheStep()
    {
        NiceScale loss = NiceScale.Create(0.05, 2.3);
        Assert.Equal(new[] { "0.0", "0.5", "1.0", "1.5", "2.0", "2.5" }, loss.Ticks().Select(loss.Label));

        NiceScale accuracy = NiceScale.Create(0.6, 0.99);
        Assert.Equal(new[] { "0.6", "0.7", "0.8", "0.9", "1.0" }, accuracy.Ticks().Select(accuracy.Label));

        NiceScale negative = NiceScale.Create(-0.3, 0.1);
        Assert.Equal(new[] { "-0.3", "-0.2", "-0.1", "0.0", "0.1" }, negative.Ticks().Select(negative.Label));

        NiceScale constant = NiceScale.Create(1, 1);
        Assert.Equal(new[] { "0.90", "0.95", "1.00", "1.05", "1.10" }, constant.Ticks().Select(constant.Label));

        NiceScale large = NiceScale.Create(1200, 9800);
        Assert.Equal(new[] { "0", "2000", "4000", "6000", "8000", "10000" }, large.Ticks().Select(large.Label));
    }

    [Fact]
    public void Png_Crc32MatchesThePngSpecification() =>
        Assert.Equal(0xAE426082u, StaticNet.Serialization.Crc32.Append(0, Encoding.ASCII.GetBytes("IEND")));

    [Fact]
    public void Png_RoundTripsPixelsRowByRow()
    {
        const int width = 5, height = 3;
        byte[] pixels = Enumerable.Range(0, width * height).Select(i => (byte)(i * 17)).ToArray();
        byte[] png = PngEncoder.EncodeGray(pixels, width, height);
        var (w, h, decoded) = PngReader.DecodeGray(png);
        Assert.Equal((width, height), (w, h));
        Assert.Equal(pixels, decoded);
    }
}
