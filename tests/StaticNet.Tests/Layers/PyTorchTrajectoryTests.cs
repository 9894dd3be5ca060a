using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using StaticNet;
using StaticNet.Interop;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Tests.Layers;

/// <summary>The network of tests/StaticNet.Tests/Fixtures/cnn/cnn_trajectory.json (tools/make_cnn_fixtures.py).</summary>
[Sequential(12, 12, 2)]
[Conv2D(4, 3, Activation = Activation.Relu)]
[BatchNormalization]
[MaxPooling2D(2)]
[Conv2D(6, 3, Strides = 2, Padding = Padding.Same, Activation = Activation.Tanh)]
[AveragePooling2D(2, Strides = 1)]
[Flatten]
[Dense(8, Activation = Activation.Sigmoid)]
[Dense(3, Activation = Activation.Softmax)]
public partial class CnnTrajectoryNet;

/// <summary>The network of conv1d_trajectory.json.</summary>
[Sequential(16, 3)]
[Conv1D(5, 3, Padding = Padding.Same, Activation = Activation.Relu)]
[MaxPooling1D(2)]
[Conv1D(4, 3, Strides = 2)]
[GlobalAveragePooling1D]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class Conv1DTrajectoryNet;

/// <summary>
/// Full-batch Adam on two small convolutional networks against PyTorch's float64 trajectory from the same
/// float32 initial weights (tools/make_cnn_fixtures.py; docs/CNN-REFERENCES.md): the loss before every
/// update within 1e-4 relative, the first gradients, BatchNormalization's moving statistics after the run and
/// the final inference-mode predictions.
/// </summary>
public sealed class PyTorchTrajectoryTests(ITestOutputHelper output)
{
    private static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "cnn");

    /// <summary>Puts Keras-layout tensors (names from LayerInfo.Name) into the parameter buffer: kernels as they are, Dense kernels transposed to [units x inputs].</summary>
    private static void LoadKeras(NeuralNetwork model, IReadOnlyDictionary<string, SafetensorsTensor> tensors)
    {
        Span<float> p = model.Parameters;
        foreach (LayerInfo layer in model.NetworkShape.Layers)
        {
            float[] Get(string name, int count)
            {
                SafetensorsTensor tensor = tensors[layer.Name + "/" + name];
                Assert.Equal(count, tensor.Data.Length);
                return tensor.Data;
            }
            int o = layer.ParameterOffset;
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                {
                    int inputs = layer.InputShape[0], units = layer.Units;
                    float[] kernel = Get("kernel", inputs * units);
                    for (int i = 0; i < inputs; i++)
                        for (int u = 0; u < units; u++) p[o + u * inputs + i] = kernel[i * units + u];
                    Get("bias", units).CopyTo(p.Slice(o + inputs * units));
                    break;
                }
                case LayerKind.Conv2D:
                case LayerKind.Conv1D:
                    Get("kernel", layer.WeightCount).CopyTo(p.Slice(o));
                    Get("bias", layer.BiasCount).CopyTo(p.Slice(o + layer.WeightCount));
                    break;
                case LayerKind.BatchNormalization:
                {
                    int c = layer.BiasCount;
                    Get("gamma", c).CopyTo(p.Slice(o));
                    Get("beta", c).CopyTo(p.Slice(o + c));
                    // A gradients file has none: the moving statistics are not trained by gradient.
                    if (tensors.ContainsKey(layer.Name + "/moving_mean"))
                    {
                        Get("moving_mean", c).CopyTo(p.Slice(o + 2 * c));
                        Get("moving_variance", c).CopyTo(p.Slice(o + 3 * c));
                    }
                    break;
                }
            }
        }
    }

    public static TheoryData<string> Fixtures => new() { "cnn_trajectory", "conv1d_trajectory" };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void AdamTrajectory_MatchesPyTorchFloat64(string prefix)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, prefix + ".json")));
        JsonElement root = json.RootElement;
        NeuralNetwork model = prefix == "cnn_trajectory" ? new CnnTrajectoryNet(1) : new Conv1DTrajectoryNet(1);
        LoadKeras(model, Safetensors.ReadTensors(Path.Combine(Directory, prefix + "_init_keras.safetensors")));
        var data = Safetensors.ReadTensors(Path.Combine(Directory, prefix + "_data.safetensors"));
        float[] x = data["x"].Data, y = data["y"].Data;
        int samples = y.Length;
        JsonElement adam = root.GetProperty("config").GetProperty("optimizer");
        Loss loss = model.NetworkShape.OutputActivation == Activation.Softmax ? new SparseCategoricalCrossentropy() : new BinaryCrossentropy();
        model.Compile(loss, new Adam((float)adam.GetProperty("learning_rate").GetDouble(), (float)adam.GetProperty("beta_1").GetDouble(),
            (float)adam.GetProperty("beta_2").GetDouble(), (float)adam.GetProperty("epsilon").GetDouble()));

        // The first gradients (training mode) against the reference's, where it wrote them.
        string gradients = Path.Combine(Directory, prefix + "_grad0_keras.safetensors");
        var reference = (NeuralNetwork)Activator.CreateInstance(model.GetType(), 1)!;
        LoadKeras(reference, Safetensors.ReadTensors(gradients));
        var g = new float[model.NetworkShape.ParameterCount];
        model.ComputeGradients(x, y, samples, g, training: model.NetworkShape.HasBatchNormalization);
        foreach (LayerInfo layer in model.NetworkShape.Layers)
            for (int k = 0; k < layer.WeightCount + layer.BiasCount; k++)
            {
                int i = layer.ParameterOffset + k;
                float expected = reference.Parameters[i];
                Assert.True(Math.Abs(g[i] - expected) <= 1e-5 + 1e-4 * Math.Abs(expected), $"{layer.Name} gradient {k}: {g[i]} vs PyTorch {expected}");
            }

        // Full batch, no shuffling: each epoch is one step, and its loss is the loss at the weights before that step's update.
        double[] losses = root.GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        History history = model.Fit(x, y, epochs: losses.Length, batchSize: samples, shuffle: false, verbose: 0);
        double worst = 0;
        for (int step = 0; step < losses.Length; step++)
        {
            double relative = Math.Abs(history["loss"][step] - losses[step]) / Math.Abs(losses[step]);
            worst = Math.Max(worst, relative);
            Assert.True(relative <= 1e-4, $"step {step}: loss {history["loss"][step]:R}, PyTorch float64 {losses[step]:R} (relative {relative:E2})");
        }
        output.WriteLine($"{prefix}: {losses.Length} steps, worst relative loss difference {worst:E2}; loss {losses[0]:F4} -> {losses[^1]:F4}");

        if (root.TryGetProperty("final_moving_mean", out JsonElement movingMean))
        {
            LayerInfo bn = model.NetworkShape.Layers.Single(l => l.Kind == LayerKind.BatchNormalization);
            double[] mean = movingMean.EnumerateArray().Select(e => e.GetDouble()).ToArray();
            double[] variance = root.GetProperty("final_moving_variance").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            for (int c = 0; c < mean.Length; c++)
            {
                Assert.Equal(mean[c], model.Parameters[bn.ParameterOffset + 2 * mean.Length + c], 4);
                Assert.Equal(variance[c], model.Parameters[bn.ParameterOffset + 3 * mean.Length + c], 4);
            }
        }
        // The final weights in inference mode (moving statistics) predict what PyTorch's do.
        double[][] predictions = root.GetProperty("predictions").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        var predicted = new float[samples * model.NetworkShape.OutputSize];
        model.PredictBatch(x, predicted);
        for (int s = 0; s < samples; s++)
            for (int k = 0; k < model.NetworkShape.OutputSize; k++)
                Assert.True(Math.Abs(predicted[s * model.NetworkShape.OutputSize + k] - predictions[s][k]) <= 2e-4,
                    $"sample {s} output {k}: {predicted[s * model.NetworkShape.OutputSize + k]} vs PyTorch {predictions[s][k]}");
    }
}
