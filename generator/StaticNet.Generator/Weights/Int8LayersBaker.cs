using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Weights;

/// <summary>
/// A whole <c>staticnet-int8-layers</c> file to bake into a <c>Precision = Precision.Int8</c> class with convolutions:
/// its bytes two per char (<paramref name="Bits"/>, the last char zero-padded when <paramref name="Length"/> is odd).
/// </summary>
internal sealed record Int8FileData(string Bits, int Length);

/// <summary>
/// Checks a file written by <c>Int8Network.Save</c> for a network with convolutions against the declaration (input
/// shape, every layer's description as <see cref="Int8LayerText"/> writes it, the leaky ReLU slope) and checks every
/// tensor the runtime's reader (<c>Int8Network.SavingLayers.cs</c>) will read: names, dtypes, shapes, offsets and
/// values. The class then loads the file from its baked bytes with <c>Int8Network.Load</c>, so it computes the same
/// bits as the loaded file, and nothing that the compiler accepted fails there.
/// </summary>
internal static class Int8LayersBaker
{
    public static Int8FileData Read(NetworkSpec spec, byte[] bytes, Dictionary<string, object?> header, long dataStart, long dataLength)
    {
        var metadata = (Dictionary<string, object?>)header["__metadata__"]!;
        string Metadata(string key) => metadata.TryGetValue(key, out object? v) && v is string s && s.Length > 0
            ? s : throw new InvalidDataException($"its __metadata__ has no \"{key}\"");

        string declaredInput = string.Join(",", spec.InputShape);
        if (Metadata("input_shape") != declaredInput)
            throw new Int8Baker.MismatchException($"its input shape is ({Metadata("input_shape").Replace(",", ", ")}) but the network declares ({declaredInput.Replace(",", ", ")})");

        string[] described = Metadata("layers").Split(';');
        if (described.Length != spec.Layers.Count)
            throw new Int8Baker.MismatchException($"it holds {described.Length} layers ({string.Join("; ", described)}) but the network declares {spec.Layers.Count}");
        LayerGeometry[] geometries = spec.Geometries();
        var int8 = new bool[described.Length];
        for (int l = 0; l < described.Length; l++)
        {
            LayerSpec layer = spec.Layers[l];
            LayerGeometry g = geometries[l];
            string expected = Int8LayerText.Describe(layer.Kind, layer.Units, g.WindowHeight, g.WindowWidth, g.StrideHeight, g.StrideWidth, layer.Padding,
                layer.Activation, layer.UseBias);
            string actual = described[l];
            if (layer.Kind is LayerKind.Conv2D or LayerKind.Conv1D)
            {
                int space = actual.LastIndexOf(' ');
                string storage = space < 0 ? "" : actual.Substring(space + 1);
                if (storage is not (Int8LayerText.Int8Storage or Int8LayerText.Float32Storage))
                    throw new InvalidDataException($"layer {l}'s description '{actual}' does not end in {Int8LayerText.Int8Storage} or {Int8LayerText.Float32Storage}");
                int8[l] = storage == Int8LayerText.Int8Storage;
                actual = actual.Substring(0, space);
            }
            if (actual != expected)
                throw new Int8Baker.MismatchException($"layer {l} is '{actual}' in the file but '{expected}' in the declaration");
        }
        Int8Baker.CheckLeakySlope(spec, metadata);

        var expectedNames = new HashSet<string>(StringComparer.Ordinal) { "__metadata__" };
        byte[] Tensor(int l, string name, string dtype, int[] shape, int size)
        {
            expectedNames.Add($"{l}.{name}");
            return Int8Baker.Tensor(header, bytes, dataStart, dataLength, $"{l}.{name}", dtype, shape, size);
        }
        void FiniteFloats(int l, string name, int[] shape)
        {
            byte[] data = Tensor(l, name, "F32", shape, 4);
            for (int i = 0; i < data.Length / 4; i++)
            {
                float v = Int8Baker.Float(data, i);
                if (float.IsNaN(v) || float.IsInfinity(v))
                    throw new InvalidDataException($"tensor '{l}.{name}' holds {v.ToString("R", CultureInfo.InvariantCulture)} at {i}; expected a finite number");
            }
        }
        void Quantized(int l, int rows, int inputs) =>
            Int8Baker.CheckQuantized(l, Tensor(l, "weight", "I8", new[] { rows, inputs }, 1), Tensor(l, "weight_scale", "F32", new[] { rows }, 4),
                Tensor(l, "bias", "F32", new[] { rows }, 4), Tensor(l, "input_scale", "F32", Array.Empty<int>(), 4),
                Tensor(l, "input_zero_point", "I32", Array.Empty<int>(), 4), inputs);
        for (int l = 0; l < described.Length; l++)
        {
            LayerGeometry g = geometries[l];
            switch (spec.Layers[l].Kind)
            {
                case LayerKind.Conv2D or LayerKind.Conv1D when int8[l]:
                    Quantized(l, g.OutChannels, g.WindowHeight * g.WindowWidth * g.InChannels);
                    break;
                case LayerKind.Conv2D or LayerKind.Conv1D:
                    FiniteFloats(l, "kernel", new[] { g.WindowHeight, g.WindowWidth, g.InChannels, g.OutChannels });
                    FiniteFloats(l, "bias", new[] { g.OutChannels });
                    break;
                case LayerKind.Dense:
                    Quantized(l, g.OutputSize, g.InputSize);
                    break;
                case LayerKind.BatchNormalization:
                    foreach (string name in new[] { "center", "scale", "offset" })
                        FiniteFloats(l, name, new[] { g.InChannels });
                    break;
            }
        }
        string? extra = header.Keys.FirstOrDefault(k => !expectedNames.Contains(k));
        if (extra is not null) throw new Int8Baker.MismatchException($"it has a tensor '{extra}' that the network has no place for");

        var chars = new char[(bytes.Length + 1) / 2];
        for (int k = 0; k < chars.Length; k++)
            chars[k] = (char)(bytes[2 * k] | (2 * k + 1 < bytes.Length ? bytes[2 * k + 1] << 8 : 0));
        return new Int8FileData(new string(chars), bytes.Length);
    }

    /// <summary>
    /// An upper bound of the file's size from the declaration alone (for SN0024, before any file is read): each
    /// convolution's weights as float32 when its window is small (the runtime keeps those in float32) and as int8
    /// otherwise, the per-channel floats, and a header allowance per layer.
    /// </summary>
    public static long EstimatedBytes(NetworkSpec spec)
    {
        long bytes = 1024;
        foreach (LayerGeometry g in spec.Geometries())
        {
            bytes += 256;
            switch (g.Kind)
            {
                case LayerKind.Conv2D or LayerKind.Conv1D:
                    long window = (long)g.WindowHeight * g.WindowWidth * g.InChannels;
                    bytes += window < Int8Layout.MinimumConvolutionWindow ? 4 * (window + 1) * g.OutChannels : (window + 8) * g.OutChannels + 8;
                    break;
                case LayerKind.Dense:
                    bytes += ((long)g.InputSize + 8) * g.OutputSize + 8;
                    break;
                case LayerKind.BatchNormalization:
                    bytes += 12L * g.InChannels;
                    break;
            }
        }
        return bytes;
    }
}
