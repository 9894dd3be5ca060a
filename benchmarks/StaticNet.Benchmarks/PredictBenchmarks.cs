using System;
using BenchmarkDotNet.Attributes;
using StaticNet.Benchmarks.Baseline;

namespace StaticNet.Benchmarks;

/// <summary>Predict one sample: StaticNet's generated code against the plain C# MLP.</summary>
[MemoryDiagnoser]
[Config(typeof(MicroConfig))]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory), CategoriesColumn]
public class PredictOne : IDisposable
{
    private readonly DigitNet _digit = new(seed: 1);
    private readonly MnistNet _mnist = new(seed: 1);
    private readonly PlainMlp _plainDigit = new([784, 25, 15, 1], [PlainMlp.Act.Sigmoid, PlainMlp.Act.Sigmoid, PlainMlp.Act.Sigmoid], 1);
    private readonly PlainMlp _plainMnist = new([784, 128, 64, 10], [PlainMlp.Act.Relu, PlainMlp.Act.Relu, PlainMlp.Act.Softmax], 1);
    private readonly float[] _input = new float[784];
    private readonly float[] _denseInput = new float[784];
    private readonly float[] _output = new float[10];
    private readonly float[] _ortOutput = new float[10];
    private OrtPeer? _ortDigit, _ortDense;

    [GlobalSetup]
    public void Setup()
    {
        // A real test digit (a 7: 23 of its 49 blocks of 16 pixels are background) and an input
        // with no zeros at all, since one-sample prediction skips all-zero blocks of inputs.
        for (int k = 0; k < 784; k++) _input[k] = Workloads.Mnist.TestImages[0, k];
        var random = new Random(7);
        for (int k = 0; k < 784; k++) _denseInput[k] = 0.01f + (float)random.NextDouble();
        _ortDigit = new OrtPeer(_mnist, _input, _ortOutput, threads: 1);
        _ortDense = new OrtPeer(_mnist, _denseInput, _ortOutput, threads: 1);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _ortDigit?.Dispose();
        _ortDense?.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("784-25-15-1")]
    public float Plain_784_25_15_1() => _plainDigit.Forward(_input)[0];

    [Benchmark, BenchmarkCategory("784-25-15-1")]
    public float StaticNet_784_25_15_1()
    {
        _digit.Predict(_input, _output.AsSpan(0, 1));
        return _output[0];
    }

    [Benchmark(Baseline = true), BenchmarkCategory("784-128-64-10")]
    public float Plain_784_128_64_10() => _plainMnist.Forward(_input)[0];

    [Benchmark, BenchmarkCategory("784-128-64-10")]
    public float StaticNet_784_128_64_10()
    {
        _mnist.Predict(_input, _output);
        return _output[0];
    }

    [Benchmark, BenchmarkCategory("784-128-64-10")]
    public float StaticNet_784_128_64_10_DenseInput()
    {
        _mnist.Predict(_denseInput, _output);
        return _output[0];
    }

    /// <summary>ONNX Runtime, one intra-op thread, IoBinding over pre-allocated tensors.</summary>
    [Benchmark, BenchmarkCategory("784-128-64-10")]
    public float Ort_784_128_64_10()
    {
        _ortDigit!.Run();
        return _ortOutput[0];
    }

    [Benchmark, BenchmarkCategory("784-128-64-10")]
    public float Ort_784_128_64_10_DenseInput()
    {
        _ortDense!.Run();
        return _ortOutput[0];
    }
}

/// <summary>Predict the 10,000 bundled test digits in one call, 784-128-64-10.</summary>
[MemoryDiagnoser]
[Config(typeof(MicroConfig))]
public class PredictBatch : IDisposable
{
    private readonly MnistNet _mnist = new(seed: 1);
    private readonly PlainMlp _plain = new([784, 128, 64, 10], [PlainMlp.Act.Relu, PlainMlp.Act.Relu, PlainMlp.Act.Softmax], 1);
    private float[,] _images = new float[0, 0];
    private float[] _inputs = [];
    private readonly float[] _outputs = new float[10_000 * 10];
    private OrtPeer? _ortOne, _ortTwo;

    [GlobalSetup]
    public void Setup()
    {
        _images = Workloads.Mnist.TestImages;
        _inputs = Workloads.Flat(_images);
        _ortOne = new OrtPeer(_mnist, _inputs, _outputs, threads: 1);
        _ortTwo = new OrtPeer(_mnist, _inputs, _outputs, threads: 2);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _ortOne?.Dispose();
        _ortTwo?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void Plain_10000()
    {
        for (int s = 0; s < 10_000; s++) _plain.Forward(_inputs.AsSpan(s * 784, 784)).CopyTo(_outputs, s * 10);
    }

    /// <summary>One thread, no allocation: the span overload.</summary>
    [Benchmark]
    public void StaticNet_10000_OneThread() => _mnist.PredictBatch(_inputs, _outputs);

    /// <summary>All cores: the array overload splits the samples (and allocates its result).</summary>
    [Benchmark]
    public float[,] StaticNet_10000_AllCores() => _mnist.Predict(_images);

    /// <summary>ONNX Runtime, one intra-op thread, IoBinding (no copies in or out).</summary>
    [Benchmark]
    public void Ort_10000_OneThread() => _ortOne!.Run();

    /// <summary>ONNX Runtime, two intra-op threads.</summary>
    [Benchmark]
    public void Ort_10000_TwoThreads() => _ortTwo!.Run();
}
