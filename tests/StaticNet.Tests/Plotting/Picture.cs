using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Xml.Linq;
using SkiaSharp;
using Xunit;

namespace StaticNet.Tests.Plotting;

/// <summary>Reading charts back in tests: PNG pixels and the texts of an SVG document.</summary>
internal static class Picture
{
    public static readonly XNamespace SvgNs = "http://www.w3.org/2000/svg";

    /// <summary>Checks the PNG signature and header, decodes the pixels and checks they match the header's size.</summary>
    public static SKBitmap DecodePng(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", Encoding.ASCII.GetString(png, 12, 4));
        int width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16));
        int height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        SKBitmap bitmap = SKBitmap.Decode(png) ?? throw new Xunit.Sdk.XunitException("The PNG does not decode.");
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
        return bitmap;
    }

    /// <summary>Pixels within <paramref name="tolerance"/> per channel of <paramref name="colour"/> in the rectangle (the whole image by default).</summary>
    public static int Count(SKBitmap bitmap, SKColor colour, int tolerance = 6, SKRectI? area = null)
    {
        SKRectI r = area ?? new SKRectI(0, 0, bitmap.Width, bitmap.Height);
        int count = 0;
        for (int y = Math.Max(0, r.Top); y < Math.Min(bitmap.Height, r.Bottom); y++)
            for (int x = Math.Max(0, r.Left); x < Math.Min(bitmap.Width, r.Right); x++)
            {
                SKColor c = bitmap.GetPixel(x, y);
                if (Math.Abs(c.Red - colour.Red) <= tolerance && Math.Abs(c.Green - colour.Green) <= tolerance && Math.Abs(c.Blue - colour.Blue) <= tolerance)
                    count++;
            }
        return count;
    }

    /// <summary>Pixels clearly darker than the white background (text, lines, frames) in the rectangle.</summary>
    public static int Dark(SKBitmap bitmap, SKRectI area)
    {
        int count = 0;
        for (int y = area.Top; y < area.Bottom; y++)
            for (int x = area.Left; x < area.Right; x++)
            {
                SKColor c = bitmap.GetPixel(x, y);
                if (c.Red + c.Green + c.Blue < 3 * 100) count++;
            }
        return count;
    }

    /// <summary>Parses an SVG document and returns the trimmed content of its text elements, in document order.</summary>
    public static List<string> SvgTexts(string svg)
    {
        XElement root = XDocument.Parse(svg).Root!;
        Assert.Equal(SvgNs + "svg", root.Name);
        Assert.True(double.Parse((string)root.Attribute("width")!) > 0 && double.Parse((string)root.Attribute("height")!) > 0);
        return root.Descendants(SvgNs + "text").Select(t => t.Value.Trim()).ToList();
    }

    public static SKColor Hex(string hex) => SKColor.Parse(hex);
}
