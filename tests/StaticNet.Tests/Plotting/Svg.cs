using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Xml.Linq;
using Xunit;

namespace StaticNet.Tests.Plotting;

/// <summary>Reading the SVG documents back in tests.</summary>
internal static class Svg
{
    public static readonly XNamespace Ns = "http://www.w3.org/2000/svg";

    /// <summary>Parses the document and checks the parts every picture must have.</summary>
    public static XElement ParseRoot(string svg)
    {
        XDocument doc = XDocument.Parse(svg);
        XElement root = doc.Root!;
        Assert.Equal(Ns + "svg", root.Name);
        string[] viewBox = ((string?)root.Attribute("viewBox") ?? "").Split(' ');
        Assert.Equal(4, viewBox.Length);
        Assert.Equal(0, Num(viewBox[0]));
        Assert.Equal(0, Num(viewBox[1]));
        Assert.True(Num(viewBox[2]) > 0 && Num(viewBox[3]) > 0);
        return root;
    }

    public static double Num(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    public static double Attr(XElement e, string name) =>
        Num((string?)e.Attribute(name) ?? throw new InvalidOperationException($"<{e.Name.LocalName}> has no {name}"));

    public static bool HasClass(XElement e, string cssClass) =>
        ((string?)e.Attribute("class") ?? "").Split(' ').Contains(cssClass);

    public static IEnumerable<XElement> ByClass(XElement root, string element, string cssClass) =>
        root.Descendants(Ns + element).Where(e => HasClass(e, cssClass));

    public static List<(double X, double Y)> Points(XElement polyline) =>
        ((string)polyline.Attribute("points")!).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(','))
            .Select(p => (Num(p[0]), Num(p[1])))
            .ToList();
}
