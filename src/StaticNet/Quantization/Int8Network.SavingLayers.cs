using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using StaticNet.Interop;
using StaticNet.Kernels;

namespace StaticNet.Quantization;

/// <summary>
/// The file of a network with convolutions (format <c>staticnet-int8-layers</c>): every layer of the source network
/// described in <c>__metadata__</c> "layers" (one entry each, ';' between them) with the input shape, and the tensors
/// of its int8 and float32 layers named by layer index.
/// </summary>
public sealed partial class Int8Network
{
    /// <summary>The <c>__metadata__</c> "format" value of a file of an int8 network with convolutions.</summary>
    internal const string LayersFileFormat = Int8Layout.LayersFileFormat;

    private const string Int8Storage = Int8LayerText.Int8Storage, Float32Storage = Int8LayerText.Float32Storage;

    private void WriteLayers(Stream stream)
    {
        NetworkShape shape = _shape!;
        Step?[] stepOf = StepsByLayer();
        var entries = new List<(string Name, string DType, int[] Shape, byte[] Data)>();
        var descriptions = new string[shape.Layers.Count];
        for (int l = 0; l < shape.Layers.Count; l++)
        {
            LayerInfo layer = shape.Layers[l];
            Step? step = stepOf[l];
            descriptions[l] = Describe(layer, step);
            if (step?.Convolution is { } conv)
            {
                AddQuantized(entries, l, conv.Kernel);
            }
            else if (step?.FloatConvolution is { } f)
            {
                ConvGeometry g = f.Shape;
                entries.Add(($"{l}.kernel", "F32", new[] { g.WindowHeight, g.WindowWidth, g.InChannels, g.Filters }, FloatBytes(f.Kernel)));
                entries.Add(($"{l}.bias", "F32", new[] { g.Filters }, FloatBytes(f.Bias)));
            }
            else if (step?.Dense is { } dense)
            {
                AddQuantized(entries, l, dense);
            }
            else if (step?.Other is { Kind: LayerKind.BatchNormalization } norm)
            {
                int channels = norm.Shape.InChannels;
                entries.Add(($"{l}.center", "F32", new[] { channels }, FloatBytes(norm.Center)));
                entries.Add(($"{l}.scale", "F32", new[] { channels }, FloatBytes(norm.Scale)));
                entries.Add(($"{l}.offset", "F32", new[] { channels }, FloatBytes(norm.Offset)));
            }
        }
        WriteSafetensors(stream, entries, new[]
        {
            ("format", LayersFileFormat),
            ("input_shape", string.Join(",", shape.InputShape)),
            ("layers", string.Join(";", descriptions)),
            ("leaky_relu_slope", _leakyReluSlope.ToString("R", CultureInfo.InvariantCulture)),
        });
    }

    /// <summary>The layer as <see cref="Int8LayerText.Describe"/> writes it, a convolution followed by its storage ("Conv2D 32 3x3 1x1 Valid Relu int8").</summary>
    private static string Describe(LayerInfo layer, Step? step)
    {
        string text = Int8LayerText.Describe(layer.Kind, layer.Units, layer.Window.Height, layer.Window.Width, layer.Strides.Height, layer.Strides.Width,
            layer.Padding, layer.Activation, layer.UseBias);
        return layer.Kind is LayerKind.Conv2D or LayerKind.Conv1D ? $"{text} {(step?.Convolution is null ? Float32Storage : Int8Storage)}" : text;
    }

    private static Int8Network ReadLayers(SafetensorsHeader header, byte[] data)
    {
        string inputText = Metadata(header, "input_shape"), layersText = Metadata(header, "layers"), slopeText = Metadata(header, "leaky_relu_slope");
        if (!float.TryParse(slopeText, NumberStyles.Float, CultureInfo.InvariantCulture, out float slope) || !float.IsFinite(slope))
            throw new InvalidDataException($"its __metadata__ \"leaky_relu_slope\" is '{slopeText}'; expected a finite number");
        string[] dims = inputText.Split(',');
        var inputShape = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
            if (!int.TryParse(dims[i], NumberStyles.None, CultureInfo.InvariantCulture, out inputShape[i]) || inputShape[i] <= 0)
                throw new InvalidDataException($"its __metadata__ \"input_shape\" is '{inputText}'; expected positive sizes separated by commas");

        string[] descriptions = layersText.Split(';');
        var layers = new LayerInfo[descriptions.Length];
        var storage = new string?[descriptions.Length];
        for (int l = 0; l < descriptions.Length; l++)
            layers[l] = Parse(descriptions[l], l, out storage[l]);
        NetworkShape shape;
        try
        {
            shape = new NetworkShape(inputShape, layers, slope);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"its layers do not fit together: {e.Message}", e);
        }

        var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        foreach (SafetensorsEntry entry in header.Entries) entries.Add(entry.Name, entry);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var steps = new List<Step>();
        for (int l = 0; l < shape.Layers.Count; l++)
        {
            LayerInfo layer = shape.Layers[l];
            switch (layer.Kind)
            {
                case LayerKind.Conv2D or LayerKind.Conv1D when storage[l] == Int8Storage:
                {
                    ConvGeometry g = QuantizedConv2DLayer.Geometry(layer);
                    steps.Add(new Step(l, Convolution: new QuantizedConv2DLayer(layer, ReadQuantized(entries, data, l, g.Filters, g.WindowSize, layer.Activation))));
                    used.UnionWith(new[] { $"{l}.weight", $"{l}.weight_scale", $"{l}.bias", $"{l}.input_scale", $"{l}.input_zero_point" });
                    break;
                }
                case LayerKind.Conv2D or LayerKind.Conv1D:
                {
                    ConvGeometry g = QuantizedConv2DLayer.Geometry(layer);
                    float[] kernel = Floats(entries, data, $"{l}.kernel", 0, positive: false, new[] { g.WindowHeight, g.WindowWidth, g.InChannels, g.Filters });
                    float[] bias = Floats(entries, data, $"{l}.bias", g.Filters, positive: false);
                    steps.Add(new Step(l, FloatConvolution: new Float32Convolution(g, kernel, bias, layer.Activation)));
                    used.UnionWith(new[] { $"{l}.kernel", $"{l}.bias" });
                    break;
                }
                case LayerKind.MaxPooling2D or LayerKind.MaxPooling1D:
                    steps.Add(new Step(l, Pooling: QuantizedConv2DLayer.Geometry(layer)));
                    break;
                case LayerKind.BatchNormalization:
                {
                    int channels = QuantizedConv2DLayer.Geometry(layer).InChannels;
                    steps.Add(new Step(l, Other: Float32Layer.Normalization(layer, Floats(entries, data, $"{l}.center", channels, positive: false),
                        Floats(entries, data, $"{l}.scale", channels, positive: false), Floats(entries, data, $"{l}.offset", channels, positive: false))));
                    used.UnionWith(new[] { $"{l}.center", $"{l}.scale", $"{l}.offset" });
                    break;
                }
                case var kind when Float32Layer.Handles(kind):   // average pooling: no parameters
                    steps.Add(new Step(l, Other: Float32Layer.From(layer, ReadOnlySpan<float>.Empty)));
                    break;
                case LayerKind.Dense:
                    steps.Add(new Step(l, Dense: ReadQuantized(entries, data, l, layer.Units, layer.InputShape[0], layer.Activation)));
                    used.UnionWith(new[] { $"{l}.weight", $"{l}.weight_scale", $"{l}.bias", $"{l}.input_scale", $"{l}.input_zero_point" });
                    break;
            }
        }
        foreach (string name in entries.Keys)
            if (!used.Contains(name))
                throw new InvalidDataException($"it has a tensor '{name}' that none of its {shape.Layers.Count} layers (from \"layers\") uses");
        return new Int8Network(steps.ToArray(), shape, Int8Path.Auto);
    }

    private static string Metadata(SafetensorsHeader header, string key) =>
        header.Metadata.TryGetValue(key, out string? value) && value.Length > 0 ? value : throw new InvalidDataException($"its __metadata__ has no \"{key}\"");

    /// <summary>One layer description of <see cref="Describe"/>; <paramref name="storage"/> is a convolution's int8 or float32.</summary>
    private static LayerInfo Parse(string description, int l, out string? storage)
    {
        string[] t = description.Split(' ');
        storage = null;
        string Bad(string expected) => $"layer {l}'s description '{description}' in __metadata__ \"layers\" is not {expected}";
        (int, int) Pair(string text)
        {
            string[] p = text.Split('x');
            return p.Length == 2 && int.TryParse(p[0], NumberStyles.None, CultureInfo.InvariantCulture, out int a) && a > 0
                && int.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out int b) && b > 0
                ? (a, b) : throw new InvalidDataException(Bad("'<height>x<width>' sizes"));
        }
        Padding PaddingOf(string text) => Enum.TryParse(text, out Padding p) && Enum.IsDefined(p) ? p : throw new InvalidDataException(Bad("a padding of Valid or Same"));
        int Count(string text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw new InvalidDataException(Bad("a positive count"));
        switch (t[0])
        {
            case "Conv2D" or "Conv1D" when t.Length == 7 || (t.Length == 8 && t[6] == Int8LayerText.NoBias):
            {
                (int kh, int kw) = Pair(t[2]);
                (int sh, int sw) = Pair(t[3]);
                storage = t[^1] is Int8Storage or Float32Storage ? t[^1] : throw new InvalidDataException(Bad($"stored as {Int8Storage} or {Float32Storage}"));
                Activation activation = ParseActivation(t[5], l);
                bool useBias = t.Length == 7;
                return t[0] == "Conv2D"
                    ? LayerInfo.Conv2D(Count(t[1]), kh, kw, sh, sw, PaddingOf(t[4]), activation, useBias)
                    : LayerInfo.Conv1D(Count(t[1]), kw, sw, PaddingOf(t[4]), activation, useBias);
            }
            case "MaxPooling2D" or "MaxPooling1D" or "AveragePooling2D" or "AveragePooling1D" when t.Length == 4:
            {
                (int ph, int pw) = Pair(t[1]);
                (int sh, int sw) = Pair(t[2]);
                return t[0] switch
                {
                    "MaxPooling2D" => LayerInfo.MaxPooling2D(ph, pw, sh, sw, PaddingOf(t[3])),
                    "MaxPooling1D" => LayerInfo.MaxPooling1D(pw, sw, PaddingOf(t[3])),
                    "AveragePooling2D" => LayerInfo.AveragePooling2D(ph, pw, sh, sw, PaddingOf(t[3])),
                    _ => LayerInfo.AveragePooling1D(pw, sw, PaddingOf(t[3])),
                };
            }
            case "BatchNormalization" when t.Length == 1:
                return LayerInfo.BatchNormalization();
            case "GlobalAveragePooling2D" when t.Length == 1:
                return LayerInfo.GlobalAveragePooling2D();
            case "GlobalAveragePooling1D" when t.Length == 1:
                return LayerInfo.GlobalAveragePooling1D();
            case "Dense" when t.Length == 3:
                return LayerInfo.Dense(Count(t[1]), ParseActivation(t[2], l));
            case "Flatten" when t.Length == 1:
                return LayerInfo.Flatten();
            case "Dropout" when t.Length == 1:
                return LayerInfo.Dropout(0);
            default:
                throw new InvalidDataException(Bad("a layer as Int8Network.Save describes it"));
        }
    }
}
