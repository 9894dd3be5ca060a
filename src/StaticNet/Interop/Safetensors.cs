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
    /// The default name of each layer with parameters (Dense, Conv2D, Conv1D, BatchNormalization), from which its
    /// tensor names are made (PyTorch: <c>"{name}.weight"</c>, <c>"{name}.bias"</c>, BatchNorm's <c>"{name}.running_mean"</c>, ...;
    /// Keras: <c>"{name}/kernel"</c>, <c>"{name}/bias"</c>, <c>"{name}/gamma"</c>, ...).
    /// </summary>
    /// <remarks>
    /// <para><see cref="SafetensorsLayout.PyTorch"/>: the layer's module index in the equivalent
    /// <c>nn.Sequential</c>, where every layer is one module (Flatten, pooling, Dropout and BatchNormalization
    /// included), a Dense or convolution layer with a non-linear activation is followed by one activation module,
    /// and a global average pooling layer is two (<c>nn.AdaptiveAvgPool2d(1)</c>, <c>nn.Flatten()</c>). Sigmoid,
    /// tanh, ReLU, LeakyReLU hidden Dense layers without dropout give 0, 2, 4, ...; for
    /// <c>Sequential(Linear, Linear, Tanh, Linear)</c> the names are 0, 1, 3; for
    /// <c>Sequential(Linear, ReLU, Dropout, Linear)</c> they are 0, 3; for
    /// <c>Sequential(Conv2d, ReLU, BatchNorm2d, MaxPool2d, Flatten, Linear)</c> 0, 2, 5.</para>
    /// <para><see cref="SafetensorsLayout.Keras"/>: the layers' Keras names (<see cref="LayerInfo.Name"/>):
    /// <c>conv2d</c>, <c>batch_normalization</c>, <c>dense</c>, <c>dense_1</c>, ...</para>
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
        return SafetensorsMapping.LayerNames(shape, layout, prefix);
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
    /// Saves the network's parameters (weights, biases, BatchNormalization's statistics) to a safetensors file. Crash-safe: the file is
    /// written beside <paramref name="path"/>, flushed to disk and renamed over it. The output is
    /// deterministic: tensors in layer order (weight, then bias), the header padded with spaces
    /// to a multiple of 8 bytes.
    /// </summary>
    /// <param name="model">The network.</param>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="layout">Tensor names and weight orientation (see <see cref="SafetensorsLayout"/>).</param>
    /// <param name="layerNames">One name per layer with parameters (Dense, convolution, BatchNormalization) instead of <see cref="LayerNames"/>'s defaults.</param>
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
        ReadOnlySpan<float> parameters = model.ReadableParameters;
        var tensors = new List<KeyValuePair<string, SafetensorsTensor>>();
        foreach (TensorSlot slot in SafetensorsMapping.Slots(shape, layout, names))
        {
            var data = new float[slot.Length];
            slot.Gather(parameters, data);
            tensors.Add(new(slot.Name, new SafetensorsTensor(slot.Shape, data)));
        }
        var meta = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = layout == SafetensorsLayout.PyTorch ? "pt" : "keras",
            ["producer"] = "StaticNet",
            ["network"] = shape.ToString(),
        };
        if (shape.Layers.Any(l => l.Activation == Activation.LeakyRelu))
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
    /// Replaces the network's parameters with those of a safetensors file, e.g. a PyTorch
    /// <c>nn.Sequential</c>'s <c>state_dict()</c> saved with <c>safetensors.torch.save_file</c> (BatchNorm's
    /// <c>num_batches_tracked</c> counters are skipped; a Linear after a Flatten has PyTorch's channels-first columns, which are reordered).
    /// The file must hold exactly the network's tensors with exactly its shapes. The model is
    /// unchanged when the load fails; a compiled optimizer's state is kept.
    /// </summary>
    /// <param name="model">The network to fill.</param>
    /// <param name="path">The safetensors file; it must end where its last tensor ends.</param>
    /// <param name="layout">Tensor names and weight orientation (see <see cref="SafetensorsLayout"/>).</param>
    /// <param name="layerNames">One name per layer with parameters instead of <see cref="LayerNames"/>'s defaults
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

        // What the network needs, by name; PyTorch's BatchNorm step counters are accepted and ignored.
        List<TensorSlot> slots = SafetensorsMapping.Slots(shape, layout, names);
        var expected = new Dictionary<string, TensorSlot>(StringComparer.Ordinal);
        foreach (TensorSlot slot in slots) expected[slot.Name] = slot;
        HashSet<string> ignored = SafetensorsMapping.IgnoredNames(shape, layout, slots);

        if (header.Metadata.TryGetValue("format", out string? format) && format == StaticNet.Quantization.Int8Network.FileFormat)
            throw new InvalidDataException("The safetensors file holds an int8 network (dtype I8 weights, written by Int8Network.Save), not float32 weights: " +
                "read it with Int8Network.Load, or bake it into a class declared with Precision = Precision.Int8.");
        CheckNames(header, expected, ignored, slots, shape, layout);
        foreach (SafetensorsEntry entry in header.Entries)
        {
            if (ignored.Contains(entry.Name)) continue;
            SafetensorsHeader.ThrowIfNotFloat(entry);
            TensorSlot slot = expected[entry.Name];
            if (!entry.Shape.AsSpan().SequenceEqual(slot.Shape))
                throw new InvalidDataException(
                    $"Tensor '{entry.Name}' has shape {SafetensorsTensor.FormatShape(entry.Shape)}, but {DescribeLayer(shape, slot.Layer)} " +
                    $"of the network {shape} expects {SafetensorsTensor.FormatShape(slot.Shape)}.{OtherLayoutHint(entry, slot, layout)}");
        }

        byte[] data = InteropIO.ReadBlock(stream, header.DataLength, "the tensor data");
        if (wholeStream && stream.CanSeek && stream.Position != stream.Length)
            throw new InvalidDataException(
                $"The safetensors file has {stream.Length - stream.Position} bytes after the end of its last tensor (at byte {stream.Position}).");

        var parameters = new float[shape.ParameterCount];
        float[] scratch = Array.Empty<float>();
        foreach (SafetensorsEntry entry in header.Entries)
        {
            if (ignored.Contains(entry.Name)) continue;
            TensorSlot slot = expected[entry.Name];
            if (scratch.Length < slot.Length) scratch = new float[slot.Length];
            Span<float> tensor = scratch.AsSpan(0, slot.Length);
            Convert(data.AsSpan((int)entry.Begin, (int)(entry.End - entry.Begin)), entry.DType, tensor);
            for (int j = 0; j < tensor.Length; j++)
                if (!float.IsFinite(tensor[j]))
                    throw new InvalidDataException(
                        $"Tensor '{entry.Name}' holds {tensor[j].ToString(CultureInfo.InvariantCulture)} at {slot.Position(j)}; the network's parameters must be finite.");
            slot.Scatter(tensor, parameters);
        }
        parameters.CopyTo(model.WritableParameters);
    }

    /// <summary>For a dense stack, "layer 1 (4 -> 2)" (its dense layers counted from 0, as the layer names); otherwise Keras's name, settings and shapes.</summary>
    private static string DescribeLayer(NetworkShape shape, int index)
    {
        LayerInfo layer = shape.Layers[index];
        if (shape.IsDenseStack)
        {
            int dense = 0;
            for (int i = 0; i < index; i++) if (shape.Layers[i].Kind == LayerKind.Dense) dense++;
            return $"layer {dense} ({layer.InputShape[0]} -> {layer.Units})";
        }
        return $"layer {index + 1}, {layer.Name} {layer} ({SafetensorsTensor.FormatShape(layer.InputShape)} -> {SafetensorsTensor.FormatShape(layer.OutputShape)}),";
    }

    private static string OtherLayoutHint(SafetensorsEntry entry, TensorSlot slot, SafetensorsLayout layout)
    {
        if (entry.Shape.Length < 2 || !entry.Shape.AsSpan().SequenceEqual(SafetensorsMapping.OtherLayoutShape(slot, layout))) return "";
        string other = layout == SafetensorsLayout.PyTorch ? "Keras" : "PyTorch";
        return entry.Shape.Length == 2
            ? $" It is the transpose: the file looks like the {other} layout (pass SafetensorsLayout.{other})."
            : $" That is the {other} layout's order: pass SafetensorsLayout.{other}.";
    }

    private static void CheckNames(SafetensorsHeader header, Dictionary<string, TensorSlot> expected, HashSet<string> ignored, List<TensorSlot> order,
        NetworkShape shape, SafetensorsLayout layout)
    {
        var present = new HashSet<string>(header.Entries.Select(e => e.Name), StringComparer.Ordinal);
        var missing = order.Select(s => s.Name).Where(n => !present.Contains(n)).ToList();
        var extra = header.Entries.Select(e => e.Name).Where(n => !expected.ContainsKey(n) && !ignored.Contains(n)).ToList();
        if (missing.Count == 0 && extra.Count == 0) return;

        var message = new System.Text.StringBuilder();
        message.Append($"The safetensors file does not hold the tensors of the network {shape} in the {layout} layout:");
        if (missing.Count > 0) message.Append($" missing {string.Join(", ", missing.Select(Quote))};");
        if (extra.Count > 0) message.Append($" unexpected {string.Join(", ", extra.Take(20).Select(Quote))}{(extra.Count > 20 ? $" and {extra.Count - 20} more" : "")};");
        message.Append($" expected exactly {string.Join(", ", order.Select(s => Quote(s.Name)))}.");
        if (extra.Any(n => TensorMapping.LooksLikeOtherLayout(n, layout == SafetensorsLayout.PyTorch)))
            message.Append($" The file looks like the {(layout == SafetensorsLayout.PyTorch ? "Keras" : "PyTorch")} layout: pass SafetensorsLayout.{(layout == SafetensorsLayout.PyTorch ? "Keras" : "PyTorch")}.");
        else if (extra.Count > 0)
            message.Append(" Other names can be mapped with the layerNames argument (e.g. Safetensors.LayerNames(shape, layout, prefix: \"model.\")).");
        throw new InvalidDataException(message.ToString());
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
        foreach (SafetensorsEntry entry in header.Entries) SafetensorsHeader.ThrowIfNotFloat(entry);
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

    private static IReadOnlyList<string> CheckLayerNames(NetworkShape shape, SafetensorsLayout layout, IReadOnlyList<string>? layerNames)
    {
        if (layerNames is null) return LayerNames(shape, layout);
        int count = shape.Layers.Count(l => SafetensorsMapping.HasTensors(l.Kind));
        if (layerNames.Count != count)
            throw new ArgumentException(shape.IsDenseStack
                ? $"Expected {count} layer names (one per dense layer of {shape}); got {layerNames.Count}."
                : $"Expected {count} layer names (one per layer with parameters: Dense, Conv2D, Conv1D, BatchNormalization) of {shape}; got {layerNames.Count}.", nameof(layerNames));
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
