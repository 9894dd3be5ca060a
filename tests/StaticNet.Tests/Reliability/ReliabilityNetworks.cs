using System;
using System.IO;
using StaticNet;

namespace StaticNet.Tests.Reliability;

/// <summary>Three classes from three inputs (relu, softmax): sparse and one-hot cross-entropy.</summary>
[Network(3, 5, 3, Hidden = Activation.Relu, Output = Activation.Softmax)]
public partial class GuardClassifierNet;

/// <summary>Regression: three inputs, one linear output (mean squared error).</summary>
[Network(3, 6, 1, Hidden = Activation.Tanh)]
public partial class GuardRegressionNet;

/// <summary>One sigmoid output (binary cross-entropy).</summary>
[Network(2, 4, 1, Hidden = Activation.Tanh, Output = Activation.Sigmoid)]
public partial class GuardBinaryNet;

/// <summary>A mid-sized network for the concurrency tests: wide enough that every kernel path runs.</summary>
[Network(20, 48, 24, 5, Hidden = Activation.LeakyRelu, Output = Activation.Softmax)]
public partial class ConcurrentNet;

/// <summary>The child process of the crash tests saves this shape; the tests load its files into it.</summary>
[Network(784, 128, 64, 10, Hidden = Activation.Relu, Output = Activation.Softmax)]
public partial class CrashNet;

/// <summary>Small helpers of the reliability tests.</summary>
internal static class ReliabilityData
{
    /// <summary>Values in [min, max) from a fixed seed.</summary>
    public static float[] Uniform(int seed, int count, float min = -1, float max = 1)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = min + (float)random.NextDouble() * (max - min);
        return values;
    }

    /// <summary>A samples x columns matrix of values in [-1, 1).</summary>
    public static float[,] Matrix(int seed, int samples, int columns)
    {
        float[] flat = Uniform(seed, samples * columns);
        var x = new float[samples, columns];
        Buffer.BlockCopy(flat, 0, x, 0, flat.Length * sizeof(float));
        return x;
    }

    /// <summary>A scratch directory, deleted on dispose.</summary>
    public sealed class TempDirectory : IDisposable
    {
        public TempDirectory(string tag)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"staticnet-{tag}-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
