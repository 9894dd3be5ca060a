using System;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// What the pooling kernels share: the checks on entry and the clipping of a window to the input.
/// Every check reads only the geometry's constants, so the JIT folds it away for a valid geometry.
/// </summary>
internal static class Pool2D
{
    /// <summary>
    /// Throws unless the geometry has positive sizes, non-negative pads and every window overlaps
    /// the input (so no output is an empty max or average). Windows start at oy * StrideHeight - PadTop
    /// for increasing oy, so checking the first (PadTop &lt; PoolHeight) and the last (its start below
    /// InHeight) window covers all.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckGeometry<TGeom>() where TGeom : IPool2DGeometry
    {
        if (TGeom.InHeight <= 0 || TGeom.InWidth <= 0 || TGeom.Channels <= 0 || TGeom.OutHeight <= 0 || TGeom.OutWidth <= 0
            || TGeom.PoolHeight <= 0 || TGeom.PoolWidth <= 0 || TGeom.StrideHeight <= 0 || TGeom.StrideWidth <= 0
            || TGeom.PadTop < 0 || TGeom.PadLeft < 0
            || TGeom.PadTop >= TGeom.PoolHeight || TGeom.PadLeft >= TGeom.PoolWidth
            || (long)(TGeom.OutHeight - 1) * TGeom.StrideHeight - TGeom.PadTop >= TGeom.InHeight
            || (long)(TGeom.OutWidth - 1) * TGeom.StrideWidth - TGeom.PadLeft >= TGeom.InWidth)
            ThrowBadGeometry(typeof(TGeom).Name);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckCount(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The sample count must not be negative.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(ReadOnlySpan<float> span, long required, string name)
    {
        if (span.Length < required) ThrowTooShort(name, required, span.Length);
    }

    /// <summary>The window's rows (or columns) inside the input: [start, end) relative to <paramref name="origin"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (int Start, int End) Clip(int origin, int size, int inSize) =>
        (Math.Max(0, -origin), Math.Min(size, inSize - origin));

    private static void ThrowTooShort(string name, long required, int actual) =>
        throw new ArgumentException($"Expected at least {required} values in '{name}'; got {actual}.", name);

    private static void ThrowBadGeometry(string name) =>
        throw new ArgumentException(
            $"Pooling geometry '{name}' is inconsistent: sizes and strides must be positive, pads non-negative and smaller than the pool, and every window must overlap the input.",
            "TGeom");
}
