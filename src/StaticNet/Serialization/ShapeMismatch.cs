using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace StaticNet.Serialization;

/// <summary>
/// The message for a file saved from another network: how the saved and the declared networks differ, layer by
/// layer, in Keras's words (<see cref="LayerInfo.ToString"/>, names and output shapes).
/// </summary>
internal static class ShapeMismatch
{
    /// <summary>At most this many differing layers are listed (the rest are counted).</summary>
    private const int MaxListed = 8;

    public static string Describe(string kind, NetworkShape file, NetworkShape declared)
    {
        // Dense stacks read well as one line each: 6-10(relu)-3(softmax).
        if (file.IsDenseStack && declared.IsDenseStack)
            return $"The {kind} file is for {DenseStack(file, declared)}, this network is {DenseStack(declared, file)}.";

        var differences = new List<string>();
        if (!file.InputShape.SequenceEqual(declared.InputShape))
            differences.Add($"the input is {Shape(file.InputShape)} in the file, {Shape(declared.InputShape)} here");
        int count = Math.Max(file.Layers.Count, declared.Layers.Count), listed = 0, more = 0;
        for (int i = 0; i < count; i++)
        {
            LayerInfo? saved = i < file.Layers.Count ? file.Layers[i] : null;
            LayerInfo? mine = i < declared.Layers.Count ? declared.Layers[i] : null;
            string? difference =
                mine is null ? $"layer {i + 1} is {Layer(saved!, null)} in the file; this network has {declared.Layers.Count} layers" :
                saved is null ? $"layer {i + 1} is {Layer(mine, null)} here; the file has {file.Layers.Count} layers" :
                !saved.Equals(mine) ? $"layer {i + 1} is {Layer(saved, mine)} in the file, {Layer(mine, saved)} here" :
                null;
            if (difference is null) continue;
            if (listed++ < MaxListed) differences.Add(difference); else more++;
        }
        if (more > 0) differences.Add($"and {more} more layers");
        if (!file.LeakyReluSlope.Equals(declared.LeakyReluSlope))
            differences.Add($"the leaky ReLU slope is {F(file.LeakyReluSlope)} in the file, {F(declared.LeakyReluSlope)} here");
        return $"The {kind} file is for another network: {string.Join("; ", differences)}. The file's network is {file}; this network is {declared}.";
    }

    /// <summary>Keras's name, settings and output shape, e.g. <c>conv2d Conv2D(16, 3x3, relu) → (26, 26, 16)</c>; the L2 factor when the text alone would not differ.</summary>
    private static string Layer(LayerInfo layer, LayerInfo? other)
    {
        string text = $"{layer.Name} {layer} -> {Shape(layer.OutputShape)}";
        if (other is not null && layer.ToString() == other.ToString() && !layer.L2.Equals(other.L2))
            text += $" with L2 {F(layer.L2)}";
        return text;
    }

    /// <summary><see cref="NetworkShape.ToString"/>, plus the leaky slope and the L2 factors when the strings alone do not tell the two apart.</summary>
    private static string DenseStack(NetworkShape shape, NetworkShape other)
    {
        if (shape.ToString() != other.ToString()) return shape.ToString();
        var l2 = new string[shape.LayerCount];
        for (int l = 0; l < l2.Length; l++) l2[l] = F(shape.L2(l));
        return $"{shape} with leaky ReLU slope {F(shape.LeakyReluSlope)} and L2 factors [{string.Join(", ", l2)}]";
    }

    private static string Shape(IReadOnlyList<int> shape) =>
        "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";

    private static string F(float value) => value.ToString(CultureInfo.InvariantCulture);
}
