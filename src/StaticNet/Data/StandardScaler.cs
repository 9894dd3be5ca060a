using System;
using System.Collections.Generic;
using System.IO;
using StaticNet.Serialization;

namespace StaticNet.Data;

/// <summary>
/// Standardisation, as scikit-learn's <c>StandardScaler</c>: each feature becomes
/// <c>(x − mean) / scale</c>, with the mean and the population standard deviation (divided by n,
/// not n − 1) of the training data; a constant feature gets scale 1, so it maps to 0 instead of
/// dividing by zero.
/// </summary>
/// <example>
/// <code>
/// var scaler = new StandardScaler();
/// float[,] xTrainScaled = scaler.FitTransform(xTrain);   // fitted on the training rows only
/// float[,] xTestScaled = scaler.Transform(xTest);
/// scaler.Save("iris.scaler");                            // beside the model's weights
/// </code>
/// </example>
public sealed class StandardScaler : FeatureScaler
{
    private double[] _mean = [];
    private double[] _scale = [];

    /// <summary>Each feature's mean over the training rows (scikit-learn's <c>mean_</c>).</summary>
    public IReadOnlyList<double> Mean => _mean;

    /// <summary>Each feature's divisor: its population standard deviation, or 1 for a constant feature
    /// (scikit-learn's <c>scale_</c>).</summary>
    public IReadOnlyList<double> Scale => _scale;

    /// <summary>Loads a standard scaler saved by <see cref="FeatureScaler.Save(string)"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid scaler file, or holds a min-max scaler.</exception>
    public static new StandardScaler Load(string path) =>
        FeatureScaler.Load(path) as StandardScaler
        ?? throw new InvalidDataException($"'{path}' holds a MinMaxScaler, not a StandardScaler; load it with MinMaxScaler.Load or FeatureScaler.Load.");

    private protected override byte Kind => StandardKind;

    private protected override void FitCore(float[,] x)
    {
        int rows = x.GetLength(0), columns = x.GetLength(1);
        var mean = new double[columns];
        var scale = new double[columns];
        for (int j = 0; j < columns; j++)
        {
            // Two passes in double: the mean, then the mean squared deviation (exact enough for any float data).
            double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
            for (int i = 0; i < rows; i++)
            {
                double v = x[i, j];
                sum += v;
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
            double m = sum / rows;
            double squares = 0;
            for (int i = 0; i < rows; i++)
            {
                double d = x[i, j] - m;
                squares += d * d;
            }
            double std = Math.Sqrt(squares / rows);
            mean[j] = m;
            // A constant column (or one whose spread is lost in rounding) keeps its scale: 1, as scikit-learn.
            scale[j] = min == max || std == 0 ? 1.0 : std;
        }
        _mean = mean;
        _scale = scale;
    }

    private protected override void TransformRow(ReadOnlySpan<float> source, Span<float> destination)
    {
        for (int j = 0; j < source.Length; j++) destination[j] = (float)((source[j] - _mean[j]) / _scale[j]);
    }

    private protected override void InverseRow(ReadOnlySpan<float> source, Span<float> destination)
    {
        for (int j = 0; j < source.Length; j++) destination[j] = (float)(source[j] * _scale[j] + _mean[j]);
    }

    private protected override void WriteParameters(FormatWriter writer)
    {
        WriteDoubles(writer, _mean);
        WriteDoubles(writer, _scale);
    }

    private protected override void ReadParameters(FormatReader reader, int features)
    {
        double[] mean = ReadDoubles(reader, features, "mean");
        double[] scale = ReadDoubles(reader, features, "scale");
        for (int j = 0; j < features; j++)
            if (!(scale[j] > 0))
                throw new InvalidDataException($"the scale of feature {j} is {scale[j]}; it must be positive.");
        _mean = mean;
        _scale = scale;
    }
}
