using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace StaticNet.Import.Onnx;

/// <summary>
/// Reads an ONNX model and traces its graph from the input to the output, node by node through the
/// tensors' names (node order is not relied on), folding Gemm, or MatMul + Add, and the activation
/// after it into dense layers.
/// </summary>
internal static class OnnxImporter
{
    /// <summary>Ops that compute only from a tensor's shape: they may read the traced tensor without being a branch.</summary>
    private static readonly HashSet<string> ShapeOnly = new(StringComparer.Ordinal) { "Shape", "Size" };

    public static ModelReport Read(string path, byte[] bytes)
    {
        OnnxModel model = OnnxModel.Parse(bytes);
        OnnxGraph graph = model.Graph;
        string format = $"ONNX (IR {model.IrVersion}, opset {model.DefaultOpset})";
        string producer = (model.ProducerName + " " + model.ProducerVersion).Trim();
        var builder = new ArchitectureBuilder();
        var data = new OnnxTensorData(path);

        var constants = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        foreach (OnnxTensor t in graph.Initializers) constants[t.Name] = t;
        var consumers = new Dictionary<string, List<OnnxNode>>(StringComparer.Ordinal);
        foreach (OnnxNode node in graph.Nodes)
        {
            if (node.OpType == "Constant" && node.Domain is "" or "ai.onnx" && node.Outputs.Count == 1 && node.Attribute("value")?.T is OnnxTensor value)
            {
                constants[node.Outputs[0]] = value;
                continue;
            }
            foreach (string name in node.Inputs.Where(i => i.Length > 0).Distinct())
            {
                if (!consumers.TryGetValue(name, out var list)) consumers[name] = list = new List<OnnxNode>();
                list.Add(node);
            }
        }

        var inputs = graph.Inputs.Where(i => !constants.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1 || graph.Outputs.Count != 1)
        {
            builder.Problem($"The graph has {inputs.Count} inputs and {graph.Outputs.Count} outputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))} -> {string.Join(", ", graph.Outputs.Select(o => $"'{o.Name}'"))}); StaticNet networks have one of each.");
            return builder.Finish(path, format, producer);
        }
        OnnxValueInfo input = inputs[0];
        string output = graph.Outputs[0].Name;
        List<long>? inputDims = input.Shape?.Skip(1).ToList();
        // A tensor of rank > 1 besides the batch is channels-first (PyTorch's NCHW) unless a Transpose to
        // channels-first follows the input (StaticNet's own exporter: NHWC input); the first op that needs one decides.
        var layout = inputDims is { Count: > 1 } ? Layout.Unknown : Layout.ChannelsLast;
        builder.Input($"input '{input.Name}'", "input", inputDims, inputDims is { Count: > 1 } ? " (file's order)" : "");

        string current = input.Name;
        var visited = new HashSet<OnnxNode>();
        while (current != output)
        {
            var next = consumers.TryGetValue(current, out var list) ? list.Where(n => !ShapeOnly.Contains(n.OpType)).ToList() : new List<OnnxNode>();
            if (next.Count != 1)
            {
                builder.Problem(next.Count == 0
                    ? $"The tensor '{current}' feeds no node, and the graph output '{output}' is not reached from the input."
                    : $"The tensor '{current}' feeds {next.Count} nodes ({string.Join(", ", next.Select(n => n.Describe))}); StaticNet imports chains of layers, not branching graphs.");
                break;
            }
            OnnxNode node = next[0];
            if (!visited.Add(node))
            {
                builder.Problem($"The graph has a cycle through {node.Describe}.");
                break;
            }
            if (node.Outputs.Count == 0 || node.Outputs[0].Length == 0)
            {
                builder.Problem(node.Where, node.OpType, "has no output");
                break;
            }
            int before = builder.Problems.Count;
            Apply(node, current, constants, data, model.DefaultOpset, builder, ref layout);
            foreach (string extra in node.Outputs.Skip(1).Where(o => o.Length > 0 && consumers.ContainsKey(o)))
                builder.Problem(node.Where, node.OpType, $"has its second output '{extra}' used by other nodes");
            current = node.Outputs[0];
        }
        return builder.Finish(path, format, producer);
    }

    /// <summary>Where the channels are in the traced tensor: ONNX's Conv, pooling and BatchNormalization want them first.</summary>
    private enum Layout { Unknown, ChannelsFirst, ChannelsLast }

    private static void Apply(OnnxNode node, string current, Dictionary<string, OnnxTensor> constants, OnnxTensorData data, long opset, ArchitectureBuilder builder, ref Layout layout)
    {
        string where = node.Where, op = node.OpType;
        if (node.Domain is not ("" or "ai.onnx"))
        {
            builder.Problem(where, op, $"is an operator of the custom domain '{node.Domain}', which StaticNet does not have");
            return;
        }
        // Every other input of the node must be a constant (a weight, a bias, a shape).
        var others = node.Inputs.Select((name, i) => (name, i)).Where(x => x.name.Length > 0 && x.name != current).ToList();
        int position = node.Inputs.IndexOf(current);
        var missing = others.Where(x => !constants.ContainsKey(x.name)).Select(x => $"'{x.name}'").ToList();
        switch (op)
        {
            case "Identity":
                builder.PassThrough(where, op, "no-op");
                return;
            case "Dropout":
                builder.PassThrough(where, op, "no-op at inference");
                return;
            case "Relu": builder.Activate(where, op, Activation.Relu); return;
            case "Sigmoid": builder.Activate(where, op, Activation.Sigmoid); return;
            case "Tanh": builder.Activate(where, op, Activation.Tanh); return;
            case "LeakyRelu": builder.Activate(where, op, Activation.LeakyRelu, node.Attribute("alpha")?.F ?? 0.01f); return;
            case "Softmax":
                // Opset 13 made the default axis -1; before it, axis 1 meant the same on [batch, n].
                long axis = node.Attribute("axis")?.I ?? (opset >= 13 ? -1 : 1);
                if (axis is not (1 or -1))
                {
                    builder.Problem(where, op, $"normalizes over axis {axis}; StaticNet's softmax normalizes over the units of [batch, n] (axis 1 or -1)");
                    return;
                }
                builder.Activate(where, op, Activation.Softmax);
                return;
            case "Flatten":
                long flattenAxis = node.Attribute("axis")?.I ?? 1;
                if (flattenAxis != 1)
                {
                    builder.Problem(where, op, $"flattens from axis {flattenAxis}; only axis 1 (keep the batch) gives [batch, n]");
                    return;
                }
                builder.Flatten(where, op, channelsFirst: layout == Layout.ChannelsFirst);
                layout = Layout.ChannelsLast;
                return;
            case "Transpose":
                Transpose(node, builder, ref layout);
                return;
        }
        if (missing.Count > 0 && op is "Reshape" or "Gemm" or "MatMul" or "Add" or "Conv" or "BatchNormalization" or "Pad")
        {
            builder.Problem(where, op, $"takes {string.Join(", ", missing)} from other nodes, not from constants (initializers); export with constant folding, and a constant shape for Reshape (x.reshape(-1, n) or nn.Flatten)");
            return;
        }
        if (op is "Conv" or "MaxPool" or "AveragePool" or "GlobalAveragePool" || (op == "BatchNormalization" && builder.Dims is { Count: > 1 }))
        {
            if (layout == Layout.Unknown)
            {
                builder.ChannelsFirstInput();
                builder.PassThrough("input", "layout", $"the input is channels-first (PyTorch's layout); StaticNet takes the same values channels-last, as {(builder.Dims is null ? "?" : ArchitectureBuilder.Shape(builder.Dims))}");
                layout = Layout.ChannelsFirst;
            }
            else if (layout == Layout.ChannelsLast)
            {
                builder.Problem(where, op, "works on a channels-first tensor, but the tensor here is channels-last (a Transpose is missing before it)");
                return;
            }
            OnnxConvolution.Apply(node, constants, data, builder);
            if (op == "GlobalAveragePool") layout = Layout.ChannelsLast;   // [batch, C, 1, 1]: the channels, in order
            return;
        }
        if (op == "BatchNormalization")
        {
            // On [batch, n] (BatchNorm1d after a Linear or a Flatten): no channels to move.
            OnnxConvolution.Apply(node, constants, data, builder);
            return;
        }
        if (op == "Pad")
        {
            OnnxConvolution.Pad(node, constants, data, builder);
            return;
        }
        if (missing.Count > 0 && op is "Reshape" or "Gemm" or "MatMul" or "Add")
        {
            builder.Problem(where, op, $"takes {string.Join(", ", missing)} from other nodes, not from constants (initializers); export with constant folding, and a constant shape for Reshape (x.reshape(-1, n) or nn.Flatten)");
            return;
        }
        switch (op)
        {
            case "Reshape":
                long[] shape = data.Int64s(constants[node.Inputs[1]]);
                if (shape.Length != 2 || shape[0] is not (-1 or 0) || shape[1] <= 0)
                {
                    builder.Problem(where, op, $"reshapes to [{string.Join(", ", shape)}]; only [-1, n] or [0, n] (to [batch, n]) is supported");
                    return;
                }
                builder.Flatten(where, op, shape[1], channelsFirst: layout == Layout.ChannelsFirst);
                layout = Layout.ChannelsLast;
                return;
            case "Gemm":
            {
                if (position != 0 || node.Attribute("transA")?.I is 1)
                {
                    builder.Problem(where, op, "multiplies the weights by the data from the left (input A must be the data, transA = 0)");
                    return;
                }
                float alpha = node.Attribute("alpha")?.F ?? 1f, beta = node.Attribute("beta")?.F ?? 1f;
                bool transB = node.Attribute("transB")?.I is 1;
                OnnxTensor b = constants[node.Inputs[1]];
                if (b.Dims.Count != 2)
                {
                    builder.Problem(where, op, $"has a weight '{b.Name}' of rank {b.Dims.Count}; expected a matrix");
                    return;
                }
                float[] bData = data.Floats(b, where);
                int rows = (int)b.Dims[0], cols = (int)b.Dims[1];
                int inputs = transB ? cols : rows, outputs = transB ? rows : cols;
                var weights = new float[outputs * inputs];
                for (int o = 0; o < outputs; o++)
                    for (int i = 0; i < inputs; i++)
                        weights[o * inputs + i] = alpha * (transB ? bData[o * cols + i] : bData[i * cols + o]);
                float[]? bias = null;
                string detail = $" (weights '{b.Name}' [{rows}, {cols}]{(transB ? ", transB" : "")}{(alpha != 1 ? $", alpha {ArchitectureBuilder.F(alpha)}" : "")}";
                if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
                {
                    OnnxTensor c = constants[node.Inputs[2]];
                    float[]? cData = Broadcast(data.Floats(c, where), c, outputs);
                    if (cData is null)
                    {
                        builder.Problem(where, op, $"has a bias '{c.Name}' of shape [{string.Join(", ", c.Dims)}]; expected [{outputs}], [1, {outputs}] or one value");
                        return;
                    }
                    bias = cData.Select(v => beta * v).ToArray();
                    detail += $", bias '{c.Name}'{(beta != 1 ? $", beta {ArchitectureBuilder.F(beta)}" : "")}";
                }
                builder.Dense(where, op, node.Name, weights, bias, inputs, outputs, detail + ")");
                return;
            }
            case "MatMul":
            {
                OnnxTensor b = constants[node.Inputs[1 - Math.Max(position, 0)]];
                if (position != 0 || b.Dims.Count != 2)
                {
                    builder.Problem(where, op, position != 0
                        ? "multiplies the weights by the data from the left (the data must be the first input)"
                        : $"has a weight '{b.Name}' of rank {b.Dims.Count}; expected a matrix [inputs, outputs]");
                    return;
                }
                float[] bData = data.Floats(b, where);
                int inputs = (int)b.Dims[0], outputs = (int)b.Dims[1];
                var weights = new float[outputs * inputs];
                for (int o = 0; o < outputs; o++)
                    for (int i = 0; i < inputs; i++)
                        weights[o * inputs + i] = bData[i * outputs + o];
                builder.Dense(where, op, node.Name, weights, null, inputs, outputs, $" (weights '{b.Name}' [{inputs}, {outputs}])");
                return;
            }
            case "Add":
            {
                if (others.Count != 1)
                {
                    builder.Problem(where, op, "adds the data to itself");
                    return;
                }
                OnnxTensor c = constants[others[0].name];
                float[] values = data.Floats(c, where);
                if (c.Dims.Count > 2 || (c.Dims.Count == 2 && c.Dims[0] != 1))
                {
                    builder.Problem(where, op, $"adds a constant '{c.Name}' of shape [{string.Join(", ", c.Dims)}]; a bias is [n] or [1, n]");
                    return;
                }
                builder.AddBias(where, op, values, $" ('{c.Name}')");
                return;
            }
            default:
                builder.Problem(where, op, $"is an operator StaticNet does not support (it reads Gemm or MatMul + Add, Conv, MaxPool, AveragePool, GlobalAveragePool, BatchNormalization, Relu, Sigmoid, Tanh, LeakyRelu, Softmax, Flatten, Reshape, Transpose, Pad with zeros, Identity, Dropout)");
                return;
        }
    }

    /// <summary>StaticNet's exporter moves between channels-last and channels-first with Transpose; other permutations are not layers.</summary>
    private static void Transpose(OnnxNode node, ArchitectureBuilder builder, ref Layout layout)
    {
        string where = node.Where, op = node.OpType;
        int rank = builder.Dims?.Count ?? -1;
        long[] perm = node.Attribute("perm")?.Ints.ToArray() ?? Array.Empty<long>();
        long[] toFirst = rank == 3 ? new long[] { 0, 3, 1, 2 } : new long[] { 0, 2, 1 };
        long[] toLast = rank == 3 ? new long[] { 0, 2, 3, 1 } : new long[] { 0, 2, 1 };
        if (rank is 2 or 3 && perm.SequenceEqual(toFirst) && layout != Layout.ChannelsFirst)
        {
            builder.PassThrough(where, op, layout == Layout.Unknown
                ? "the input is channels-last (as StaticNet's); to channels-first for the ONNX operators"
                : "to channels-first for the ONNX operators");
            layout = Layout.ChannelsFirst;
            return;
        }
        if (rank is 2 or 3 && perm.SequenceEqual(toLast) && layout != Layout.ChannelsLast)
        {
            if (layout == Layout.Unknown) builder.ChannelsFirstInput();
            builder.PassThrough(where, op, "back to channels-last (StaticNet's order)");
            layout = Layout.ChannelsLast;
            return;
        }
        builder.Problem(where, op, $"permutes the axes by [{string.Join(", ", perm)}] on a tensor of rank {rank + 1}; only the moves between channels-last and channels-first are supported");
    }

    private static float[]? Broadcast(float[] values, OnnxTensor t, int outputs)
    {
        if (values.Length == outputs && (t.Dims.Count == 1 || (t.Dims.Count == 2 && t.Dims[0] == 1))) return values;
        if (values.Length == 1) return Enumerable.Repeat(values[0], outputs).ToArray();
        return null;
    }
}
