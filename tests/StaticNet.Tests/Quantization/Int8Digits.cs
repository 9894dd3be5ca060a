using System;
using StaticNet.Data;
using StaticNet.Quantization;

namespace StaticNet.Tests.Quantization;

/// <summary>The int8 accuracy tests' workflow on the bundled digits: train one epoch, quantize, compare classes.</summary>
internal static class Int8Digits
{
    /// <summary>Trains <paramref name="model"/> one epoch (Adam, batch 32) and quantizes it on the first 1,000 training digits.</summary>
    public static (MnistData Digits, Int8Network Int8) TrainAndQuantize(NeuralNetwork model)
    {
        string directory = Mnist.FindDataDirectory() ?? throw new InvalidOperationException("samples/data/mnist not found");
        MnistData mnist = Mnist.Load(directory);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        model.Fit(mnist.TrainImages, mnist.TrainLabels, epochs: 1, batchSize: 32, verbose: 0);
        var calibration = new float[1000, 784];
        Buffer.BlockCopy(mnist.TrainImages, 0, calibration, 0, 1000 * 784 * sizeof(float));
        return (mnist, Int8Network.Quantize(model, calibration));
    }

    /// <summary>float32's accuracy (the largest of each row of <paramref name="p"/>), int8's, and how many rows' classes agree.</summary>
    public static (double Float, double Int8, int Agree) Compare(float[,] p, int[] int8Classes, int[] labels)
    {
        int samples = labels.Length, floatRight = 0, int8Right = 0, agree = 0;
        for (int s = 0; s < samples; s++)
        {
            int best = 0;
            for (int k = 1; k < p.GetLength(1); k++) if (p[s, k] > p[s, best]) best = k;
            if (best == labels[s]) floatRight++;
            if (int8Classes[s] == labels[s]) int8Right++;
            if (int8Classes[s] == best) agree++;
        }
        return ((double)floatRight / samples, (double)int8Right / samples, agree);
    }
}
