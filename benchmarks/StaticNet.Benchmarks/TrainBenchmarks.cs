using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using StaticNet.Benchmarks.Baseline;

namespace StaticNet.Benchmarks;

/// <summary>W4: one training epoch of 48,000 samples (the bundled digits repeated), batch 32, Adam, 784-128-64-10.</summary>
[MemoryDiagnoser]
[Config(typeof(MacroConfig))]
public class TrainEpoch
{
    private const int Samples = 48_000;
    private float[] _x = [];
    private int[] _labels = [];
    private float[] _y = [];
    private MnistNet _model = null!;
    private MnistNet _oneCore = null!;
    private PlainMlp _plain = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_x, _labels) = Workloads.Repeated(Samples);
        _y = new float[Samples];
        for (int i = 0; i < Samples; i++) _y[i] = _labels[i];
        _model = new MnistNet(seed: 1) { CoreChoiceDisabled = true };   // both cores on every step (not Fit's choice)
        _model.Compile(Loss.SparseCategoricalCrossentropy, new Adam());
        _oneCore = new MnistNet(seed: 1) { MaxDegreeOfParallelism = 1 };
        _oneCore.Compile(Loss.SparseCategoricalCrossentropy, new Adam());
        _plain = new PlainMlp([784, 128, 64, 10], [PlainMlp.Act.Relu, PlainMlp.Act.Relu, PlainMlp.Act.Softmax], 1);
    }

    [Benchmark(Baseline = true)]
    public void Plain_Epoch48000() => _plain.TrainEpoch(_x, _labels, Samples, 32);

    [Benchmark]
    public void StaticNet_Epoch48000() => _model.Fit(_x, _y, epochs: 1, batchSize: 32, shuffle: false, verbose: 0);

    [Benchmark]
    public void StaticNet_Epoch48000_OneCore() => _oneCore.Fit(_x, _y, epochs: 1, batchSize: 32, shuffle: false, verbose: 0);
}

/// <summary>W1: the course's 0/1 example, 100 epochs of 784-25-15-1 sigmoid on the 2,128 bundled zeros and ones, batch 32, Adam.</summary>
[MemoryDiagnoser]
[Config(typeof(MacroConfig))]
public class CourseExample
{
    private float[] _x = [];
    private int[] _labels = [];
    private float[] _y = [];
    private int _samples;

    [GlobalSetup]
    public void Setup()
    {
        var (x, labels) = Workloads.ZerosAndOnes();
        _samples = labels.Length;
        _x = Workloads.Flat(x);
        _labels = labels;
        _y = new float[_samples];
        for (int i = 0; i < _samples; i++) _y[i] = labels[i];
    }

    [Benchmark(Baseline = true)]
    public void Plain_100Epochs()
    {
        var plain = new PlainMlp([784, 25, 15, 1], [PlainMlp.Act.Sigmoid, PlainMlp.Act.Sigmoid, PlainMlp.Act.Sigmoid], 42);
        for (int e = 0; e < 100; e++) plain.TrainEpoch(_x, _labels, _samples, 32);
    }

    [Benchmark]
    public void StaticNet_100Epochs() => Train(new DigitNet(seed: 42));

    [Benchmark]
    public void StaticNet_100Epochs_OneCore() => Train(new DigitNet(seed: 42) { MaxDegreeOfParallelism = 1 });

    private void Train(DigitNet model)
    {
        model.Compile(Loss.BinaryCrossentropy, new Adam());
        model.Fit(_x, _y, epochs: 100, batchSize: 32, shuffle: true, verbose: 0);
    }
}
