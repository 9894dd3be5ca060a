using System;
using System.Collections.Generic;
using System.Globalization;

namespace StaticNet.Interop;

/// <summary>How one tensor's elements sit in a layer's block of <see cref="NeuralNetwork.Parameters"/>.</summary>
internal enum TensorOrder
{
    /// <summary>Element j is parameter j of the block.</summary>
    Identity,
    /// <summary>PyTorch Linear.weight [out, in]: as stored, but when the inputs come from a Flatten, its columns in (c, h, w) order.</summary>
    LinearWeight,
    /// <summary>Keras Dense kernel [in, out]: the transpose of the stored [out, in].</summary>
    DenseKernel,
    /// <summary>PyTorch Conv2d/Conv1d weight [out, in, kh, kw] / [out, in, k] of the stored Keras kernel [kh, kw, in, out].</summary>
    ConvWeight,
    /// <summary>A per-feature vector after a Flatten (BatchNorm1d in PyTorch): element t in (c, h, w) order.</summary>
    FlattenedVector,
}

/// <summary>One tensor of a network in a layout: its name, shape, layer, and where its values are.</summary>
internal sealed class TensorSlot
{
    public TensorSlot(string name, int[] shape, int layer, int offset, TensorOrder order, int rows = 0, int columns = 0,
        int kernelHeight = 1, int kernelWidth = 1, int spatial = 1, int channels = 1)
    {
        Name = name;
        Shape = shape;
        Layer = layer;
        Offset = offset;
        Order = order;
        Rows = rows;
        Columns = columns;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        Spatial = spatial;
        Channels = channels;
    }

    public string Name { get; }
    public int[] Shape { get; }
    /// <summary>The index into <see cref="NetworkShape.Layers"/>.</summary>
    public int Layer { get; }
    /// <summary>Where the tensor's values start in the parameter buffer.</summary>
    public int Offset { get; }
    public TensorOrder Order { get; }
    public int Length => (int)SafetensorsTensor.ElementCount(Shape);

    // LinearWeight/DenseKernel: the stored [Rows = out, Columns = in]; ConvWeight: Rows = out, Columns = in channels.
    private int Rows { get; }
    private int Columns { get; }
    private int KernelHeight { get; }
    private int KernelWidth { get; }
    // The Flatten that feeds the layer, as (positions, channels); Spatial = 1 when no Flatten of a 2-D/3-D tensor does.
    private int Spatial { get; }
    private int Channels { get; }

    /// <summary>The parameter (relative to <see cref="Offset"/>) that holds tensor element <paramref name="j"/> (row-major).</summary>
    public int Source(int j)
    {
        switch (Order)
        {
            case TensorOrder.LinearWeight:
            {
                int o = j / Columns, t = j % Columns;
                return o * Columns + Unflatten(t);
            }
            case TensorOrder.DenseKernel:
            {
                int i = j / Rows, o = j % Rows;
                return o * Columns + i;
            }
            case TensorOrder.ConvWeight:
            {
                int x = j % KernelWidth, rest = j / KernelWidth;
                int y = rest % KernelHeight; rest /= KernelHeight;
                int i = rest % Columns, o = rest / Columns;
                return ((y * KernelWidth + x) * Columns + i) * Rows + o;
            }
            case TensorOrder.FlattenedVector:
                return Unflatten(j);
            default:
                return j;
        }
    }

    /// <summary>PyTorch's flattened index t = c·positions + p to StaticNet's (channels-last) p·channels + c.</summary>
    private int Unflatten(int t) => Spatial == 1 ? t : (t % Spatial) * Channels + t / Spatial;

    public void Gather(ReadOnlySpan<float> parameters, Span<float> tensor)
    {
        ReadOnlySpan<float> block = parameters.Slice(Offset);
        if (IsIdentity) { block.Slice(0, tensor.Length).CopyTo(tensor); return; }
        for (int j = 0; j < tensor.Length; j++) tensor[j] = block[Source(j)];
    }

    public void Scatter(ReadOnlySpan<float> tensor, Span<float> parameters)
    {
        Span<float> block = parameters.Slice(Offset);
        if (IsIdentity) { tensor.CopyTo(block); return; }
        for (int j = 0; j < tensor.Length; j++) block[Source(j)] = tensor[j];
    }

    private bool IsIdentity => Order == TensorOrder.Identity || (Order is TensorOrder.LinearWeight or TensorOrder.FlattenedVector && Spatial == 1);

    /// <summary>Row-major indices of element <paramref name="j"/>, e.g. <c>[1, 0, 2, 2]</c>.</summary>
    public string Position(int j)
    {
        var index = new int[Shape.Length];
        for (int d = Shape.Length - 1; d >= 0; d--)
        {
            index[d] = Shape[d] == 0 ? 0 : j % Shape[d];
            j = Shape[d] == 0 ? 0 : j / Shape[d];
        }
        return SafetensorsTensor.FormatShape(index);
    }
}

/// <summary>
/// The tensors of every layer with parameters in the PyTorch or Keras layout (docs/FORMATS.md, "safetensors
/// mapping"): names, shapes, and the permutations between those layouts and the parameter buffer.
/// </summary>
internal static class SafetensorsMapping
{
    /// <summary>Whether the layer has tensors (Dense, convolutions, BatchNormalization).</summary>
    public static bool HasTensors(LayerKind kind) => kind is LayerKind.Dense or LayerKind.Conv2D or LayerKind.Conv1D or LayerKind.BatchNormalization;

    /// <summary>One default name per layer with tensors: PyTorch's nn.Sequential module index, or Keras's layer name.</summary>
    public static string[] LayerNames(NetworkShape shape, SafetensorsLayout layout, string prefix)
    {
        var names = new List<string>();
        int module = 0;
        foreach (LayerInfo layer in shape.Layers)
        {
            if (HasTensors(layer.Kind))
                names.Add(prefix + (layout == SafetensorsLayout.PyTorch ? module.ToString(CultureInfo.InvariantCulture) : layer.Name));
            module += Modules(layer);
        }
        return names.ToArray();
    }

    /// <summary>
    /// The layer's modules in the equivalent nn.Sequential: itself, plus its activation module (nn.ReLU, ...) for a
    /// Dense or convolution with a non-linear activation; a global pooling layer is nn.AdaptiveAvgPool2d(1) (or 1d)
    /// followed by nn.Flatten().
    /// </summary>
    private static int Modules(LayerInfo layer) => layer.Kind switch
    {
        LayerKind.Dense or LayerKind.Conv2D or LayerKind.Conv1D => layer.Activation == Activation.Linear ? 1 : 2,
        LayerKind.GlobalAveragePooling2D or LayerKind.GlobalAveragePooling1D => 2,
        _ => 1,
    };

    /// <summary>Every tensor of the network in file order (layer order; weight before bias).</summary>
    public static List<TensorSlot> Slots(NetworkShape shape, SafetensorsLayout layout, IReadOnlyList<string> names)
    {
        bool torch = layout == SafetensorsLayout.PyTorch;
        var slots = new List<TensorSlot>();
        int named = 0;
        // The (positions, channels) of the Flatten whose output reaches the next layer unchanged (through Dropout
        // and 1-D BatchNormalization), or (1, n) when the 1-D values are not a flattened 2-D/3-D tensor.
        int spatial = 1, channels = 1;
        for (int l = 0; l < shape.Layers.Count; l++)
        {
            LayerInfo layer = shape.Layers[l];
            int offset = layer.ParameterOffset;
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                {
                    string name = names[named++];
                    int inputs = layer.InputShape[0], units = layer.Units;
                    slots.Add(torch
                        ? new TensorSlot(name + ".weight", new[] { units, inputs }, l, offset, TensorOrder.LinearWeight, units, inputs, spatial: spatial, channels: channels)
                        : new TensorSlot(name + "/kernel", new[] { inputs, units }, l, offset, TensorOrder.DenseKernel, units, inputs));
                    slots.Add(new TensorSlot(name + (torch ? ".bias" : "/bias"), new[] { units }, l, offset + layer.WeightCount, TensorOrder.Identity));
                    spatial = 1;
                    break;
                }
                case LayerKind.Conv2D or LayerKind.Conv1D:
                {
                    string name = names[named++];
                    int kh = layer.Window.Height, kw = layer.Window.Width, inputs = layer.InputShape[^1], filters = layer.Units;
                    bool oneD = layer.Kind == LayerKind.Conv1D;
                    int[] weightShape = torch
                        ? (oneD ? new[] { filters, inputs, kw } : new[] { filters, inputs, kh, kw })
                        : (oneD ? new[] { kw, inputs, filters } : new[] { kh, kw, inputs, filters });
                    slots.Add(torch
                        ? new TensorSlot(name + ".weight", weightShape, l, offset, TensorOrder.ConvWeight, filters, inputs, kh, kw)
                        : new TensorSlot(name + "/kernel", weightShape, l, offset, TensorOrder.Identity));
                    if (layer.UseBias)
                        slots.Add(new TensorSlot(name + (torch ? ".bias" : "/bias"), new[] { filters }, l, offset + layer.WeightCount, TensorOrder.Identity));
                    spatial = 1;
                    break;
                }
                case LayerKind.BatchNormalization:
                {
                    string name = names[named++];
                    int c = layer.InputShape[^1];
                    bool flattened = torch && layer.InputShape.Count == 1 && spatial > 1;
                    string[] parts = torch
                        ? new[] { ".weight", ".bias", ".running_mean", ".running_var" }
                        : new[] { "/gamma", "/beta", "/moving_mean", "/moving_variance" };
                    for (int p = 0; p < 4; p++)
                        slots.Add(flattened
                            ? new TensorSlot(name + parts[p], new[] { c }, l, offset + p * c, TensorOrder.FlattenedVector, spatial: spatial, channels: channels)
                            : new TensorSlot(name + parts[p], new[] { c }, l, offset + p * c, TensorOrder.Identity));
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
                default:   // pooling: its output is a new tensor in the same order in both frameworks
                    spatial = 1;
                    break;
            }
        }
        return slots;
    }

    /// <summary>The same tensor's shape in the other layout (for the "looks like the other layout" hint).</summary>
    public static int[] OtherLayoutShape(TensorSlot slot, SafetensorsLayout layout)
    {
        int[] s = slot.Shape;
        if (s.Length < 2) return s;
        bool torch = layout == SafetensorsLayout.PyTorch;
        return s.Length switch
        {
            2 => new[] { s[1], s[0] },
            3 => torch ? new[] { s[2], s[1], s[0] } : new[] { s[2], s[1], s[0] },
            _ => torch ? new[] { s[2], s[3], s[1], s[0] } : new[] { s[3], s[2], s[0], s[1] },
        };
    }
}
