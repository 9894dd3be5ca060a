using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using StaticNet.Interop;
using StaticNet.Quantization;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Tests.Interop;

/// <summary>
/// The QLinear form of the int8 export (<see cref="OnnxInt8Operators.QLinear"/>): QLinearConv nodes whose output bytes
/// are the next int8 layer's input bytes, run by ONNX Runtime 1.31.1 and compared with <see cref="Int8Network.Predict(float[,])"/>.
/// </summary>
public class OnnxInt8QLinearExportTests(ITestOutputHelper output)
{
    private const int Samples = 2000;

    /// <summary>
    /// The largest difference allowed between an output of ONNX Runtime on the QLinear export and the int8 network's.
    /// The bytes between layers are rounded once from the int32 sums (bias rounded to an integer, one float32 factor)
    /// instead of from the float32 outputs, so a byte within a hair of a half can land one step (1/255 of the next
    /// layer's input range) the other way: the same kind of error as an input byte at a rounding tie in the integer form,
    /// which OnnxInt8ExportTests bounds by 5e-3. Measured over 2,000 samples: 3.7e-4 (digits), 1.1e-3 (sequence),
    /// 7.0e-4 (mnist-dense). The int8 network's own distance from the float32 network is also checked to be larger.
    /// </summary>
    private const float Tolerance = 5e-3f;

    public static TheoryData<string, int, int> Networks() => new()
    {
        // name, QLinearConv nodes, ConvInteger nodes
        { "digits", 2, 0 },       // conv2d_1 (→ ReLU → MaxPool → Flatten → dense) and dense (→ ReLU → dense_1)
        { "sequence", 1, 1 },     // conv1d (→ ReLU → MaxPooling1D → conv1d_1); conv1d_1 is sigmoid: integer form
        { "mnist-dense", 2, 0 },  // layer0 and layer1 (ReLU → next dense)
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void QLinearExport_RunsInOnnxRuntime_AndPredictsTheInt8NetworksClasses(string name, int qlinearNodes, int convIntegerNodes)
    {
        var (model, int8, x) = WithBiases(name, Samples);
        byte[] bytes = OnnxExporter.ToBytes(int8, OnnxInt8Operators.QLinear);
        OnnxInt8ExportTests.LeaveForCrossCheck(name + "-qlinear", bytes);
        OnnxGraph graph = OnnxGraph.Read(bytes);
        Assert.Equal(qlinearNodes, graph.Nodes.Count(n => n.OpType == "QLinearConv"));
        Assert.Equal(convIntegerNodes, graph.Nodes.Count(n => n.OpType == "ConvInteger"));

        float[,] expected = int8.Predict(x);
        float[,] onnx = OnnxInt8ExportTests.RunOnnx(bytes, model, x);
        float[,] integer = OnnxInt8ExportTests.RunOnnx(OnnxExporter.ToBytes(int8), model, x);
        float[,] float32 = model.Predict(x);
        int agree = 0, integerAgree = 0, floatAgree = 0;
        for (int r = 0; r < Samples; r++)
        {
            if (ArgMax(onnx, r) == ArgMax(expected, r)) agree++;
            if (ArgMax(integer, r) == ArgMax(expected, r)) integerAgree++;
            if (ArgMax(float32, r) == ArgMax(expected, r)) floatAgree++;
        }
        double largest = Largest(expected, onnx), integerLargest = Largest(expected, integer), floatLargest = Largest(expected, float32);
        int apart = RowsApart(expected, onnx), integerApart = RowsApart(expected, integer);
        output.WriteLine($"{name}: QLinear predicts int8's class on {agree} of {Samples}, outputs within {largest:E2}, {apart} rows beyond 1e-5 "
            + $"(integer form: {integerAgree}, {integerLargest:E2}, {integerApart} rows; float32 network: {floatAgree}, {floatLargest:E2} from int8)");

        Assert.True(agree >= 0.99 * Samples, $"{name}: QLinear agrees with Int8Network's class on only {agree} of {Samples}");
        Assert.True(largest <= Tolerance, $"{name}: QLinear differs from Int8Network by {largest}");
        Assert.True(largest < floatLargest, $"{name}: QLinear is {largest} from int8, float32 only {floatLargest}");
        // Not the integer form under another name: that one computes int8's arithmetic, so only inputs at rounding ties
        // differ (OnnxInt8ExportTests); the requantized bytes move many more rows.
        Assert.True(apart > integerApart, $"{name}: QLinear differs from int8 beyond 1e-5 on {apart} rows, the integer form on {integerApart}");
    }

    /// <summary>
    /// The test network quantized, its biases first set to values in [-0.2, 0.2] (the seeded networks start with zero
    /// biases, which would leave the int32 bias untested).
    /// </summary>
    private static (NeuralNetwork Model, Int8Network Int8, float[,] X) WithBiases(string name, int samples)
    {
        NeuralNetwork model = OnnxInt8ExportTests.Create(name);
        var random = new Random(7);
        Span<float> p = model.Parameters;
        foreach (LayerInfo layer in model.NetworkShape.Layers)
        {
            if (layer.Kind is not (LayerKind.Dense or LayerKind.Conv2D or LayerKind.Conv1D) || !layer.UseBias) continue;
            for (int j = 0; j < layer.Units; j++) p[layer.ParameterOffset + layer.WeightCount + j] = 0.4f * (float)random.NextDouble() - 0.2f;
        }
        Int8Network int8 = Int8Network.Quantize(model, OnnxInt8ExportTests.Inputs(model, 200, 1));
        return (model, int8, OnnxInt8ExportTests.Inputs(model, samples, 2));
    }

    private static int RowsApart(float[,] a, float[,] b)
    {
        int rows = 0;
        for (int r = 0; r < a.GetLength(0); r++)
        {
            bool apart = false;
            for (int o = 0; o < a.GetLength(1); o++) apart |= Math.Abs(a[r, o] - b[r, o]) > 1e-5f;
            if (apart) rows++;
        }
        return rows;
    }

    private static int ArgMax(float[,] y, int r)
    {
        int best = 0;
        for (int o = 1; o < y.GetLength(1); o++) if (y[r, o] > y[r, best]) best = o;
        return best;
    }

    private static double Largest(float[,] a, float[,] b)
    {
        double largest = 0;
        for (int r = 0; r < a.GetLength(0); r++)
            for (int o = 0; o < a.GetLength(1); o++) largest = Math.Max(largest, Math.Abs(a[r, o] - b[r, o]));
        return largest;
    }

    [Fact]
    public void DigitCnn_Graph_QLinearConvWithTheNextLayersScaleAndZeroPoint_BytesThroughPoolingAndFlatten()
    {
        var (_, int8, _) = WithBiases("digits", samples: 1);
        OnnxGraph graph = OnnxGraph.Read(OnnxExporter.ToBytes(int8, OnnxInt8Operators.QLinear));
        string[] expected =
        {
            "Transpose", "Conv", "Relu", "MaxPool",                 // 3x3 over one channel: float32
            "QuantizeLinear", "QLinearConv", "MaxPool", "Transpose", "Flatten",   // conv2d_1: ReLU is the saturation at zero point 0
            "Reshape", "QLinearConv", "Flatten",                   // dense as a 1x1 convolution
            "MatMulInteger", "Cast", "Mul", "Add", "Softmax",      // dense_1: integer form, float output
        };
        Assert.Equal(expected, graph.Nodes.Select(n => n.OpType));
        Assert.Equal("output", graph.Nodes[^1].Output);

        QuantizedConv2DLayer conv = Assert.Single(int8.Convolutions);
        QuantizedDenseLayer dense = int8.Layers[0], last = int8.Layers[1];
        Assert.Equal(0, dense.InputZeroPoint);   // after ReLU and max pooling: so the saturation is the ReLU
        Assert.Equal(0, last.InputZeroPoint);
        OnnxGraph.Node convNode = graph.Nodes[5], denseNode = graph.Nodes[10];
        Assert.Equal(new[] { "conv2d_1.input_quantized", "conv2d_1.input_scale", "conv2d_1.input_zero_point", "conv2d_1.weight", "conv2d_1.weight_scale",
            "conv2d_1.weight_zero_point", "dense.input_scale", "dense.input_zero_point", "conv2d_1.bias" }, convNode.Inputs);
        Assert.Equal(new[] { "dense.input_image", "dense.input_scale", "dense.input_zero_point", "dense.weight", "dense.weight_scale",
            "dense.weight_zero_point", "dense_1.input_scale", "dense_1.input_zero_point", "dense.bias" }, denseNode.Inputs);
        // The bytes reach the next layer without a QuantizeLinear: MatMulInteger reads the Flatten's output.
        Assert.Equal(graph.Nodes[11].Output, graph.Nodes[12].Inputs[0]);
        Assert.Equal(graph.Nodes[4].Output, convNode.Inputs[0]);

        CheckQLinear(graph, "conv2d_1", conv.InputScale, conv.WeightScales, conv.Bias);
        CheckQLinear(graph, "dense", dense.InputScale, dense.WeightScales, dense.Bias);
        Assert.Equal(new[] { dense.InputScale }, graph.Floats["dense.input_scale"]);
        Assert.Equal(new long[] { 64, 800, 1, 1 }, graph.Initializers["dense.weight"]);
        // The 1x1 weights are the layer's rows as they are ([units, inputs]).
        byte[] w = graph.Raw["dense.weight"].Raw;
        for (int i = 0; i < w.Length; i += 97) Assert.Equal(dense.QuantizedWeights[i], (sbyte)w[i]);
        // Integer layers as in the integer form.
        Assert.Equal(new[] { last.InputScale }, graph.Floats["dense_1.input_scale"]);
        Assert.Equal(2, graph.Raw["dense_1.input_zero_point"].DataType);
    }

    private static void CheckQLinear(OnnxGraph graph, string p, float inputScale, ReadOnlySpan<float> weightScales, ReadOnlySpan<float> bias)
    {
        Assert.Equal(new[] { inputScale }, graph.Floats[p + ".input_scale"]);
        Assert.Equal(weightScales.ToArray(), graph.Floats[p + ".weight_scale"]);   // per output channel
        Assert.Equal(3, graph.Raw[p + ".weight_zero_point"].DataType);             // int8 zeros: symmetric weights
        Assert.All(graph.Raw[p + ".weight_zero_point"].Raw, b => Assert.Equal(0, b));
        Assert.Equal(weightScales.Length, graph.Raw[p + ".weight_zero_point"].Raw.Length);
        Assert.Equal(6, graph.Raw[p + ".bias"].DataType);                          // int32
        int[] b32 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(graph.Raw[p + ".bias"].Raw).ToArray();
        Assert.Equal(weightScales.Length, b32.Length);
        Assert.Contains(b32, v => v != 0);
        for (int j = 0; j < b32.Length; j++)
            Assert.Equal(Math.Round(bias[j] / (double)(weightScales[j] * inputScale), MidpointRounding.ToEven), b32[j]);
    }

    /// <summary>Layers that are not followed by an int8 layer through order-preserving steps keep the integer form.</summary>
    [Theory]
    [InlineData("mix")]    // leaky ReLU then tanh convolutions
    [InlineData("norm")]   // BatchNormalization, average pooling after the int8 convolutions
    [InlineData("tanh-dense")]
    public void LayersWithoutAnInt8SuccessorThroughReluAndMaxPooling_KeepTheIntegerForm(string name)
    {
        var (_, int8, _) = OnnxInt8ExportTests.Quantized(name, samples: 1);
        byte[] qlinear = OnnxExporter.ToBytes(int8, OnnxInt8Operators.QLinear);
        OnnxGraph a = OnnxGraph.Read(qlinear), b = OnnxGraph.Read(OnnxExporter.ToBytes(int8));
        Assert.DoesNotContain(a.Nodes, n => n.OpType == "QLinearConv");
        Assert.Equal(b.Nodes.Select(n => (n.OpType, n.Name, string.Join(",", n.Inputs), n.Output)), a.Nodes.Select(n => (n.OpType, n.Name, string.Join(",", n.Inputs), n.Output)));
    }

    /// <summary>ONNX Runtime runs QLinearConv kernels (its profile names the operator of every node it ran), no ConvInteger.</summary>
    [Fact]
    public void OnnxRuntime_RunsQLinearConv()
    {
        var (model, int8, x) = OnnxInt8ExportTests.Quantized("digits", samples: 4);
        string dir = Directory.CreateTempSubdirectory("staticnet-qlinear-").FullName;
        try
        {
            string[] OpsRun(byte[] bytes)
            {
                using var options = new SessionOptions
                {
                    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                    EnableProfiling = true,
                    ProfileOutputPathPrefix = Path.Combine(dir, "profile"),
                };
                using var session = new InferenceSession(bytes, options);
                OnnxLayerExportTests.Run(session, x, model.NetworkShape.InputShape);
                string profile = File.ReadAllText(session.EndProfiling());
                return Regex.Matches(profile, "\"op_name\"\\s*:\\s*\"([A-Za-z0-9_]+)\"").Select(m => m.Groups[1].Value).Distinct().ToArray();
            }
            string[] ran = OpsRun(OnnxExporter.ToBytes(int8, OnnxInt8Operators.QLinear));
            output.WriteLine("QLinear form, operators run: " + string.Join(", ", ran));
            Assert.Contains("QLinearConv", ran);
            Assert.DoesNotContain("ConvInteger", ran);
            // The same profile of the integer form names ConvInteger: the check can tell them apart.
            string[] integer = OpsRun(OnnxExporter.ToBytes(int8));
            output.WriteLine("integer form, operators run: " + string.Join(", ", integer));
            Assert.Contains("ConvInteger", integer);
            Assert.DoesNotContain("QLinearConv", integer);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TheDefaultIsTheIntegerForm_SaveWritesTheQLinearBytes_AndAnUndefinedValueIsRejected()
    {
        var (_, int8, _) = OnnxInt8ExportTests.Quantized("digits", samples: 1);
        byte[] integer = OnnxExporter.ToBytes(int8), qlinear = OnnxExporter.ToBytes(int8, OnnxInt8Operators.QLinear);
        Assert.Equal(integer, OnnxExporter.ToBytes(int8, OnnxInt8Operators.Integer));
        Assert.NotEqual(integer, qlinear);
        var stream = new MemoryStream();
        OnnxExporter.Save(int8, stream, OnnxInt8Operators.QLinear);
        Assert.Equal(qlinear, stream.ToArray());
        string dir = Directory.CreateTempSubdirectory("staticnet-qlinear-").FullName;
        try
        {
            string path = Path.Combine(dir, "digits.onnx");
            OnnxExporter.Save(int8, path, OnnxInt8Operators.QLinear);
            Assert.Equal(qlinear, File.ReadAllBytes(path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        Assert.Equal("operators", Assert.Throws<ArgumentOutOfRangeException>(() => OnnxExporter.ToBytes(int8, (OnnxInt8Operators)2)).ParamName);
        Assert.Equal("operators", Assert.Throws<ArgumentOutOfRangeException>(() => OnnxExporter.Save(int8, new MemoryStream(), (OnnxInt8Operators)(-1))).ParamName);
    }
}
