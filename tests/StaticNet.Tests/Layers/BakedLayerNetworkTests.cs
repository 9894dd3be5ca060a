using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticNet;
using StaticNet.Interop;
using Xunit;

namespace StaticNet.Tests.Layers;

/// <summary>
/// Convolutional networks with weights baked in at compile time (BakedLayerNetworks.cs): they hold exactly the
/// parameters that Safetensors.Load reads from the same file, and the Keras fixture's parameters (placed here by a
/// loader written for this test, not the runtime's mapping), so they predict exactly what the loaded network does.
/// </summary>
public sealed class BakedLayerNetworkTests
{
    private static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "cnn");

    public static TheoryData<string> Fixtures => new() { "cnn_trajectory", "conv1d_trajectory" };

    private static NeuralNetwork Baked(string prefix) => prefix == "cnn_trajectory" ? new BakedCnnTrajectoryNet() : new BakedConv1DTrajectoryNet(3);

    private static NeuralNetwork Unbaked(string prefix) => prefix == "cnn_trajectory" ? new CnnTrajectoryNet(1) : new Conv1DTrajectoryNet(1);

    private static uint[] Bits(ReadOnlySpan<float> values) => values.ToArray().Select(BitConverter.SingleToUInt32Bits).ToArray();

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Baked_PredictsExactlyWhatSafetensorsLoadOfTheSameFileGives(string prefix)
    {
        NeuralNetwork baked = Baked(prefix), loaded = Unbaked(prefix);
        Assert.NotEqual(Bits(baked.Parameters), Bits(loaded.Parameters));   // the loaded one starts from its random init
        Safetensors.Load(loaded, Path.Combine(Directory, prefix + "_init_pytorch.safetensors"));
        Assert.Equal(Bits(loaded.Parameters), Bits(baked.Parameters));

        float[] x = Safetensors.ReadTensors(Path.Combine(Directory, prefix + "_data.safetensors"))["x"].Data;
        int inputs = baked.NetworkShape.InputSize;
        Assert.True(x.Length >= 2 * inputs && x.Length % inputs == 0);
        for (int s = 0; s < x.Length / inputs; s++)
        {
            ReadOnlySpan<float> sample = x.AsSpan(s * inputs, inputs);
            float[] expected = loaded.Predict(sample);
            Assert.Equal(Bits(expected), Bits(baked.Predict(sample)));
            Assert.All(expected, v => Assert.True(float.IsFinite(v)));
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void BakedFromPyTorch_HoldsTheKerasFixturesParameters(string prefix)
    {
        // The fixtures hold the same float32 initial weights in both layouts: PyTorch's [out, in, kh, kw] kernels and
        // channels-first Linear columns must land where Keras's [kh, kw, in, out] kernels and (h, w, c) columns do.
        NeuralNetwork baked = Baked(prefix), keras = Unbaked(prefix);
        LoadKeras(keras, Safetensors.ReadTensors(Path.Combine(Directory, prefix + "_init_keras.safetensors")));
        Assert.Equal(Bits(keras.Parameters), Bits(baked.Parameters));
    }

    [Fact]
    public void BakedFromTheKerasFile_EqualsBakedFromThePyTorchFile_AndSafetensorsLoadInKerasLayout()
    {
        NeuralNetwork fromKeras = new BakedKerasCnnTrajectoryNet(), fromTorch = new BakedCnnTrajectoryNet(), loaded = new CnnTrajectoryNet(2);
        Safetensors.Load(loaded, Path.Combine(Directory, "cnn_trajectory_init_keras.safetensors"), SafetensorsLayout.Keras);
        Assert.Equal(Bits(loaded.Parameters), Bits(fromKeras.Parameters));
        Assert.Equal(Bits(fromTorch.Parameters), Bits(fromKeras.Parameters));
    }

    /// <summary>Keras-layout tensors by layer name, placed by hand: kernels as they are, Dense kernels [in, units] transposed.</summary>
    private static void LoadKeras(NeuralNetwork model, IReadOnlyDictionary<string, SafetensorsTensor> tensors)
    {
        Span<float> p = model.Parameters;
        int used = 0;
        foreach (LayerInfo layer in model.NetworkShape.Layers)
        {
            float[] Get(string name) { used++; return tensors[layer.Name + "/" + name].Data; }
            int o = layer.ParameterOffset;
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                {
                    int inputs = layer.InputShape[0], units = layer.Units;
                    float[] kernel = Get("kernel");
                    Assert.Equal(inputs * units, kernel.Length);
                    for (int i = 0; i < inputs; i++)
                        for (int u = 0; u < units; u++) p[o + u * inputs + i] = kernel[i * units + u];
                    Get("bias").CopyTo(p.Slice(o + inputs * units));
                    break;
                }
                case LayerKind.Conv2D:
                case LayerKind.Conv1D:
                    Get("kernel").CopyTo(p.Slice(o, layer.WeightCount));
                    Get("bias").CopyTo(p.Slice(o + layer.WeightCount, layer.BiasCount));
                    break;
                case LayerKind.BatchNormalization:
                {
                    int c = layer.BiasCount;
                    string[] parts = { "gamma", "beta", "moving_mean", "moving_variance" };
                    for (int k = 0; k < 4; k++) Get(parts[k]).CopyTo(p.Slice(o + k * c, c));
                    break;
                }
            }
        }
        Assert.Equal(tensors.Count, used);
    }
}
