using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PureHDF;
using PureHDF.VOL.Native;

namespace StaticNet.Import.Keras;

/// <summary>
/// Reads Keras files (layouts and their sources in Keras in docs/FORMATS.md):
/// Keras 3 <c>.keras</c> zips (<c>config.json</c> + <c>model.weights.h5</c>), Keras 3
/// <c>.weights.h5</c> files (weights only), and legacy Keras 2 <c>.h5</c> files (<c>model_config</c>
/// attribute + <c>model_weights</c> group, or weights only).
/// </summary>
internal static class KerasImporter
{
    private const long MaxEntryBytes = 1L << 31;

    public static ModelReport ReadKerasZip(string path, Stream stream)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        ZipArchiveEntry config = zip.GetEntry("config.json")
            ?? throw new InvalidDataException($"{path} is a zip file without config.json; a Keras 3 .keras file holds config.json, metadata.json and model.weights.h5.");
        ZipArchiveEntry weights = zip.GetEntry("model.weights.h5")
            ?? throw new ModelImportException($"{path} has no model.weights.h5{(zip.GetEntry("model.weights.npz") is not null ? " (its weights are in model.weights.npz, which the importer does not read: save with the default h5 weights format)" : "")}.");
        string json = Encoding.UTF8.GetString(ReadEntry(config, path));
        string version = "3";
        if (zip.GetEntry("metadata.json") is ZipArchiveEntry metadata)
        {
            using var meta = JsonDocument.Parse(ReadEntry(metadata, path));
            if (meta.RootElement.TryGetProperty("keras_version", out var v) && v.ValueKind == JsonValueKind.String) version = v.GetString()!;
        }
        using var h5 = new MemoryStream(ReadEntry(weights, path), writable: false);
        using var file = OpenHdf5(h5, path + "!model.weights.h5");
        return ReadConfig(path, $"Keras {version} (.keras)", json, new Keras3Weights(file), keras3: true);
    }

    public static ModelReport ReadHdf5(string path, Stream stream)
    {
        using var file = OpenHdf5(stream, path);
        if (Hdf5.StringAttribute(file, "model_config") is string config)
        {
            string version = Hdf5.StringAttribute(file, "keras_version") ?? "2";
            if (!file.LinkExists("model_weights"))
                throw new ModelImportException($"{path} has a model_config but no model_weights group: it was saved without weights.");
            return ReadConfig(path, $"Keras {version} HDF5 (.h5)", config, new Keras2Weights(file.Group("model_weights")), keras3: false);
        }
        if (Hdf5.StringListAttribute(file, "layer_names") is string[] layerNames)
            return WeightsOnly(path, "Keras 2 weights (.h5)", new Keras2Weights(file), layerNames.ToList());
        if (file.LinkExists("layers") || file.LinkExists("_layer_checkpoint_dependencies"))
        {
            string group = file.LinkExists("layers") ? "layers" : "_layer_checkpoint_dependencies";
            // The groups are numbered per class in model.layers order (dense, dense_1, ...); HDF5 lists them alphabetically.
            var names = file.Group(group).Children().Select(c => c.Name).OrderBy(n => Regex.Replace(n, @"_\d+$", ""), StringComparer.Ordinal)
                .ThenBy(n => Regex.Match(n, @"_(\d+)$") is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0).ToList();
            return WeightsOnly(path, "Keras 3 weights (.weights.h5)", new Keras3Weights(file), names);
        }
        throw new ModelImportException($"{path} is an HDF5 file but not a Keras model or weights file: it has no model_config attribute, no layer_names attribute and no 'layers' group.");
    }

    private static NativeFile OpenHdf5(Stream stream, string path)
    {
        try { return H5File.Open(stream, leaveOpen: true); }
        catch (Exception e) when (e is not IOException || e is InvalidDataException)
        {
            throw new InvalidDataException($"{path} is not a readable HDF5 file: {e.Message}", e);
        }
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, string path)
    {
        if (entry.Length > MaxEntryBytes)
            throw new InvalidDataException($"{path}: {entry.FullName} would unpack to {entry.Length} bytes.");
        using Stream s = entry.Open();
        var buffer = new MemoryStream();
        s.CopyTo(buffer);
        return buffer.ToArray();
    }

    // ---------------------------------------------------------------- weights

    private interface IWeights
    {
        /// <summary>The tensors of the layer named <paramref name="name"/> in the config (<paramref name="uniqueName"/> in a Keras 3 weights file).</summary>
        List<(string Path, int[] Shape, float[] Data)> Get(string name, string className, string uniqueName);
    }

    /// <summary>Keras 3 H5IOStore: <c>layers/{snake_case class name, numbered}/vars/{0, 1, ...}</c>.</summary>
    private sealed class Keras3Weights(NativeFile file) : IWeights
    {
        public List<(string Path, int[] Shape, float[] Data)> Get(string name, string className, string uniqueName)
        {
            var result = new List<(string, int[], float[])>();
            foreach (string root in new[] { "layers", "_layer_checkpoint_dependencies" })
            {
                string vars = $"{root}/{uniqueName}/vars";
                if (!Hdf5.Exists(file, vars)) continue;
                for (int i = 0; Hdf5.Exists(file, $"{vars}/{i}"); i++)
                {
                    var (shape, data) = Hdf5.Floats(file, $"{vars}/{i}");
                    result.Add(($"{vars}/{i}", shape, data));
                }
                break;
            }
            return result;
        }
    }

    /// <summary>Keras 2: <c>model_weights/{layer name}</c> with attribute <c>weight_names</c>, each a dataset path below it.</summary>
    private sealed class Keras2Weights(IH5Group group) : IWeights
    {
        public List<(string Path, int[] Shape, float[] Data)> Get(string name, string className, string uniqueName)
        {
            var result = new List<(string, int[], float[])>();
            if (!group.LinkExists(name)) return result;
            IH5Group layer = group.Group(name);
            foreach (string weight in Hdf5.StringListAttribute(layer, "weight_names") ?? Array.Empty<string>())
            {
                var (shape, data) = Hdf5.Floats(layer, weight);
                result.Add(($"{group.Name.TrimEnd('/')}/{name}/{weight}".TrimStart('/'), shape, data));
            }
            return result;
        }
    }

    // ---------------------------------------------------------------- architecture

    private static ModelReport ReadConfig(string path, string format, string json, IWeights weights, bool keras3)
    {
        var builder = new ArchitectureBuilder();
        using var doc = JsonDocument.Parse(json);
        JsonElement root = doc.RootElement;
        string modelClass = Str(root, "class_name") ?? "?";
        JsonElement config = root.TryGetProperty("config", out var c) ? c : default;
        JsonElement layers = config.ValueKind == JsonValueKind.Array ? config
            : config.ValueKind == JsonValueKind.Object && config.TryGetProperty("layers", out var l) ? l : default;
        if (modelClass is not ("Sequential" or "Functional" or "Model") || layers.ValueKind != JsonValueKind.Array)
        {
            builder.Problem($"The model is a {modelClass}; the importer reads Sequential models and Functional models that are a chain of layers.");
            return builder.Finish(path, format, "");
        }
        bool functional = modelClass != "Sequential";
        var list = layers.EnumerateArray().ToList();
        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        bool sawInput = false;
        string? previous = null;
        for (int index = 0; index < list.Count; index++)
        {
            JsonElement layer = list[index];
            string cls = Str(layer, "class_name") ?? "?";
            JsonElement cfg = layer.TryGetProperty("config", out var lc) ? lc : default;
            string name = Str(cfg, "name") ?? Str(layer, "name") ?? $"layer{index}";
            string where = $"layer {index} '{name}'";
            // Keras 3 numbers the weight groups by class over model.layers, which leaves out a Sequential's InputLayer.
            string unique = cls == "InputLayer" && !functional ? "" : UniqueName(ToSnakeCase(cls), used);
            if (functional && previous is not null && !FollowsFrom(layer, previous))
                builder.Problem(where, cls, $"does not take its input from the previous layer '{previous}'; the importer reads chains of layers");
            previous = name;

            if (!sawInput && cls != "InputLayer" && InputShape(cfg) is List<long> firstShape)
            {
                builder.Input("input", "batch_input_shape", firstShape);
                sawInput = true;
            }
            switch (cls)
            {
                case "InputLayer":
                    builder.Input(where, cls, InputShape(cfg));
                    sawInput = true;
                    break;
                case "Dense":
                    ReadDense(builder, where, cls, name, unique, cfg, weights, keras3);
                    break;
                case "Activation":
                    Activate(builder, where, cls, cfg.TryGetProperty("activation", out var a) ? a : default, keras3);
                    break;
                case "ReLU":
                {
                    double slope = Num(cfg, "negative_slope") ?? 0, threshold = Num(cfg, "threshold") ?? 0;
                    bool capped = cfg.TryGetProperty("max_value", out var max) && max.ValueKind == JsonValueKind.Number;
                    if (capped || threshold != 0)
                        builder.Problem(where, cls, "is a ReLU with a max_value or threshold, which StaticNet does not have");
                    else if (slope == 0) builder.Activate(where, cls, Activation.Relu);
                    else builder.Activate(where, cls, Activation.LeakyRelu, (float)slope);
                    break;
                }
                case "LeakyReLU":
                    builder.Activate(where, cls, Activation.LeakyRelu, (float)(Num(cfg, "negative_slope") ?? Num(cfg, "alpha") ?? 0.3));
                    break;
                case "Softmax":
                    if (cfg.TryGetProperty("axis", out var axis) && !(axis.ValueKind == JsonValueKind.Number && axis.GetInt32() is -1 or 1))
                        builder.Problem(where, cls, $"normalizes over axis {axis}; StaticNet's softmax normalizes over the units (axis -1)");
                    else builder.Activate(where, cls, Activation.Softmax);
                    break;
                case "Flatten":
                    if (Str(cfg, "data_format") == "channels_first")
                        builder.Problem(where, cls, "flattens channels-first (data_format channels_first); StaticNet is channels-last");
                    else builder.Flatten(where, cls);
                    break;
                case "Reshape":
                    if (cfg.TryGetProperty("target_shape", out var target) && target.ValueKind == JsonValueKind.Array && target.GetArrayLength() == 1)
                        builder.Flatten(where, cls, target[0].GetInt64());
                    else builder.Problem(where, cls, $"reshapes to {(target.ValueKind == JsonValueKind.Undefined ? "?" : target.ToString())}; only a reshape to one dimension gives [batch, n]");
                    break;
                case "Conv2D" or "Conv1D" or "Convolution2D" or "Convolution1D":
                    KerasConvolution.ReadConv(builder, where, cls, name, weights.Get(name, cls, unique), cfg, keras3);
                    break;
                case "MaxPooling2D" or "AveragePooling2D" or "MaxPooling1D" or "AveragePooling1D" or "MaxPool2D" or "AvgPool2D" or "MaxPool1D" or "AvgPool1D":
                    KerasConvolution.ReadPooling(builder, where, cls, name, cfg);
                    break;
                case "GlobalAveragePooling2D" or "GlobalAveragePooling1D" or "GlobalAvgPool2D" or "GlobalAvgPool1D":
                    KerasConvolution.ReadGlobalPooling(builder, where, cls, name, cfg);
                    break;
                case "BatchNormalization":
                    KerasConvolution.ReadBatchNormalization(builder, where, cls, name, weights.Get(name, cls, unique), cfg, keras3);
                    break;
                case "Dropout" or "AlphaDropout" or "GaussianDropout" or "GaussianNoise" or "ActivityRegularization":
                    builder.PassThrough(where, cls, "no-op at inference");
                    break;
                default:
                    builder.Problem(where, cls, "is a layer StaticNet does not support (it reads Dense, Conv2D, Conv1D, MaxPooling2D/1D, AveragePooling2D/1D, GlobalAveragePooling2D/1D, BatchNormalization, Flatten, Reshape, Dropout, Activation, ReLU, LeakyReLU, Softmax)");
                    break;
            }
        }
        return builder.Finish(path, format, "");
    }

    private static void ReadDense(ArchitectureBuilder builder, string where, string cls, string name, string unique, JsonElement cfg, IWeights weights, bool keras3)
    {
        int units = (int)(Num(cfg, "units") ?? -1);
        bool useBias = !cfg.TryGetProperty("use_bias", out var ub) || ub.ValueKind != JsonValueKind.False;
        var tensors = weights.Get(name, cls, unique);
        if (tensors.Count != (useBias ? 2 : 1))
        {
            builder.Problem(where, cls, $"should have {(useBias ? "a kernel and a bias" : "a kernel")} in the weights file but has {tensors.Count} tensors{(tensors.Count == 0 ? $" (looked for {(keras3 ? $"layers/{unique}/vars" : $"model_weights/{name}")})" : "")}");
            return;
        }
        var (kernelPath, kernelShape, kernel) = tensors[0];
        if (kernelShape.Length != 2 || (units >= 0 && kernelShape[1] != units))
        {
            builder.Problem(where, cls, $"has a kernel '{kernelPath}' of shape [{string.Join(", ", kernelShape)}]; expected [inputs, {units}]");
            return;
        }
        int inputs = kernelShape[0], outputs = kernelShape[1];
        float[]? bias = null;
        if (useBias)
        {
            var (biasPath, biasShape, biasData) = tensors[1];
            if (biasShape.Length != 1 || biasShape[0] != outputs)
            {
                builder.Problem(where, cls, $"has a bias '{biasPath}' of shape [{string.Join(", ", biasShape)}]; expected [{outputs}]");
                return;
            }
            bias = biasData;
        }
        // Keras's kernel is [inputs, outputs]; StaticNet stores [outputs, inputs].
        var w = new float[inputs * outputs];
        for (int o = 0; o < outputs; o++)
            for (int i = 0; i < inputs; i++)
                w[o * inputs + i] = kernel[i * outputs + o];
        builder.Dense(where, cls, name, w, bias, inputs, outputs, $" (kernel '{kernelPath}' [{inputs}, {outputs}]{(useBias ? "" : ", no bias")})");
        if (cfg.TryGetProperty("activation", out var activation))
            Activate(builder, where, cls, activation, keras3, dense: true);
    }

    internal static void Activate(ArchitectureBuilder builder, string where, string cls, JsonElement activation, bool keras3, bool dense = false)
    {
        // Keras 3 may serialize a built-in activation as {"class_name": "function", "config": "relu", ...}.
        string? name = activation.ValueKind switch
        {
            JsonValueKind.String => activation.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => "linear",
            JsonValueKind.Object => Str(activation, "config") ?? Str(activation, "class_name"),
            _ => null,
        };
        switch (name)
        {
            case "linear": if (!dense) builder.PassThrough(where, cls, "linear activation (no-op)"); break;
            case "relu": builder.Activate(where, cls, Activation.Relu); break;
            case "sigmoid": builder.Activate(where, cls, Activation.Sigmoid); break;
            case "tanh": builder.Activate(where, cls, Activation.Tanh); break;
            case "softmax": builder.Activate(where, cls, Activation.Softmax); break;
            // keras.activations.leaky_relu's default slope (Keras 3; Keras 2 had no such string).
            case "leaky_relu": builder.Activate(where, cls, Activation.LeakyRelu, 0.2f); break;
            default:
                builder.Problem(where, cls, $"uses the activation '{name ?? activation.ToString()}', which StaticNet does not have (it has linear, sigmoid, tanh, relu, leaky_relu, softmax)");
                break;
        }
    }

    private static ModelReport WeightsOnly(string path, string format, IWeights weights, List<string> layerNames)
    {
        // No architecture: the kernels and biases in file order, each kernel [inputs, outputs].
        var builder = new ArchitectureBuilder();
        var groups = layerNames.Select(n => new WeightGroup(n, weights.Get(n, "", n))).ToList();
        if (groups.Any(g => g.Tensors.Count > 0 && !(g.Tensors[0].Shape.Length == 2 && g.Tensors.Count <= 2)))
        {
            // Not a Dense stack: the tensors wait for a declared network to be matched to, layer by layer (by Keras's names).
            for (int i = 0; i < groups.Count; i++)
                builder.PassThrough($"layer {i} '{groups[i].Name}'", "?", groups[i].Tensors.Count == 0 ? "no weights"
                    : "tensors " + string.Join(", ", groups[i].Tensors.Select(t => $"'{t.Path}' [{string.Join(", ", t.Shape)}]")));
            ModelReport listed = builder.Finish(path, format, "", hasArchitecture: false);
            var model = new ImportedModel(path, format, Array.Empty<int>(), Array.Empty<LayerSpec>(), 0.2f, hasArchitecture: false, groups.Where(g => g.Tensors.Count > 0).ToList());
            return new ModelReport(path, format, "", listed.Steps, Array.Empty<string>(), model);
        }
        int index = 0;
        foreach (string name in layerNames)
        {
            var tensors = weights.Get(name, "", name);
            string where = $"layer {index++} '{name}'";
            if (tensors.Count == 0)
            {
                builder.PassThrough(where, "?", "no weights");
                continue;
            }
            if (tensors.Count > 2 || tensors[0].Shape.Length != 2 || (tensors.Count == 2 && (tensors[1].Shape.Length != 1 || tensors[1].Shape[0] != tensors[0].Shape[1])))
            {
                builder.Problem(where, "?", $"holds tensors of shapes {string.Join(", ", tensors.Select(t => $"[{string.Join(", ", t.Shape)}]"))}, not a dense kernel [inputs, outputs] and bias [outputs]");
                continue;
            }
            int inputs = tensors[0].Shape[0], outputs = tensors[0].Shape[1];
            var w = new float[inputs * outputs];
            for (int o = 0; o < outputs; o++)
                for (int i = 0; i < inputs; i++)
                    w[o * inputs + i] = tensors[0].Data[i * outputs + o];
            builder.Dense(where, "Dense?", name, w, tensors.Count == 2 ? tensors[1].Data : null, inputs, outputs, $" (kernel '{tensors[0].Path}'; activation not recorded in a weights file)");
        }
        return builder.Finish(path, format, "", hasArchitecture: false);
    }

    // ---------------------------------------------------------------- JSON helpers

    private static List<long>? InputShape(JsonElement cfg)
    {
        foreach (string key in new[] { "batch_shape", "batch_input_shape" })
            if (cfg.ValueKind == JsonValueKind.Object && cfg.TryGetProperty(key, out var shape) && shape.ValueKind == JsonValueKind.Array)
                return shape.EnumerateArray().Skip(1).Select(d => d.ValueKind == JsonValueKind.Number ? d.GetInt64() : -1).ToList();
        return null;
    }

    /// <summary>Whether a Functional model's layer is called on the previous layer's output (Keras 3 keras_history or Keras 2 inbound_nodes).</summary>
    private static bool FollowsFrom(JsonElement layer, string previous)
    {
        if (!layer.TryGetProperty("inbound_nodes", out var nodes) || nodes.ValueKind != JsonValueKind.Array) return true;
        var names = new List<string>();
        void Collect(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Object)
            {
                if (e.TryGetProperty("keras_history", out var h) && h.ValueKind == JsonValueKind.Array && h.GetArrayLength() > 0 && h[0].ValueKind == JsonValueKind.String)
                    names.Add(h[0].GetString()!);
                foreach (var p in e.EnumerateObject()) if (p.Name != "keras_history") Collect(p.Value);
            }
            else if (e.ValueKind == JsonValueKind.Array)
            {
                // Keras 2: [[["dense", 0, 0, {}]]]
                if (e.GetArrayLength() >= 3 && e[0].ValueKind == JsonValueKind.String && e[1].ValueKind == JsonValueKind.Number)
                    names.Add(e[0].GetString()!);
                else foreach (var item in e.EnumerateArray()) Collect(item);
            }
        }
        Collect(nodes);
        return names.Count == 0 ? nodes.GetArrayLength() == 0 : names.All(n => n == previous);
    }

    internal static string? Str(JsonElement e, string key) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static double? Num(JsonElement e, string key) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    /// <summary>keras/src/utils/naming.py, to_snake_case.</summary>
    internal static string ToSnakeCase(string name)
    {
        name = Regex.Replace(name, @"\W+", "");
        name = Regex.Replace(name, "(.)([A-Z][a-z]+)", "$1_$2");
        return Regex.Replace(name, "([a-z])([A-Z])", "$1_$2").ToLowerInvariant();
    }

    /// <summary>keras/src/saving/saving_lib.py, _get_unique_name: dense, dense_1, dense_2, ...</summary>
    private static string UniqueName(string name, Dictionary<string, int> used)
    {
        if (used.TryGetValue(name, out int count))
        {
            used[name] = count + 1;
            return $"{name}_{(count + 1).ToString(CultureInfo.InvariantCulture)}";
        }
        used[name] = 0;
        return name;
    }
}
