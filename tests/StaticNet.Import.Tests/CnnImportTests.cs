using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using StaticNet.Interop;
using Xunit;

namespace StaticNet.Import.Tests;

/// <summary>Convolutional networks from ONNX (PyTorch's and StaticNet's own exporter) and Keras files.</summary>
public class CnnImportTests
{
    public static TheoryData<string, string> Files => new()
    {
        { "onnx_cnn.onnx", nameof(Cnn2dNet) },
        { "keras3_cnn.keras", nameof(Cnn2dNet) },
        { "keras3_cnn.weights.h5", nameof(Cnn2dNet) },
        { "onnx_conv1d.onnx", nameof(Cnn1dNet) },
        { "keras2_cnn.h5", nameof(Cnn1dNet) },
    };

    internal static NeuralNetwork Create(string name) => name switch
    {
        nameof(Cnn2dNet) => new Cnn2dNet(),
        nameof(Cnn1dNet) => new Cnn1dNet(),
        nameof(Cnn2dPlainNet) => new Cnn2dPlainNet(),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void LoadWeights_predicts_what_PyTorch_predicted_on_test_digits(string file, string network)
    {
        NeuralNetwork model = Create(network);
        ModelImport.LoadWeights(model, Fixture.Path(file));
        var (digits, expected) = Fixture.Expected(file.Replace(".onnx", "").Replace(".keras", "").Replace(".h5", ""));
        // The same pixels for both frameworks: (28, 28, 1) is PyTorch's (1, 28, 28); the Conv1d net's (steps = rows, channels = columns).
        float[,] actual = model.Predict(Fixture.TestDigits(digits.Length));
        Fixture.AssertClose(expected, actual, 1e-5, file);
    }

    [Theory]
    [InlineData("onnx_cnn.onnx", nameof(Cnn2dNet))]
    [InlineData("onnx_conv1d.onnx", nameof(Cnn1dNet))]
    public void Imported_CNN_predicts_what_OnnxRuntime_computes(string file, string network)
    {
        NeuralNetwork model = Create(network);
        ModelImport.LoadWeights(model, Fixture.Path(file));
        float[,] x = Fixture.TestDigits(32);
        float[,] onnxInput = x;
        int[] shape = { 32, 1, 28, 28 };
        if (network == nameof(Cnn1dNet))
        {
            // PyTorch's Conv1d input [N, C = columns, L = rows]: the transpose of each digit.
            onnxInput = new float[32, 784];
            for (int n = 0; n < 32; n++)
                for (int r = 0; r < 28; r++)
                    for (int c = 0; c < 28; c++)
                        onnxInput[n, c * 28 + r] = x[n, r * 28 + c];
            shape = new[] { 32, 28, 28 };
        }
        Fixture.AssertClose(OnnxRuntimeTests.RunOnnx(Fixture.Path(file), onnxInput, shape), model.Predict(x), 1e-5, file);
    }

    [Fact]
    public void Read_finds_the_layers_and_the_channels_last_input()
    {
        ImportedModel model = ModelImport.Read(Fixture.Path("onnx_cnn.onnx"));
        Assert.False(model.IsDenseStack);
        Assert.Equal(new[] { 28, 28, 1 }, model.InputShape);
        Assert.Equal("(28, 28, 1)-Conv2D(8, 3x3, same, relu)-MaxPooling2D(2x2)-BatchNormalization(momentum 0.9, epsilon 0.001)-Conv2D(16, 3x3, relu)-AveragePooling2D(2x2)-Flatten()-Dense(10, softmax)",
            model.ToShape().ToString());
        Assert.Equal(new Cnn2dNet().NetworkShape.ParameterCount, model.GetParameters().Length);
        Assert.Throws<InvalidOperationException>(() => model.LayerSizes);
        Assert.Equal(new[] { 28, 28 }, ModelImport.Read(Fixture.Path("keras2_cnn.h5")).InputShape);
    }

    [Fact]
    public void Conv_weights_become_kh_kw_in_out_and_the_Linear_after_Flatten_gets_h_w_c_columns()
    {
        // Hand-checked against the ONNX initializers: W[o, i, y, x] → kernel[y, x, i, o]; Linear column c·36 + p → p·16 + c.
        var onnx = OnnxRuntimeTests.Initializers(Fixture.Path("onnx_cnn.onnx"));
        var model = new Cnn2dNet();
        ModelImport.LoadWeights(model, Fixture.Path("onnx_cnn.onnx"));
        NetworkShape shape = model.NetworkShape;
        ReadOnlySpan<float> p = model.Parameters;
        LayerInfo conv = shape.Layers[3], dense = shape.Layers[^1];
        float[] w = onnx["4.weight"];   // [16, 8, 3, 3]
        for (int o = 0; o < 16; o++)
            for (int i = 0; i < 8; i++)
                for (int y = 0; y < 3; y++)
                    for (int x = 0; x < 3; x++)
                        Assert.Equal(w[((o * 8 + i) * 3 + y) * 3 + x], p[conv.ParameterOffset + ((y * 3 + x) * 8 + i) * 16 + o]);
        float[] linear = onnx["9.weight"];   // [10, 576], columns (c, h, w)
        for (int o = 0; o < 10; o++)
            for (int c = 0; c < 16; c++)
                for (int pos = 0; pos < 36; pos++)
                    Assert.Equal(linear[o * 576 + c * 36 + pos], p[dense.ParameterOffset + o * 576 + pos * 16 + c]);
        LayerInfo bn = shape.Layers[2];
        Assert.Equal(onnx["3.running_var"], p.Slice(bn.ParameterOffset + 24, 8).ToArray());
    }

    [Theory]
    [InlineData(nameof(Cnn2dNet), "onnx_cnn.onnx")]
    [InlineData(nameof(Cnn1dNet), "onnx_conv1d.onnx")]
    public void StaticNets_own_ONNX_export_imports_back_to_the_same_parameters(string network, string source)
    {
        NeuralNetwork model = Create(network);
        ModelImport.LoadWeights(model, Fixture.Path(source));
        string path = Path.Combine(Path.GetTempPath(), $"staticnet-export-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Save(model, path);   // NHWC input, Transpose nodes around the channels-first operators
            ModelReport report = ModelImport.Inspect(path);
            Assert.True(report.CanCompile, string.Join("\n", report.Problems));
            Assert.Contains(report.Steps, s => s.Operator == "Transpose" && s.Description.Contains("channels-last (as StaticNet's)"));
            NeuralNetwork back = Create(network);
            ModelImport.LoadWeights(back, path);
            Assert.Equal(model.Parameters.ToArray(), back.Parameters.ToArray());
            Assert.Equal(model.NetworkShape.InputShape, report.Model!.InputShape);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("onnx_cnn.onnx", nameof(Cnn2dPlainNet))]
    [InlineData("keras2_cnn.h5", nameof(Cnn1dNet))]
    public void SaveSafetensors_writes_PyTorch_layout_that_the_runtime_loads_to_the_same_parameters(string file, string network)
    {
        ImportedModel imported = ModelImport.Read(Fixture.Path(file));
        var stream = new MemoryStream();
        ModelImport.SaveSafetensors(imported, stream);
        stream.Position = 0;
        NeuralNetwork model = Create(network);
        Safetensors.Load(model, stream);
        Assert.Equal(imported.GetParameters(), model.Parameters.ToArray());
        stream.Position = 0;
        var tensors = Safetensors.ReadTensors(stream);
        Assert.Equal(network == nameof(Cnn2dPlainNet) ? new[] { 8, 1, 3, 3 } : new[] { 16, 28, 5 }, tensors["0.weight"].Shape);
    }

    [Fact]
    public void The_declaration_is_the_Sequential_layer_list()
    {
        ImportedModel model = ModelImport.Read(Fixture.Path("onnx_cnn.onnx"));
        string source = ModelImport.Declaration(model, "DigitCnn", "Imported", "DigitCnn.safetensors");
        Assert.Contains("""
            [Sequential(28, 28, 1, Weights = "DigitCnn.safetensors")]   // height, width, channels (channels-last: feed images as (h, w, c), not PyTorch's (c, h, w))
            [Conv2D(8, 3, Padding = Padding.Same, Activation = Activation.Relu)]   // (28, 28, 8)
            [MaxPooling2D(2)]   // (14, 14, 8)
            [BatchNormalization(Momentum = 0.9f)]   // (14, 14, 8)
            [Conv2D(16, 3, Activation = Activation.Relu)]   // (12, 12, 16)
            [AveragePooling2D(2)]   // (6, 6, 16)
            [Flatten]   // (576,)
            [Dense(10, Activation = Activation.Softmax)]   // (10,)
            public partial class DigitCnn;
            """.Replace("\r\n", "\n"), source);
        Assert.StartsWith("// Written by `staticnet import onnx_cnn.onnx`.", source);
        Assert.Contains("<AdditionalFiles Include=\"DigitCnn.safetensors\" />", source);
        string conv1d = ModelImport.Declaration(ModelImport.Read(Fixture.Path("keras2_cnn.h5")), "Seq", null, "Seq.safetensors");
        Assert.Contains("[Conv1D(12, 3, Strides = 2, Activation = Activation.Relu)]", conv1d);
        Assert.Contains("[GlobalAveragePooling1D]", conv1d);
        Assert.Contains("[Sequential(28, 28, Weights = \"Seq.safetensors\")]", conv1d);
    }

    [Fact]
    public void Unsupported_padding_names_the_node_and_nothing_is_imported()
    {
        ModelReport report = ModelImport.Inspect(Fixture.Path("onnx_cnn_badpad.onnx"));
        Assert.Null(report.Model);
        Assert.StartsWith("node 0 'conv_odd' (Conv) has unsupported padding (pads [1, 1, 1, 1])", Assert.Single(report.Problems));
        var e = Assert.Throws<ModelImportException>(() => ModelImport.Read(Fixture.Path("onnx_cnn_elu.onnx")));
        Assert.Contains("node 1 'elu1' (Elu) is an operator StaticNet does not support", e.Message);
    }

    [Fact]
    public void Relu_after_MaxPool_joins_the_Conv_and_BatchNorm_after_Flatten_is_reordered_as_OnnxRuntime_computes()
    {
        string file = Fixture.Path("onnx_cnn_poolrelu.onnx");
        ModelReport report = ModelImport.Inspect(file);
        Assert.True(report.CanCompile, string.Join("\n", report.Problems));
        Assert.Contains(report.Steps, s => s.Operator == "Relu" && s.Description.Contains("before the max pooling"));
        Assert.Contains(report.Steps, s => s.Operator == "BatchNormalization" && s.Description.Contains("features reordered from (c, h, w) to (h, w, c)"));
        var model = new PoolReluNet();
        ModelImport.LoadWeights(model, file);
        var rng = new Random(9);
        var x = new float[16, 144];
        for (int i = 0; i < 16; i++)
            for (int j = 0; j < 144; j++)
                x[i, j] = (float)(rng.NextDouble() * 2 - 1);
        // One channel: the (1, 12, 12) tensor ONNX Runtime takes holds the same values as StaticNet's (12, 12, 1).
        Fixture.AssertClose(OnnxRuntimeTests.RunOnnx(file, x, new[] { 16, 1, 12, 12 }), model.Predict(x), 1e-5, file);
    }

    [Fact]
    public void AveragePool_counting_padded_zeros_is_a_clear_error()
    {
        string problem = Assert.Single(ModelImport.Inspect(Fixture.Path("onnx_cnn_avgpad.onnx")).Problems);
        Assert.StartsWith("node 0 'avg0' (AveragePool) averages padded positions as zeros (count_include_pad 1, pads [1, 1, 1, 1], as Keras's 'same')", problem);
    }

    [Fact]
    public void LoadWeights_into_another_CNN_says_which_layer_differs_and_changes_nothing()
    {
        var model = new Cnn2dMaxNet(seed: 2);
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<ModelImportException>(() => ModelImport.LoadWeights(model, Fixture.Path("keras3_cnn.keras")));
        Assert.Contains("layer 5 is AveragePooling2D(2x2) -> (6, 6, 16) in the file and MaxPooling2D(2x2) -> (6, 6, 16) in the network", e.Message);
        e = Assert.Throws<ModelImportException>(() => ModelImport.LoadWeights(model, Fixture.Path("onnx_conv1d.onnx")));
        Assert.Contains("the file takes inputs of shape (28, 28), the network (28, 28, 1)", e.Message);
        e = Assert.Throws<ModelImportException>(() => ModelImport.LoadWeights(new Cnn1dNet(), Fixture.Path("keras3_cnn.weights.h5")));
        Assert.Contains("no weights for the network's layer 'conv1d'", e.Message);
        Assert.Equal(before, model.Parameters.ToArray());
    }

    [Fact]
    public void Keras_channels_first_is_a_clear_error()
    {
        string path = Path.Combine(Path.GetTempPath(), $"staticnet-cf-{Guid.NewGuid():N}.keras");
        try
        {
            File.Copy(Fixture.Path("keras3_cnn.keras"), path);
            using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
            {
                ZipArchiveEntry entry = zip.GetEntry("config.json")!;
                string json;
                using (var r = new StreamReader(entry.Open())) json = r.ReadToEnd();
                entry.Delete();
                using var w = new StreamWriter(zip.CreateEntry("config.json").Open());
                w.Write(json.Replace("\"channels_last\"", "\"channels_first\""));
            }
            var e = Assert.Throws<ModelImportException>(() => ModelImport.Read(path));
            Assert.Contains("layer 1 'conv2d' (Conv2D) is channels-first (data_format channels_first)", e.Message);
        }
        finally { File.Delete(path); }
    }
}
