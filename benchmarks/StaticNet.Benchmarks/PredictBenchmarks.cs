using System;
using BenchmarkDotNet.Attributes;
using StaticNet;

namespace StaticNet.Benchmarks;

/// <summary>One-sample prediction of the course's networks. Baselines and the roofline come with the performance work.</summary>
[MemoryDiagnoser]
public class PredictBenchmarks
{
    private readonly DigitNet _digit = new(seed: 1);
    private readonly MnistNet _mnist = new(seed: 1);
    private readonly float[] _input = new float[784];
    private readonly float[] _output = new float[10];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(7);
        for (int i = 0; i < _input.Length; i++) _input[i] = (float)rng.NextDouble();
    }

    [Benchmark]
    public void Digit_784_25_15_1() => _digit.Predict(_input, _output.AsSpan(0, 1));

    [Benchmark]
    public void Mnist_784_128_64_10() => _mnist.Predict(_input, _output);
}

[Network(784, 25, 15, 1, Activation = Activation.Sigmoid)]
public partial class DigitNet;

[Network(784, 128, 64, 10, Hidden = Activation.Relu, Output = Activation.Softmax)]
public partial class MnistNet;
