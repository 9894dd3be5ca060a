using System;
using StaticNet.Data;

namespace StaticNet.Benchmarks;

/// <summary>The course's networks and the bundled MNIST data the benchmarks run on.</summary>
[Network(784, 25, 15, 1, Activation = Activation.Sigmoid)]
public partial class DigitNet;

[Network(784, 128, 64, 10, Hidden = Activation.Relu, Output = Activation.Softmax)]
public partial class MnistNet;

[Network(784, 1024, 1024, 10, Hidden = Activation.Relu, Output = Activation.Softmax)]
public partial class WideNet;

internal static class Workloads
{
    private static MnistData? s_mnist;

    public static MnistData Mnist => s_mnist ??= StaticNet.Data.Mnist.Load(
        StaticNet.Data.Mnist.FindDataDirectory() ?? throw new InvalidOperationException("samples/data/mnist not found; run from the repository."));

    /// <summary>The bundled training digits repeated to <paramref name="samples"/> rows, flat.</summary>
    public static (float[] X, int[] Labels) Repeated(int samples)
    {
        float[,] images = Mnist.TrainImages;
        int n = images.GetLength(0);
        var x = new float[samples * 784];
        var labels = new int[samples];
        for (int s = 0; s < samples; s++)
        {
            for (int k = 0; k < 784; k++) x[s * 784 + k] = images[s % n, k];
            labels[s] = Mnist.TrainLabels[s % n];
        }
        return (x, labels);
    }

    /// <summary>The course's 0/1 training set: the zeros and ones of the bundled training digits.</summary>
    public static (float[,] X, int[] Labels) ZerosAndOnes() =>
        StaticNet.Data.Mnist.Filter(Mnist.TrainImages, Mnist.TrainLabels, 0, 1);

    public static float[] Flat(float[,] a)
    {
        var flat = new float[a.Length];
        Buffer.BlockCopy(a, 0, flat, 0, a.Length * sizeof(float));
        return flat;
    }
}
