using System;
using System.Collections.Generic;
using StaticNet.Interop;
using Xunit;

namespace StaticNet.Tests.Interop;

// The PyTorch fixtures' weights, baked in by the generator from AdditionalFiles items (see the csproj).
[Network(6, 10, 8, 3, Activations = new[] { Activation.Relu, Activation.Tanh, Activation.Softmax }, Weights = "pytorch_relu_tanh_softmax.safetensors")]
public partial class BakedReluTanhSoftmax;

[Network(5, 7, 6, 2, Activations = new[] { Activation.Sigmoid, Activation.LeakyRelu, Activation.Linear }, Weights = "pytorch_sigmoid_leaky_linear.safetensors")]
public partial class BakedSigmoidLeakyLinear;

[Network(4, 6, 5, 1, Activations = new[] { Activation.Linear, Activation.Tanh, Activation.Sigmoid }, Weights = "Fixtures/pytorch_linear_tanh_sigmoid.safetensors")]
public partial class BakedLinearTanhSigmoid;

/// <summary>
/// Weights baked in at compile time: a new instance predicts what PyTorch predicted, with no file
/// read at run time, and holds exactly the parameters the runtime loader reads from the same file.
/// </summary>
public class BakedWeightsTests
{
    public static TheoryData<string> Names => new() { "relu_tanh_softmax", "sigmoid_leaky_linear", "linear_tanh_sigmoid" };

    private static NeuralNetwork Baked(string name) => name switch
    {
        "relu_tanh_softmax" => new BakedReluTanhSoftmax(),
        "sigmoid_leaky_linear" => new BakedSigmoidLeakyLinear(5),
        _ => new BakedLinearTanhSigmoid(),
    };

    private static NeuralNetwork Loaded(string name)
    {
        NeuralNetwork model = name switch
        {
            "relu_tanh_softmax" => new TorchReluTanhSoftmax(1),
            "sigmoid_leaky_linear" => new TorchSigmoidLeakyLinear(1),
            _ => new TorchLinearTanhSigmoid(1),
        };
        Safetensors.Load(model, InteropTest.Fixture($"pytorch_{name}.safetensors"));
        return model;
    }

    [Theory, MemberData(nameof(Names))]
    public void BakedParameters_EqualTheRuntimeLoadersBitForBit(string name)
    {
        NeuralNetwork baked = Baked(name), loaded = Loaded(name);
        Assert.Equal(loaded.Parameters.ToArray(), baked.Parameters.ToArray());
    }

    [Theory, MemberData(nameof(Names))]
    public void BakedNetwork_PredictsWhatPyTorchPredicted(string name)
    {
        IReadOnlyDictionary<string, SafetensorsTensor> io = Safetensors.ReadTensors(InteropTest.Fixture($"pytorch_{name}_io.safetensors"));
        SafetensorsTensor input = io["input"], output = io["output"];
        NeuralNetwork model = Baked(name);
        int samples = input.Shape[0], inputs = input.Shape[1], outputs = output.Shape[1];
        var predicted = new float[outputs];
        for (int s = 0; s < samples; s++)
        {
            model.Predict(input.Data.AsSpan(s * inputs, inputs), predicted);
            for (int o = 0; o < outputs; o++)
                Assert.True(Math.Abs(predicted[o] - output.Data[s * outputs + o]) <= 1e-5,
                    $"{name} sample {s} output {o}: StaticNet {predicted[o]}, PyTorch {output.Data[s * outputs + o]}");
        }
    }

    [Theory, MemberData(nameof(Names))]
    public void ConstructingABakedNetwork_AllocatesNoMoreThanAnUnbakedOne(string name)
    {
        // The baked weights are read in place from the assembly's literal: a construction allocates what
        // any network's does (the object and its parameter buffer), nothing per baked value.
        long baked = AllocatedBy(() => Baked(name), 20);
        long unbaked = AllocatedBy(() => name switch
        {
            "relu_tanh_softmax" => new TorchReluTanhSoftmax(1),
            "sigmoid_leaky_linear" => new TorchSigmoidLeakyLinear(1),
            _ => new TorchLinearTanhSigmoid(1),
        }, 20);
        Assert.Equal(unbaked, baked);
        int parameterBytes = Baked(name).Parameters.Length * sizeof(float);
        Assert.InRange(baked, 20L * parameterBytes, 20L * (parameterBytes + 1024));
    }

    /// <summary>Bytes allocated on this thread by <paramref name="calls"/> calls after as many warm-up calls; the least of three rounds.</summary>
    private static long AllocatedBy(Func<NeuralNetwork> create, int calls)
    {
        for (int i = 0; i < calls; i++) create();
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) create();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
