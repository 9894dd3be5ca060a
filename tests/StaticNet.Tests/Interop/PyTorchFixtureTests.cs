using System;
using System.Collections.Generic;
using System.Linq;
using StaticNet.Interop;
using Xunit;

namespace StaticNet.Tests.Interop;

/// <summary>
/// Weights exported from PyTorch (tools/export_pytorch_fixture.py, committed fixtures) give the
/// same predictions in StaticNet as in PyTorch.
/// </summary>
public class PyTorchFixtureTests
{
    private const float Tolerance = 1e-5f;

    public static IEnumerable<object[]> Networks() => new[]
    {
        new object[] { "relu_tanh_softmax" },
        new object[] { "sigmoid_leaky_linear" },
        new object[] { "linear_tanh_sigmoid" },
    };

    private static NeuralNetwork Create(string name) => name switch
    {
        "relu_tanh_softmax" => new TorchReluTanhSoftmax(seed: 1),
        "sigmoid_leaky_linear" => new TorchSigmoidLeakyLinear(seed: 1),
        "linear_tanh_sigmoid" => new TorchLinearTanhSigmoid(seed: 1),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Predictions_MatchPyTorch(string name)
    {
        NeuralNetwork model = Create(name);
        Safetensors.Load(model, InteropTest.Fixture($"pytorch_{name}.safetensors"));

        var io = Safetensors.ReadTensors(InteropTest.Fixture($"pytorch_{name}_io.safetensors"));
        SafetensorsTensor input = io["input"], expected = io["output"];
        Assert.Equal(new[] { 16, model.NetworkShape.InputSize }, input.Shape);
        Assert.Equal(new[] { 16, model.NetworkShape.OutputSize }, expected.Shape);

        float[,] actual = model.Predict(InteropTest.ToMatrix(input.Data, 16, model.NetworkShape.InputSize));
        float worst = 0;
        for (int s = 0; s < 16; s++)
            for (int o = 0; o < model.NetworkShape.OutputSize; o++)
            {
                float e = expected.Data[s * model.NetworkShape.OutputSize + o];
                Assert.True(MathF.Abs(actual[s, o] - e) <= Tolerance,
                    $"{name}: sample {s}, output {o}: StaticNet {actual[s, o]:R}, PyTorch {e:R}");
                worst = MathF.Max(worst, MathF.Abs(actual[s, o] - e));
            }
        Assert.True(worst <= Tolerance);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Load_PutsPyTorchWeightsInTheParameterLayout(string name)
    {
        // nn.Linear.weight [out, in] row-major is exactly the parameter layout: a plain copy.
        NeuralNetwork model = Create(name);
        string path = InteropTest.Fixture($"pytorch_{name}.safetensors");
        Safetensors.Load(model, path);
        var tensors = Safetensors.ReadTensors(path, out var metadata);
        Assert.Equal("pt", metadata["format"]);
        string[] layers = Safetensors.LayerNames(model.NetworkShape);
        Assert.Equal(2 * layers.Length, tensors.Count);
        for (int l = 0; l < layers.Length; l++)
        {
            NetworkShape s = model.NetworkShape;
            Assert.Equal(tensors[layers[l] + ".weight"].Data, model.Parameters.Slice(s.WeightOffset(l), s.FanIn(l) * s.FanOut(l)).ToArray());
            Assert.Equal(tensors[layers[l] + ".bias"].Data, model.Parameters.Slice(s.BiasOffset(l), s.FanOut(l)).ToArray());
        }
    }

    [Fact]
    public void LayerNames_FollowTheSequentialModuleIndex()
    {
        Assert.Equal(new[] { "0", "2", "4" }, Safetensors.LayerNames(new TorchReluTanhSoftmax(1).NetworkShape));
        Assert.Equal(new[] { "0", "2", "4" }, Safetensors.LayerNames(new TorchSigmoidLeakyLinear(1).NetworkShape));
        Assert.Equal(new[] { "0", "1", "3" }, Safetensors.LayerNames(new TorchLinearTanhSigmoid(1).NetworkShape));
        Assert.Equal(new[] { "net.0", "net.1", "net.3" }, Safetensors.LayerNames(new TorchLinearTanhSigmoid(1).NetworkShape, prefix: "net."));
        Assert.Equal(new[] { "dense", "dense_1", "dense_2" }, Safetensors.LayerNames(new TorchLinearTanhSigmoid(1).NetworkShape, SafetensorsLayout.Keras));

        // Dropout after a hidden layer is one more module: Sequential(Linear, ReLU, Dropout, Linear, ReLU, Linear).
        var dropout = new NetworkShape(new[] { 4, 6, 5, 2 }, new[] { Activation.Relu, Activation.Relu, Activation.Linear },
            dropoutRates: new[] { 0.2f, 0f, 0f });
        Assert.Equal(new[] { "0", "3", "5" }, Safetensors.LayerNames(dropout));
        Assert.Equal(new[] { "dense", "dense_1", "dense_2" }, Safetensors.LayerNames(dropout, SafetensorsLayout.Keras));
    }

    [Fact]
    public void Load_WithCustomLayerNames_MapsAPrefixedStateDict()
    {
        // A Sequential kept as `self.net` in a module: its state dict names are "net.0.weight", ...
        var source = Safetensors.ReadTensors(InteropTest.Fixture("pytorch_relu_tanh_softmax.safetensors"));
        using var dir = new InteropTempDirectory();
        string path = dir.File("prefixed.safetensors");
        Safetensors.WriteTensors(path, source.Select(kv => new KeyValuePair<string, SafetensorsTensor>("net." + kv.Key, kv.Value)));

        var model = new TorchReluTanhSoftmax(seed: 1);
        var error = Assert.Throws<System.IO.InvalidDataException>(() => Safetensors.Load(model, path));
        Assert.Contains("missing '0.weight'", error.Message);
        Assert.Contains("unexpected 'net.0.bias'", error.Message);
        Assert.Contains("layerNames", error.Message);

        Safetensors.Load(model, path, layerNames: Safetensors.LayerNames(model.NetworkShape, prefix: "net."));
        Assert.Equal(source["4.bias"].Data, model.Parameters.Slice(model.NetworkShape.BiasOffset(2), 3).ToArray());
    }
}
