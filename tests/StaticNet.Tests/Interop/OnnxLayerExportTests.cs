using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using StaticNet.Interop;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Interop;

/// <summary>
/// The ONNX export of every layer kind: each network's parameters are set at random (BatchNormalization's moving
/// statistics far from 0 and 1, so inference with them differs from batch statistics and from the identity), the
/// export runs in ONNX Runtime in-process on a channels-last input of StaticNet's shape, and its outputs must
/// match <see cref="NeuralNetwork.Predict(float[,])"/> to 1e-5. The graph's structure (node types, 'same' pads,
/// names) is read back with a small protobuf reader. With STATICNET_ONNX_EXPORT_DIR set the exports are left in
/// its layers/ folder for the python onnx checker (tools/check-onnx-export.sh).
/// </summary>
public class OnnxLayerExportTests
{
    private const float Tolerance = 1e-5f;

    [Fact]
    public void SamePooling2D_WithStridesAndOddPads_BatchNormAndFlatten_MatchPredict()
    {
        var model = new OnnxPooling2DNet();
        OnnxGraph graph = CheckAndCompare(model, "pooling2d", new[]
        {
            "Transpose", "MaxPool", "AveragePool", "BatchNormalization", "Transpose", "Flatten", "Gemm", "Relu", "Gemm", "Softmax",
        });
        // Keras's 'same': total padding max((out - 1) s + k - in, 0), the smaller half before.
        // Max pooling 3x3, strides 2 on 8x7: rows 3·2 + 3 - 8 = 1 → (0, 1); columns 3·2 + 3 - 7 = 2 → (1, 1).
        OnnxGraph.Node maxPool = graph.Single("MaxPool");
        Assert.Equal(new long[] { 3, 3 }, maxPool.Ints["kernel_shape"]);
        Assert.Equal(new long[] { 2, 2 }, maxPool.Ints["strides"]);
        Assert.Equal(new long[] { 0, 1, 1, 1 }, maxPool.Ints["pads"]);
        OnnxGraph.Node averagePool = graph.Single("AveragePool");
        Assert.Equal(new long[] { 0, 0, 1, 1 }, averagePool.Ints["pads"]);
        Assert.Equal(0, averagePool.Int["count_include_pad"]);
        Assert.Equal(0.01f, graph.Single("BatchNormalization").Float["epsilon"]);
        // NHWC in, NCHW for the pooling, NHWC again before Flatten (the Dense's columns are in (h, w, c) order).
        Assert.Equal(new long[] { 0, 3, 1, 2 }, graph.Nodes[0].Ints["perm"]);
        Assert.Equal(new long[] { 0, 2, 3, 1 }, graph.Nodes[4].Ints["perm"]);
        Assert.Equal(new[] { "input" }, graph.Nodes[0].Inputs);
        // Keras's layer names; the Dense weights as StaticNet stores them (units x inputs).
        Assert.Equal(new long[] { 6, 48 }, graph.Initializers["dense.weight"]);
        Assert.Equal(new long[] { 3 }, graph.Initializers["batch_normalization.moving_variance"]);
        Assert.DoesNotContain(graph.Nodes, n => n.Name.Contains("dropout", StringComparison.Ordinal));
    }

    [Fact]
    public void ValidPooling2D_NonSquareWindow_FlattenOfTwoChannels_LeakyRelu_MatchPredict()
    {
        OnnxGraph graph = CheckAndCompare(new OnnxValidPooling2DNet(), "valid_pooling2d", new[]
        {
            "Transpose", "MaxPool", "AveragePool", "Transpose", "Flatten", "Gemm", "LeakyRelu", "Gemm",
        });
        Assert.Equal(new long[] { 3, 2 }, graph.Single("AveragePool").Ints["kernel_shape"]);
        Assert.Equal(new long[] { 0, 0, 0, 0 }, graph.Single("MaxPool").Ints["pads"]);
        Assert.Equal(0.05f, graph.Single("LeakyRelu").Float["alpha"]);
    }

    [Fact]
    public void BatchNormOnInputAndAfterDense_GlobalAveragePooling2D_MatchPredict()
    {
        OnnxGraph graph = CheckAndCompare(new OnnxGlobalPooling2DNet(), "global_pooling2d", new[]
        {
            "Transpose", "BatchNormalization", "GlobalAveragePool", "Flatten", "Gemm", "Sigmoid", "BatchNormalization", "Gemm",
        });
        Assert.Equal(1e-4f, graph.Nodes[6].Float["epsilon"]);
        Assert.Equal(new long[] { 4 }, graph.Initializers["batch_normalization_1.gamma"]);
    }

    [Fact]
    public void Pooling1D_SameWithStridesAndOddPad_BatchNormOnSteps_Flatten_MatchPredict()
    {
        OnnxGraph graph = CheckAndCompare(new OnnxPooling1DNet(), "pooling1d", new[]
        {
            "Transpose", "MaxPool", "AveragePool", "BatchNormalization", "Transpose", "Flatten", "Gemm", "Tanh", "Gemm", "Softmax",
        });
        OnnxGraph.Node maxPool = graph.Single("MaxPool");
        Assert.Equal(new long[] { 3 }, maxPool.Ints["kernel_shape"]);
        Assert.Equal(new long[] { 2 }, maxPool.Ints["strides"]);
        Assert.Equal(new long[] { 1, 1 }, maxPool.Ints["pads"]);   // 5·2 + 3 - 11 = 2
        Assert.Equal(new long[] { 0, 1 }, graph.Single("AveragePool").Ints["pads"]);   // 5·1 + 2 - 6 = 1
        Assert.Equal(new long[] { 0, 2, 1 }, graph.Nodes[0].Ints["perm"]);
    }

    [Fact]
    public void GlobalAveragePooling1D_MatchesPredict()
    {
        CheckAndCompare(new OnnxGlobalPooling1DNet(), "global_pooling1d", new[]
        {
            "Transpose", "AveragePool", "GlobalAveragePool", "Flatten", "Gemm",
        });
    }

    [Fact]
    public void FlattenOfTheInput_NeedsNoTranspose_MatchesPredict()
    {
        CheckAndCompare(new OnnxFlattenNet(), "flatten", new[] { "Flatten", "Gemm", "Tanh", "Gemm", "Sigmoid" });
    }

    [Fact]
    public void BatchNormBetweenDenseLayers_DropoutOmitted_MatchesPredict()
    {
        OnnxGraph graph = CheckAndCompare(new OnnxDenseBatchNormNet(), "dense_batchnorm", new[] { "Gemm", "Relu", "BatchNormalization", "Gemm", "Softmax" });
        Assert.Equal(new[] { "dense.weight", "dense.bias", "batch_normalization.gamma", "batch_normalization.beta",
            "batch_normalization.moving_mean", "batch_normalization.moving_variance", "dense_1.weight", "dense_1.bias" }, graph.Initializers.Keys);
    }

    [Fact]
    public void DenseStackDeclaredWithSequential_KeepsTheFirstExportersNames()
    {
        var model = new OnnxSequentialDenseStackNet();
        Assert.True(model.NetworkShape.IsDenseStack);
        OnnxGraph graph = CheckAndCompare(model, "sequential_dense_stack", new[] { "Gemm", "Relu", "Gemm" });
        Assert.Equal(new[] { "layer0/Gemm", "layer0/Relu", "layer1/Gemm" }, graph.Nodes.Select(n => n.Name));
        Assert.Equal(new[] { "layer0.linear", "layer0.relu", "output" }, graph.Nodes.Select(n => n.Output));
        Assert.Equal(new[] { "layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias" }, graph.Initializers.Keys);
    }

    [Fact]
    public void Conv2D_ValidAndSameWithStridesAndOddPads_NoBias_KernelInOnnxLayout_MatchPredict()
    {
        var model = new OnnxConv2DNet();
        OnnxGraph graph = CheckAndCompare(model, "conv2d", new[]
        {
            "Transpose", "Conv", "Relu", "Conv", "BatchNormalization", "Transpose", "Flatten", "Gemm", "Softmax",
        });
        OnnxGraph.Node[] convs = graph.Nodes.Where(n => n.OpType == "Conv").ToArray();
        Assert.Equal(new[] { "conv2d.channels_first", "conv2d.weight", "conv2d.bias" }, convs[0].Inputs);
        Assert.Equal(new long[] { 0, 0, 0, 0 }, convs[0].Ints["pads"]);
        Assert.Equal(new[] { "conv2d.relu", "conv2d_1.weight" }, convs[1].Inputs);   // no bias input
        Assert.Equal(new long[] { 2, 3 }, convs[1].Ints["kernel_shape"]);
        Assert.Equal(new long[] { 2, 2 }, convs[1].Ints["strides"]);
        Assert.Equal(new long[] { 0, 0, 1, 1 }, convs[1].Ints["pads"]);   // rows 2·2 + 2 - 5 = 1, columns 1·2 + 3 - 4 = 1
        Assert.Equal(new long[] { 4, 2, 3, 3 }, graph.Initializers["conv2d.weight"]);   // [out, in, kh, kw]
        Assert.Equal(new long[] { 3, 4, 2, 3 }, graph.Initializers["conv2d_1.weight"]);
        Assert.False(graph.Initializers.ContainsKey("conv2d_1.bias"));

        // One weight by hand: StaticNet's kernel [kh, kw, in, out] at (y 1, x 2, in 1, out 3) is ONNX's W[3, 1, 1, 2].
        LayerInfo conv = model.NetworkShape.Layers[0];
        float staticNet = model.Parameters[conv.ParameterOffset + ((1 * 3 + 2) * 2 + 1) * 4 + 3];
        float[] onnx = graph.Floats["conv2d.weight"];
        Assert.Equal(staticNet, onnx[((3 * 2 + 1) * 3 + 1) * 3 + 2]);
    }

    [Fact]
    public void SmallCnn_ConvPoolingGlobalPooling_MatchesPredict()
    {
        OnnxGraph graph = CheckAndCompare(new OnnxCnnNet(), "cnn", new[]
        {
            "Transpose", "Conv", "Relu", "MaxPool", "Conv", "LeakyRelu", "AveragePool", "GlobalAveragePool", "Flatten", "Gemm", "Sigmoid", "Gemm", "Softmax",
        });
        Assert.Equal(new long[] { 1, 1, 1, 1 }, graph.Nodes[4].Ints["pads"]);
        Assert.Equal(0.1f, graph.Single("LeakyRelu").Float["alpha"]);
    }

    [Fact]
    public void Conv1D_SameWithStridesAndOddPad_NoBias_MatchesPredict()
    {
        OnnxGraph graph = CheckAndCompare(new OnnxConv1DNet(), "conv1d", new[]
        {
            "Transpose", "Conv", "Tanh", "Conv", "MaxPool", "Transpose", "Flatten", "Gemm",
        });
        OnnxGraph.Node first = graph.Nodes[1];
        Assert.Equal(new long[] { 3 }, first.Ints["kernel_shape"]);
        Assert.Equal(new long[] { 2 }, first.Ints["strides"]);
        Assert.Equal(new long[] { 0, 1 }, first.Ints["pads"]);   // 4·2 + 3 - 10 = 1
        Assert.Equal(new long[] { 4, 3, 3 }, graph.Initializers["conv1d.weight"]);   // [out, in, k]
        Assert.Equal(new long[] { 2, 4, 2 }, graph.Initializers["conv1d_1.weight"]);
        Assert.Equal(2, graph.Nodes[3].Inputs.Length);
    }

    [Fact]
    public void TrainedConvNet_MovingStatisticsFromTraining_MatchesPredict()
    {
        // Fit updates BatchNormalization's moving statistics; the export must carry them (Predict uses them).
        var model = new OnnxConv2DNet(seed: 5);
        float[,] x = RandomInputs(48, model.NetworkShape.InputSize, 11);
        var labels = new int[48];
        for (int r = 0; r < 48; r++) labels[r] = (x[r, 0] + x[r, 5] > 0 ? 1 : 0) + (x[r, 20] > 1 ? 1 : 0);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.01f));
        model.Fit(x, labels, epochs: 3, batchSize: 16, verbose: 0);
        LayerInfo bn = model.NetworkShape.Layers[2];
        Assert.NotEqual(0f, model.Parameters[bn.ParameterOffset + 6]);   // the moving mean left its initial 0

        using var session = new InferenceSession(OnnxExporter.ToBytes(model));
        AssertClose(model.Predict(x), Run(session, x, model.NetworkShape.InputShape));
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>
    /// Random parameters (seeded): weights and biases in [-0.5, 0.5]; BatchNormalization's gamma in [0.5, 1.5],
    /// beta in [-0.5, 0.5], moving mean in [-1, 1], moving variance in [0.2, 2].
    /// </summary>
    internal static void SetParameters(NeuralNetwork model, int seed)
    {
        var random = new Random(seed);
        Span<float> p = model.Parameters;
        float U(float lo, float hi) => lo + (float)random.NextDouble() * (hi - lo);
        foreach (LayerInfo layer in model.NetworkShape.Layers)
        {
            int o = layer.ParameterOffset;
            if (layer.Kind == LayerKind.BatchNormalization)
            {
                int c = layer.WeightCount / 2;
                for (int i = 0; i < c; i++)
                {
                    p[o + i] = U(0.5f, 1.5f);
                    p[o + c + i] = U(-0.5f, 0.5f);
                    p[o + 2 * c + i] = U(-1f, 1f);
                    p[o + 3 * c + i] = U(0.2f, 2f);
                }
            }
            else
            {
                for (int i = 0; i < layer.ParameterCount; i++) p[o + i] = U(-0.5f, 0.5f);
            }
        }
    }

    internal static float[,] RandomInputs(int rows, int features, int seed)
    {
        var random = new Random(seed);
        var x = new float[rows, features];
        for (int r = 0; r < rows; r++)
            for (int f = 0; f < features; f++) x[r, f] = (float)(random.NextDouble() * 4 - 2);
        return x;
    }

    /// <summary>Sets random parameters, exports, checks the node types and the signature, runs ONNX Runtime on 1 and 7 rows and compares with Predict.</summary>
    internal static OnnxGraph CheckAndCompare(NeuralNetwork model, string name, string[] expectedNodes)
    {
        SetParameters(model, name.Length * 7919);
        byte[] bytes = OnnxExporter.ToBytes(model);
        OnnxGraph graph = OnnxGraph.Read(bytes);
        Assert.Equal(expectedNodes, graph.Nodes.Select(n => n.OpType));
        Assert.Equal("output", graph.Nodes[^1].Output);

        NetworkShape shape = model.NetworkShape;
        using var session = new InferenceSession(bytes);
        NodeMetadata input = Assert.Single(session.InputMetadata, m => m.Key == "input").Value;
        NodeMetadata output = Assert.Single(session.OutputMetadata, m => m.Key == "output").Value;
        Assert.Equal(new[] { -1 }.Concat(shape.InputShape), input.Dimensions);   // StaticNet's channels-last shape
        Assert.Equal(new[] { -1, shape.OutputSize }, output.Dimensions);

        float[,] last = new float[0, 0], lastExpected = last;
        foreach (int rows in new[] { 1, 7 })
        {
            float[,] x = RandomInputs(rows, shape.InputSize, rows + name.Length);
            float[,] expected = model.Predict(x);
            float[,] actual = Run(session, x, shape.InputShape);
            AssertClose(expected, actual);
            (last, lastExpected) = (x, expected);
        }
        LeaveForCrossCheck(name, bytes, last, lastExpected);
        return graph;
    }

    internal static float[,] Run(InferenceSession session, float[,] x, IReadOnlyList<int> sampleShape)
    {
        int rows = x.GetLength(0);
        var tensor = new DenseTensor<float>(x.Cast<float>().ToArray(), new[] { rows }.Concat(sampleShape).ToArray());
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("input", tensor) });
        Tensor<float> y = Assert.Single(results).AsTensor<float>();
        Assert.Equal(2, y.Dimensions.Length);
        Assert.Equal(rows, y.Dimensions[0]);
        var result = new float[rows, y.Dimensions[1]];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < y.Dimensions[1]; o++) result[r, o] = y[r, o];
        return result;
    }

    internal static void AssertClose(float[,] expected, float[,] actual)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int r = 0; r < expected.GetLength(0); r++)
            for (int o = 0; o < expected.GetLength(1); o++)
            {
                float e = expected[r, o], a = actual[r, o];
                Assert.True(MathF.Abs(e - a) <= Tolerance, $"sample {r}, output {o}: StaticNet {e:R}, ONNX Runtime {a:R}");
            }
    }

    /// <summary>With STATICNET_ONNX_EXPORT_DIR set, writes the export to its layers/ folder for the python onnx checker.</summary>
    private static void LeaveForCrossCheck(string name, byte[] model, float[,] x, float[,] expected)
    {
        string? dir = Environment.GetEnvironmentVariable("STATICNET_ONNX_EXPORT_DIR");
        if (string.IsNullOrEmpty(dir)) return;
        dir = Path.Combine(dir, "layers");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, name + ".onnx"), model);
        File.WriteAllText(Path.Combine(dir, name + ".input.json"), Json(x));
        File.WriteAllText(Path.Combine(dir, name + ".expected.json"), Json(expected));
    }

    private static string Json(float[,] m)
    {
        var json = new StringBuilder("[");
        for (int r = 0; r < m.GetLength(0); r++)
        {
            json.Append(r == 0 ? "[" : ",[");
            for (int c = 0; c < m.GetLength(1); c++)
                json.Append(c == 0 ? "" : ",").Append(m[r, c].ToString("R", CultureInfo.InvariantCulture));
            json.Append(']');
        }
        return json.Append(']').ToString();
    }
}

/// <summary>The nodes (with their int, ints and float attributes) and initializer shapes of an ONNX model, read with a minimal protobuf reader (onnx.proto field numbers).</summary>
internal sealed class OnnxGraph
{
    public sealed record Node(string OpType, string Name, string[] Inputs, string Output,
        Dictionary<string, long> Int, Dictionary<string, long[]> Ints, Dictionary<string, float> Float);

    public List<Node> Nodes { get; } = new();

    /// <summary>Initializer name → dims, in file order.</summary>
    public Dictionary<string, long[]> Initializers { get; } = new();

    /// <summary>Initializer name → values (raw_data, little-endian floats).</summary>
    public Dictionary<string, float[]> Floats { get; } = new();

    /// <summary>Initializer name → its TensorProto data type (1 float, 2 uint8, 3 int8) and raw_data bytes.</summary>
    public Dictionary<string, (long DataType, byte[] Raw)> Raw { get; } = new();

    public Node Single(string opType) => Assert.Single(Nodes, n => n.OpType == opType);

    public static OnnxGraph Read(byte[] model)
    {
        var result = new OnnxGraph();
        foreach (var (field, _, graph) in Fields(model))
        {
            if (field != 7) continue;                                                   // ModelProto.graph
            foreach (var (f, _, bytes) in Fields(graph))
            {
                if (f == 1) result.Nodes.Add(ReadNode(bytes));                          // GraphProto.node
                if (f == 5)                                                             // GraphProto.initializer
                {
                    var dims = new List<long>();
                    string name = "";
                    float[] values = Array.Empty<float>();
                    long dataType = 0;
                    byte[] raw = Array.Empty<byte>();
                    foreach (var (tf, tv, tb) in Fields(bytes))
                    {
                        if (tf == 1) dims.Add(tv);
                        if (tf == 2) dataType = tv;
                        if (tf == 9) raw = tb;
                        if (tf == 8) name = Encoding.UTF8.GetString(tb);
                        if (tf == 9) values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tb).ToArray();
                    }
                    result.Initializers.Add(name, dims.ToArray());
                    result.Floats.Add(name, values);
                    result.Raw.Add(name, (dataType, raw));
                }
            }
        }
        return result;
    }

    private static Node ReadNode(byte[] node)
    {
        var inputs = new List<string>();
        string output = "", name = "", op = "";
        var ints = new Dictionary<string, long>();
        var lists = new Dictionary<string, long[]>();
        var floats = new Dictionary<string, float>();
        foreach (var (f, _, bytes) in Fields(node))
        {
            switch (f)
            {
                case 1: inputs.Add(Encoding.UTF8.GetString(bytes)); break;
                case 2: output = Encoding.UTF8.GetString(bytes); break;
                case 3: name = Encoding.UTF8.GetString(bytes); break;
                case 4: op = Encoding.UTF8.GetString(bytes); break;
                case 5:                                                                 // AttributeProto
                    string attribute = "";
                    long type = 0, i = 0;
                    float value = 0;
                    var list = new List<long>();
                    foreach (var (af, av, ab) in Fields(bytes))
                    {
                        if (af == 1) attribute = Encoding.UTF8.GetString(ab);
                        if (af == 2) value = BitConverter.Int32BitsToSingle((int)av);
                        if (af == 3) i = av;
                        if (af == 8) list.Add(av);
                        if (af == 20) type = av;
                    }
                    if (type == 1) floats[attribute] = value;
                    else if (type == 2) ints[attribute] = i;
                    else if (type == 7) lists[attribute] = list.ToArray();
                    else throw new InvalidDataException($"attribute {attribute}: unexpected type {type}");
                    break;
            }
        }
        return new Node(op, name, inputs.ToArray(), output, ints, lists, floats);
    }

    /// <summary>Top-level fields of a message: varints and fixed32 as values, length-delimited fields as bytes.</summary>
    private static IEnumerable<(int Field, long Value, byte[] Bytes)> Fields(byte[] message)
    {
        int i = 0;
        while (i < message.Length)
        {
            long key = Varint(message, ref i);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: yield return (field, Varint(message, ref i), Array.Empty<byte>()); break;
                case 1: i += 8; break;
                case 5: yield return (field, BitConverter.ToInt32(message, i), Array.Empty<byte>()); i += 4; break;
                case 2:
                    int length = (int)Varint(message, ref i);
                    yield return (field, 0, message[i..(i + length)]);
                    i += length;
                    break;
                default: throw new InvalidDataException($"Unexpected protobuf wire type {wire} at byte {i}.");
            }
        }
    }

    private static long Varint(byte[] data, ref int i)
    {
        long result = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[i++];
            result |= (long)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
    }
}
