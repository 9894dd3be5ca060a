using System;
using System.Collections.Generic;
using System.Linq;

namespace StaticNet.Import.Onnx;

/// <summary>
/// ONNX's Conv, MaxPool, AveragePool, GlobalAveragePool, BatchNormalization and Pad on a channels-first
/// tensor, as StaticNet layers on the same tensor channels-last: kernels [out, in, kh, kw] become
/// [kh, kw, in, out]; pads become Padding.Valid or Padding.Same when they are Keras's 'same' arithmetic.
/// </summary>
internal static class OnnxConvolution
{
    public static void Apply(OnnxNode node, Dictionary<string, OnnxTensor> constants, OnnxTensorData data, ArchitectureBuilder builder)
    {
        string where = node.Where, op = node.OpType;
        if (builder.Dims is not { } dims || dims.Any(d => d < 0))
        {
            builder.Problem(where, op, $"receives a tensor whose shape the file does not record ({(builder.Dims is null ? "no shape" : ArchitectureBuilder.Shape(builder.Dims))}); export with a fixed input shape besides the batch");
            return;
        }
        // dims: channels-last, (h, w, c) or (steps, c)
        int spatial = dims.Count - 1;
        if (op == "GlobalAveragePool")
        {
            builder.Layer(where, op, Spec(spatial == 2 ? LayerKind.GlobalAveragePooling2D : LayerKind.GlobalAveragePooling1D, node), "");
            return;
        }
        if (op == "BatchNormalization")
        {
            BatchNormalization(node, constants, data, builder);
            return;
        }
        if (spatial is not (1 or 2))
        {
            builder.Problem(where, op, $"receives a tensor of {spatial} spatial dimensions; StaticNet has 1-D and 2-D {op}");
            return;
        }
        if (node.Attribute("dilations") is { } dil && dil.Ints.Any(d => d != 1))
        {
            builder.Problem(where, op, $"has dilations [{string.Join(", ", dil.Ints)}]; StaticNet's windows are not dilated");
            return;
        }
        if (node.Attribute("ceil_mode")?.I is 1)
        {
            builder.Problem(where, op, "rounds its output size up (ceil_mode 1); StaticNet's pooling rounds down as Keras's");
            return;
        }
        if (node.Attribute("storage_order")?.I is 1)
        {
            builder.Problem(where, op, "has storage_order 1");
            return;
        }

        OnnxTensor? w = op == "Conv" ? constants[node.Inputs[1]] : null;
        long[] kernel = node.Attribute("kernel_shape")?.Ints.ToArray()
            ?? (w is not null && w.Dims.Count == spatial + 2 ? w.Dims.Skip(2).ToArray() : Array.Empty<long>());
        if (kernel.Length != spatial)
        {
            builder.Problem(where, op, $"has a window of {kernel.Length} dimensions ([{string.Join(", ", kernel)}]) on a tensor of {spatial}");
            return;
        }
        long[] strides = node.Attribute("strides")?.Ints.ToArray() ?? Enumerable.Repeat(1L, spatial).ToArray();
        if (spatial == 2 && strides[0] != strides[1])
        {
            builder.Problem(where, op, $"has strides {strides[0]}x{strides[1]}; StaticNet's layers have one stride for both axes");
            return;
        }
        int[] input = dims.Take(spatial).Select(d => (int)d).ToArray();
        Padding? padding = ResolvePadding(node, input, kernel, strides, out string padText);
        if (padding is null)
        {
            builder.Problem(where, op, $"has unsupported padding ({padText}): StaticNet pads 'valid' (none) or 'same' (Keras's: ceil(in / stride) outputs, the odd row or column after)");
            return;
        }
        int kh = spatial == 2 ? (int)kernel[0] : 1, kw = (int)kernel[^1];
        int sh = spatial == 2 ? (int)strides[0] : 1, sw = (int)strides[^1];
        switch (op)
        {
            case "Conv":
            {
                if (node.Attribute("group")?.I is long group && group != 1)
                {
                    builder.Problem(where, op, $"is a grouped convolution (group {group}); StaticNet's convolutions connect every input channel to every filter");
                    return;
                }
                if (w!.Dims.Count != spatial + 2)
                {
                    builder.Problem(where, op, $"has a weight '{w.Name}' of rank {w.Dims.Count}; expected [out, in{(spatial == 2 ? ", kh, kw" : ", k")}]");
                    return;
                }
                int cout = (int)w.Dims[0], cin = (int)w.Dims[1];
                float[] wData = data.Floats(w, where);
                // ONNX (PyTorch) W [out, in, kh, kw] → StaticNet (Keras) kernel [kh, kw, in, out].
                var k = new float[wData.Length];
                for (int o = 0; o < cout; o++)
                    for (int i = 0; i < cin; i++)
                        for (int y = 0; y < kh; y++)
                            for (int x = 0; x < kw; x++)
                                k[((y * kw + x) * cin + i) * cout + o] = wData[((o * cin + i) * kh + y) * kw + x];
                bool hasBias = node.Inputs.Count > 2 && node.Inputs[2].Length > 0;
                float[] bias = hasBias ? data.Floats(constants[node.Inputs[2]], where) : Array.Empty<float>();
                if (hasBias && bias.Length != cout)
                {
                    builder.Problem(where, op, $"has a bias '{node.Inputs[2]}' of {bias.Length} values for {cout} filters");
                    return;
                }
                var spec = new LayerSpec(spatial == 2 ? LayerKind.Conv2D : LayerKind.Conv1D, node.Name, k, bias)
                {
                    Units = cout, WindowHeight = kh, WindowWidth = kw, StrideHeight = sh, StrideWidth = sw, Padding = padding.Value, UseBias = hasBias,
                };
                builder.Layer(where, op, spec, $" (weight '{w.Name}' [{string.Join(", ", w.Dims)}] as [{(spatial == 2 ? $"{kh}, " : "")}{kw}, {cin}, {cout}]{(hasBias ? "" : ", no bias")}, {padText})");
                return;
            }
            case "MaxPool":
            case "AveragePool":
            {
                bool anyPad = padText != "no padding";
                if (op == "AveragePool" && anyPad && node.Attribute("count_include_pad")?.I is 1)
                {
                    builder.Problem(where, op, $"averages padded positions as zeros (count_include_pad 1, {padText}); StaticNet (as Keras) averages over the positions inside the input: export with count_include_pad=False or without padding");
                    return;
                }
                LayerKind kind = (op, spatial) switch
                {
                    ("MaxPool", 2) => LayerKind.MaxPooling2D,
                    ("MaxPool", _) => LayerKind.MaxPooling1D,
                    (_, 2) => LayerKind.AveragePooling2D,
                    _ => LayerKind.AveragePooling1D,
                };
                var spec = new LayerSpec(kind, node.Name, Array.Empty<float>(), Array.Empty<float>())
                {
                    WindowHeight = kh, WindowWidth = kw, StrideHeight = sh, StrideWidth = sw, Padding = padding.Value, UseBias = false,
                };
                builder.Layer(where, op, spec, $" ({padText})");
                return;
            }
        }
    }

    private static LayerSpec Spec(LayerKind kind, OnnxNode node) =>
        new(kind, node.Name, Array.Empty<float>(), Array.Empty<float>()) { UseBias = false };

    private static void BatchNormalization(OnnxNode node, Dictionary<string, OnnxTensor> constants, OnnxTensorData data, ArchitectureBuilder builder)
    {
        string where = node.Where, op = node.OpType;
        if (node.Attribute("training_mode")?.I is 1)
        {
            builder.Problem(where, op, "is in training mode; export the model in eval mode");
            return;
        }
        if (node.Inputs.Count < 5)
        {
            builder.Problem(where, op, $"has {node.Inputs.Count} inputs; expected X, scale, B, mean, var");
            return;
        }
        float[][] parts = node.Inputs.Skip(1).Take(4).Select(n => data.Floats(constants[n], where)).ToArray();
        int c = parts[0].Length;
        if (parts.Any(p => p.Length != c))
        {
            builder.Problem(where, op, $"has scale, B, mean and var of {string.Join(", ", parts.Select(p => p.Length))} values; expected one per channel");
            return;
        }
        float epsilon = node.Attribute("epsilon")?.F ?? 1e-5f;
        // ONNX's momentum is Keras's (the weight of the old statistic); PyTorch's 0.1 is exported as 0.9.
        float momentum = node.Attribute("momentum")?.F ?? 0.9f;
        var spec = new LayerSpec(LayerKind.BatchNormalization, node.Name, parts.SelectMany(p => p).ToArray(), Array.Empty<float>())
        {
            Momentum = momentum, Epsilon = epsilon, UseBias = false,
        };
        builder.Layer(where, op, spec, $" (epsilon {ArchitectureBuilder.F(epsilon)}, momentum {ArchitectureBuilder.F(momentum)})");
    }

    /// <summary>A Pad of zeros on every side is a no-op (PyTorch exports one before AvgPool2d); any other Pad is not a StaticNet layer.</summary>
    public static void Pad(OnnxNode node, Dictionary<string, OnnxTensor> constants, OnnxTensorData data, ArchitectureBuilder builder)
    {
        long[] pads = node.Inputs.Count > 1 && node.Inputs[1].Length > 0
            ? data.Int64s(constants[node.Inputs[1]])
            : node.Attribute("pads")?.Ints.ToArray() ?? Array.Empty<long>();
        if (pads.All(p => p == 0))
        {
            builder.PassThrough(node.Where, node.OpType, "pads nothing (no-op)");
            return;
        }
        builder.Problem(node.Where, node.OpType, $"pads the tensor by [{string.Join(", ", pads)}]; StaticNet pads only inside convolution and pooling layers ('same')");
    }

    /// <summary>Padding.Valid when nothing is padded, Padding.Same when the pads are Keras's 'same' ones, otherwise null.</summary>
    private static Padding? ResolvePadding(OnnxNode node, int[] input, long[] kernel, long[] strides, out string text)
    {
        int n = kernel.Length;
        string autoPad = node.Attribute("auto_pad")?.S ?? "NOTSET";
        var before = new long[n];
        var after = new long[n];
        for (int d = 0; d < n; d++)
        {
            int output = LayerGeometry.OutputLength(input[d], (int)kernel[d], (int)strides[d], Padding.Same, out int padBefore);
            long total = Math.Max((long)(output - 1) * strides[d] + kernel[d] - input[d], 0);
            before[d] = padBefore;
            after[d] = total - padBefore;
        }
        switch (autoPad)
        {
            case "VALID":
                text = "auto_pad VALID";
                return Padding.Valid;
            case "SAME_UPPER":
                text = "auto_pad SAME_UPPER";
                return Padding.Same;
            case "SAME_LOWER":
                text = "auto_pad SAME_LOWER";
                return before.Zip(after).All(p => p.First == p.Second) ? Padding.Same : null;
            case "NOTSET" or "":
                break;
            default:
                text = "auto_pad " + autoPad;
                return null;
        }
        long[] pads = node.Attribute("pads")?.Ints.ToArray() ?? new long[2 * n];
        if (pads.Length != 2 * n)
        {
            text = $"pads [{string.Join(", ", pads)}]";
            return null;
        }
        if (pads.All(p => p == 0))
        {
            text = "no padding";
            return Padding.Valid;
        }
        text = $"pads [{string.Join(", ", pads)}]";
        // ONNX pads: [x1_begin, x2_begin, ..., x1_end, x2_end, ...].
        for (int d = 0; d < n; d++)
            if (pads[d] != before[d] || pads[n + d] != after[d])
                return null;
        text += ", as Keras's 'same'";
        return Padding.Same;
    }
}
