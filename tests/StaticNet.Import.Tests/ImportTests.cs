using System;
using System.IO;
using System.Linq;
using Xunit;

namespace StaticNet.Import.Tests;

public class ImportTests
{
    public static TheoryData<string, string> Files => new()
    {
        { "onnx_gemm.onnx", nameof(ReluTanhSoftmaxNet) },
        { "onnx_matmul.onnx", nameof(LeakySigmoidLinearNet) },
        { "onnx_external.onnx", nameof(SigmoidSoftmaxNet) },
        { "keras3_model.keras", nameof(ReluTanhSoftmaxNet) },
        { "keras3_dense.weights.h5", nameof(SigmoidSoftmaxNet) },
        { "keras2_model.h5", nameof(Keras2Net) },
    };

    internal static NeuralNetwork Create(string name) => name switch
    {
        nameof(ReluTanhSoftmaxNet) => new ReluTanhSoftmaxNet(),
        nameof(LeakySigmoidLinearNet) => new LeakySigmoidLinearNet(),
        nameof(SigmoidSoftmaxNet) => new SigmoidSoftmaxNet(),
        nameof(Keras2Net) => new Keras2Net(),
        nameof(SmallNet) => new SmallNet(),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void LoadWeights_predicts_what_the_source_framework_predicted(string file, string network)
    {
        NeuralNetwork model = Create(network);
        ModelImport.LoadWeights(model, Fixture.Path(file));
        var (digits, expected) = Fixture.Expected(file.Replace(".onnx", "").Replace(".keras", "").Replace(".h5", ""));
        float[,] actual = model.Predict(Fixture.TestDigits(digits.Length));
        Fixture.AssertClose(expected, actual, 1e-5, file);
    }

    [Theory]
    [InlineData("onnx_gemm.onnx", "784-16(relu)-12(tanh)-10(softmax)")]
    [InlineData("onnx_matmul.onnx", "784-16(leakyrelu)-12(sigmoid)-10(linear)")]
    [InlineData("onnx_external.onnx", "784-12(sigmoid)-10(softmax)")]
    [InlineData("onnx_shuffled.onnx", "6-5(tanh)-3(softmax)")]
    [InlineData("keras3_model.keras", "784-16(relu)-12(tanh)-10(softmax)")]
    [InlineData("keras2_model.h5", "784-16(leakyrelu)-10(softmax)")]
    public void Read_finds_the_architecture(string file, string shape)
    {
        ImportedModel model = ModelImport.Read(Fixture.Path(file));
        Assert.Equal(shape, model.ToShape().ToString());
        Assert.Equal(model.ToShape().ParameterCount, model.GetParameters().Length);
    }

    [Fact]
    public void Leaky_slopes_come_from_the_file()
    {
        Assert.Equal(0.1f, ModelImport.Read(Fixture.Path("onnx_matmul.onnx")).LeakyReluSlope);
        Assert.Equal(0.3f, ModelImport.Read(Fixture.Path("keras2_model.h5")).LeakyReluSlope);
    }

    [Fact]
    public void Gemm_alpha_beta_and_transB_0_and_MatMul_weights_are_transposed_into_StaticNet_layout()
    {
        // onnx_shuffled.onnx (onnx.helper): Gemm alpha 0.5, beta 2, transB 0 with B [6, 5]; MatMul B [5, 3]; Add(bias, x).
        // Hand-computed from tools/make_import_fixtures.py's arrays: W = alpha * B^T, bias = beta * C.
        ImportedModel model = ModelImport.Read(Fixture.Path("onnx_shuffled.onnx"));
        var onnx = OnnxRuntimeTests.Initializers(Fixture.Path("onnx_shuffled.onnx"));
        float[] b1 = onnx["w1"], c1 = onnx["b1"], b2 = onnx["w2"], c2 = onnx["b2"];
        ImportedLayer first = model.Layers[0], second = model.Layers[1];
        for (int o = 0; o < 5; o++)
        {
            for (int i = 0; i < 6; i++) Assert.Equal(0.5f * b1[i * 5 + o], first.Weights[o * 6 + i]);
            Assert.Equal(2f * c1[o], first.Bias[o]);
        }
        for (int o = 0; o < 3; o++)
        {
            for (int i = 0; i < 5; i++) Assert.Equal(b2[i * 3 + o], second.Weights[o * 5 + i]);
            Assert.Equal(c2[o], second.Bias[o]);
        }
    }

    [Fact]
    public void An_unsupported_operator_is_named_with_its_place_and_nothing_is_imported()
    {
        ModelReport report = ModelImport.Inspect(Fixture.Path("onnx_unsupported.onnx"));
        Assert.False(report.CanCompile);
        Assert.Null(report.Model);
        string problem = Assert.Single(report.Problems);
        Assert.StartsWith("node 1 'elu0' (Elu) is an operator StaticNet does not support", problem);
        Assert.Contains(report.Steps, s => !s.Supported && s.Operator == "Elu" && s.Location == "node 1 'elu0'");

        var e = Assert.Throws<ModelImportException>(() => ModelImport.Read(Fixture.Path("onnx_unsupported.onnx")));
        Assert.Contains("node 1 'elu0' (Elu)", e.Message);
        var model = new SmallNet(seed: 3);
        float[] before = model.Parameters.ToArray();
        Assert.Throws<ModelImportException>(() => ModelImport.LoadWeights(model, Fixture.Path("onnx_unsupported.onnx")));
        Assert.Equal(before, model.Parameters.ToArray());
    }

    [Fact]
    public void LoadWeights_into_another_network_names_both_and_changes_nothing()
    {
        var model = new Keras2Net(seed: 1);
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<ModelImportException>(() => ModelImport.LoadWeights(model, Fixture.Path("onnx_gemm.onnx")));
        Assert.Contains("holds the network 784-16(relu)-12(tanh)-10(softmax), this network is 784-16(leakyrelu)-10(softmax)", e.Message);
        Assert.Contains("the file has 3 dense layers, the network 2", e.Message);
        Assert.Equal(before, model.Parameters.ToArray());
    }

    [Fact]
    public void LoadWeights_with_other_activations_says_which_layer_differs()
    {
        var e = Assert.Throws<ModelImportException>(() => ModelImport.LoadWeights(new AllSigmoidNet(), Fixture.Path("keras3_model.keras")));
        Assert.Contains("this network is 784-16(sigmoid)-12(sigmoid)-10(sigmoid): dense layer 0 is relu in the file and sigmoid in the network", e.Message);
    }

    [Fact]
    public void LoadWeights_with_another_leaky_slope_says_so()
    {
        // onnx_matmul's LeakyRelu has alpha 0.1; Keras2Net's sizes differ, so use a net with the same sizes and slope 0.2.
        var e = Assert.Throws<ModelImportException>(() => ModelImport.LoadWeights(new LeakyDefaultSlopeNet(), Fixture.Path("onnx_matmul.onnx")));
        Assert.Contains("the leaky ReLU slope is 0.1 in the file and 0.2 in the network", e.Message);
    }

    [Fact]
    public void A_weights_only_file_loads_by_sizes_but_cannot_be_imported_as_a_declaration()
    {
        var e = Assert.Throws<ModelImportException>(() => ModelImport.Read(Fixture.Path("keras3_dense.weights.h5")));
        Assert.Contains("holds weights only", e.Message);
        var wrong = Assert.Throws<ModelImportException>(() => ModelImport.LoadWeights(new Keras2Net(), Fixture.Path("keras3_dense.weights.h5")));
        Assert.Contains("784-12(?)-10(?), this network is 784-16(leakyrelu)-10(softmax): dense layer 0 has 12 units in the file and 16 in the network", wrong.Message);
    }

    [Fact]
    public void Core_LoadWeights_points_to_the_import_package_for_onnx_and_keras_files()
    {
        foreach (string file in new[] { "onnx_gemm.onnx", "keras3_model.keras", "keras2_model.h5" })
        {
            var e = Assert.Throws<InvalidDataException>(() => new ReluTanhSoftmaxNet().LoadWeights(Fixture.Path(file)));
            Assert.Contains("ModelImport.LoadWeights(model, path)", e.Message);
            Assert.Contains(file, e.Message);
        }
    }

    [Fact]
    public void Missing_external_data_is_named()
    {
        string dir = Directory.CreateTempSubdirectory("staticnet-import-").FullName;
        try
        {
            File.Copy(Fixture.Path("onnx_external.onnx"), Path.Combine(dir, "model.onnx"));
            var e = Assert.Throws<FileNotFoundException>(() => ModelImport.Read(Path.Combine(dir, "model.onnx")));
            Assert.Contains("'onnx_external.onnx.data', which is missing", e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Damaged_onnx_files_fail_with_InvalidDataException_or_are_read_whole()
    {
        // Truncations and bit flips of a valid file: every outcome is a clean answer, never another exception.
        byte[] valid = File.ReadAllBytes(Fixture.Path("onnx_shuffled.onnx"));
        string dir = Directory.CreateTempSubdirectory("staticnet-import-").FullName;
        var rng = new Random(12);
        int rejected = 0;
        try
        {
            for (int trial = 0; trial < 600; trial++)
            {
                byte[] bytes = trial < 100 ? valid[..rng.Next(valid.Length)] : (byte[])valid.Clone();
                if (trial >= 100)
                    for (int k = 0; k < 1 + trial % 4; k++) bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
                string path = Path.Combine(dir, "m.onnx");
                File.WriteAllBytes(path, bytes);
                try
                {
                    ModelReport report = ModelImport.Inspect(path);
                    if (report.Model is ImportedModel m) Assert.Equal(m.ParameterCount, m.GetParameters().Length);
                }
                catch (InvalidDataException) { rejected++; }
                catch (ModelImportException) { rejected++; }
                catch (FileNotFoundException) { rejected++; }   // a flipped bit turned an initializer into external data
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
        Assert.True(rejected > 100, $"only {rejected} of 600 damaged files were rejected");
    }
}

[Network(784, 16, 12, 10, Activations = new[] { Activation.LeakyRelu, Activation.Sigmoid, Activation.Linear })]
public partial class LeakyDefaultSlopeNet;
