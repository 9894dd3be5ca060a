using System;
using BenchmarkDotNet.Attributes;
using StaticNet.Quantization;

namespace StaticNet.Benchmarks;

/// <summary>The int8 network of <see cref="MnistNet"/> (seed 1), calibrated on the first 1,000 bundled training digits.</summary>
internal static class Int8Workload
{
    public static Int8Network Quantize(MnistNet model)
    {
        var calibration = new float[1000 * 784];
        Buffer.BlockCopy(Workloads.Mnist.TrainImages, 0, calibration, 0, calibration.Length * sizeof(float));
        return Int8Network.Quantize(model, calibration);
    }
}

/// <summary>Predict one sample, 784-128-64-10: int8 beside float32 and ONNX Runtime in one run (filter '*Int8*').</summary>
[MemoryDiagnoser]
[Config(typeof(MicroConfig))]
public class Int8PredictOne : IDisposable
{
    private readonly MnistNet _mnist = new(seed: 1);
    private Int8Network? _int8;
    private readonly float[] _input = new float[784];
    private readonly float[] _denseInput = new float[784];
    private readonly float[] _output = new float[10];
    private OrtPeer? _ortDense;

    [GlobalSetup]
    public void Setup()
    {
        for (int k = 0; k < 784; k++) _input[k] = Workloads.Mnist.TestImages[0, k];
        var random = new Random(7);
        for (int k = 0; k < 784; k++) _denseInput[k] = 0.01f + (float)random.NextDouble();
        _int8 = Int8Workload.Quantize(_mnist);
        _ortDense = new OrtPeer(_mnist, _denseInput, new float[10], threads: 1);
    }

    [GlobalCleanup]
    public void Dispose() => _ortDense?.Dispose();

    [Benchmark(Baseline = true)]
    public float Float32_DenseInput()
    {
        _mnist.Predict(_denseInput, _output);
        return _output[0];
    }

    [Benchmark]
    public float Int8_DenseInput()
    {
        _int8!.Predict(_denseInput, _output);
        return _output[0];
    }

    [Benchmark]
    public float Float32_Digit()
    {
        _mnist.Predict(_input, _output);
        return _output[0];
    }

    [Benchmark]
    public float Int8_Digit()
    {
        _int8!.Predict(_input, _output);
        return _output[0];
    }

    [Benchmark]
    public void Ort_DenseInput() => _ortDense!.Run();
}

/// <summary>Predict the 10,000 bundled test digits: int8 beside float32 and ONNX Runtime.</summary>
[MemoryDiagnoser]
[Config(typeof(MicroConfig))]
public class Int8PredictBatch : IDisposable
{
    private readonly MnistNet _mnist = new(seed: 1);
    private Int8Network? _int8;
    private float[,] _images = new float[0, 0];
    private float[] _inputs = [];
    private readonly float[] _outputs = new float[10_000 * 10];
    private OrtPeer? _ortOne;

    [GlobalSetup]
    public void Setup()
    {
        _images = Workloads.Mnist.TestImages;
        _inputs = Workloads.Flat(_images);
        _int8 = Int8Workload.Quantize(_mnist);
        _ortOne = new OrtPeer(_mnist, _inputs, _outputs, threads: 1);
    }

    [GlobalCleanup]
    public void Dispose() => _ortOne?.Dispose();

    [Benchmark(Baseline = true)]
    public void Float32_10000_OneThread() => _mnist.PredictBatch(_inputs, _outputs);

    [Benchmark]
    public void Int8_10000_OneThread() => _int8!.PredictBatch(_inputs, _outputs);

    [Benchmark]
    public float[,] Int8_10000_AllCores() => _int8!.Predict(_images);

    [Benchmark]
    public void Ort_10000_OneThread() => _ortOne!.Run();
}
