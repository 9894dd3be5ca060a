using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using StaticNet.Serialization;

namespace StaticNet.Data;

/// <summary>
/// Min-max scaling, as scikit-learn's <c>MinMaxScaler</c>: each feature is mapped linearly so that
/// the training data's minimum and maximum become <see cref="RangeMin"/> and <see cref="RangeMax"/>
/// (0 and 1 by default): <c>x · scale + offset</c> with <c>scale = (RangeMax − RangeMin) / (max − min)</c>
/// and <c>offset = RangeMin − min · scale</c>. A constant feature gets scale 1 (scikit-learn's rule),
/// so it maps to <c>RangeMin + (x − min)</c>. New data outside the training range maps outside the
/// target range (no clipping).
/// </summary>
public sealed class MinMaxScaler : FeatureScaler
{
    private double[] _dataMin = [];
    private double[] _dataMax = [];
    private double[] _scale = [];
    private double[] _offset = [];

    /// <summary>Creates a scaler onto [<paramref name="min"/>, <paramref name="max"/>]
    /// (scikit-learn's <c>feature_range</c>).</summary>
    /// <exception cref="ArgumentException">The bounds are not finite or <paramref name="min"/> ≥ <paramref name="max"/>.</exception>
    public MinMaxScaler(double min = 0, double max = 1)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || min >= max)
            throw new ArgumentException(
                $"The target range [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}] " +
                "must be finite with min < max, e.g. (0, 1) or (-1, 1).", nameof(min));
        RangeMin = min;
        RangeMax = max;
    }

    /// <summary>The value the training minimum of each feature maps to.</summary>
    public double RangeMin { get; private set; }

    /// <summary>The value the training maximum of each feature maps to.</summary>
    public double RangeMax { get; private set; }

    /// <summary>Each feature's minimum over the training rows (scikit-learn's <c>data_min_</c>).</summary>
    public IReadOnlyList<double> DataMin => _dataMin;

    /// <summary>Each feature's maximum over the training rows (scikit-learn's <c>data_max_</c>).</summary>
    public IReadOnlyList<double> DataMax => _dataMax;

    /// <summary>Loads a min-max scaler saved by <see cref="FeatureScaler.Save(string)"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid scaler file, or holds a standard scaler.</exception>
    public static new MinMaxScaler Load(string path) =>
        FeatureScaler.Load(path) as MinMaxScaler
        ?? throw new InvalidDataException($"'{path}' holds a StandardScaler, not a MinMaxScaler; load it with StandardScaler.Load or FeatureScaler.Load.");

    private protected override byte Kind => MinMaxKind;

    private protected override void FitCore(float[,] x)
    {
        int rows = x.GetLength(0), columns = x.GetLength(1);
        var min = new double[columns];
        var max = new double[columns];
        for (int j = 0; j < columns; j++)
        {
            min[j] = double.PositiveInfinity;
            max[j] = double.NegativeInfinity;
            for (int i = 0; i < rows; i++)
            {
                min[j] = Math.Min(min[j], x[i, j]);
                max[j] = Math.Max(max[j], x[i, j]);
            }
        }
        SetParameters(min, max);
    }

    private void SetParameters(double[] min, double[] max)
    {
        int columns = min.Length;
        var scale = new double[columns];
        var offset = new double[columns];
        for (int j = 0; j < columns; j++)
        {
            double range = max[j] - min[j];
            scale[j] = (RangeMax - RangeMin) / (range == 0 ? 1.0 : range);
            offset[j] = RangeMin - min[j] * scale[j];
        }
        _dataMin = min;
        _dataMax = max;
        _scale = scale;
        _offset = offset;
    }

    private protected override void TransformRow(ReadOnlySpan<float> source, Span<float> destination)
    {
        for (int j = 0; j < source.Length; j++) destination[j] = (float)(source[j] * _scale[j] + _offset[j]);
    }

    private protected override void InverseRow(ReadOnlySpan<float> source, Span<float> destination)
    {
        for (int j = 0; j < source.Length; j++) destination[j] = (float)((source[j] - _offset[j]) / _scale[j]);
    }

    private protected override void WriteParameters(FormatWriter writer)
    {
        writer.WriteUInt64(BitConverter.DoubleToUInt64Bits(RangeMin));
        writer.WriteUInt64(BitConverter.DoubleToUInt64Bits(RangeMax));
        WriteDoubles(writer, _dataMin);
        WriteDoubles(writer, _dataMax);
    }

    private protected override void ReadParameters(FormatReader reader, int features)
    {
        double[] range = ReadDoubles(reader, 2, "target range");
        if (range[0] >= range[1])
            throw new InvalidDataException($"the target range is [{range[0]}, {range[1]}]; min must be below max.");
        double[] min = ReadDoubles(reader, features, "data minimum");
        double[] max = ReadDoubles(reader, features, "data maximum");
        for (int j = 0; j < features; j++)
            if (min[j] > max[j])
                throw new InvalidDataException($"feature {j}'s minimum {min[j]} is above its maximum {max[j]}.");
        RangeMin = range[0];
        RangeMax = range[1];
        SetParameters(min, max);
    }
}
