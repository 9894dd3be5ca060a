using System;
using System.Collections.Generic;
using System.Linq;

namespace StaticNet.Interop;

// TensorOrder, TensorSlot's arithmetic and TensorMapping are shared with the generator (src/Shared/TensorMapping.cs),
// so that baked weights (Weights = "file.safetensors") are exactly what Safetensors.Load reads.

/// <summary>The runtime's half of a tensor slot: copying between a tensor and the parameter buffer.</summary>
internal sealed partial class TensorSlot
{
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
}

/// <summary>
/// The tensors of every layer with parameters in the PyTorch or Keras layout (docs/FORMATS.md, "safetensors
/// mapping") for a <see cref="NetworkShape"/>: <see cref="TensorMapping"/> on its layers' geometries.
/// </summary>
internal static class SafetensorsMapping
{
    /// <summary>Whether the layer has tensors (Dense, convolutions, BatchNormalization).</summary>
    public static bool HasTensors(LayerKind kind) => TensorMapping.HasTensors(kind);

    /// <summary>One default name per layer with tensors: PyTorch's nn.Sequential module index, or Keras's layer name.</summary>
    public static string[] LayerNames(NetworkShape shape, SafetensorsLayout layout, string prefix) =>
        TensorMapping.LayerNames(Kinds(shape), shape.Layers.Select(l => l.Activation).ToArray(), shape.Layers.Select(l => l.Name).ToArray(),
            layout == SafetensorsLayout.PyTorch, prefix);

    /// <summary>Every tensor of the network in file order (layer order; weight before bias).</summary>
    public static List<TensorSlot> Slots(NetworkShape shape, SafetensorsLayout layout, IReadOnlyList<string> names) =>
        TensorMapping.Slots(shape.Layers.Select(l => l.Geometry).ToArray(), layout == SafetensorsLayout.PyTorch, names);

    /// <summary>PyTorch's BatchNorm step counters, which a PyTorch file may hold and Load skips.</summary>
    public static HashSet<string> IgnoredNames(NetworkShape shape, SafetensorsLayout layout, IReadOnlyList<TensorSlot> slots) =>
        TensorMapping.IgnoredNames(slots, Kinds(shape), layout == SafetensorsLayout.PyTorch);

    /// <summary>The same tensor's shape in the other layout (for the "looks like the other layout" hint).</summary>
    public static int[] OtherLayoutShape(TensorSlot slot, SafetensorsLayout layout) =>
        TensorMapping.OtherLayoutShape(slot.Shape, layout == SafetensorsLayout.PyTorch);

    private static LayerKind[] Kinds(NetworkShape shape) => shape.Layers.Select(l => l.Kind).ToArray();
}
