using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace StaticNet.Interop;

/// <summary>
/// Reads and writes a network's weights as <a href="https://github.com/huggingface/safetensors">safetensors</a>
/// files, the format of PyTorch's and Hugging Face's <c>save_file</c>/<c>load_file</c>: an 8-byte
/// little-endian header length, a JSON header naming each tensor's dtype, shape and byte range,
/// then the raw little-endian tensor data.
/// </summary>
/// <remarks>
/// <para>StaticNet writes F32 tensors and reads F32 ones; F16, BF16 and F64 tensors are converted to
/// float on read. Any other dtype is rejected.</para>
/// <para>Tensor names and shapes follow <see cref="SafetensorsLayout"/>; the mapping is in
/// docs/FORMATS.md, section "safetensors mapping". Every read validates the whole header (size,
/// JSON, dtypes, shapes, offsets that tile the data section exactly) before it allocates tensor
/// memory, and throws <see cref="InvalidDataException"/> for anything malformed or mismatched.</para>
/// </remarks>
public static class Safetensors
{
    /// <summary>The largest JSON header accepted, in bytes (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = SafetensorsHeader.MaxHeaderBytes;

    // ---------------------------------------------------------------- names

    /// <summary>
    /// The default name of each dense layer, from which its two tensor names are made
    /// (PyTorch: <c>"{name}.weight"</c>, <c>"{name}.bias"</c>; Keras: <c>"{name}/kernel"</c>, <c>"{name}/bias"</c>).
    /// </summary>
    /// <remarks>
    /// <para><see cref="SafetensorsLayout.PyTorch"/>: the layer's module index in the equivalent
    /// <c>nn.Sequential</c>, where every <c>nn.Linear</c> is followed by one activation module
    /// unless its activation is <see cref="Activation.Linear"/>, then by one <c>nn.Dropout</c>
    /// when the layer has dropout. Layer 0 is module 0; each next layer's index is the previous
    /// one's plus 1, plus 1 for an activation module, plus 1 for a dropout module. Sigmoid, tanh,
    /// ReLU, LeakyReLU hidden layers without dropout give 0, 2, 4, ...; the output layer's
    /// activation (softmax, sigmoid, ...) comes after it and moves nothing. For
    /// <c>Sequential(Linear, Linear, Tanh, Linear)</c> the names are 0, 1, 3; for
    /// <c>Sequential(Linear, ReLU, Dropout, Linear)</c> they are 0, 3.</para>
    /// <para><see cref="SafetensorsLayout.Keras"/>: <c>dense</c>, <c>dense_1</c>, <c>dense_2</c>, ...,
    /// as Keras names the <c>Dense</c> layers of a fresh session (<c>Dropout</c> layers have names
    /// of their own and change nothing).</para>
    /// </remarks>
    /// <param name="shape">The network's shape (<see cref="NeuralNetwork.NetworkShape"/>).</param>
    /// <param name="layout">The naming scheme.</param>
    /// <param name="prefix">Put before every name, e.g. <c>"model."</c> for a Sequential stored as
    /// <c>self.model</c>, or <c>"sequential/"</c> for Keras variable paths.</param>
    public static string[] LayerNames(NetworkShape shape, SafetensorsLayout layout = SafetensorsLayout.PyTorch, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(prefix);
        CheckLayout(layout);
        var names = new string[shape.LayerCount];
        int index = 0;
        for (int l = 0; l < names.Length; l++)
        {
            if (layout == SafetensorsLayout.PyTorch)
            {
                names[l] = prefix + index.ToString(CultureInfo.InvariantCulture);
                index += 1 + (shape.Activations[l] == Activation.Linear ? 0 : 1) + (shape.DropoutRate(l) > 0 ? 1 : 0);
            }
            else
            {
                names[l] = prefix + (l == 0 ? "dense" : "dense_" + l.ToString(CultureInfo.InvariantCulture));
            }
        }
        return names;
    }

    /// <summary>The weight and bias tensor names of a layer called <paramref name="layerName"/>.</summary>
    public static (string Weight, string Bias) TensorNames(string layerName, SafetensorsLayout layout = SafetensorsLayout.PyTorch)
    {
        ArgumentNullException.ThrowIfNull(layerName);
        CheckLayout(layout);
        return layout == SafetensorsLayout.PyTorch
            ? (layerName + ".weight", layerName + ".bias")
            : (layerName + "/kernel", layerName + "/bias");
    }

    // ---------------------------------------------------------------- save

    /// <summary>
    /// Saves the network's weights and biases to a safetensors file. Crash-safe: the file is
    /// written beside <paramref name="path"/>, flushed to disk and renamed over it. The output is
    /// deterministic: tensors in layer order (weight, then bias), the header padded with spaces
    /// to a multiple of 8 bytes.
    /// </summary>
    /// <param name="model">The network.</param>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="layout">Tensor names and weight orientation (see <see cref="SafetensorsLayout"/>).</param>
    /// <param name="layerNames">One name per dense layer instead of <see cref="LayerNames"/>'s defaults.</param>
    /// <param name="metadata">Extra <c>__metadata__</c> entries (added to <c>format</c>, <c>producer</c> and <c>network</c>; yours win).</param>
    public static void Save(NeuralNetwork model, string path, SafetensorsLayout layout = SafetensorsLayout.PyTorch,
        IReadOnlyList<string>? layerNames = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (tensors, meta) = Prepare(model, layout, layerNames, metadata);
        StaticNet.Serialization.AtomicFile.Write(path, stream => WriteTensors(stream, tensors, meta));
    }

    /// <summary>Writes the network's weights in safetensors format to <paramref name="stream"/> (left open).</summary>
    /// <inheritdoc cref="Save(NeuralNetwork, string, SafetensorsLayout, IReadOnlyList{string}?, IReadOnlyDictionary{string, string}?)"/>
    public static void Save(NeuralNetwork model, Stream stream, SafetensorsLayout layout = SafetensorsLayout.PyTorch,
        IReadOnlyList<string>? layerNames = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var (tensors, meta) = Prepare(model, layout, layerNames, metadata);
        WriteTensors(stream, tensors, meta);
    }

    private static (List<KeyValuePair<string, SafetensorsTensor>> Tensors, Dictionary<string, string> Metadata) Prepare(
        NeuralNetwork model, SafetensorsLayout layout, IReadOnlyList<string>? layerNames, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckLayout(layout);
        NetworkShape shape = model.NetworkShape;
        IReadOnlyList<string> names = CheckLayerNames(shape, layout, layerNames);
        ReadOnlySpan<float> parameters = model.Parameters;
        var tensors = new List<KeyValuePair<string, SafetensorsTensor>>(2 * shape.LayerCount);
        for (int l = 0; l < shape.LayerCount; l++)
        {
            int fanIn = shape.FanIn(l), fanOut = shape.FanOut(l);
            ReadOnlySpan<float> w = parameters.Slice(shape.WeightOffset(l), fanIn * fanOut);
            float[] weights = new float[w.Length];
            if (layout == SafetensorsLayout.PyTorch)
                w.CopyTo(weights);
            else
                Transpose(w, fanOut, fanIn, weights);   // [out, in] -> Keras kernel [in, out]
            var (weightName, biasName) = TensorNames(names[l], layout);
            int[] weightShape = layout == SafetensorsLayout.PyTorch ? new[] { fanOut, fanIn } : new[] { fanIn, fanOut };
            tensors.Add(new(weightName, new SafetensorsTensor(weightShape, weights)));
            tensors.Add(new(biasName, new SafetensorsTensor(new[] { fanOut }, parameters.Slice(shape.BiasOffset(l), fanOut).ToArray())));
        }
        var meta = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = layout == SafetensorsLayout.PyTorch ? "pt" : "keras",
            ["producer"] = "StaticNet",
            ["network"] = shape.ToString(),
        };
        if (shape.Activations.Contains(Activation.LeakyRelu))
            meta["leaky_relu_slope"] = shape.LeakyReluSlope.ToString("R", CultureInfo.InvariantCulture);
        if (metadata is not null)
            foreach (var (key, value) in metadata)
                meta[key] = value ?? throw new ArgumentException($"Metadata value '{key}' is null; safetensors metadata values are strings.", nameof(metadata));
        return (tensors, meta);
    }

    /// <summary>
    /// Writes any named float tensors as a safetensors file to <paramref name="stream"/> (left open),
    /// in the order given, as F32, with the header padded with spaces to a multiple of 8 bytes.
    /// </summary>
    /// <param name="stream">The destination.</param>
    /// <param name="tensors">Names (unique, not <c>__metadata__</c>) and tensors.</param>
    /// <param name="metadata">The <c>__metadata__</c> map, written with its keys sorted (ordinal); none when null or empty.</param>
    public static void WriteTensors(Stream stream, IEnumerable<KeyValuePair<string, SafetensorsTensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in list)
        {
            if (name is null) throw new ArgumentException("Tensor names must not be null.", nameof(tensors));
            if (name == "__metadata__") throw new ArgumentException("\"__metadata__\" is reserved and cannot name a tensor.", nameof(tensors));
            if (!seen.Add(name)) throw new ArgumentException($"The tensor name '{name}' appears twice.", nameof(tensors));
            if (tensor is null) throw new ArgumentException($"Tensor '{name}' is null.", nameof(tensors));
        }

        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject("__metadata__");
                foreach (string key in metadata.Keys.OrderBy(k => k, StringComparer.Ordinal))
                    writer.WriteString(key, metadata[key] ?? throw new ArgumentException($"Metadata value '{key}' is null.", nameof(metadata)));
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor) in list)
            {
                writer.WriteStartObject(name);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (int d in tensor.Shape) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset += 4L * tensor.Data.Length;
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }

        int padded = (json.WrittenCount + 7) & ~7;   // the data section starts 8-byte aligned
        byte[] header = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)padded);
        json.WrittenSpan.CopyTo(header.AsSpan(8));
        header.AsSpan(8 + json.WrittenCount).Fill((byte)' ');
        stream.Write(header);

        byte[] buffer = new byte[1 << 16];
        foreach (var (_, tensor) in list)
        {
            ReadOnlySpan<float> data = tensor.Data;
            if (BitConverter.IsLittleEndian)
            {
                stream.Write(MemoryMarshal.AsBytes(data));
                continue;
            }
            while (!data.IsEmpty)
            {
                int n = Math.Min(data.Length, buffer.Length / 4);
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * i), data[i]);
                stream.Write(buffer, 0, 4 * n);
                data = data.Slice(n);
            }
        }
    }

    /// <summary>Writes named float tensors to a safetensors file, crash-safely (temporary file, flush, rename).</summary>
    /// <inheritdoc cref="WriteTensors(Stream, IEnumerable{KeyValuePair{string, SafetensorsTensor}}, IReadOnlyDictionary{string, string}?)"/>
    public static void WriteTensors(string path, IEnumerable<KeyValuePair<string, SafetensorsTensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        StaticNet.Serialization.AtomicFile.Write(path, stream => WriteTensors(stream, list, metadata));
    }

    // ---------------------------------------------------------------- load

    /// <summary>
    /// Replaces the network's weights and biases with those of a safetensors file, e.g. a PyTorch
    /// <c>nn.Sequential</c>'s <c>state_dict()</c> saved with <c>safetensors.torch.save_file</c>.
    /// The file must hold exactly the network's tensors with exactly its shapes. The model is
    /// unchanged when the load fails; a compiled optimizer's state is kept.
    /// </summary>
    /// <param name="model">The network to fill.</param>
    /// <param name="path">The safetensors file; it must end where its last tensor ends.</param>
    /// <param name="layout">Tensor names and weight orientation (see <see cref="SafetensorsLayout"/>).</param>
    /// <param name="layerNames">One name per dense layer instead of <see cref="LayerNames"/>'s defaults
    /// (e.g. <c>Safetensors.LayerNames(model.NetworkShape, prefix: "net.")</c>).</param>
    /// <exception cref="InvalidDataException">The file is malformed or truncated, holds missing, extra
    /// or non-float tensors, a tensor's shape does not match the network (the message names the
    /// tensor and both shapes), or a value is not finite.</exception>
    public static void Load(NeuralNetwork model, string path, SafetensorsLayout layout = SafetensorsLayout.PyTorch,
        IReadOnlyList<string>? layerNames = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckLayout(layout);
        IReadOnlyList<string> names = CheckLayerNames(model.NetworkShape, layout, layerNames);
        using FileStream stream = StaticNet.Serialization.AtomicFile.OpenRead(path);
        LoadCore(model, stream, layout, names, wholeStream: true);
    }

    /// <summary>Reads the network's weights from safetensors data in <paramref name="stream"/> (left open, positioned after the data section).</summary>
    /// <inheritdoc cref="Load(NeuralNetwork, string, SafetensorsLayout, IReadOnlyList{string}?)"/>
    public static void Load(NeuralNetwork model, Stream stream, SafetensorsLayout layout = SafetensorsLayout.PyTorch,
        IReadOnlyList<string>? layerNames = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        CheckLayout(layout);
        IReadOnlyList<string> names = CheckLayerNames(model.NetworkShape, layout, layerNames);
        LoadCore(model, stream, layout, names, wholeStream: false);
    }

    private static void LoadCore(NeuralNetwork model, Stream stream, SafetensorsLayout layout, IReadOnlyList<string> names, bool wholeStream)
    {
        NetworkShape shape = model.NetworkShape;
        SafetensorsHeader header = SafetensorsHeader.Read(stream);

        // What the network needs: name -> (layer, is weight, shape).
        var expected = new Dictionary<string, (int Layer, bool IsWeight, int[] Shape)>(StringComparer.Ordinal);
        var order = new List<string>();
        for (int l = 0; l < shape.LayerCount; l++)
        {
            int fanIn = shape.FanIn(l), fanOut = shape.FanOut(l);
            var (weightName, biasName) = TensorNames(names[l], layout);
            expected[weightName] = (l, true, layout == SafetensorsLayout.PyTorch ? new[] { fanOut, fanIn } : new[] { fanIn, fanOut });
            expected[biasName] = (l, false, new[] { fanOut });
            order.Add(weightName);
            order.Add(biasName);
        }

        CheckNames(header, expected, order, shape, layout);
        foreach (SafetensorsEntry entry in header.Entries)
        {
            var (layer, isWeight, want) = expected[entry.Name];
            if (!entry.Shape.AsSpan().SequenceEqual(want))
            {
                string hint = isWeight && entry.Shape.Length == 2 && entry.Shape[0] == want[1] && entry.Shape[1] == want[0]
                    ? $" It is the transpose: the file looks like the {(layout == SafetensorsLayout.PyTorch ? "Keras" : "PyTorch")} layout (pass SafetensorsLayout.{(layout == SafetensorsLayout.PyTorch ? "Keras" : "PyTorch")})."
                    : "";
                throw new InvalidDataException(
                    $"Tensor '{entry.Name}' has shape {SafetensorsTensor.FormatShape(entry.Shape)}, but layer {layer} " +
                    $"({shape.FanIn(layer)} -> {shape.FanOut(layer)}) of the network {shape} expects {SafetensorsTensor.FormatShape(want)}.{hint}");
            }
        }

        byte[] data = InteropIO.ReadBlock(stream, header.DataLength, "the tensor data");
        if (wholeStream && stream.CanSeek && stream.Position != stream.Length)
            throw new InvalidDataException(
                $"The safetensors file has {stream.Length - stream.Position} bytes after the end of its last tensor (at byte {stream.Position}).");

        var parameters = new float[shape.ParameterCount];
        float[] scratch = Array.Empty<float>();
        foreach (SafetensorsEntry entry in header.Entries)
        {
            var (layer, isWeight, _) = expected[entry.Name];
            int fanIn = shape.FanIn(layer), fanOut = shape.FanOut(layer);
            ReadOnlySpan<byte> bytes = data.AsSpan((int)entry.Begin, (int)(entry.End - entry.Begin));
            if (!isWeight)
            {
                Convert(bytes, entry.DType, parameters.AsSpan(shape.BiasOffset(layer), fanOut));
            }
            else if (layout == SafetensorsLayout.PyTorch)
            {
                Convert(bytes, entry.DType, parameters.AsSpan(shape.WeightOffset(layer), fanIn * fanOut));
            }
            else
            {
                if (scratch.Length < fanIn * fanOut) scratch = new float[fanIn * fanOut];
                Span<float> kernel = scratch.AsSpan(0, fanIn * fanOut);
                Convert(bytes, entry.DType, kernel);
                Transpose(kernel, fanIn, fanOut, parameters.AsSpan(shape.WeightOffset(layer), fanIn * fanOut));   // [in, out] -> [out, in]
            }
        }
        CheckFinite(parameters, shape, names, layout);
        parameters.CopyTo(model.Parameters);
    }

    private static void CheckNames(SafetensorsHeader header, Dictionary<string, (int, bool, int[])> expected, List<string> order,
        NetworkShape shape, SafetensorsLayout layout)
    {
        var present = new HashSet<string>(header.Entries.Select(e => e.Name), StringComparer.Ordinal);
        var missing = order.Where(n => !present.Contains(n)).ToList();
        var extra = header.Entries.Select(e => e.Name).Where(n => !expected.ContainsKey(n)).ToList();
        if (missing.Count == 0 && extra.Count == 0) return;

        var message = new System.Text.StringBuilder();
        message.Append($"The safetensors file does not hold the tensors of the network {shape} in the {layout} layout:");
        if (missing.Count > 0) message.Append($" missing {string.Join(", ", missing.Select(Quote))};");
        if (extra.Count > 0) message.Append($" unexpected {string.Join(", ", extra.Take(20).Select(Quote))}{(extra.Count > 20 ? $" and {extra.Count - 20} more" : "")};");
        message.Append($" expected exactly {string.Join(", ", order.Select(Quote))}.");
        string other = layout == SafetensorsLayout.PyTorch ? "/kernel" : ".weight";
        if (extra.Any(n => n.EndsWith(other, StringComparison.Ordinal)))
            message.Append($" The file looks like the {(layout == SafetensorsLayout.PyTorch ? "Keras" : "PyTorch")} layout: pass SafetensorsLayout.{(layout == SafetensorsLayout.PyTorch ? "Keras" : "PyTorch")}.");
        else if (extra.Count > 0)
            message.Append(" Other names can be mapped with the layerNames argument (e.g. Safetensors.LayerNames(shape, layout, prefix: \"model.\")).");
        throw new InvalidDataException(message.ToString());
    }

    private static void CheckFinite(float[] parameters, NetworkShape shape, IReadOnlyList<string> names, SafetensorsLayout layout)
    {
        for (int i = 0; i < parameters.Length; i++)
        {
            if (float.IsFinite(parameters[i])) continue;
            for (int l = shape.LayerCount - 1; l >= 0; l--)
            {
                if (i < shape.WeightOffset(l)) continue;
                var (weightName, biasName) = TensorNames(names[l], layout);
                bool isBias = i >= shape.BiasOffset(l);
                string position;
                if (isBias)
                    position = $"[{i - shape.BiasOffset(l)}]";
                else
                {
                    int k = i - shape.WeightOffset(l), o = k / shape.FanIn(l), n = k % shape.FanIn(l);
                    position = layout == SafetensorsLayout.PyTorch ? $"[{o}, {n}]" : $"[{n}, {o}]";
                }
                throw new InvalidDataException(
                    $"Tensor '{(isBias ? biasName : weightName)}' holds {parameters[i].ToString(CultureInfo.InvariantCulture)} at {position}; the network's parameters must be finite.");
            }
        }
    }

    // ---------------------------------------------------------------- low level

    /// <summary>
    /// Reads every tensor of a safetensors stream as floats (F16, BF16 and F64 converted), in the
    /// order the header lists them. The stream is left open, positioned after the data section.
    /// </summary>
    /// <exception cref="InvalidDataException">The data is malformed, truncated, or holds a dtype other than F32, F16, BF16 or F64.</exception>
    public static IReadOnlyDictionary<string, SafetensorsTensor> ReadTensors(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ReadTensors(stream, out _);
    }

    /// <summary>Reads every tensor of a safetensors stream, and its <c>__metadata__</c> map (empty when absent).</summary>
    /// <inheritdoc cref="ReadTensors(Stream)"/>
    public static IReadOnlyDictionary<string, SafetensorsTensor> ReadTensors(Stream stream, out IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(stream);
        SafetensorsHeader header = SafetensorsHeader.Read(stream);
        byte[] data = InteropIO.ReadBlock(stream, header.DataLength, "the tensor data");
        var result = new Dictionary<string, SafetensorsTensor>(header.Entries.Count, StringComparer.Ordinal);
        foreach (SafetensorsEntry entry in header.Entries)
        {
            var values = new float[entry.ElementCount];
            Convert(data.AsSpan((int)entry.Begin, (int)(entry.End - entry.Begin)), entry.DType, values);
            result.Add(entry.Name, new SafetensorsTensor(entry.Shape, values, entry.DTypeName));
        }
        metadata = header.Metadata;
        return result;
    }

    /// <summary>Reads every tensor of a safetensors file (which must end where its last tensor ends).</summary>
    /// <inheritdoc cref="ReadTensors(Stream)"/>
    public static IReadOnlyDictionary<string, SafetensorsTensor> ReadTensors(string path) => ReadTensors(path, out _);

    /// <summary>Reads every tensor of a safetensors file, and its <c>__metadata__</c> map (empty when absent).</summary>
    /// <inheritdoc cref="ReadTensors(Stream)"/>
    public static IReadOnlyDictionary<string, SafetensorsTensor> ReadTensors(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        using FileStream stream = StaticNet.Serialization.AtomicFile.OpenRead(path);
        var tensors = ReadTensors(stream, out metadata);
        if (stream.Position != stream.Length)
            throw new InvalidDataException(
                $"The safetensors file has {stream.Length - stream.Position} bytes after the end of its last tensor (at byte {stream.Position}).");
        return tensors;
    }

    // ---------------------------------------------------------------- helpers

    private static void Convert(ReadOnlySpan<byte> bytes, SafetensorsDType dtype, Span<float> destination)
    {
        switch (dtype)
        {
            case SafetensorsDType.F32:
                if (BitConverter.IsLittleEndian)
                    MemoryMarshal.Cast<byte, float>(bytes).CopyTo(destination);
                else
                    for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(4 * i));
                break;
            case SafetensorsDType.F16:
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.Slice(2 * i));
                break;
            case SafetensorsDType.BF16:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(2 * i)) << 16);
                break;
            case SafetensorsDType.F64:
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(8 * i));
                break;
        }
    }

    /// <summary>Writes the transpose of the row-major <paramref name="rows"/> x <paramref name="columns"/> matrix <paramref name="source"/>.</summary>
    private static void Transpose(ReadOnlySpan<float> source, int rows, int columns, Span<float> destination)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                destination[c * rows + r] = source[r * columns + c];
    }

    private static IReadOnlyList<string> CheckLayerNames(NetworkShape shape, SafetensorsLayout layout, IReadOnlyList<string>? layerNames)
    {
        if (layerNames is null) return LayerNames(shape, layout);
        if (layerNames.Count != shape.LayerCount)
            throw new ArgumentException($"Expected {shape.LayerCount} layer names (one per dense layer of {shape}); got {layerNames.Count}.", nameof(layerNames));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in layerNames)
        {
            if (name is null) throw new ArgumentException("Layer names must not be null.", nameof(layerNames));
            if (!seen.Add(name)) throw new ArgumentException($"The layer name '{name}' appears twice.", nameof(layerNames));
        }
        return layerNames;
    }

    private static void CheckLayout(SafetensorsLayout layout)
    {
        if (layout is not (SafetensorsLayout.PyTorch or SafetensorsLayout.Keras))
            throw new ArgumentOutOfRangeException(nameof(layout), layout, "Expected SafetensorsLayout.PyTorch or SafetensorsLayout.Keras.");
    }

    private static string Quote(string name) => "'" + name + "'";
}
