using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Text.Unicode;

namespace StaticNet.Interop;

/// <summary>The element types StaticNet reads; every value is converted to a 32-bit float.</summary>
internal enum SafetensorsDType
{
    F32,
    F16,
    BF16,
    F64,
    /// <summary>Parsed so that PyTorch's <c>num_batches_tracked</c> counters can be skipped; never converted (<see cref="SafetensorsHeader.ThrowIfNotFloat"/>).</summary>
    I64,
    /// <summary>Int8 weights of an int8 network file (<c>Int8Network.Save</c>); never converted to floats.</summary>
    I8,
    /// <summary>Integers of an int8 network file (input zero points); never converted to floats.</summary>
    I32,
}

/// <summary>One entry of the header: name, dtype, shape and byte range in the data section.</summary>
internal sealed record SafetensorsEntry(string Name, SafetensorsDType DType, int[] Shape, long Begin, long End)
{
    public int ElementCount => (int)((End - Begin) / SafetensorsHeader.ElementSize(DType));

    public string DTypeName => DType.ToString();
}

/// <summary>
/// The parsed and validated JSON header of a safetensors file. Parsing walks the bytes with
/// <see cref="Utf8JsonReader"/> (no reflection: trim and AOT safe) and rejects anything the
/// format does not allow before any tensor memory is allocated.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>The reference implementation's limit on the header's size.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>More dimensions than any real tensor has; bounds the work a corrupt header causes.</summary>
    private const int MaxRank = 64;

    private static readonly string[] s_unsupportedDTypes =
    {
        "BOOL", "U8", "I16", "U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64",
    };

    private SafetensorsHeader(List<SafetensorsEntry> entries, Dictionary<string, string> metadata, long dataLength)
    {
        Entries = entries;
        Metadata = metadata;
        DataLength = dataLength;
    }

    /// <summary>The tensors in the order the header lists them.</summary>
    public List<SafetensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> string map (empty when absent).</summary>
    public Dictionary<string, string> Metadata { get; }

    /// <summary>Bytes of the data section: the tensors cover it exactly, without holes or overlaps.</summary>
    public long DataLength { get; }

    public static int ElementSize(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 or SafetensorsDType.I32 => 4,
        SafetensorsDType.I8 => 1,
        SafetensorsDType.F64 or SafetensorsDType.I64 => 8,
        _ => 2,
    };

    /// <summary>Reads the 8-byte length and the JSON header; leaves the stream at the data section.</summary>
    public static SafetensorsHeader Read(Stream stream)
    {
        Span<byte> prefix = stackalloc byte[8];
        InteropIO.ReadExactly(stream, prefix, "the 8-byte header length");
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (length > MaxHeaderBytes)
            throw new InvalidDataException(
                $"The safetensors header length is {length} bytes, more than the format's limit of {MaxHeaderBytes}: the file is corrupt or not a safetensors file.");
        if (stream.CanSeek)
        {
            long remaining = stream.Length - stream.Position;
            if ((long)length > remaining)
                throw new InvalidDataException(
                    $"The safetensors header length is {length} bytes but only {remaining} bytes follow it: the file is truncated or not a safetensors file.");
        }
        if (length < 2)
            throw new InvalidDataException($"The safetensors header length is {length} bytes; the smallest header, {{}}, has 2.");
        byte[] json = InteropIO.ReadBlock(stream, (long)length, "the JSON header");
        SafetensorsHeader header = Parse(json);
        if (stream.CanSeek && header.DataLength > stream.Length - stream.Position)
            throw new InvalidDataException(
                $"The file is truncated: its tensors need a data section of {header.DataLength} bytes but only {stream.Length - stream.Position} follow the header.");
        return header;
    }

    /// <summary>Parses and validates a complete header.</summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json))
            throw new InvalidDataException("The safetensors header is not valid UTF-8.");
        if (json.Length == 0 || json[0] != (byte)'{')
            throw new InvalidDataException("The safetensors header must be a JSON object starting with '{' at its first byte.");

        var entries = new List<SafetensorsEntry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        Dictionary<string, string>? metadata = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            Expect(ref reader, JsonTokenType.StartObject, "the header");
            while (true)
            {
                Next(ref reader, "the header");
                if (reader.TokenType == JsonTokenType.EndObject) break;
                string name = reader.GetString()!;   // a property name: the only other token an object yields
                if (name == "__metadata__")
                {
                    if (metadata is not null) throw Invalid("The safetensors header has two \"__metadata__\" entries.");
                    metadata = ReadMetadata(ref reader);
                    continue;
                }
                if (!names.Add(name)) throw Invalid($"The safetensors header names tensor '{name}' twice.");
                entries.Add(ReadEntry(ref reader, name));
            }
            if (reader.Read())
                throw Invalid("The safetensors header has content after its JSON object (only space padding may follow).");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The safetensors header is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // GetString on an escaped lone surrogate ("\ud800"), which has no UTF-8 form.
            throw new InvalidDataException($"The safetensors header holds a string that is not valid Unicode: {e.Message}", e);
        }

        long dataLength = CheckOffsets(entries);
        return new SafetensorsHeader(entries, metadata ?? new Dictionary<string, string>(StringComparer.Ordinal), dataLength);
    }

    private static Dictionary<string, string> ReadMetadata(ref Utf8JsonReader reader)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        Expect(ref reader, JsonTokenType.StartObject, "\"__metadata__\" (an object of strings)");
        while (true)
        {
            Next(ref reader, "\"__metadata__\"");
            if (reader.TokenType == JsonTokenType.EndObject) return metadata;
            string key = reader.GetString()!;
            Expect(ref reader, JsonTokenType.String, $"the value of \"__metadata__\".\"{key}\" (metadata values are strings)");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw Invalid($"The safetensors \"__metadata__\" has the key '{key}' twice.");
        }
    }

    private static SafetensorsEntry ReadEntry(ref Utf8JsonReader reader, string name)
    {
        string where = $"tensor '{name}'";
        Expect(ref reader, JsonTokenType.StartObject, where + " (an object with dtype, shape and data_offsets)");
        string? dtypeName = null;
        List<int>? shape = null;
        long[]? offsets = null;
        while (true)
        {
            Next(ref reader, where);
            if (reader.TokenType == JsonTokenType.EndObject) break;
            string field = reader.GetString()!;
            switch (field)
            {
                case "dtype":
                    if (dtypeName is not null) throw Invalid($"The safetensors {where} has two 'dtype' fields.");
                    Expect(ref reader, JsonTokenType.String, where + ": 'dtype' (a string)");
                    dtypeName = reader.GetString()!;
                    break;
                case "shape":
                    if (shape is not null) throw Invalid($"The safetensors {where} has two 'shape' fields.");
                    shape = new List<int>();
                    Expect(ref reader, JsonTokenType.StartArray, where + ": 'shape' (an array of integers)");
                    while (true)
                    {
                        Next(ref reader, where + ": 'shape'");
                        if (reader.TokenType == JsonTokenType.EndArray) break;
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int d) || d < 0)
                            throw Invalid($"The safetensors {where} has a 'shape' entry that is not an integer from 0 to {int.MaxValue}.");
                        if (shape.Count == MaxRank) throw Invalid($"The safetensors {where} has more than {MaxRank} dimensions.");
                        shape.Add(d);
                    }
                    break;
                case "data_offsets":
                    if (offsets is not null) throw Invalid($"The safetensors {where} has two 'data_offsets' fields.");
                    offsets = new long[2];
                    Expect(ref reader, JsonTokenType.StartArray, where + ": 'data_offsets' (two integers)");
                    for (int i = 0; i < 2; i++)
                    {
                        Next(ref reader, where + ": 'data_offsets'");
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out offsets[i]) || offsets[i] < 0)
                            throw Invalid($"The safetensors {where} needs 'data_offsets' of two non-negative integers [begin, end].");
                    }
                    Next(ref reader, where + ": 'data_offsets'");
                    if (reader.TokenType != JsonTokenType.EndArray)
                        throw Invalid($"The safetensors {where} has more than two 'data_offsets'.");
                    break;
                default:
                    Next(ref reader, where);
                    reader.Skip();   // fields added by later versions of the format are ignored
                    break;
            }
        }
        if (dtypeName is null) throw Invalid($"The safetensors {where} has no 'dtype'.");
        if (shape is null) throw Invalid($"The safetensors {where} has no 'shape'.");
        if (offsets is null) throw Invalid($"The safetensors {where} has no 'data_offsets'.");

        SafetensorsDType dtype = dtypeName switch
        {
            "F32" => SafetensorsDType.F32,
            "F16" => SafetensorsDType.F16,
            "BF16" => SafetensorsDType.BF16,
            "F64" => SafetensorsDType.F64,
            "I64" => SafetensorsDType.I64,
            "I8" => SafetensorsDType.I8,
            "I32" => SafetensorsDType.I32,
            _ => throw Invalid(Array.IndexOf(s_unsupportedDTypes, dtypeName) >= 0
                ? $"The safetensors {where} has dtype {dtypeName}; StaticNet reads F32 tensors (and converts F16, BF16 and F64 ones)."
                : $"The safetensors {where} has the unknown dtype '{dtypeName}'; StaticNet reads F32 tensors (and converts F16, BF16 and F64 ones)."),
        };
        int[] dims = shape.ToArray();
        long begin = offsets[0], end = offsets[1];
        if (end < begin)
            throw Invalid($"The safetensors {where} has data_offsets [{begin}, {end}] that end before they begin.");
        long elements = SafetensorsTensor.ElementCount(dims);
        int size = ElementSize(dtype);
        if (elements < 0 || elements > long.MaxValue / size || elements * size != end - begin)
            throw Invalid(
                $"The safetensors {where} has shape {SafetensorsTensor.FormatShape(dims)} and dtype {dtypeName}, which need " +
                $"{(elements < 0 || elements > long.MaxValue / size ? "more than " + long.MaxValue.ToString(CultureInfo.InvariantCulture) : (elements * size).ToString(CultureInfo.InvariantCulture))} bytes, " +
                $"but its data_offsets [{begin}, {end}] span {end - begin}." +
                (dtype == SafetensorsDType.I64 ? " (StaticNet reads F32 tensors, converts F16, BF16 and F64 ones, and skips only PyTorch's I64 num_batches_tracked counters.)" : ""));
        return new SafetensorsEntry(name, dtype, dims, begin, end);
    }

    /// <summary>Rejects an integer tensor (read only to be skipped, as PyTorch's BatchNorm counters) that would have to become floats.</summary>
    public static void ThrowIfNotFloat(SafetensorsEntry entry)
    {
        if (entry.DType is SafetensorsDType.I64 or SafetensorsDType.I8 or SafetensorsDType.I32)
            throw Invalid($"The safetensors tensor '{entry.Name}' has dtype {entry.DTypeName}; StaticNet reads F32 tensors (and converts F16, BF16 and F64 ones).");
    }

    /// <summary>The tensors must tile the data section from byte 0: no overlaps, no holes (as the format requires).</summary>
    private static long CheckOffsets(List<SafetensorsEntry> entries)
    {
        var sorted = entries.ToArray();
        Array.Sort(sorted, (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        SafetensorsEntry? previous = null;
        foreach (SafetensorsEntry entry in sorted)
        {
            if (entry.Begin < expected)
                throw Invalid($"The safetensors tensors '{previous!.Name}' [{previous.Begin}, {previous.End}] and '{entry.Name}' [{entry.Begin}, {entry.End}] overlap.");
            if (entry.Begin > expected)
                throw Invalid($"The safetensors data section has a hole: bytes [{expected}, {entry.Begin}) belong to no tensor (before '{entry.Name}').");
            expected = entry.End;
            previous = entry;
        }
        return expected;
    }

    private static void Next(ref Utf8JsonReader reader, string where)
    {
        if (!reader.Read()) throw Invalid($"The safetensors header ends inside {where}.");
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string what)
    {
        Next(ref reader, what);
        if (reader.TokenType != type)
            throw Invalid($"The safetensors header has {Describe(reader.TokenType)} where {what} belongs.");
    }

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };

    private static InvalidDataException Invalid(string message) => new(message);
}
