using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using StaticNet.Interop;

namespace StaticNet.Import;

/// <summary>
/// What <see cref="ModelImport"/> does for networks that are not Dense stacks: compare with a declared
/// network, match a weights-only Keras file to one, write the <c>[Sequential]</c> declaration and the
/// safetensors tensors (PyTorch layout, as <see cref="Safetensors.Save(NeuralNetwork, System.IO.Stream, SafetensorsLayout, IReadOnlyList{string}?, IReadOnlyDictionary{string, string}?)"/> writes them).
/// </summary>
internal static class LayerNetworks
{
    /// <summary>How the file's network differs from the declared one (Dropout layers, which do nothing at inference, left out), or null.</summary>
    public static string? Difference(ImportedModel file, NetworkShape mine)
    {
        NetworkShape theirs = file.ToShape();
        if (!theirs.InputShape.SequenceEqual(mine.InputShape))
            return $"the file takes inputs of shape {Format(theirs.InputShape)}, the network {Format(mine.InputShape)}";
        var a = theirs.Layers.Where(l => l.Kind != LayerKind.Dropout).ToList();
        var b = mine.Layers.Where(l => l.Kind != LayerKind.Dropout).ToList();
        for (int i = 0; i < Math.Max(a.Count, b.Count); i++)
        {
            if (i >= a.Count) return $"the file has {a.Count} layers (Dropout left out), the network {b.Count}: the network's layer {i + 1} {b[i]} is not in the file";
            if (i >= b.Count) return $"the file has {a.Count} layers (Dropout left out), the network {b.Count}: the file's layer {i + 1} {a[i]} is not in the network";
            if (!Same(a[i], b[i]))
                return $"layer {i + 1} is {Describe(a[i])} in the file and {Describe(b[i])} in the network";
        }
        if (theirs.Layers.Any(l => l.Activation == Activation.LeakyRelu) && theirs.LeakyReluSlope != mine.LeakyReluSlope)
            return $"the leaky ReLU slope is {F(theirs.LeakyReluSlope)} in the file and {F(mine.LeakyReluSlope)} in the network (LeakyReluSlope = {F(theirs.LeakyReluSlope)}f)";
        return null;
    }

    private static bool Same(LayerInfo x, LayerInfo y) =>
        x.Kind == y.Kind && x.Units == y.Units && x.Window == y.Window && Strides(x) == Strides(y) && x.Padding == y.Padding
        && x.Activation == y.Activation && x.UseBias == y.UseBias && x.OutputShape.SequenceEqual(y.OutputShape)
        && (x.Kind != LayerKind.BatchNormalization || x.Epsilon == y.Epsilon);

    // Pooling strides 0 mean the window.
    private static (int, int) Strides(LayerInfo l) => l.Strides is (0, 0) or (1, 0) ? l.Window : l.Strides;

    private static string Describe(LayerInfo l) =>
        $"{l} -> {Format(l.OutputShape)}";

    /// <summary>
    /// A weights-only Keras file matched to a declared network: each layer with parameters takes the file's
    /// layer of the same Keras name (conv2d, conv2d_1, batch_normalization, dense, ...: Keras numbers them per
    /// class as StaticNet names the declared layers), checked against the declared shapes.
    /// </summary>
    public static float[] FromWeightGroups(ImportedModel file, NetworkShape mine, ReadOnlySpan<float> current)
    {
        var groups = file.WeightGroups!.ToDictionary(g => g.Name, StringComparer.Ordinal);
        float[] parameters = current.ToArray();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (LayerInfo layer in mine.Layers)
        {
            if (layer.Kind is not (LayerKind.Dense or LayerKind.Conv2D or LayerKind.Conv1D or LayerKind.BatchNormalization)) continue;
            if (!groups.TryGetValue(layer.Name, out WeightGroup? group))
                throw new ModelImportException($"{file.Path} has no weights for the network's layer '{layer.Name}' ({layer}); it has {string.Join(", ", groups.Keys.Select(k => $"'{k}'"))}.");
            used.Add(layer.Name);
            var t = group.Tensors;
            int[][] expected = layer.Kind switch
            {
                LayerKind.Dense => new[] { new[] { layer.InputShape[0], layer.Units }, new[] { layer.Units } },
                LayerKind.Conv2D => new[] { new[] { layer.Window.Height, layer.Window.Width, layer.InputShape[^1], layer.Units } }
                    .Concat(layer.UseBias ? new[] { new[] { layer.Units } } : Array.Empty<int[]>()).ToArray(),
                LayerKind.Conv1D => new[] { new[] { layer.Window.Width, layer.InputShape[^1], layer.Units } }
                    .Concat(layer.UseBias ? new[] { new[] { layer.Units } } : Array.Empty<int[]>()).ToArray(),
                _ => Enumerable.Repeat(new[] { layer.InputShape[^1] }, 4).ToArray(),
            };
            if (t.Count != expected.Length || t.Zip(expected).Any(p => !p.First.Shape.SequenceEqual(p.Second)))
                throw new ModelImportException($"{file.Path}: layer '{layer.Name}' holds {string.Join(", ", t.Select(x => $"'{x.Path}' [{string.Join(", ", x.Shape)}]"))}; the network's {layer} on {Format(layer.InputShape)} needs {string.Join(", ", expected.Select(e => $"[{string.Join(", ", e)}]"))}.");
            int offset = layer.ParameterOffset;
            if (layer.Kind == LayerKind.Dense)
            {
                // Keras kernel [inputs, units] → StaticNet [units x inputs].
                int inputs = layer.InputShape[0], units = layer.Units;
                for (int o = 0; o < units; o++)
                    for (int i = 0; i < inputs; i++)
                        parameters[offset + o * inputs + i] = t[0].Data[i * units + o];
                t[1].Data.CopyTo(parameters, offset + inputs * units);
            }
            else
            {
                foreach (var tensor in t)
                {
                    tensor.Data.CopyTo(parameters, offset);
                    offset += tensor.Data.Length;
                }
            }
        }
        var unused = groups.Keys.Where(k => !used.Contains(k)).ToList();
        if (unused.Count > 0)
            throw new ModelImportException($"{file.Path} has weights for {string.Join(", ", unused.Select(k => $"'{k}'"))}, which the network ({mine}) has no layer for.");
        return parameters;
    }

    /// <summary>The <c>[Sequential]</c> declaration text, one attribute per layer (Dropout, a no-op at inference, left out).</summary>
    public static void AppendDeclaration(StringBuilder sb, ImportedModel model, NetworkShape shape, string className, string weightsFile)
    {
        string input = string.Join(", ", model.InputShape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        string meaning = model.InputShape.Count switch
        {
            3 => "height, width, channels",
            2 => "steps, channels",
            _ => "units",
        };
        bool leaky = shape.Layers.Any(l => l.Activation == Activation.LeakyRelu);
        var settings = new List<string>();
        if (leaky) settings.Add($"LeakyReluSlope = {F(model.LeakyReluSlope)}f");
        settings.Add($"Weights = \"{weightsFile.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"");
        sb.Append("[Sequential(").Append(input).Append(settings.Count > 0 ? ", " + string.Join(", ", settings) : "").Append(")]")
          .Append("   // ").Append(meaning).Append(model.InputShape.Count switch
          {
              3 => " (channels-last: feed images as (h, w, c), not PyTorch's (c, h, w))",
              2 => " (channels-last: feed (steps, channels), not PyTorch's Conv1d (channels, length))",
              _ => "",
          }).Append('\n');
        for (int i = 0; i < model.Specs.Count; i++)
            sb.Append(model.Specs[i].ToAttribute()).Append("   // ").Append(Format(shape.Layers[i].OutputShape)).Append('\n');
        sb.Append("public partial class ").Append(className).Append(";\n");
    }

    /// <summary>
    /// The tensors in PyTorch's layout with <see cref="Safetensors.LayerNames"/>'s names, as the runtime's
    /// <c>Safetensors.Save</c> writes a network: Linear weights [out, in] (in PyTorch's (c, h, w) order after a
    /// Flatten), Conv weights [out, in, kh, kw], BatchNorm weight, bias, running_mean, running_var.
    /// </summary>
    public static List<KeyValuePair<string, SafetensorsTensor>> PyTorchTensors(NetworkShape shape, float[] parameters)
    {
        string[] names = Safetensors.LayerNames(shape, SafetensorsLayout.PyTorch);
        var tensors = new List<KeyValuePair<string, SafetensorsTensor>>();
        int named = 0, spatial = 1, channels = 1;
        foreach (LayerInfo layer in shape.Layers)
        {
            int offset = layer.ParameterOffset;
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                {
                    string name = names[named++];
                    int inputs = layer.InputShape[0], units = layer.Units;
                    var w = new float[units * inputs];
                    for (int o = 0; o < units; o++)
                        for (int t = 0; t < inputs; t++)
                            w[o * inputs + t] = parameters[offset + o * inputs + Unflatten(t, spatial, channels)];
                    tensors.Add(new(name + ".weight", new SafetensorsTensor(new[] { units, inputs }, w)));
                    tensors.Add(new(name + ".bias", new SafetensorsTensor(new[] { units }, parameters.AsSpan(offset + units * inputs, units).ToArray())));
                    spatial = 1;
                    break;
                }
                case LayerKind.Conv2D or LayerKind.Conv1D:
                {
                    string name = names[named++];
                    int kh = layer.Window.Height, kw = layer.Window.Width, cin = layer.InputShape[^1], cout = layer.Units;
                    var w = new float[kh * kw * cin * cout];
                    for (int o = 0; o < cout; o++)
                        for (int i = 0; i < cin; i++)
                            for (int y = 0; y < kh; y++)
                                for (int x = 0; x < kw; x++)
                                    w[((o * cin + i) * kh + y) * kw + x] = parameters[offset + ((y * kw + x) * cin + i) * cout + o];
                    int[] dims = layer.Kind == LayerKind.Conv2D ? new[] { cout, cin, kh, kw } : new[] { cout, cin, kw };
                    tensors.Add(new(name + ".weight", new SafetensorsTensor(dims, w)));
                    if (layer.UseBias)
                        tensors.Add(new(name + ".bias", new SafetensorsTensor(new[] { cout }, parameters.AsSpan(offset + w.Length, cout).ToArray())));
                    spatial = 1;
                    break;
                }
                case LayerKind.BatchNormalization:
                {
                    string name = names[named++];
                    int c = layer.InputShape[^1];
                    bool flattened = layer.InputShape.Count == 1;
                    string[] parts = { ".weight", ".bias", ".running_mean", ".running_var" };
                    for (int p = 0; p < 4; p++)
                    {
                        var v = new float[c];
                        for (int t = 0; t < c; t++) v[t] = parameters[offset + p * c + (flattened ? Unflatten(t, spatial, channels) : t)];
                        tensors.Add(new(name + parts[p], new SafetensorsTensor(new[] { c }, v)));
                    }
                    if (layer.InputShape.Count > 1) spatial = 1;
                    break;
                }
                case LayerKind.Flatten:
                    if (layer.InputShape.Count > 1)
                    {
                        channels = layer.InputShape[^1];
                        spatial = layer.OutputShape[0] / channels;
                    }
                    break;
                case LayerKind.Dropout:
                    break;
                default:
                    spatial = 1;
                    break;
            }
        }
        return tensors;
    }

    /// <summary>PyTorch's flattened index t = c·positions + p to StaticNet's (channels-last) p·channels + c.</summary>
    private static int Unflatten(int t, int spatial, int channels) => spatial == 1 ? t : (t % spatial) * channels + t / spatial;

    /// <summary>How to feed the network, for the tool and the declaration's comment; empty for a 1-D input.</summary>
    internal static string InputNote(ImportedModel model) => model.InputShape.Count switch
    {
        3 => $"inputs of shape {Format(model.InputShape)}, channels-last (height, width, channels) as in Keras: feed a PyTorch (c, h, w) image as (h, w, c) (for one channel the pixels' order is the same)",
        2 => $"inputs of shape {Format(model.InputShape)}, channels-last (steps, channels) as in Keras: feed a PyTorch Conv1d input (channels, length) as (length, channels)",
        _ => "",
    };

    internal static string Format(IReadOnlyList<int> shape) =>
        "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + (shape.Count == 1 ? ",)" : ")");

    private static string F(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
