using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using StaticNet.Import.Keras;
using StaticNet.Import.Onnx;
using StaticNet.Interop;

namespace StaticNet.Import;

/// <summary>
/// Brings dense and convolutional networks trained elsewhere into StaticNet: ONNX files (<c>torch.onnx.export</c>,
/// tf2onnx, ...), Keras 3 <c>.keras</c> and <c>.weights.h5</c> files and legacy Keras 2 <c>.h5</c>
/// files. The format is recognised from the file's first bytes, not its name.
/// </summary>
public static class ModelImport
{
    /// <summary>
    /// Reads the architecture and weights of a model file and says whether StaticNet can compile it;
    /// unsupported operators and layers are listed (with their place in the graph), not thrown.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a model file of a known format, or it is corrupt.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ModelReport Inspect(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = File.ReadAllBytes(path);
        ReadOnlySpan<byte> head = bytes.AsSpan(0, Math.Min(bytes.Length, 8));
        if (head.StartsWith(Hdf5.Signature))
            return Guard(path, "HDF5", () => KerasImporter.ReadHdf5(path, new MemoryStream(bytes, writable: false)));
        if (head.StartsWith("PK\u0003\u0004"u8))
            return Guard(path, "Keras .keras", () => KerasImporter.ReadKerasZip(path, new MemoryStream(bytes, writable: false)));
        if (head.StartsWith("SNWT"u8))
            throw new InvalidDataException($"{path} is a StaticNet weights file; load it with model.LoadWeights(path).");
        if (LooksLikeSafetensors(bytes))
            throw new InvalidDataException($"{path} is a safetensors file; load it with Safetensors.Load(model, path) (StaticNet.Interop).");
        // ONNX has no signature: a ModelProto starts with ir_version (field 1, varint: byte 0x08).
        if (bytes.Length > 0 && bytes[0] == 0x08 || path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            return OnnxImporter.Read(path, bytes);
        throw new InvalidDataException($"{path} is not a model file the importer knows: not ONNX, not a Keras .keras zip, not HDF5 (Keras .h5 / .weights.h5).");
    }

    /// <summary>Reads a model StaticNet can compile.</summary>
    /// <exception cref="ModelImportException">The file holds something StaticNet cannot compile; the message lists every problem, each naming the node or layer.</exception>
    /// <exception cref="InvalidDataException">The file is not a model file of a known format, or it is corrupt.</exception>
    public static ImportedModel Read(string path)
    {
        ModelReport report = Inspect(path);
        ThrowIfProblems(report);
        ImportedModel model = report.Model!;
        if (!model.HasArchitecture)
            throw new ModelImportException($"{path} holds weights only ({report.Format}, {model}): it names no activations, so it cannot become a declaration. Declare the network and load it with ModelImport.LoadWeights(model, path).");
        return model;
    }

    /// <summary>
    /// Replaces <paramref name="model"/>'s parameters with a model file's (ONNX, Keras, or a Keras
    /// weights file) when the file's network is the declared one: the same sizes, and for files that
    /// record them, the same activations and leaky slope; for other networks the same layers, shapes and
    /// settings (Dropout, a no-op at inference, may be declared or not). A weights-only Keras file of a
    /// convolutional network is matched layer by layer by Keras's names (conv2d, batch_normalization, dense, ...).
    /// The model is unchanged when it fails.
    /// </summary>
    /// <exception cref="ModelImportException">The architectures differ (the message shows both), or the file holds something StaticNet cannot compile.</exception>
    public static void LoadWeights(NeuralNetwork model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelReport report = Inspect(path);
        ThrowIfProblems(report);
        ImportedModel imported = report.Model!;
        NetworkShape mine = model.NetworkShape;
        if (imported.WeightGroups is not null)
        {
            // Through copies, not the live Parameters span: a model that has handed that out stops keeping the packed
            // copy its one-sample predictions read.
            var current = new float[mine.ParameterCount];
            model.CopyParametersTo(current);
            model.SetParameters(LayerNetworks.FromWeightGroups(imported, mine, current));
            return;
        }
        string? difference = imported.IsDenseStack && mine.IsDenseStack ? Difference(imported, mine)
            : imported.HasArchitecture ? LayerNetworks.Difference(imported, mine)
            : $"the file holds the Dense layers {imported} (weights only), the network is not a Dense stack";
        if (difference is not null)
        {
            string theirs = imported.HasArchitecture ? imported.ToShape().ToString() : imported.ToString();
            throw new ModelImportException($"{path} holds the network {theirs}, this network is {mine}: {difference}.");
        }
        float[] parameters = imported.GetParameters();
        if (parameters.Length != mine.ParameterCount)
            throw new ModelImportException($"{path} holds {parameters.Length} parameters, this network ({mine}) {mine.ParameterCount}.");
        model.SetParameters(parameters);
    }

    private static string? Difference(ImportedModel file, NetworkShape shape)
    {
        int[] sizes = file.LayerSizes;
        if (sizes.Length != shape.LayerSizes.Count)
            return $"the file has {sizes.Length - 1} dense layers, the network {shape.LayerCount}";
        if (sizes[0] != shape.InputSize)
            return $"the file takes {sizes[0]} inputs, the network {shape.InputSize}";
        for (int l = 0; l < shape.LayerCount; l++)
        {
            if (sizes[l + 1] != shape.FanOut(l))
                return $"dense layer {l} has {sizes[l + 1]} units in the file and {shape.FanOut(l)} in the network";
            if (file.HasArchitecture && file.Layers[l].Activation != shape.Activations[l])
                return $"dense layer {l} is {Name(file.Layers[l].Activation)} in the file and {Name(shape.Activations[l])} in the network";
        }
        if (file.HasArchitecture && shape.Activations.Contains(Activation.LeakyRelu) && file.LeakyReluSlope != shape.LeakyReluSlope)
            return $"the leaky ReLU slope is {F(file.LeakyReluSlope)} in the file and {F(shape.LeakyReluSlope)} in the network (LeakyReluSlope = {F(file.LeakyReluSlope)}f)";
        return null;
    }

    /// <summary>
    /// The C# declaration of <paramref name="model"/>: a <c>[Network]</c> partial class whose
    /// weights are baked in from <paramref name="weightsFile"/> (see <see cref="SaveSafetensors"/>), or for
    /// other networks a <c>[Sequential]</c> one with a layer attribute per layer (channels-last input).
    /// </summary>
    public static string Declaration(ImportedModel model, string className, string? @namespace, string weightsFile)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!IsIdentifier(className))
            throw new ArgumentException($"'{className}' is not a C# class name.", nameof(className));
        if (@namespace is not null && !@namespace.Split('.').All(IsIdentifier))
            throw new ArgumentException($"'{@namespace}' is not a C# namespace.", nameof(@namespace));
        NetworkShape shape = model.ToShape();
        if (!model.IsDenseStack) return LayerDeclaration(model, shape, className, @namespace, weightsFile);
        var acts = shape.Activations;
        string Act(Activation a) => "Activation." + a;
        string activations = acts.All(a => a == acts[0]) ? $"Activation = {Act(acts[0])}"
            : acts.Take(acts.Count - 1).All(a => a == acts[0]) ? $"Hidden = {Act(acts[0])}, Output = {Act(acts[^1])}"
            : $"Activations = new[] {{ {string.Join(", ", acts.Select(Act))} }}";
        string slope = acts.Contains(Activation.LeakyRelu) ? $", LeakyReluSlope = {F(model.LeakyReluSlope)}f" : "";
        var sb = new StringBuilder();
        sb.Append("// Written by `staticnet import ").Append(System.IO.Path.GetFileName(model.Path)).Append("`; the weights are baked in from ").Append(weightsFile).Append('\n');
        sb.Append("// (list it in the project: <AdditionalFiles Include=\"").Append(weightsFile).Append("\" />).\n");
        sb.Append("using StaticNet;\n\n");
        if (@namespace is not null) sb.Append("namespace ").Append(@namespace).Append(";\n\n");
        sb.Append("/// <summary>").Append(Escape(System.IO.Path.GetFileName(model.Path))).Append(" (").Append(Escape(model.Format)).Append("): ")
          .Append(shape).Append(", ").Append(shape.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)).Append(" parameters.</summary>\n");
        sb.Append("[Network(").Append(string.Join(", ", shape.LayerSizes)).Append(", ").Append(activations).Append(slope)
          .Append(", Weights = \"").Append(weightsFile.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append("\")]\n");
        sb.Append("public partial class ").Append(className).Append(";\n");
        return sb.ToString();
    }

    private static string LayerDeclaration(ImportedModel model, NetworkShape shape, string className, string? @namespace, string weightsFile)
    {
        var sb = new StringBuilder();
        string file = System.IO.Path.GetFileName(model.Path);
        sb.Append("// Written by `staticnet import ").Append(file).Append("`.\n");
        sb.Append("// The weights are baked in from ").Append(weightsFile).Append(" (list it in the project: <AdditionalFiles Include=\"").Append(weightsFile).Append("\" />).\n");
        if (model.InputShape.Count > 1)
            sb.Append("// It takes ").Append(DescribeInput(model)).Append(".\n");
        sb.Append("using StaticNet;\n\n");
        if (@namespace is not null) sb.Append("namespace ").Append(@namespace).Append(";\n\n");
        sb.Append("/// <summary>").Append(Escape(file)).Append(" (").Append(Escape(model.Format)).Append("): ")
          .Append(shape.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)).Append(" parameters.</summary>\n");
        LayerNetworks.AppendDeclaration(sb, model, shape, className, weightsFile);
        return sb.ToString();
    }

    /// <summary>
    /// How to feed the imported network, e.g. <c>inputs of shape (28, 28, 1), channels-last (height, width,
    /// channels) as in Keras: feed a PyTorch (c, h, w) image as (h, w, c) ...</c>; for a 1-D input
    /// <c>inputs of 784 values</c>.
    /// </summary>
    public static string DescribeInput(ImportedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        string note = LayerNetworks.InputNote(model);
        return note.Length > 0 ? note : $"inputs of {model.InputSize.ToString(CultureInfo.InvariantCulture)} values";
    }

    /// <summary>Writes the weights as safetensors in StaticNet's PyTorch layout (<c>0.weight</c> [outputs, inputs], <c>0.bias</c>, ...), which the generator bakes in.</summary>
    public static void SaveSafetensors(ImportedModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        NetworkShape shape = model.ToShape();
        string[] names = Safetensors.LayerNames(shape);
        var tensors = new List<KeyValuePair<string, SafetensorsTensor>>();
        if (!model.IsDenseStack) tensors = LayerNetworks.PyTorchTensors(shape, model.GetParameters());
        else for (int l = 0; l < model.Layers.Count; l++)
        {
            var (weight, bias) = Safetensors.TensorNames(names[l]);
            ImportedLayer layer = model.Layers[l];
            tensors.Add(new(weight, new SafetensorsTensor(new[] { layer.Outputs, layer.Inputs }, layer.Weights.ToArray())));
            tensors.Add(new(bias, new SafetensorsTensor(new[] { layer.Outputs }, layer.Bias.ToArray())));
        }
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["producer"] = "staticnet import",
            ["network"] = shape.ToString(),
            ["input"] = LayerNetworks.Format(model.InputShape) + (model.InputShape.Count > 1 ? " channels-last" : ""),
            ["source"] = System.IO.Path.GetFileName(model.Path),
        };
        Safetensors.WriteTensors(stream, tensors, metadata);
    }

    /// <summary>The HDF5 library, the zip reader and the JSON parser throw their own exception types on damaged data; they become <see cref="InvalidDataException"/>.</summary>
    private static ModelReport Guard(string path, string kind, Func<ModelReport> read)
    {
        try { return read(); }
        catch (Exception e) when (e is not (IOException or InvalidDataException or OutOfMemoryException or UnauthorizedAccessException))
        {
            throw new InvalidDataException($"{path} is not a readable {kind} file: {e.Message}", e);
        }
    }

    private static void ThrowIfProblems(ModelReport report)
    {
        if (report.Problems.Count == 0) return;
        throw new ModelImportException(report.Problems.Count == 1
            ? $"{report.Path} ({report.Format}) cannot be imported: {report.Problems[0]}"
            : $"{report.Path} ({report.Format}) cannot be imported:\n  " + string.Join("\n  ", report.Problems));
    }

    private static bool LooksLikeSafetensors(byte[] bytes) =>
        bytes.Length > 9 && BitConverter.ToUInt64(bytes, 0) is ulong n && n > 0 && n <= (ulong)(bytes.Length - 8) && bytes[8] == (byte)'{';

    private static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsLetter(name[0]) || name[0] == '_') && name.All(c => char.IsLetterOrDigit(c) || c == '_');

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static string Name(Activation a) => a.ToString().ToLowerInvariant();

    private static string F(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
