using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using StaticNet.Data;
using StaticNet.Interop;
using StaticNet.Quantization;
using StaticNet.Tests.Layers;
using StaticNet.Tests.Networks;
using StaticNet.Tests.Quantization;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Tests.Interop;

/// <summary>
/// The ONNX export of an <see cref="Int8Network"/> (QuantizeLinear → MatMulInteger/ConvInteger → Cast → Mul → Add),
/// run in-process by ONNX Runtime 1.31.1's CPU provider and compared with <see cref="Int8Network.Predict(float[,])"/>.
/// </summary>
public class OnnxInt8ExportTests(ITestOutputHelper output)
{
    public static TheoryData<string> Networks() => new()
    {
        "mnist-dense", "tanh-dense", "leaky-dense",
        "digits", "mix", "sequence", "small", "windows", "wide", "norm", "strided", "tiny", "audio", "norm-edges",
    };

    internal static NeuralNetwork Create(string name) => name switch
    {
        "mnist-dense" => new MnistNet(seed: 11),
        "tanh-dense" => new Int8TanhNet(seed: 1),
        "leaky-dense" => new Int8LeakyNet(seed: 2),
        "digits" => new Int8DigitCnn(seed: 5),
        "mix" => new Int8ConvMix(seed: 3),
        "sequence" => new Int8SequenceNet(seed: 4),
        "windows" => new Int8WindowNet(seed: 8),
        "wide" => new Int8WideRowNet(seed: 9),
        "norm" => Int8ConvolutionTests.WithStatistics(new Int8NormNet(seed: 13)),
        "strided" => Int8ConvolutionTests.WithStatistics(new StridedConvNet(seed: 10)),
        "tiny" => new TinyCnn(seed: 11),
        "audio" => new AudioConvNet(seed: 12),
        "small" => new SmallConvNet(seed: 6),
        "norm-edges" => Int8ConvolutionTests.WithStatistics(new OnnxInt8NormEdgesNet(seed: 14)),
        _ => throw new ArgumentException(name),
    };

    private static MnistData? s_digits;

    /// <summary>Bundled digits for the 784-input networks (calibration from the training images, checks on test images); elsewhere values in [-2, 3], so the first layer's bytes have a non-zero zero point.</summary>
    internal static float[,] Inputs(NeuralNetwork model, int samples, int seed)
    {
        int n = model.NetworkShape.InputSize;
        var x = new float[samples, n];
        if (n == 784)
        {
            s_digits ??= Mnist.Load(Mnist.FindDataDirectory() ?? throw new InvalidOperationException("samples/data/mnist not found"));
            float[,] images = seed == 1 ? s_digits.TrainImages : s_digits.TestImages;
            Buffer.BlockCopy(images, 0, x, 0, samples * n * sizeof(float));
            return x;
        }
        var random = new Random(seed);
        for (int s = 0; s < samples; s++)
            for (int i = 0; i < n; i++) x[s, i] = -2f + 5f * (float)random.NextDouble();
        return x;
    }

    internal static (NeuralNetwork Model, Int8Network Int8, float[,] X) Quantized(string name, int samples = 64)
    {
        NeuralNetwork model = Create(name);
        Int8Network int8 = Int8Network.Quantize(model, Inputs(model, 200, 1));
        return (model, int8, Inputs(model, samples, 2));
    }

    internal static float[,] RunOnnx(byte[] bytes, NeuralNetwork model, float[,] x)
    {
        using var session = new InferenceSession(bytes);
        return OnnxLayerExportTests.Run(session, x, model.NetworkShape.InputShape);
    }

    private static double Largest(float[,] a, float[,] b)
    {
        double largest = 0;
        for (int r = 0; r < a.GetLength(0); r++)
            for (int o = 0; o < a.GetLength(1); o++) largest = Math.Max(largest, Math.Abs(a[r, o] - b[r, o]));
        return largest;
    }

    /// <summary>
    /// The tight tolerance, per output: 1e-5, as for the float32 export. ONNX Runtime computes the same int32 sums from the
    /// same bytes and the same float32 rescale (Cast, Mul by s_w[j]·s_x, Add); what is left are the float32 layers'
    /// summation order (Conv, average pooling) and the activation functions' implementations, measured at 6e-8 here.
    /// </summary>
    private const float Tolerance = 1e-5f;

    /// <summary>
    /// Samples of 64 allowed beyond <see cref="Tolerance"/>: ONNX's QuantizeLinear rounds x / s_x half to even and
    /// Int8Network rounds x · (1 / s_x) + z + ½ down, so an input within about one float32 step of a half between two
    /// bytes can get the neighbouring byte (OneLayer_OnnxRuntimeRoundsHalvesToEven_AndTheRestIsTheSameArithmetic shows it).
    /// That happens to about one value in 10^5 (measured: 0-2 samples of 64 per network here, each with one byte); a
    /// wrong zero point or channel factor moves every sample (AWrongZeroPointOrChannelFactor_FailsTheComparison).
    /// </summary>
    private const int AllowedTies = 8;

    /// <summary>
    /// The bound for the samples with a byte at a tie: one input byte one step (1/255 of the layer's input range) apart
    /// moves these networks' outputs by at most 6.8e-4 (measured); 5e-3 leaves room for two such bytes, and is still below
    /// float32's distance from int8 on most networks.
    /// </summary>
    private const float TieTolerance = 5e-3f;

    /// <summary>How many rows of <paramref name="actual"/> have every output within <see cref="Tolerance"/> of <paramref name="expected"/>, and the largest difference.</summary>
    private static (int Within, double Largest) Agreement(float[,] expected, float[,] actual)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        int within = 0;
        double largest = 0;
        for (int r = 0; r < expected.GetLength(0); r++)
        {
            double row = 0;
            for (int o = 0; o < expected.GetLength(1); o++) row = Math.Max(row, Math.Abs(expected[r, o] - actual[r, o]));
            if (row <= Tolerance) within++;
            largest = Math.Max(largest, row);
        }
        return (within, largest);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Export_RunsInOnnxRuntime_AsInt8NetworkPredicts(string name)
    {
        var (model, int8, x) = Quantized(name);
        byte[] bytes = OnnxExporter.ToBytes(int8);
        LeaveForCrossCheck(name, bytes);
        float[,] expected = int8.Predict(x);
        float[,] onnx = RunOnnx(bytes, model, x);
        var (within, largest) = Agreement(expected, onnx);
        var (floatWithin, floatLargest) = Agreement(expected, model.Predict(x));
        output.WriteLine($"{name}: ONNX Runtime within {Tolerance} of Predict on {within} of 64 samples, largest difference {largest:E2}; "
            + $"float32 within it on {floatWithin}, largest difference {floatLargest:E2}");

        Assert.True(within >= 64 - AllowedTies, $"{name}: ONNX Runtime agrees with Predict to {Tolerance} on only {within} of 64 samples (largest difference {largest})");
        Assert.True(largest <= TieTolerance, $"{name}: ONNX Runtime differs from Predict by {largest}");
        // Not vacuous: the float32 network, which int8 approximates, fails the same comparison.
        Assert.True(floatWithin < 64 - AllowedTies, $"{name}: the float32 network agrees with int8 to {Tolerance} on {floatWithin} of 64 samples");
    }

    /// <summary>
    /// With STATICNET_ONNX_EXPORT_DIR set (by .ci/run), leaves the export in its int8/ folder: tools/check-onnx-export.sh
    /// runs the python onnx package's checker (full check, strict shape inference) on each.
    /// </summary>
    internal static void LeaveForCrossCheck(string name, byte[] model)
    {
        string? dir = Environment.GetEnvironmentVariable("STATICNET_ONNX_EXPORT_DIR");
        if (string.IsNullOrEmpty(dir)) return;
        dir = Path.Combine(dir, "int8");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, name + ".onnx"), model);
    }

    /// <summary>
    /// A single linear layer, so the only bytes are the input's, with inputs placed exactly on the byte grid or exactly
    /// halfway between two bytes. The reference here follows ONNX's definitions (QuantizeLinear: round(x / s) half to
    /// even, plus z; MatMulInteger: Σ (q − z) · w in integers; Cast, Mul, Add in float32): ONNX Runtime must give its
    /// bits, and Int8Network must equal it on the grid and differ from it only through its halves-up bytes.
    /// </summary>
    [Fact]
    public void OneLayer_OnnxRuntimeRoundsHalvesToEven_AndTheRestIsTheSameArithmetic()
    {
        var model = new OnnxInt8OneLayerNet(seed: 3);
        const int inputs = 24, units = 5;
        // Calibrated on [-127/64, 2]: s = (2 + 127/64) / 255 = 1/64 exactly, z = 127; so x = k/64 is on the grid and (k + ½)/64 a tie.
        var calibration = new float[2, inputs];
        for (int i = 0; i < inputs; i++) (calibration[0, i], calibration[1, i]) = (-127f / 64, 2f);
        Int8Network int8 = Int8Network.Quantize(model, calibration);
        QuantizedDenseLayer layer = Assert.Single(int8.Layers);
        Assert.Equal(1f / 64, layer.InputScale);
        Assert.Equal(127, layer.InputZeroPoint);

        var random = new Random(4);
        const int samples = 40;
        var x = new float[samples, inputs];
        for (int s = 0; s < samples; s++)
            for (int i = 0; i < inputs; i++)
                x[s, i] = (random.Next(-120, 120) + (s % 2 == 1 ? 0.5f : 0f)) / 64f;   // odd samples: every input a tie

        float[,] onnx = RunOnnx(OnnxExporter.ToBytes(int8), model, x);
        float[,] predicted = int8.Predict(x);
        for (int s = 0; s < samples; s++)
        {
            float[] halfEven = Reference(layer, x, s, q => (int)MathF.Round(q, MidpointRounding.ToEven));
            float[] halfUp = Reference(layer, x, s, q => (int)MathF.Floor(q + 0.5f));
            for (int j = 0; j < units; j++)
            {
                Assert.Equal(halfEven[j], onnx[s, j]);       // ONNX Runtime: ONNX's definition, bit for bit
                Assert.Equal(halfUp[j], predicted[s, j]);    // Int8Network: the same arithmetic from its own bytes
            }
            if (s % 2 == 0)
                for (int j = 0; j < units; j++) Assert.Equal(onnx[s, j], predicted[s, j]);   // on the grid: the same bits
            else
                Assert.Contains(Enumerable.Range(0, units), j => onnx[s, j] != predicted[s, j]);   // at ties: the bytes differ
        }
    }

    /// <summary>One sample through a single dense layer as the ONNX graph defines it, with <paramref name="round"/> applied to x / s.</summary>
    private static float[] Reference(QuantizedDenseLayer layer, float[,] x, int sample, Func<float, int> round)
    {
        var y = new float[layer.Units];
        for (int j = 0; j < layer.Units; j++)
        {
            int sum = 0;
            for (int i = 0; i < layer.Inputs; i++)
            {
                int q = Math.Clamp(round(x[sample, i] / layer.InputScale) + layer.InputZeroPoint, 0, 255);
                sum += (q - layer.InputZeroPoint) * layer.QuantizedWeights[j * layer.Inputs + i];
            }
            y[j] = (float)sum * (layer.WeightScales[j] * layer.InputScale) + layer.Bias[j];
        }
        return y;
    }

    [Fact]
    public void DigitCnn_Graph_HasTheIntegerOperators_TheBytesAndTheRuntimesFactors()
    {
        var (_, int8, _) = Quantized("digits", samples: 1);
        OnnxGraph graph = OnnxGraph.Read(OnnxExporter.ToBytes(int8));
        string[] integerLayer = { "QuantizeLinear", "ConvInteger", "Cast", "Mul", "Add", "Relu" };
        string[] expected = new[] { "Transpose", "Conv", "Relu", "MaxPool" }                 // 3x3 over one channel: float32
            .Concat(integerLayer).Concat(new[] { "MaxPool", "Transpose", "Flatten" })
            .Concat(integerLayer.Select(op => op == "ConvInteger" ? "MatMulInteger" : op))
            .Concat(integerLayer.Select(op => op == "ConvInteger" ? "MatMulInteger" : op == "Relu" ? "Softmax" : op)).ToArray();
        Assert.Equal(expected, graph.Nodes.Select(n => n.OpType));
        Assert.Equal("output", graph.Nodes[^1].Output);
        Assert.All(graph.Nodes.Where(n => n.OpType == "Cast"), cast => Assert.Equal(1, cast.Int["to"]));   // int32 sums to float

        QuantizedConv2DLayer conv = Assert.Single(int8.Convolutions);
        CheckLayer(graph, "conv2d_1", conv.InputScale, conv.InputZeroPoint, conv.WeightScales, conv.Bias, new long[] { 32, 16, 3, 3 });
        // ONNX W [filters, channels, kh, kw] from the int8 rows [filters][kh, kw, channels].
        byte[] w = graph.Raw["conv2d_1.weight"].Raw;
        Assert.Equal(conv.QuantizedWeights[((5 * 3 + 2) * 3 + 1) * 16 + 7], (sbyte)w[((5 * 16 + 7) * 3 + 2) * 3 + 1]);
        for (int l = 0; l < 2; l++)
        {
            QuantizedDenseLayer dense = int8.Layers[l];
            string p = l == 0 ? "dense" : "dense_1";
            CheckLayer(graph, p, dense.InputScale, dense.InputZeroPoint, dense.WeightScales, dense.Bias, new long[] { dense.Inputs, dense.Units });
            // MatMulInteger's B is [inputs, units]: the transpose of the layer's rows.
            byte[] weights = graph.Raw[p + ".weight"].Raw;
            for (int j = 0; j < dense.Units; j++)
                for (int i = 0; i < dense.Inputs; i += 37)
                    Assert.Equal(dense.QuantizedWeights[j * dense.Inputs + i], (sbyte)weights[i * dense.Units + j]);
        }
    }

    private static void CheckLayer(OnnxGraph graph, string p, float inputScale, int zeroPoint, ReadOnlySpan<float> weightScales, ReadOnlySpan<float> bias, long[] weightDims)
    {
        Assert.Equal(1, graph.Raw[p + ".input_scale"].DataType);                                    // float
        Assert.Equal(new[] { inputScale }, graph.Floats[p + ".input_scale"]);
        Assert.Equal(2, graph.Raw[p + ".input_zero_point"].DataType);                               // uint8
        Assert.Equal(new[] { (byte)zeroPoint }, graph.Raw[p + ".input_zero_point"].Raw);
        Assert.Empty(graph.Initializers[p + ".input_scale"]);                                       // scalars
        Assert.Empty(graph.Initializers[p + ".input_zero_point"]);
        Assert.Equal(3, graph.Raw[p + ".weight"].DataType);                                         // int8
        Assert.Equal(weightDims, graph.Initializers[p + ".weight"]);
        // The factor of output channel j: the float32 product s_w[j] · s_x that Int8Network multiplies its sums by.
        float[] factors = graph.Floats[p + ".output_scale"];
        Assert.Equal(weightScales.Length, factors.Length);
        for (int j = 0; j < factors.Length; j++) Assert.Equal(weightScales[j] * inputScale, factors[j]);
        Assert.Equal(bias.ToArray(), graph.Floats[p + ".bias"]);
    }

    /// <summary>
    /// The comparison above is sharp enough to catch a wrongly written zero point or per-channel factor: the export's
    /// bytes with one of them altered fail it (a zero point written as 0; every channel given channel 0's factor, as a
    /// per-tensor scale would).
    /// </summary>
    [Theory]
    [InlineData("tanh-dense", "layer1.input_zero_point")]
    [InlineData("tanh-dense", "layer0.output_scale")]
    [InlineData("mix", "conv2d_1.input_zero_point")]
    [InlineData("mix", "conv2d_1.output_scale")]
    public void AWrongZeroPointOrChannelFactor_FailsTheComparison(string name, string initializer)
    {
        var (model, int8, x) = Quantized(name);
        byte[] bytes = OnnxExporter.ToBytes(int8);
        float[,] expected = int8.Predict(x);
        Assert.True(Agreement(expected, RunOnnx(bytes, model, x)).Within >= 64 - AllowedTies);

        Span<byte> data = RawData(bytes, initializer);
        if (initializer.EndsWith("zero_point", StringComparison.Ordinal))
        {
            // Written as 0, as a symmetric scheme would have it, where the layer's inputs need one (tanh: near 128; the
            // pooled leaky ReLU: 17). One step off would change nothing but saturation: QuantizeLinear adds it and the
            // integer operator takes it off, from the same initializer.
            Assert.True(data[0] > 0, $"zero point {data[0]}");
            data[0] = 0;
        }
        else
        {
            Span<float> factors = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data);
            Assert.True(factors.Length > 1);
            factors.Fill(factors[0]);
        }
        var (within, largest) = Agreement(expected, RunOnnx(bytes, model, x));
        output.WriteLine($"{name}, {initializer} altered: within {Tolerance} on {within} of 64 samples, largest difference {largest:E2}");
        Assert.True(within < 64 - AllowedTies, $"{initializer} altered, yet {within} of 64 samples agree");
    }

    /// <summary>The raw_data bytes of initializer <paramref name="name"/> in a model, found by its name field followed by its raw_data field (as the exporter writes them).</summary>
    private static Span<byte> RawData(byte[] model, string name)
    {
        byte[] nameField = new byte[] { 0x42, (byte)name.Length }.Concat(Encoding.UTF8.GetBytes(name)).Append((byte)0x4A).ToArray();
        int at = model.AsSpan().IndexOf(nameField);
        Assert.True(at >= 0, $"initializer {name} not found");
        Assert.Equal(-1, model.AsSpan(at + 1).IndexOf(nameField));   // exactly one
        int i = at + nameField.Length, length = 0, shift = 0;
        byte b;
        do
        {
            b = model[i++];
            length |= (b & 0x7F) << shift;
            shift += 7;
        } while (b >= 0x80);
        return model.AsSpan(i, length);
    }

    [Fact]
    public void Save_WritesTheSameBytes_ToAFileCrashSafelyAndToAStream_AndALoadedNetworkExportsTheSameGraph()
    {
        var (_, int8, _) = Quantized("norm", samples: 1);
        byte[] bytes = OnnxExporter.ToBytes(int8);
        string dir = Directory.CreateTempSubdirectory("staticnet-onnx-int8-").FullName;
        try
        {
            string path = Path.Combine(dir, "norm.onnx");
            File.WriteAllText(path, "an older file");
            OnnxExporter.Save(int8, path);
            Assert.Equal(bytes, File.ReadAllBytes(path));
            Assert.Equal(new[] { path }, Directory.GetFiles(dir));   // the temporary file was renamed over it

            var stream = new MemoryStream();
            stream.WriteByte(7);
            OnnxExporter.Save(int8, stream);
            Assert.Equal(new byte[] { 7 }.Concat(bytes), stream.ToArray());
            Assert.True(stream.CanWrite);   // left open

            // The export depends only on what the int8 network computes with: a saved and loaded copy exports the same
            // nodes and initializers. (Not the same bytes: the layers file does not record use_bias=False, so the loaded
            // copy's description, in the model's doc string, lists the first convolution's zero biases as biases.)
            string saved = Path.Combine(dir, "norm.safetensors");
            int8.Save(saved);
            OnnxGraph original = OnnxGraph.Read(bytes), loaded = OnnxGraph.Read(OnnxExporter.ToBytes(Int8Network.Load(saved)));
            Assert.Equal(original.Nodes.Select(n => (n.OpType, n.Name, string.Join(",", n.Inputs), n.Output)),
                loaded.Nodes.Select(n => (n.OpType, n.Name, string.Join(",", n.Inputs), n.Output)));
            Assert.Equal(original.Raw.Keys, loaded.Raw.Keys);
            foreach (string name in original.Raw.Keys)
            {
                Assert.Equal(original.Initializers[name], loaded.Initializers[name]);
                Assert.Equal(original.Raw[name].DataType, loaded.Raw[name].DataType);
                Assert.Equal(original.Raw[name].Raw, loaded.Raw[name].Raw);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void BadArguments_AreRejectedNamingTheArgument()
    {
        var (_, int8, _) = Quantized("tanh-dense", samples: 1);
        Assert.Equal("model", Assert.Throws<ArgumentNullException>(() => OnnxExporter.ToBytes((Int8Network)null!)).ParamName);
        Assert.Equal("model", Assert.Throws<ArgumentNullException>(() => OnnxExporter.Save((Int8Network)null!, "model.onnx")).ParamName);
        Assert.Equal("model", Assert.Throws<ArgumentNullException>(() => OnnxExporter.Save((Int8Network)null!, new MemoryStream())).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => OnnxExporter.Save(int8, "")).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentNullException>(() => OnnxExporter.Save(int8, (string)null!)).ParamName);
        Assert.Equal("stream", Assert.Throws<ArgumentNullException>(() => OnnxExporter.Save(int8, (Stream)null!)).ParamName);
    }
}

/// <summary>One linear layer: the only bytes an int8 network makes are its input's.</summary>
[Network(24, 5)]
public partial class OnnxInt8OneLayerNet;

/// <summary>BatchNormalization on the channels-last input and on a dense layer's output, around an int8 convolution (36-value windows).</summary>
[Sequential(6, 6, 4)]
[BatchNormalization]
[Conv2D(8, 3, Activation = Activation.Relu)]
[Flatten]
[Dense(6, Activation = Activation.Relu)]
[BatchNormalization]
[Dense(3, Activation = Activation.Softmax)]
public partial class OnnxInt8NormEdgesNet;
