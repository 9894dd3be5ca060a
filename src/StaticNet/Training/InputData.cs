using System;

namespace StaticNet;

/// <summary>
/// The samples <c>Fit</c>, <c>Evaluate</c>, <c>Predict</c> and <c>PredictClasses</c> read, one row
/// per sample: a <c>float[,]</c> (used in place), or a <c>float[][]</c>, <c>double[,]</c> or
/// <c>double[][]</c> (copied once to floats). Each converts implicitly, so
/// <c>model.Fit(xTrain, yTrain)</c> works for all four.
/// </summary>
/// <remarks>
/// Checked when used: every row of a jagged array must hold the network's input size (else an
/// <see cref="ArgumentException"/> names the row and its length), doubles must fit in a float,
/// and values must be finite.
/// </remarks>
public readonly struct InputData
{
    private readonly object? _data;

    private InputData(object? data) => _data = data;

    /// <summary>Samples x features, used without copying.</summary>
    public static implicit operator InputData(float[,] x) => new(x);

    /// <summary>One array per sample.</summary>
    public static implicit operator InputData(float[][] x) => new(x);

    /// <summary>Samples x features in double precision (rounded to float once).</summary>
    public static implicit operator InputData(double[,] x) => new(x);

    /// <summary>One double array per sample (rounded to float once).</summary>
    public static implicit operator InputData(double[][] x) => new(x);

    /// <summary>The array when it is a <c>float[,]</c> (read in place), else null.</summary>
    internal float[,]? Matrix => _data as float[,];

    /// <summary>The number of samples (rows).</summary>
    public int Count => _data switch
    {
        float[,] a => a.GetLength(0),
        double[,] a => a.GetLength(0),
        Array a => a.Length,
        _ => 0,
    };

    /// <summary>
    /// The samples as row-major floats: <paramref name="rows"/> x <paramref name="columns"/>.
    /// Jagged rows must each hold <paramref name="width"/> values.
    /// </summary>
    /// <exception cref="ArgumentNullException">No array (a null one converted).</exception>
    internal ReadOnlySpan<float> Flatten(string name, int width, out int rows, out int columns) =>
        DataConversion.Span(Storage(name, width, out rows, out columns));

    /// <summary>What <see cref="Flatten"/> reads, as an array another thread can read too (<see cref="DataConversion.MatrixStorage"/>).</summary>
    internal object Storage(string name, int width, out int rows, out int columns) =>
        DataConversion.MatrixStorage(_data, name, width, "the network's input size", out rows, out columns);
}
