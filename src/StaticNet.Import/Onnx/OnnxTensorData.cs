using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;

namespace StaticNet.Import.Onnx;

/// <summary>
/// Decodes an initializer's values, wherever they are stored: <c>raw_data</c>, the typed
/// <c>float_data</c>/<c>double_data</c>/<c>int32_data</c>/<c>int64_data</c> fields, or an external
/// data file whose <c>location</c> is relative to the model file (as onnx.save_model writes it).
/// </summary>
internal sealed class OnnxTensorData
{
    private readonly string _modelPath;

    public OnnxTensorData(string modelPath) => _modelPath = modelPath;

    public float[] Floats(OnnxTensor t, string where)
    {
        long count = ElementCount(t);
        float[] values;
        byte[]? raw = t.IsExternal ? ReadExternal(t, count) : t.RawData;
        switch (t.DataType)
        {
            case OnnxTensor.Float:
                values = raw is not null ? Decode(raw, count, 4, t, b => BinaryPrimitives.ReadSingleLittleEndian(b)) : t.FloatData.ToArray();
                break;
            case OnnxTensor.Double:
                values = raw is not null ? Decode(raw, count, 8, t, b => (float)BinaryPrimitives.ReadDoubleLittleEndian(b)) : t.DoubleData.Select(d => (float)d).ToArray();
                break;
            case OnnxTensor.Float16:
                values = raw is not null ? Decode(raw, count, 2, t, b => (float)BinaryPrimitives.ReadHalfLittleEndian(b)) : t.Int32Data.Select(v => (float)BitConverter.UInt16BitsToHalf((ushort)v)).ToArray();
                break;
            case OnnxTensor.BFloat16:
                values = raw is not null ? Decode(raw, count, 2, t, b => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16)) : t.Int32Data.Select(v => BitConverter.Int32BitsToSingle((int)(v << 16))).ToArray();
                break;
            default:
                throw new ModelImportException($"The initializer '{t.Name}' used by {where} has ONNX data type {t.DataType}; the importer reads float, double, float16 and bfloat16 weights.");
        }
        if (values.LongLength != count)
            throw new InvalidDataException($"The initializer '{t.Name}' has shape [{string.Join(", ", t.Dims)}] ({count} values) but holds {values.Length}.");
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new ModelImportException($"The initializer '{t.Name}' used by {where} holds a non-finite value ({values[i]}) at index {i}.");
        return values;
    }

    public long[] Int64s(OnnxTensor t)
    {
        long count = ElementCount(t);
        byte[]? raw = t.IsExternal ? ReadExternal(t, count) : t.RawData;
        long[] values = t.DataType switch
        {
            OnnxTensor.Int64 => raw is not null ? Decode(raw, count, 8, t, b => BinaryPrimitives.ReadInt64LittleEndian(b)) : t.Int64Data.ToArray(),
            OnnxTensor.Int32 => raw is not null ? Decode(raw, count, 4, t, b => (long)BinaryPrimitives.ReadInt32LittleEndian(b)) : t.Int32Data.ToArray(),
            _ => throw new ModelImportException($"The shape tensor '{t.Name}' has ONNX data type {t.DataType}; expected int64."),
        };
        if (values.LongLength != count)
            throw new InvalidDataException($"The tensor '{t.Name}' has shape [{string.Join(", ", t.Dims)}] ({count} values) but holds {values.Length}.");
        return values;
    }

    private static long ElementCount(OnnxTensor t)
    {
        long count = 1;
        foreach (long d in t.Dims)
        {
            if (d < 0 || d > int.MaxValue)
                throw new InvalidDataException($"The tensor '{t.Name}' has dimension {d}.");
            count *= d;
            if (count > Array.MaxLength)
                throw new InvalidDataException($"The tensor '{t.Name}' has {count} values; at most {Array.MaxLength} are read.");
        }
        return count;
    }

    private delegate T Reader<T>(ReadOnlySpan<byte> bytes);

    private static T[] Decode<T>(byte[] raw, long count, int size, OnnxTensor t, Reader<T> read)
    {
        if (raw.LongLength != count * size)
            throw new InvalidDataException($"The tensor '{t.Name}' has shape [{string.Join(", ", t.Dims)}] ({count} values of {size} bytes) but {raw.Length} bytes of data.");
        var values = new T[count];
        for (int i = 0; i < values.Length; i++) values[i] = read(raw.AsSpan(i * size, size));
        return values;
    }

    private byte[] ReadExternal(OnnxTensor t, long count)
    {
        if (!t.ExternalData.TryGetValue("location", out string? location) || location.Length == 0)
            throw new InvalidDataException($"The tensor '{t.Name}' is stored as external data but names no location.");
        string directory = Path.GetDirectoryName(Path.GetFullPath(_modelPath))!;
        string file = Path.GetFullPath(Path.Combine(directory, location));
        // As onnx's own loader: the data must sit beside the model, not anywhere on the disk.
        if (Path.IsPathRooted(location) || !file.StartsWith(directory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InvalidDataException($"The tensor '{t.Name}' names the external data file '{location}', which is not inside the model's folder {directory}.");
        if (!File.Exists(file))
            throw new FileNotFoundException($"The tensor '{t.Name}' is stored in the external data file '{location}', which is missing (looked for {file}).", file);
        long offset = t.ExternalData.TryGetValue("offset", out string? o) ? ParseLong(o, "offset", t) : 0;
        using var stream = File.OpenRead(file);
        long length = t.ExternalData.TryGetValue("length", out string? l) ? ParseLong(l, "length", t) : stream.Length - offset;
        if (offset < 0 || length < 0 || offset > stream.Length || length > stream.Length - offset || length > Array.MaxLength)
            throw new InvalidDataException($"The tensor '{t.Name}' reads bytes [{offset}, {offset + length}) of '{location}', which has {stream.Length}.");
        var bytes = new byte[length];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static long ParseLong(string text, string key, OnnxTensor t) =>
        long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new InvalidDataException($"The tensor '{t.Name}' has the external data {key} '{text}', which is not a number.");
}
