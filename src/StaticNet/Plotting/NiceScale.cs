using System;
using System.Collections.Generic;
using System.Globalization;

namespace StaticNet.Plotting;

/// <summary>
/// An axis range with "nice" ticks: the step is 1, 2 or 5 times a power of ten, and the range
/// runs from a multiple of the step below the data to one above it.
/// </summary>
/// <param name="Min">The axis minimum, a multiple of <paramref name="Step"/>.</param>
/// <param name="Max">The axis maximum, a multiple of <paramref name="Step"/>.</param>
/// <param name="Step">The distance between ticks.</param>
/// <param name="FirstIndex">The first tick is <c>FirstIndex * Step</c> (kept as an integer to avoid drift).</param>
/// <param name="Count">The number of ticks, both ends included.</param>
internal readonly record struct NiceScale(double Min, double Max, double Step, long FirstIndex, int Count)
{
    /// <summary>
    /// The nice scale covering [<paramref name="min"/>, <paramref name="max"/>] with at most about
    /// <paramref name="maxTicks"/> ticks. A zero-width range is widened around its value (by 10 %
    /// of it, or by 1 around 0).
    /// </summary>
    public static NiceScale Create(double min, double max, int maxTicks = 6)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || min > max)
            throw new ArgumentException($"The range [{min}, {max}] is not a finite interval.");
        if (maxTicks < 2) throw new ArgumentOutOfRangeException(nameof(maxTicks), maxTicks, "At least two ticks are needed.");
        if (max - min <= Math.Max(Math.Abs(min), Math.Abs(max)) * 1e-12)
        {
            double pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            min -= pad;
            max += pad;
        }

        double step = NiceStep((max - min) / (maxTicks - 1));
        long first = (long)Math.Floor(min / step + 1e-9);
        long last = (long)Math.Ceiling(max / step - 1e-9);
        if (last == first) last++;
        return new NiceScale(first * step, last * step, step, first, (int)(last - first + 1));
    }

    /// <summary>The smallest of 1, 2, 5 times a power of ten that is at least <paramref name="rough"/>.</summary>
    public static double NiceStep(double rough)
    {
        if (!(rough > 0) || !double.IsFinite(rough)) throw new ArgumentOutOfRangeException(nameof(rough), rough, "The step must be positive and finite.");
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double fraction = rough / power;
        double nice = fraction <= 1 + 1e-9 ? 1 : fraction <= 2 + 1e-9 ? 2 : fraction <= 5 + 1e-9 ? 5 : 10;
        return nice * power;
    }

    /// <summary>The tick values, from <see cref="Min"/> to <see cref="Max"/>.</summary>
    public IReadOnlyList<double> Ticks()
    {
        var ticks = new double[Count];
        for (int i = 0; i < Count; i++) ticks[i] = (FirstIndex + i) * Step;
        return ticks;
    }

    /// <summary>Decimals that show every tick exactly: 0 for steps of 1 or more, 2 for 0.05, ...</summary>
    public int Decimals => StepDecimals(Step);

    /// <summary>A tick value as a label with <see cref="Decimals"/> decimals, invariant culture.</summary>
    public string Label(double tick) => FormatTick(tick, Decimals);

    /// <summary>Decimals that show multiples of <paramref name="step"/> exactly.</summary>
    public static int StepDecimals(double step) => Math.Max(0, (int)-Math.Floor(Math.Log10(step) + 1e-9));

    /// <summary>A number with a fixed number of decimals, invariant culture, never "-0".</summary>
    public static string FormatTick(double value, int decimals)
    {
        string text = value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return text.StartsWith('-') && double.Parse(text, CultureInfo.InvariantCulture) == 0 ? text.Substring(1) : text;
    }
}
