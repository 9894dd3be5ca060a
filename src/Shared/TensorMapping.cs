// Shared source (src/Shared): the safetensors mapping of every layer kind (docs/FORMATS.md, "safetensors mapping"):
// tensor names, shapes and the permutation between a tensor's elements and the parameter buffer. Compiled into the
// runtime (Safetensors.Save/Load, through SafetensorsMapping) and the generator (baking Weights = "file.safetensors"),
// which must agree: a baked network holds exactly what Safetensors.Load of the same file gives. Works on plain values
// (LayerGeometry, activations, names), not on runtime types. netstandard2.0 C#.
using System.Collections.Generic;
using System.Globalization;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Model;
#else
namespace StaticNet.Interop;
#endif

/// <summary>How one tensor's elements sit in a layer's block of the parameter buffer.</summary>
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
internal sealed partial class TensorSlot
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
        int length = 1;
        foreach (int d in shape) length *= d;
        Length = length;
    }

    public string Name { get; }
    public int[] Shape { get; }
    /// <summary>The index of the layer in the network's layer list.</summary>
    public int Layer { get; }
    /// <summary>Where the tensor's values start in the parameter buffer.</summary>
    public int Offset { get; }
    public TensorOrder Order { get; }
    /// <summary>Elements (the product of <see cref="Shape"/>; a layer's parameters fit an int).</summary>
    public int Length { get; }

    // LinearWeight/DenseKernel: the stored [Rows = out, Columns = in]; ConvWeight: Rows = out, Columns = in channels.
    private int Rows { get; }
    private int Columns { get; }
    private int KernelHeight { get; }
    private int KernelWidth { get; }
    // The Flatten that feeds the layer, as (positions, channels); Spatial = 1 when no Flatten of a 2-D/3-D tensor does.
    private int Spatial { get; }
    private int Channels { get; }

    /// <summary>Whether tensor element j is parameter <see cref="Offset"/> + j (a plain copy).</summary>
    public bool IsIdentity => Order == TensorOrder.Identity || (Order is TensorOrder.LinearWeight or TensorOrder.FlattenedVector && Spatial == 1);

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

    /// <summary>Row-major indices of element <paramref name="j"/>, e.g. <c>[1, 0, 2, 2]</c>.</summary>
    public string Position(int j)
    {
        var index = new string[Shape.Length];
        for (int d = Shape.Length - 1; d >= 0; d--)
        {
            index[d] = (Shape[d] == 0 ? 0 : j % Shape[d]).ToString(CultureInfo.InvariantCulture);
            j = Shape[d] == 0 ? 0 : j / Shape[d];
        }
        return "[" + string.Join(", ", index) + "]";
    }
}

/// <summary>
/// The tensors of every layer with parameters in the PyTorch or Keras layout: names, shapes, and where each
/// element lives in the parameter buffer (each layer's weights, biases and state in layer order, see
/// <see cref="LayerGeometry.WeightCount"/>).
/// </summary>
internal static class TensorMapping
{
    /// <summary>Whether the layer has tensors (Dense, convolutions, BatchNormalization).</summary>
    public static bool HasTensors(LayerKind kind) => kind is LayerKind.Dense or LayerKind.Conv2D or LayerKind.Conv1D or LayerKind.BatchNormalization;

    /// <summary>
    /// The layer's modules in the equivalent nn.Sequential: itself, plus its activation module (nn.ReLU, ...) for a
    /// Dense or convolution with a non-linear activation; a global pooling layer is nn.AdaptiveAvgPool2d(1) (or 1d)
    /// followed by nn.Flatten().
    /// </summary>
    public static int Modules(LayerKind kind, Activation activation) => kind switch
    {
        LayerKind.Dense or LayerKind.Conv2D or LayerKind.Conv1D => activation == Activation.Linear ? 1 : 2,
        LayerKind.GlobalAveragePooling2D or LayerKind.GlobalAveragePooling1D => 2,
        _ => 1,
    };

    /// <summary>Keras's base name of a layer kind (<c>conv2d</c>, <c>batch_normalization</c>, ...).</summary>
    public static string KerasName(LayerKind kind) => kind switch
    {
        LayerKind.Dense => "dense",
        LayerKind.Conv2D => "conv2d",
        LayerKind.Conv1D => "conv1d",
        LayerKind.MaxPooling2D => "max_pooling2d",
        LayerKind.AveragePooling2D => "average_pooling2d",
        LayerKind.GlobalAveragePooling2D => "global_average_pooling2d",
        LayerKind.MaxPooling1D => "max_pooling1d",
        LayerKind.AveragePooling1D => "average_pooling1d",
        LayerKind.GlobalAveragePooling1D => "global_average_pooling1d",
        LayerKind.Flatten => "flatten",
        LayerKind.Dropout => "dropout",
        _ => "batch_normalization",
    };

    /// <summary>Each layer's name as Keras gives it in a fresh session: conv2d, conv2d_1, dense, dense_1, ...</summary>
    public static string[] KerasNames(IReadOnlyList<LayerKind> kinds)
    {
        var names = new string[kinds.Count];
        var counts = new Dictionary<LayerKind, int>();
        for (int i = 0; i < names.Length; i++)
        {
            counts.TryGetValue(kinds[i], out int n);
            counts[kinds[i]] = n + 1;
            names[i] = KerasName(kinds[i]) + (n == 0 ? "" : "_" + n.ToString(CultureInfo.InvariantCulture));
        }
        return names;
    }

    /// <summary>
    /// One default name per layer with tensors: PyTorch's nn.Sequential module index (<paramref name="pyTorch"/>),
    /// or the layer's Keras name from <paramref name="kerasNames"/>; <paramref name="prefix"/> before each.
    /// </summary>
    public static string[] LayerNames(IReadOnlyList<LayerKind> kinds, IReadOnlyList<Activation> activations,
        IReadOnlyList<string> kerasNames, bool pyTorch, string prefix)
    {
        var names = new List<string>();
        int module = 0;
        for (int l = 0; l < kinds.Count; l++)
        {
            if (HasTensors(kinds[l]))
                names.Add(prefix + (pyTorch ? module.ToString(CultureInfo.InvariantCulture) : kerasNames[l]));
            module += Modules(kinds[l], activations[l]);
        }
        return names.ToArray();
    }

    /// <summary>
    /// Every tensor of the network in file order (layer order; weight before bias), for the layers'
    /// geometries and one name per layer with tensors (<see cref="LayerNames"/>).
    /// </summary>
    public static List<TensorSlot> Slots(IReadOnlyList<LayerGeometry> layers, bool pyTorch, IReadOnlyList<string> names)
    {
        bool torch = pyTorch;
        var slots = new List<TensorSlot>();
        int named = 0;
        long offset = 0;
        // The (positions, channels) of the Flatten whose output reaches the next layer unchanged (through Dropout
        // and 1-D BatchNormalization), or (1, n) when the 1-D values are not a flattened 2-D/3-D tensor.
        int spatial = 1, channels = 1;
        for (int l = 0; l < layers.Count; l++)
        {
            LayerGeometry layer = layers[l];
            int at = (int)offset;
            offset += layer.ParameterCount;
            int[] input = layer.InputShape;
            int inRank = input.Length;
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                {
                    string name = names[named++];
                    int inputs = input[0], units = layer.OutputShape[0], weights = (int)layer.WeightCount;
                    slots.Add(torch
                        ? new TensorSlot(name + ".weight", new[] { units, inputs }, l, at, TensorOrder.LinearWeight, units, inputs, spatial: spatial, channels: channels)
                        : new TensorSlot(name + "/kernel", new[] { inputs, units }, l, at, TensorOrder.DenseKernel, units, inputs));
                    slots.Add(new TensorSlot(name + (torch ? ".bias" : "/bias"), new[] { units }, l, at + weights, TensorOrder.Identity));
                    spatial = 1;
                    break;
                }
                case LayerKind.Conv2D:
                case LayerKind.Conv1D:
                {
                    string name = names[named++];
                    int kh = layer.WindowHeight, kw = layer.WindowWidth, inputs = layer.InChannels, filters = layer.OutChannels;
                    bool oneD = layer.Kind == LayerKind.Conv1D;
                    int[] weightShape = torch
                        ? (oneD ? new[] { filters, inputs, kw } : new[] { filters, inputs, kh, kw })
                        : (oneD ? new[] { kw, inputs, filters } : new[] { kh, kw, inputs, filters });
                    slots.Add(torch
                        ? new TensorSlot(name + ".weight", weightShape, l, at, TensorOrder.ConvWeight, filters, inputs, kh, kw)
                        : new TensorSlot(name + "/kernel", weightShape, l, at, TensorOrder.Identity));
                    if (layer.BiasCount > 0)
                        slots.Add(new TensorSlot(name + (torch ? ".bias" : "/bias"), new[] { filters }, l, at + (int)layer.WeightCount, TensorOrder.Identity));
                    spatial = 1;
                    break;
                }
                case LayerKind.BatchNormalization:
                {
                    string name = names[named++];
                    int c = layer.InChannels;
                    bool flattened = torch && inRank == 1 && spatial > 1;
                    string[] parts = torch ? PyTorchBatchNorm : KerasBatchNorm;
                    for (int p = 0; p < 4; p++)
                        slots.Add(flattened
                            ? new TensorSlot(name + parts[p], new[] { c }, l, at + p * c, TensorOrder.FlattenedVector, spatial: spatial, channels: channels)
                            : new TensorSlot(name + parts[p], new[] { c }, l, at + p * c, TensorOrder.Identity));
                    if (inRank > 1) spatial = 1;
                    break;
                }
                case LayerKind.Flatten:
                    if (inRank > 1)
                    {
                        channels = layer.InChannels;
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

    private static readonly string[] PyTorchBatchNorm = { ".weight", ".bias", ".running_mean", ".running_var" };
    private static readonly string[] KerasBatchNorm = { "/gamma", "/beta", "/moving_mean", "/moving_variance" };

    /// <summary>
    /// Tensors a PyTorch file may hold that carry no parameter: BatchNorm's <c>num_batches_tracked</c> step counter
    /// (an integer tensor in every <c>state_dict()</c> of a BatchNorm module), one per BatchNormalization layer.
    /// </summary>
    public static HashSet<string> IgnoredNames(IReadOnlyList<TensorSlot> slots, IReadOnlyList<LayerKind> kinds, bool pyTorch)
    {
        var ignored = new HashSet<string>(System.StringComparer.Ordinal);
        if (!pyTorch) return ignored;
        const string runningVar = ".running_var";
        foreach (TensorSlot slot in slots)
            if (kinds[slot.Layer] == LayerKind.BatchNormalization && slot.Name.EndsWith(runningVar, System.StringComparison.Ordinal))
                ignored.Add(slot.Name.Substring(0, slot.Name.Length - runningVar.Length) + ".num_batches_tracked");
        return ignored;
    }

    /// <summary>Whether a tensor name is typical of the other layout (<c>/kernel</c>, <c>/gamma</c> for Keras; <c>.weight</c>, <c>.running_mean</c> for PyTorch).</summary>
    public static bool LooksLikeOtherLayout(string name, bool pyTorch) => pyTorch
        ? name.EndsWith("/kernel", System.StringComparison.Ordinal) || name.EndsWith("/gamma", System.StringComparison.Ordinal)
        : name.EndsWith(".weight", System.StringComparison.Ordinal) || name.EndsWith(".running_mean", System.StringComparison.Ordinal);

    /// <summary>The same tensor's shape in the other layout (for the "looks like the other layout" hint).</summary>
    public static int[] OtherLayoutShape(int[] s, bool pyTorch)
    {
        if (s.Length < 2) return s;
        return s.Length switch
        {
            2 => new[] { s[1], s[0] },
            3 => new[] { s[2], s[1], s[0] },
            _ => pyTorch ? new[] { s[2], s[3], s[1], s[0] } : new[] { s[3], s[2], s[0], s[1] },
        };
    }
}
