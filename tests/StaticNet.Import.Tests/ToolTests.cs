using System;
using System.IO;
using System.Linq;
using StaticNet.Interop;
using StaticNet.Tool;
using Xunit;

namespace StaticNet.Import.Tests;

/// <summary>The staticnet command's code, called in-process.</summary>
public sealed class ToolTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("staticnet-tool-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = Cli.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void Import_of_a_PyTorch_CNN_writes_a_Sequential_declaration_and_weights_and_says_the_input_is_channels_last()
    {
        var (exit, output, error) = Run("import", Fixture.Path("onnx_cnn.onnx"), "--class", "DigitCnn", "--out", _dir);
        Assert.True(exit == 0, error);
        Assert.Equal(new[] { "DigitCnn.cs", "DigitCnn.safetensors" }, Directory.GetFiles(_dir).Select(Path.GetFileName).Order().ToArray());
        string source = File.ReadAllText(Path.Combine(_dir, "DigitCnn.cs"));
        Assert.Contains("[Sequential(28, 28, 1, Weights = \"DigitCnn.safetensors\")]", source);
        Assert.Contains("[Conv2D(8, 3, Padding = Padding.Same, Activation = Activation.Relu)]", source);
        Assert.Contains("the network takes inputs of shape (28, 28, 1), channels-last (height, width, channels) as in Keras: feed a PyTorch (c, h, w) image as (h, w, c)", output);
        Assert.Contains("<AdditionalFiles Include=\"DigitCnn.safetensors\" />", output);

        // The weights file loads into the declared network (here its hand-written twin) and predicts as PyTorch did.
        var model = new Cnn2dPlainNet();
        Safetensors.Load(model, Path.Combine(_dir, "DigitCnn.safetensors"));
        var (digits, expected) = Fixture.Expected("onnx_cnn");
        Fixture.AssertClose(expected, model.Predict(Fixture.TestDigits(digits.Length)), 1e-5, "DigitCnn.safetensors");

        var (inspectExit, inspect, _) = Run("inspect", Fixture.Path("onnx_cnn.onnx"));
        Assert.Equal(0, inspectExit);
        Assert.Contains("conv2d_1 (Conv2D)                         (None, 12, 12, 16)    1,168  Conv2D(16, 3x3, relu)", inspect);
        Assert.Contains("columns reordered from (c, h, w) to (h, w, c)", inspect);
    }

    [Fact]
    public void Import_of_an_unsupported_CNN_names_the_operator_and_writes_nothing()
    {
        var (exit, output, error) = Run("import", Fixture.Path("onnx_cnn_elu.onnx"), "--class", "Bad", "--out", _dir);
        Assert.Equal(1, exit);
        Assert.StartsWith("error: ", error);
        Assert.Contains("node 1 'elu1' (Elu) is an operator StaticNet does not support", error);
        Assert.Empty(Directory.GetFiles(_dir));
        Assert.Equal("", output);
    }

    [Fact]
    public void Import_writes_the_declaration_and_the_weights_and_prints_the_project_lines()
    {
        var (exit, output, error) = Run("import", Fixture.Path("keras3_model.keras"), "--class", "DigitNet", "--namespace", "Demo.Models", "--out", _dir);
        Assert.True(exit == 0, error);
        Assert.Equal(new[] { "DigitNet.cs", "DigitNet.safetensors" }, Directory.GetFiles(_dir).Select(Path.GetFileName).Order().ToArray());
        string source = File.ReadAllText(Path.Combine(_dir, "DigitNet.cs"));
        Assert.Contains("namespace Demo.Models;", source);
        Assert.Contains("[Network(784, 16, 12, 10, Activations = new[] { Activation.Relu, Activation.Tanh, Activation.Softmax }, Weights = \"DigitNet.safetensors\")]", source);
        Assert.Contains("public partial class DigitNet;", source);
        Assert.Contains("<AdditionalFiles Include=\"DigitNet.safetensors\" />", output);

        // The weights file is StaticNet's PyTorch layout: it loads into the same network and predicts as Keras would.
        var model = new ReluTanhSoftmaxNet();
        Safetensors.Load(model, Path.Combine(_dir, "DigitNet.safetensors"));
        var (digits, expected) = Fixture.Expected("keras3_model");
        Fixture.AssertClose(expected, model.Predict(Fixture.TestDigits(digits.Length)), 1e-5, "DigitNet.safetensors");
    }

    [Fact]
    public void Import_declares_the_leaky_slope_and_uniform_activations_compactly()
    {
        Assert.Equal(0, Run("import", Fixture.Path("keras2_model.h5"), "--class", "K2", "--out", _dir).Exit);
        Assert.Contains("[Network(784, 16, 10, Hidden = Activation.LeakyRelu, Output = Activation.Softmax, LeakyReluSlope = 0.3f, Weights = \"K2.safetensors\")]",
            File.ReadAllText(Path.Combine(_dir, "K2.cs")));
    }

    [Fact]
    public void A_failed_import_prints_one_error_line_exits_1_and_writes_nothing()
    {
        var (exit, output, error) = Run("import", Fixture.Path("onnx_unsupported.onnx"), "--class", "Net", "--out", _dir);
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains("node 1 'elu0' (Elu) is an operator StaticNet does not support", line);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Theory]
    [InlineData(new[] { "import", "FIXTURE" }, "import needs --class")]
    [InlineData(new[] { "import", "FIXTURE", "--class", "2Bad" }, "'2Bad' is not a C# class name")]
    [InlineData(new[] { "inspect", "no-such-file.onnx" }, "no such file: no-such-file.onnx")]
    [InlineData(new[] { "export", "FIXTURE" }, "unknown command 'export'")]
    [InlineData(new[] { "inspect", "FIXTURE", "--class", "X" }, "unknown option '--class' for inspect")]
    public void Usage_errors_are_one_line(string[] args, string message)
    {
        args = args.Select(a => a == "FIXTURE" ? Fixture.Path("onnx_gemm.onnx") : a).ToArray();
        var (exit, _, error) = Run(args);
        Assert.Equal(1, exit);
        Assert.StartsWith("error: ", error);
        Assert.Contains(message, error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Inspect_lists_the_steps_the_network_and_whether_it_compiles()
    {
        var (exit, output, _) = Run("inspect", Fixture.Path("onnx_matmul.onnx"));
        Assert.Equal(0, exit);
        Assert.Contains("ONNX (IR 7, opset 13), produced by pytorch", output);
        Assert.Contains("node 2 '/l1/MatMul' (MatMul)", output);
        Assert.Contains("dense 784 -> 16 (weights 'l1.weight' [784, 16])", output);
        Assert.Contains("bias of dense layer 0 ('l1.bias')", output);
        Assert.Contains("network: 784-16(leakyrelu)-12(sigmoid)-10(linear), 12,894 parameters", output);
        Assert.Contains("StaticNet can compile it", output);

        (exit, output, _) = Run("inspect", Fixture.Path("onnx_unsupported.onnx"));
        Assert.Equal(0, exit);
        Assert.Contains("StaticNet cannot compile it:", output);
        Assert.Contains("  - node 1 'elu0' (Elu) is an operator StaticNet does not support", output);
    }
}
