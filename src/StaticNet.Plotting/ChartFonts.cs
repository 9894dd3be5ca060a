using System;
using System.IO;
using System.Threading;
using ScottPlot;
using SkiaSharp;

namespace StaticNet.Plotting;

/// <summary>
/// The embedded DejaVu Sans (regular and bold) every chart uses, made known to ScottPlot under a
/// name of its own. Skia finds no font at all on a machine without fonts (a bare Linux container)
/// and then silently draws no text; with the font in the assembly, text renders everywhere and
/// charts look the same on every machine.
/// </summary>
internal static class ChartFonts
{
    /// <summary>The family name charts ask ScottPlot for; chosen so it cannot clash with an installed font.</summary>
    public const string Family = "StaticNet DejaVu Sans";

    private static readonly Lazy<SKTypeface> RegularFace = new(() => Load("StaticNet.Plotting.DejaVuSans.ttf"), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<SKTypeface> BoldFace = new(() => Load("StaticNet.Plotting.DejaVuSans-Bold.ttf"), LazyThreadSafetyMode.ExecutionAndPublication);
    private static int registered;

    public static SKTypeface Regular => RegularFace.Value;
    public static SKTypeface Bold => BoldFace.Value;

    /// <summary>Adds the resolver to ScottPlot's list once; it answers only for <see cref="Family"/>, so users' other plots are unaffected.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 0)
            Fonts.FontResolvers.Insert(0, new Resolver());
    }

    /// <summary>Sets every text of <paramref name="plot"/> to the embedded font, keeping the title bold.</summary>
    public static void Apply(Plot plot)
    {
        Register();
        plot.Font.Set(Family);
        plot.Axes.Title.Label.Bold = true;
        plot.Axes.Title.Label.FontName = Family;
    }

    private static SKTypeface Load(string resource)
    {
        using Stream stream = typeof(ChartFonts).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded font '{resource}' is missing from {typeof(ChartFonts).Assembly.GetName().Name}.");
        return SKTypeface.FromStream(stream)
            ?? throw new InvalidOperationException($"SkiaSharp could not read the embedded font '{resource}'.");
    }

    private sealed class Resolver : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            fontName == Family ? (weight >= FontWeight.SemiBold ? Bold : Regular) : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            fontName == Family ? (bold ? Bold : Regular) : null;
    }
}
