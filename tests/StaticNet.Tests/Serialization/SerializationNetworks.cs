using System;
using System.IO;
using StaticNet;

namespace StaticNet.Tests.Serialization;

/// <summary>The network of the resume tests: 6-10-3, relu/softmax (103 parameters).</summary>
[Network(6, 10, 3, Hidden = Activation.Relu, Output = Activation.Softmax)]
public partial class ResumeNet;

/// <summary>Same sizes as <see cref="ResumeNet"/> but tanh hidden units: a different shape with the same parameter count.</summary>
[Network(6, 10, 3, Hidden = Activation.Tanh, Output = Activation.Softmax)]
public partial class ResumeTanhNet;

/// <summary>Leaky ReLU with the default slope (0.2).</summary>
[Network(6, 10, 3, Hidden = Activation.LeakyRelu, Output = Activation.Softmax)]
public partial class LeakyNet;

/// <summary>Leaky ReLU with slope 0.1: differs from <see cref="LeakyNet"/> in the slope only.</summary>
[Network(6, 10, 3, Hidden = Activation.LeakyRelu, Output = Activation.Softmax, LeakyReluSlope = 0.1f)]
public partial class LeakySlopeNet;

/// <summary>6-10-3 with dropout after the hidden layer and L2 on the weights: dropout masks draw from the shuffle generator.</summary>
[Network(6, 10, 3, Hidden = Activation.Relu, Output = Activation.Softmax, Dropout = 0.25f, L2 = 0.001f)]
public partial class ResumeDropoutNet;

/// <summary>Like <see cref="ResumeDropoutNet"/> with another L2 factor: differs in the L2 factor only.</summary>
[Network(6, 10, 3, Hidden = Activation.Relu, Output = Activation.Softmax, Dropout = 0.25f, L2 = 0.002f)]
public partial class ResumeDropoutOtherL2Net;

/// <summary>Shared data and helpers of the serialization tests.</summary>
internal static class SerializationData
{
    public const int Samples = 50;

    /// <summary>50 samples of 6 features in [-1, 1) and labels 0..2 that depend on them (learnable, not constant).</summary>
    public static (float[,] X, int[] Y) Classification()
    {
        var random = new Random(1234);
        var x = new float[Samples, 6];
        var y = new int[Samples];
        for (int s = 0; s < Samples; s++)
        {
            float sum = 0;
            for (int f = 0; f < 6; f++)
            {
                x[s, f] = (float)(random.NextDouble() * 2 - 1);
                sum += x[s, f] * (f % 2 == 0 ? 1 : -0.5f);
            }
            y[s] = sum < -0.3f ? 0 : sum < 0.3f ? 1 : 2;
        }
        return (x, y);
    }

    /// <summary>A compiled ResumeNet trained for <paramref name="epochs"/> epochs (batch 8: the last batch of 50 has 2 samples).</summary>
    public static ResumeNet Trained(Optimizer optimizer, int epochs, int seed = 1)
    {
        var (x, y) = Classification();
        var model = new ResumeNet(seed);
        model.Compile(Loss.SparseCategoricalCrossentropy, optimizer, Metric.Accuracy);
        if (epochs > 0) model.Fit(x, y, epochs: epochs, batchSize: 8, verbose: 0);
        return model;
    }

    public static byte[] WeightsBytes(NeuralNetwork model)
    {
        var stream = new MemoryStream();
        model.SaveWeights(stream);
        return stream.ToArray();
    }

    public static byte[] CheckpointBytes(NeuralNetwork model)
    {
        var stream = new MemoryStream();
        model.SaveCheckpoint(stream);
        return stream.ToArray();
    }

    /// <summary>Asserts the two buffers hold the same float bits (NaN payloads and −0 included).</summary>
    public static void AssertBitIdentical(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string? context = null)
    {
        Xunit.Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Xunit.Assert.Fail($"{context}parameter {i}: expected {expected[i]:R} (0x{BitConverter.SingleToInt32Bits(expected[i]):X8}), got {actual[i]:R} (0x{BitConverter.SingleToInt32Bits(actual[i]):X8}).");
    }

    /// <summary>A scratch directory, deleted on dispose.</summary>
    public sealed class TempDirectory : IDisposable
    {
        public TempDirectory()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "staticnet-serialization-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}
