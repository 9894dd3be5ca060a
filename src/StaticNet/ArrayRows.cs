using System;
using System.Runtime.InteropServices;

namespace StaticNet;

/// <summary>
/// One row of a <c>float[samples, features]</c> array as a span, without copying: the one-sample
/// calls take it directly, as Keras users write <c>model.predict(x_test[:1])</c>:
/// <c>model.PredictClass(data.TestImages.Row(0))</c>.
/// </summary>
public static class ArrayRows
{
    /// <summary>Row <paramref name="row"/> of <paramref name="x"/> (its <c>x.GetLength(1)</c> values), read in place.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is not a row of <paramref name="x"/>.</exception>
    public static ReadOnlySpan<float> Row(this float[,] x, int row)
    {
        ArgumentNullException.ThrowIfNull(x);
        int rows = x.GetLength(0), columns = x.GetLength(1);
        if ((uint)row >= (uint)rows)
            throw new ArgumentOutOfRangeException(nameof(row), row, $"Expected a row index in [0, {rows - 1}]; the array has {rows} rows.");
        return columns == 0 ? ReadOnlySpan<float>.Empty : MemoryMarshal.CreateReadOnlySpan(ref x[row, 0], columns);
    }
}
