using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.Json;
using StaticNet.Interop;
using StaticNet.Kernels;
using StaticNet.Serialization;

namespace StaticNet.Quantization;

public sealed partial class Int8Network
{
    /// <summary>The <c>__metadata__</c> "format" value of an int8 network file (the generator checks it too).</summary>
    public const string FileFormat = Int8Layout.FileFormat;

    /// <summary>
    /// Saves the quantized network as a safetensors file that <see cref="Load(string)"/> reads and that a
    /// class declared with <c>Precision = Precision.Int8, Weights = "..."</c> bakes in. Per layer
    /// <c>l</c>: <c>l.weight</c> (I8, [units, inputs], row-major), <c>l.weight_scale</c> (F32, [units]),
    /// <c>l.bias</c> (F32, [units]), <c>l.input_scale</c> (F32, []) and <c>l.input_zero_point</c>
    /// (I32, []); <c>__metadata__</c> holds the format, the activations and the leaky ReLU slope.
    /// The file is replaced crash-safely (temporary file, flush, rename): nothing is half-written.
    /// </summary>
    /// <remarks>
    /// A network with convolutions is written with the format <c>staticnet-int8-layers</c>: <c>__metadata__</c>
    /// also holds the input shape and every layer of the source network (kind, sizes, padding, activation, and for a
    /// convolution whether it runs in int8 or float32); an int8 convolution's tensors are a dense layer's with
    /// <c>l.weight</c> [filters, kernel height x kernel width x input channels], a float32 one's <c>l.kernel</c>
    /// (F32, Keras's [kernel height, kernel width, input channels, filters]) and <c>l.bias</c>, where l counts every
    /// layer. <see cref="Load(string)"/> reads both formats, and a <c>Precision = Precision.Int8</c> class bakes both.
    /// </remarks>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, _steps is null ? Write : WriteLayers);
    }

    /// <summary>Writes the file <see cref="Save(string)"/> writes to <paramref name="stream"/> (left open).</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (_steps is null) Write(stream);
        else WriteLayers(stream);
    }

    private void Write(Stream stream)
    {
        var entries = new List<(string Name, string DType, int[] Shape, byte[] Data)>();
        var activations = new string[_layers.Length];
        for (int l = 0; l < _layers.Length; l++)
        {
            activations[l] = _layers[l].Activation.ToString();
            AddQuantized(entries, l, _layers[l]);
        }
        WriteSafetensors(stream, entries, new[]
        {
            ("activations", string.Join(",", activations)),
            ("format", FileFormat),
            ("leaky_relu_slope", _leakyReluSlope.ToString("R", CultureInfo.InvariantCulture)),
        });
    }

    /// <summary>Layer <paramref name="l"/>'s int8 tensors: weights [rows, inputs], their scales, the biases, the input's scale and zero point.</summary>
    private static void AddQuantized(List<(string Name, string DType, int[] Shape, byte[] Data)> entries, int l, QuantizedDenseLayer layer)
    {
        entries.Add(($"{l}.weight", "I8", new[] { layer.Units, layer.Inputs }, MemoryMarshal.AsBytes(layer.QuantizedWeights).ToArray()));
        entries.Add(($"{l}.weight_scale", "F32", new[] { layer.Units }, FloatBytes(layer.WeightScales)));
        entries.Add(($"{l}.bias", "F32", new[] { layer.Units }, FloatBytes(layer.Bias)));
        entries.Add(($"{l}.input_scale", "F32", Array.Empty<int>(), FloatBytes(new[] { layer.InputScale })));
        var zeroPoint = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(zeroPoint, layer.InputZeroPoint);
        entries.Add(($"{l}.input_zero_point", "I32", Array.Empty<int>(), zeroPoint));
    }

    /// <summary>A safetensors file: the header (metadata, then the tensors in order, padded with spaces to 8 bytes) and the data.</summary>
    private static void WriteSafetensors(Stream stream, List<(string Name, string DType, int[] Shape, byte[] Data)> entries, (string Key, string Value)[] metadata)
    {
        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("__metadata__");
            foreach (var (key, value) in metadata) writer.WriteString(key, value);
            writer.WriteEndObject();
            long offset = 0;
            foreach (var (name, dtype, shape, data) in entries)
            {
                writer.WriteStartObject(name);
                writer.WriteString("dtype", dtype);
                writer.WriteStartArray("shape");
                foreach (int d in shape) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset += data.Length;
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        int padded = (json.WrittenCount + 7) & ~7;
        byte[] header = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)padded);
        json.WrittenSpan.CopyTo(header.AsSpan(8));
        header.AsSpan(8 + json.WrittenCount).Fill((byte)' ');
        stream.Write(header);
        foreach (var entry in entries) stream.Write(entry.Data);
    }

    private static byte[] FloatBytes(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    /// <summary>
    /// Reads a network written by <see cref="Save(string)"/>. It predicts exactly the bits the saved one did.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a safetensors file, not an int8 network file
    /// (a float32 weights file, for example), or a tensor is missing, extra, of the wrong dtype or shape,
    /// or holds a value out of range; the message names the file and the tensor.</exception>
    public static Int8Network Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            using FileStream stream = AtomicFile.OpenRead(path);
            return Read(stream);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid int8 network file: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads a network written by <see cref="Save(Stream)"/> or <see cref="Save(string)"/> from
    /// <paramref name="stream"/> (an embedded resource, say), from its position to its end; the stream is left open.
    /// A <c>Precision = Precision.Int8</c> class with convolutions bakes its file in and loads it with this.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not an int8 network file (see <see cref="Load(string)"/>).</exception>
    public static Int8Network Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            return Read(stream);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"The stream is not a valid int8 network file: {e.Message}", e);
        }
    }

    private static Int8Network Read(Stream stream)
    {
        SafetensorsHeader header = SafetensorsHeader.Read(stream);
        byte[] data = InteropIO.ReadBlock(stream, header.DataLength, "the tensor data");
        if (stream.CanSeek && stream.Position != stream.Length)
            throw new InvalidDataException($"it has {stream.Length - stream.Position} bytes after the end of its last tensor");
        if (!stream.CanSeek && stream.ReadByte() >= 0)
            throw new InvalidDataException("it has bytes after the end of its last tensor");
        return Read(header, data);
    }

    private static Int8Network Read(SafetensorsHeader header, byte[] data)
    {
        header.Metadata.TryGetValue("format", out string? format);
        if (format == LayersFileFormat)
            return ReadLayers(header, data);
        if (format != FileFormat)
            throw new InvalidDataException($"its __metadata__ \"format\" is {(format is null ? "missing" : "'" + format + "'")}, not '{FileFormat}' or '{LayersFileFormat}' " +
                "(write the file with Int8Network.Save; a float32 weights file cannot be loaded as int8)");
        if (!header.Metadata.TryGetValue("activations", out string? list) || list.Length == 0)
            throw new InvalidDataException("its __metadata__ has no \"activations\"");
        string[] names = list.Split(',');
        if (!header.Metadata.TryGetValue("leaky_relu_slope", out string? slopeText)
            || !float.TryParse(slopeText, NumberStyles.Float, CultureInfo.InvariantCulture, out float slope) || !float.IsFinite(slope))
            throw new InvalidDataException("its __metadata__ has no finite \"leaky_relu_slope\"");

        var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        foreach (SafetensorsEntry entry in header.Entries) entries.Add(entry.Name, entry);
        var layers = new QuantizedDenseLayer[names.Length];
        int inputs = -1;
        for (int l = 0; l < names.Length; l++)
        {
            Activation activation = ParseActivation(names[l], l);
            SafetensorsEntry weight = Entry(entries, $"{l}.weight", SafetensorsDType.I8, null);
            if (weight.Shape.Length != 2 || weight.Shape[0] == 0 || weight.Shape[1] == 0)
                throw new InvalidDataException($"tensor '{weight.Name}' has shape {SafetensorsTensor.FormatShape(weight.Shape)}; expected [units, inputs], both positive");
            int units = weight.Shape[0], fanIn = weight.Shape[1];
            if (inputs >= 0 && fanIn != inputs)
                throw new InvalidDataException($"tensor '{weight.Name}' has {fanIn} inputs but layer {l - 1} has {inputs} units");
            layers[l] = ReadQuantized(entries, data, l, units, fanIn, activation);
            inputs = units;
        }
        foreach (string name in entries.Keys)
            if (!IsLayerTensor(name, names.Length))
                throw new InvalidDataException($"it has a tensor '{name}' that no layer of its {names.Length} (from \"activations\") uses");
        return new Int8Network(layers, slope, Int8Path.Auto);
    }

    /// <summary>Layer <paramref name="l"/>'s int8 tensors (those <see cref="AddQuantized"/> writes), checked: weights [rows, inputs] from −127 to 127, finite positive scales, a byte zero point.</summary>
    private static QuantizedDenseLayer ReadQuantized(Dictionary<string, SafetensorsEntry> entries, byte[] data, int l, int rows, int inputs, Activation activation)
    {
        SafetensorsEntry weight = Entry(entries, $"{l}.weight", SafetensorsDType.I8, new[] { rows, inputs });
        if (inputs > MaxInputs)
            throw new InvalidDataException($"tensor '{weight.Name}' has {inputs} inputs; Int8Network supports at most {MaxInputs} per layer");
        var q = new sbyte[rows * inputs];
        data.AsSpan((int)weight.Begin, q.Length).CopyTo(MemoryMarshal.AsBytes(q.AsSpan()));
        for (int i = 0; i < q.Length; i++)
            if (q[i] == sbyte.MinValue)
                throw new InvalidDataException($"tensor '{weight.Name}' holds -128 at [{i / inputs}, {i % inputs}]; int8 weights are symmetric, from -127 to 127");
        float[] scales = Floats(entries, data, $"{l}.weight_scale", rows, positive: true);
        float[] bias = Floats(entries, data, $"{l}.bias", rows, positive: false);
        float inputScale = Floats(entries, data, $"{l}.input_scale", -1, positive: true)[0];
        SafetensorsEntry zero = Entry(entries, $"{l}.input_zero_point", SafetensorsDType.I32, Array.Empty<int>());
        int zeroPoint = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan((int)zero.Begin, 4));
        if (zeroPoint is < 0 or > 255)
            throw new InvalidDataException($"tensor '{zero.Name}' holds {zeroPoint}; a zero point is a byte, from 0 to 255");
        return new QuantizedDenseLayer(q, scales, bias, inputs, rows, activation, inputScale, zeroPoint);
    }

    private static bool IsLayerTensor(string name, int layers)
    {
        int dot = name.IndexOf('.');
        if (dot <= 0 || !int.TryParse(name.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out int l) || l >= layers
            || l.ToString(CultureInfo.InvariantCulture) != name.Substring(0, dot))
            return false;
        return name.Substring(dot + 1) is "weight" or "weight_scale" or "bias" or "input_scale" or "input_zero_point";
    }

    private static Activation ParseActivation(string name, int layer)
    {
        foreach (Activation a in Enum.GetValues<Activation>())
            if (a.ToString() == name) return a;
        throw new InvalidDataException($"layer {layer}'s activation '{name}' (in __metadata__ \"activations\") is not one of {string.Join(", ", Enum.GetNames<Activation>())}");
    }

    private static SafetensorsEntry Entry(Dictionary<string, SafetensorsEntry> entries, string name, SafetensorsDType dtype, int[]? shape)
    {
        if (!entries.TryGetValue(name, out SafetensorsEntry? entry))
            throw new InvalidDataException($"it has no tensor '{name}'");
        if (entry.DType != dtype)
            throw new InvalidDataException($"tensor '{name}' has dtype {entry.DTypeName}; expected {dtype}");
        if (shape is not null && !entry.Shape.AsSpan().SequenceEqual(shape))
            throw new InvalidDataException($"tensor '{name}' has shape {SafetensorsTensor.FormatShape(entry.Shape)}; expected {SafetensorsTensor.FormatShape(shape)}");
        return entry;
    }

    /// <summary>An F32 tensor of shape [<paramref name="count"/>] ([] for −1; <paramref name="shape"/> when given), finite (and positive when asked).</summary>
    private static float[] Floats(Dictionary<string, SafetensorsEntry> entries, byte[] data, string name, int count, bool positive, int[]? shape = null)
    {
        SafetensorsEntry entry = Entry(entries, name, SafetensorsDType.F32, shape ?? (count < 0 ? Array.Empty<int>() : new[] { count }));
        var values = new float[entry.ElementCount];
        for (int i = 0; i < values.Length; i++)
        {
            float v = BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan((int)entry.Begin + 4 * i, 4));
            if (!float.IsFinite(v) || (positive && !(v > 0)))
                throw new InvalidDataException($"tensor '{name}' holds {v.ToString(CultureInfo.InvariantCulture)} at {i}; expected a finite{(positive ? " positive" : "")} number");
            values[i] = v;
        }
        return values;
    }
}
