using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace StaticNet.Import.Keras;

/// <summary>
/// Keras's Conv2D, Conv1D, pooling, global pooling and BatchNormalization layers (channels_last, as StaticNet).
/// Variables in build order (keras/src/layers/convolutional/base_conv.py: kernel [kh, kw, in, out] or
/// [k, in, out], bias; normalization/batch_normalization.py: gamma, beta, moving_mean, moving_variance), which
/// are StaticNet's layout as they are.
/// </summary>
internal static class KerasConvolution
{
    public static void ReadConv(ArchitectureBuilder builder, string where, string cls, string name,
        List<(string Path, int[] Shape, float[] Data)> tensors, JsonElement cfg, bool keras3)
    {
        bool twoD = cls.Contains("2D", StringComparison.Ordinal);
        int n = twoD ? 2 : 1;
        if (!ChannelsLast(builder, where, cls, cfg)) return;
        int filters = (int)(KerasImporter.Num(cfg, "filters") ?? -1);
        int[]? kernel = Ints(cfg, "kernel_size", n), strides = Ints(cfg, "strides", n) ?? Enumerable.Repeat(1, n).ToArray();
        int[] dilation = Ints(cfg, "dilation_rate", n) ?? Enumerable.Repeat(1, n).ToArray();
        if (kernel is null || filters < 1)
        {
            builder.Problem(where, cls, "has no filters or kernel_size in its config");
            return;
        }
        if (dilation.Any(d => d != 1) || (KerasImporter.Num(cfg, "groups") ?? 1) != 1)
        {
            builder.Problem(where, cls, "is dilated or grouped (dilation_rate, groups); StaticNet's convolutions are neither");
            return;
        }
        if (strides.Distinct().Count() > 1)
        {
            builder.Problem(where, cls, $"has strides {string.Join("x", strides)}; StaticNet's layers have one stride for both axes");
            return;
        }
        Padding? padding = Pad(builder, where, cls, cfg);
        if (padding is null) return;
        bool useBias = !cfg.TryGetProperty("use_bias", out var ub) || ub.ValueKind != JsonValueKind.False;
        if (tensors.Count != (useBias ? 2 : 1))
        {
            builder.Problem(where, cls, $"should have {(useBias ? "a kernel and a bias" : "a kernel")} in the weights file but has {tensors.Count} tensors");
            return;
        }
        var (kernelPath, kernelShape, k) = tensors[0];
        if (kernelShape.Length != n + 2 || kernelShape[^1] != filters || !kernelShape.Take(n).SequenceEqual(kernel))
        {
            builder.Problem(where, cls, $"has a kernel '{kernelPath}' of shape [{string.Join(", ", kernelShape)}]; expected [{string.Join(", ", kernel)}, inputs, {filters}]");
            return;
        }
        float[] bias = Array.Empty<float>();
        if (useBias)
        {
            var (biasPath, biasShape, biasData) = tensors[1];
            if (biasShape.Length != 1 || biasShape[0] != filters)
            {
                builder.Problem(where, cls, $"has a bias '{biasPath}' of shape [{string.Join(", ", biasShape)}]; expected [{filters}]");
                return;
            }
            bias = biasData;
        }
        var spec = new LayerSpec(twoD ? LayerKind.Conv2D : LayerKind.Conv1D, name, k, bias)
        {
            Units = filters, WindowHeight = twoD ? kernel[0] : 1, WindowWidth = kernel[^1],
            StrideHeight = twoD ? strides[0] : 1, StrideWidth = strides[^1], Padding = padding.Value, UseBias = useBias,
        };
        builder.Layer(where, cls, spec, $" (kernel '{kernelPath}' [{string.Join(", ", kernelShape)}]{(useBias ? "" : ", no bias")})");
        if (cfg.TryGetProperty("activation", out var activation))
            KerasImporter.Activate(builder, where, cls, activation, keras3, dense: true);
    }

    public static void ReadPooling(ArchitectureBuilder builder, string where, string cls, string name, JsonElement cfg)
    {
        bool twoD = cls.Contains("2D", StringComparison.Ordinal);
        int n = twoD ? 2 : 1;
        if (!ChannelsLast(builder, where, cls, cfg)) return;
        int[] pool = Ints(cfg, "pool_size", n) ?? Enumerable.Repeat(2, n).ToArray();
        int[] strides = Ints(cfg, "strides", n) ?? pool;   // Keras: strides None means the pool size
        if (twoD && strides[0] != strides[1])
        {
            builder.Problem(where, cls, $"has strides {strides[0]}x{strides[1]}; StaticNet's layers have one stride for both axes");
            return;
        }
        Padding? padding = Pad(builder, where, cls, cfg);
        if (padding is null) return;
        bool max = cls.StartsWith("Max", StringComparison.Ordinal);
        LayerKind kind = (max, twoD) switch
        {
            (true, true) => LayerKind.MaxPooling2D,
            (true, false) => LayerKind.MaxPooling1D,
            (false, true) => LayerKind.AveragePooling2D,
            _ => LayerKind.AveragePooling1D,
        };
        var spec = new LayerSpec(kind, name, Array.Empty<float>(), Array.Empty<float>())
        {
            WindowHeight = twoD ? pool[0] : 1, WindowWidth = pool[^1], StrideHeight = twoD ? strides[0] : 1, StrideWidth = strides[^1],
            Padding = padding.Value, UseBias = false,
        };
        builder.Layer(where, cls, spec, "");
    }

    public static void ReadGlobalPooling(ArchitectureBuilder builder, string where, string cls, string name, JsonElement cfg)
    {
        if (!ChannelsLast(builder, where, cls, cfg)) return;
        if (cfg.TryGetProperty("keepdims", out var keep) && keep.ValueKind == JsonValueKind.True)
        {
            builder.Problem(where, cls, "keeps the pooled dimensions (keepdims true); StaticNet's global pooling gives (channels)");
            return;
        }
        var kind = cls.Contains("2D", StringComparison.Ordinal) ? LayerKind.GlobalAveragePooling2D : LayerKind.GlobalAveragePooling1D;
        builder.Layer(where, cls, new LayerSpec(kind, name, Array.Empty<float>(), Array.Empty<float>()) { UseBias = false }, "");
    }

    public static void ReadBatchNormalization(ArchitectureBuilder builder, string where, string cls, string name,
        List<(string Path, int[] Shape, float[] Data)> tensors, JsonElement cfg, bool keras3)
    {
        int rank = builder.Dims?.Count ?? -1;
        if (cfg.TryGetProperty("axis", out var axisElement))
        {
            var axes = axisElement.ValueKind == JsonValueKind.Array ? axisElement.EnumerateArray().Select(a => a.GetInt32()).ToList()
                : axisElement.ValueKind == JsonValueKind.Number ? new List<int> { axisElement.GetInt32() } : new List<int>();
            // The last axis: -1, or its index counting the batch (Keras 2 stores [3] for an image).
            if (axes.Count != 1 || !(axes[0] == -1 || axes[0] == rank))
            {
                builder.Problem(where, cls, $"normalizes over axis {axisElement}; StaticNet's BatchNormalization normalizes the last axis (channels-last)");
                return;
            }
        }
        bool center = !cfg.TryGetProperty("center", out var ce) || ce.ValueKind != JsonValueKind.False;
        bool scale = !cfg.TryGetProperty("scale", out var sc) || sc.ValueKind != JsonValueKind.False;
        int expected = 2 + (center ? 1 : 0) + (scale ? 1 : 0);
        if (tensors.Count != expected || tensors.Any(t => t.Shape.Length != 1 || t.Shape[0] != tensors[0].Shape[0]))
        {
            builder.Problem(where, cls, $"should have {expected} vectors ({(scale ? "gamma, " : "")}{(center ? "beta, " : "")}moving_mean, moving_variance) in the weights file but has {string.Join(", ", tensors.Select(t => $"'{t.Path}' [{string.Join(", ", t.Shape)}]"))}");
            return;
        }
        int c = tensors[0].Shape[0];
        int next = 0;
        float[] gamma = scale ? tensors[next++].Data : Enumerable.Repeat(1f, c).ToArray();
        float[] beta = center ? tensors[next++].Data : new float[c];
        float[] values = gamma.Concat(beta).Concat(tensors[next].Data).Concat(tensors[next + 1].Data).ToArray();
        var spec = new LayerSpec(LayerKind.BatchNormalization, name, values, Array.Empty<float>())
        {
            Momentum = (float)(KerasImporter.Num(cfg, "momentum") ?? 0.99), Epsilon = (float)(KerasImporter.Num(cfg, "epsilon") ?? 0.001), UseBias = false,
        };
        builder.Layer(where, cls, spec, $" ({c} channels{(scale ? "" : ", no gamma: 1")}{(center ? "" : ", no beta: 0")})");
    }

    private static bool ChannelsLast(ArchitectureBuilder builder, string where, string cls, JsonElement cfg)
    {
        if (KerasImporter.Str(cfg, "data_format") is "channels_first")
        {
            builder.Problem(where, cls, "is channels-first (data_format channels_first); StaticNet's tensors are channels-last (Keras's default): save the model with data_format channels_last");
            return false;
        }
        return true;
    }

    private static Padding? Pad(ArchitectureBuilder builder, string where, string cls, JsonElement cfg)
    {
        string padding = KerasImporter.Str(cfg, "padding") ?? "valid";
        switch (padding.ToLowerInvariant())
        {
            case "valid": return Padding.Valid;
            case "same": return Padding.Same;
            default:
                builder.Problem(where, cls, $"has padding '{padding}'; StaticNet has 'valid' and 'same'");
                return null;
        }
    }

    /// <summary>An int or a list of <paramref name="n"/> ints (Keras stores kernel_size as [3, 3] or 3).</summary>
    private static int[]? Ints(JsonElement cfg, string key, int n)
    {
        if (cfg.ValueKind != JsonValueKind.Object || !cfg.TryGetProperty(key, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number) return Enumerable.Repeat(v.GetInt32(), n).ToArray();
        if (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == n) return v.EnumerateArray().Select(e => e.GetInt32()).ToArray();
        return null;
    }
}
