using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet;

/// <summary>
/// Turns the array forms <see cref="InputData"/> and <see cref="TargetData"/> accept into the one
/// representation training uses: row-major floats. A <c>float[,]</c> is read in place; the other
/// forms are copied once, checking rows and the float range on the way.
/// </summary>
internal static class DataConversion
{
    /// <summary>A rectangular array's elements as one row-major span, without copying.</summary>
    public static Span<float> Flat(float[,] array) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<byte, float>(ref MemoryMarshal.GetArrayDataReference(array)), array.Length);

    /// <summary>
    /// A matrix form as row-major floats in an array that another thread can read too: a <c>float[,]</c> itself, or one
    /// row-major <c>float[]</c> copy of a <c>double[,]</c>, <c>float[][]</c> or <c>double[][]</c> (jagged rows must each
    /// hold <paramref name="width"/> values; <paramref name="what"/> names that width in messages). <see cref="Span"/>
    /// gives its values.
    /// </summary>
    /// <exception cref="ArgumentNullException">No array (a null one converted).</exception>
    public static object MatrixStorage(object? data, string name, int width, string what, out int rows, out int columns)
    {
        switch (data)
        {
            case float[,] a:
                rows = a.GetLength(0);
                columns = a.GetLength(1);
                return a;
            case double[,] a:
                rows = a.GetLength(0);
                columns = a.GetLength(1);
                return FromMatrix(a, name);
            case float[][] a:
                rows = a.Length;
                return FromRows(a, width, name, what, out columns);
            case double[][] a:
                rows = a.Length;
                return FromRows(a, width, name, what, out columns);
            default:
                throw new ArgumentNullException(name);
        }
    }

    /// <summary>
    /// The values of a storage (<see cref="MatrixStorage"/>): a <c>float[,]</c> row-major, a <c>float[]</c>, or a caller's span
    /// pinned for the duration of a call (<see cref="PinnedFloats"/>).
    /// </summary>
    public static ReadOnlySpan<float> Span(object storage) => storage switch
    {
        float[,] matrix => Flat(matrix),
        PinnedFloats pinned => pinned.Span,
        _ => (float[])storage,
    };

    public static float[] FromRows(float[][] rows, int width, string name, string what, out int columns)
    {
        columns = CheckRows(rows, width, name, what, r => rows[r]?.Length);
        var flat = new float[checked(rows.Length * columns)];
        for (int r = 0; r < rows.Length; r++) rows[r].CopyTo(flat, r * columns);
        return flat;
    }

    public static float[] FromRows(double[][] rows, int width, string name, string what, out int columns)
    {
        columns = CheckRows(rows, width, name, what, r => rows[r]?.Length);
        var flat = new float[checked(rows.Length * columns)];
        for (int r = 0; r < rows.Length; r++)
            for (int c = 0; c < columns; c++) flat[r * columns + c] = ToSingle(rows[r][c], name, r, c);
        return flat;
    }

    public static float[] FromMatrix(double[,] values, string name)
    {
        int rows = values.GetLength(0), columns = values.GetLength(1);
        var flat = new float[values.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) flat[r * columns + c] = ToSingle(values[r, c], name, r, c);
        return flat;
    }

    public static float[] FromVector(double[] values, string name)
    {
        var flat = new float[values.Length];
        for (int i = 0; i < values.Length; i++) flat[i] = ToSingle(values[i], name, i, -1);
        return flat;
    }

    public static float[] FromVector(int[] values)
    {
        var flat = new float[values.Length];
        for (int i = 0; i < values.Length; i++) flat[i] = values[i];
        return flat;
    }

    /// <summary>
    /// The common row length of a jagged array: every row must be there and hold
    /// <paramref name="width"/> values (or, with <paramref name="width"/> 0, as many as row 0).
    /// </summary>
    private static int CheckRows(Array rows, int width, string name, string what, Func<int, int?> length)
    {
        if (rows.Length == 0) return Math.Max(width, 0);
        int expected = width > 0 ? width : length(0) ?? 0;
        for (int r = 0; r < rows.Length; r++)
        {
            int? actual = length(r);
            if (actual is null) throw new ArgumentException($"Row {r} of '{name}' is null.", name);
            if (actual != expected)
                throw new ArgumentException(width > 0
                    ? $"Row {r} of '{name}' has {actual} values; expected {expected} ({what})."
                    : $"Row {r} of '{name}' has {actual} values; row 0 has {expected} (the rows of '{name}' must all be as long).", name);
        }
        return expected;
    }

    /// <summary>A double as the float training uses; a finite value beyond float's range is an error, not infinity.</summary>
    private static float ToSingle(double value, string name, int row, int column)
    {
        float f = (float)value;
        if (float.IsInfinity(f) && double.IsFinite(value))
        {
            string where = column < 0 ? $"{name}[{row}]" : $"{name}[{row}][{column}]";
            throw new ArgumentException($"'{where}' is {value.ToString("R", CultureInfo.InvariantCulture)}, beyond the range of float (±{float.MaxValue.ToString(CultureInfo.InvariantCulture)}); scale the data.", name);
        }
        return f;
    }
}
