using System;
using System.Globalization;
using System.IO;
using StaticNet.Serialization;

namespace StaticNet.Data;

/// <summary>
/// A per-feature scaling fitted on training data and applied unchanged to validation, test and new
/// samples, as scikit-learn's scalers (<see cref="StandardScaler"/>, <see cref="MinMaxScaler"/>).
/// Keras users know the same idea as the <c>Normalization</c> layer; here it is a separate object,
/// saved beside the model (<see cref="Save(string)"/>) so that prediction scales inputs exactly as
/// training did.
/// </summary>
/// <remarks>
/// Parameters are computed and applied in double precision (scikit-learn's float64) and the results
/// rounded to float. Every method checks its input: the number of columns must match the fitted one,
/// and values must be finite (the message names the row and column).
/// </remarks>
public abstract class FeatureScaler
{
    private protected const int Magic = 0x4353_4E53; // "SNSC" read as a little-endian int32
    private protected const ushort Version = 1;

    /// <summary>Kind codes of the file format (docs/FORMATS.md).</summary>
    private protected const byte StandardKind = 1, MinMaxKind = 2;

    /// <summary>Largest feature count accepted from a file (a larger one means corruption).</summary>
    private const int MaxFeatures = 1 << 24;

    /// <summary>The number of features (columns) it was fitted on; 0 before <see cref="Fit"/>.</summary>
    public int FeatureCount { get; private protected set; }

    /// <summary>Whether <see cref="Fit"/> (or <see cref="Load(string)"/>) has set the parameters.</summary>
    public bool IsFitted => FeatureCount > 0;

    /// <summary>Computes the scaling from <paramref name="x"/> (the training data only: fitting on test
    /// data leaks it into training). Replaces any earlier fit.</summary>
    /// <param name="x">Samples, one per row; at least one row and one column, all values finite.</param>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="x"/> is empty or holds a NaN or infinity.</exception>
    public void Fit(float[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int rows = x.GetLength(0), columns = x.GetLength(1);
        if (rows == 0 || columns == 0)
            throw new ArgumentException($"Cannot fit a scaler on {rows} rows of {columns} columns; at least one of each is needed.", nameof(x));
        CheckFinite(x, nameof(x));
        FitCore(x);
        FeatureCount = columns;
    }

    /// <summary>Fits on <paramref name="x"/> and returns it scaled: <c>Fit(x)</c> then <c>Transform(x)</c>.</summary>
    /// <inheritdoc cref="Fit"/>
    public float[,] FitTransform(float[,] x)
    {
        Fit(x);
        return Transform(x);
    }

    /// <summary>Returns a scaled copy of <paramref name="x"/>.</summary>
    /// <param name="x">Samples with <see cref="FeatureCount"/> columns.</param>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    /// <exception cref="ArgumentException">Wrong column count, or a NaN or infinity.</exception>
    public float[,] Transform(float[,] x) => Apply(x, inverse: false);

    /// <summary>Undoes <see cref="Transform(float[,])"/>: maps scaled values back to the original units
    /// (up to float rounding).</summary>
    /// <inheritdoc cref="Transform(float[,])"/>
    public float[,] InverseTransform(float[,] x) => Apply(x, inverse: true);

    /// <summary>Scales one sample into <paramref name="destination"/>, without allocating.</summary>
    /// <param name="sample">One sample of <see cref="FeatureCount"/> values.</param>
    /// <param name="destination">Receives the scaled values; same length (may be the same memory).</param>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    /// <exception cref="ArgumentException">A length differs from <see cref="FeatureCount"/>, or a value is not finite.</exception>
    public void Transform(ReadOnlySpan<float> sample, Span<float> destination)
    {
        CheckSample(sample, destination);
        TransformRow(sample, destination);
    }

    /// <summary>Returns one sample scaled.</summary>
    /// <inheritdoc cref="Transform(ReadOnlySpan{float}, Span{float})"/>
    public float[] Transform(ReadOnlySpan<float> sample)
    {
        var result = new float[sample.Length];
        Transform(sample, result);
        return result;
    }

    /// <summary>Maps one scaled sample back to the original units.</summary>
    /// <inheritdoc cref="Transform(ReadOnlySpan{float}, Span{float})"/>
    public void InverseTransform(ReadOnlySpan<float> sample, Span<float> destination)
    {
        CheckSample(sample, destination);
        InverseRow(sample, destination);
    }

    /// <summary>Saves the fitted parameters (format in docs/FORMATS.md, magic <c>SNSC</c>), crash-safe:
    /// a temporary file beside <paramref name="path"/> is renamed over it once complete.</summary>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        EnsureFitted();
        AtomicFile.Write(path, Save);
    }

    /// <summary>Writes the fitted parameters to a stream (left open).</summary>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        EnsureFitted();
        var writer = new FormatWriter(stream);
        writer.WriteInt32(Magic);
        writer.WriteUInt16(Version);
        writer.WriteByte(Kind);
        writer.WriteInt32(FeatureCount);
        WriteParameters(writer);
        writer.Finish();
    }

    /// <summary>Loads a scaler saved by <see cref="Save(string)"/>: a <see cref="StandardScaler"/> or a
    /// <see cref="MinMaxScaler"/>, whichever was saved.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a scaler file, is truncated or corrupt
    /// (checksum), or has data after its end; the message names the file.</exception>
    public static FeatureScaler Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = AtomicFile.OpenRead(path);
        try
        {
            var reader = new FormatReader(stream);
            FeatureScaler scaler = Read(reader);
            if (!reader.AtEnd())
                throw new InvalidDataException($"The file has data after the scaler's checksum at byte {reader.Position + 4}.");
            return scaler;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid scaler file: {e.Message}", e);
        }
    }

    /// <summary>Reads a scaler from a stream positioned at its start; the stream is left right after it.</summary>
    /// <exception cref="InvalidDataException">The data is not a scaler, is truncated or corrupt.</exception>
    public static FeatureScaler Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Read(new FormatReader(stream));
    }

    private protected abstract byte Kind { get; }

    private protected abstract void FitCore(float[,] x);

    private protected abstract void TransformRow(ReadOnlySpan<float> source, Span<float> destination);

    private protected abstract void InverseRow(ReadOnlySpan<float> source, Span<float> destination);

    private protected abstract void WriteParameters(FormatWriter writer);

    private protected abstract void ReadParameters(FormatReader reader, int features);

    private protected static void WriteDoubles(FormatWriter writer, double[] values)
    {
        foreach (double v in values) writer.WriteUInt64(BitConverter.DoubleToUInt64Bits(v));
    }

    private protected static double[] ReadDoubles(FormatReader reader, int count, string what)
    {
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = BitConverter.UInt64BitsToDouble(reader.ReadUInt64(what));
            if (!double.IsFinite(values[i]))
                throw new InvalidDataException($"The {what} of feature {i} is {values[i].ToString(CultureInfo.InvariantCulture)}; it must be finite.");
        }
        return values;
    }

    private static FeatureScaler Read(FormatReader reader)
    {
        int magic = reader.ReadInt32("magic");
        if (magic != Magic)
            throw new InvalidDataException($"wrong magic bytes: expected 'SNSC' (0x{Magic:X8}), found 0x{magic:X8}.");
        ushort version = reader.ReadUInt16("version");
        if (version != Version)
            throw new InvalidDataException($"unknown format version {version}; this StaticNet reads version {Version}.");
        byte kind = reader.ReadByte("scaler kind");
        FeatureScaler scaler = kind switch
        {
            StandardKind => new StandardScaler(),
            MinMaxKind => new MinMaxScaler(),
            _ => throw new InvalidDataException($"unknown scaler kind {kind} (1 = standard, 2 = min-max)."),
        };
        int features = reader.ReadInt32("feature count");
        if (features < 1 || features > MaxFeatures)
            throw new InvalidDataException($"the feature count is {features}; it must be in [1, {MaxFeatures}].");
        scaler.ReadParameters(reader, features);
        reader.VerifyChecksum();
        scaler.FeatureCount = features;
        return scaler;
    }

    private float[,] Apply(float[,] x, bool inverse)
    {
        ArgumentNullException.ThrowIfNull(x);
        EnsureFitted();
        int rows = x.GetLength(0), columns = x.GetLength(1);
        if (columns != FeatureCount)
            throw new ArgumentException(
                $"x has {columns} columns but the scaler was fitted on {FeatureCount} features.", nameof(x));
        CheckFinite(x, nameof(x));
        var result = new float[rows, columns];
        var source = new float[columns];
        var target = new float[columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++) source[j] = x[i, j];
            if (inverse) InverseRow(source, target);
            else TransformRow(source, target);
            for (int j = 0; j < columns; j++) result[i, j] = target[j];
        }
        return result;
    }

    private void CheckSample(ReadOnlySpan<float> sample, Span<float> destination)
    {
        EnsureFitted();
        if (sample.Length != FeatureCount)
            throw new ArgumentException($"The sample has {sample.Length} values but the scaler was fitted on {FeatureCount} features.", nameof(sample));
        if (destination.Length != FeatureCount)
            throw new ArgumentException($"destination has {destination.Length} elements; it needs {FeatureCount}.", nameof(destination));
        for (int j = 0; j < sample.Length; j++)
        {
            if (!float.IsFinite(sample[j]))
                throw new ArgumentException($"The sample's value {j} is {sample[j].ToString(CultureInfo.InvariantCulture)}; values must be finite.", nameof(sample));
        }
    }

    private void EnsureFitted()
    {
        if (!IsFitted)
            throw new InvalidOperationException($"This {GetType().Name} is not fitted: call Fit (on the training data) or Load first.");
    }

    private static void CheckFinite(float[,] x, string name)
    {
        int rows = x.GetLength(0), columns = x.GetLength(1);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
                if (!float.IsFinite(x[i, j]))
                    throw new ArgumentException(
                        $"{name}[{i}, {j}] is {x[i, j].ToString(CultureInfo.InvariantCulture)}; a scaler needs finite values (fill or drop missing values first).", name);
    }
}
