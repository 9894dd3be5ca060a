using System;

namespace StaticNet;

/// <summary>
/// The targets <c>Fit</c> and <c>Evaluate</c> read: one value per sample (<c>float[]</c>,
/// <c>int[]</c> or <c>double[]</c>: a 0/1 label, a class index or a regression value) or one row per
/// sample (<c>float[,]</c>, <c>double[,]</c>, <c>float[][]</c> or <c>double[][]</c>: one-hot classes
/// or several regression outputs). Each converts implicitly.
/// </summary>
public readonly struct TargetData
{
    private readonly object? _data;

    private TargetData(object? data) => _data = data;

    /// <summary>One value per sample.</summary>
    public static implicit operator TargetData(float[] y) => new(y);

    /// <summary>One class label (or 0/1 label) per sample.</summary>
    public static implicit operator TargetData(int[] y) => new(y);

    /// <summary>One value per sample in double precision.</summary>
    public static implicit operator TargetData(double[] y) => new(y);

    /// <summary>One row per sample, used without copying.</summary>
    public static implicit operator TargetData(float[,] y) => new(y);

    /// <summary>One row per sample in double precision.</summary>
    public static implicit operator TargetData(double[,] y) => new(y);

    /// <summary>One array per sample.</summary>
    public static implicit operator TargetData(float[][] y) => new(y);

    /// <summary>One double array per sample.</summary>
    public static implicit operator TargetData(double[][] y) => new(y);

    /// <summary>
    /// The targets as a row-major array (<paramref name="rows"/> x <paramref name="columns"/>) that another thread can read
    /// too: a <c>float[]</c> or <c>float[,]</c> itself, or the one copy of the other forms (<see cref="DataConversion.Span"/>
    /// gives its values); jagged rows must each hold <paramref name="width"/> values.
    /// </summary>
    /// <exception cref="ArgumentNullException">No array (a null one converted).</exception>
    internal object Storage(string name, int width, out int rows, out int columns)
    {
        columns = 1;
        switch (_data)
        {
            case float[] a:
                rows = a.Length;
                return a;
            case int[] a:
                rows = a.Length;
                return DataConversion.FromVector(a);
            case double[] a:
                rows = a.Length;
                return DataConversion.FromVector(a, name);
            default:
                return DataConversion.MatrixStorage(_data, name, width, "target values per sample", out rows, out columns);
        }
    }
}
