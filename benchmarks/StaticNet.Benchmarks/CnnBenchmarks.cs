using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using StaticNet.Data;
using StaticNet.Interop;

namespace StaticNet.Benchmarks;

/// <summary>The DigitCnn sample's network (samples/DigitCnn), declared here so the benchmarks need no sample.</summary>
[Sequential(28, 28, 1)]
[Conv2D(16, 3, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Conv2D(32, 3, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Flatten]
[Dense(64, Activation = Activation.Relu)]
[Dropout(0.2f)]
[Dense(10, Activation = Activation.Softmax)]
public partial class BenchDigitCnn;

/// <summary>Data and peers the CNN rows share: the bundled digits and ONNX Runtime on the exported graph.</summary>
internal static class CnnWorkload
{
    public static MnistData Digits() =>
        Mnist.Load(Mnist.FindDataDirectory() ?? throw new DirectoryNotFoundException("samples/data/mnist not found: run from the repository."));

    /// <summary>The network quantized to int8 (<see cref="Quantization.Int8Network"/>), calibrated on the first 500 training digits.</summary>
    public static Quantization.Int8Network Int8(NeuralNetwork model, MnistData digits)
    {
        var calibration = new float[500, 784];
        Buffer.BlockCopy(digits.TrainImages, 0, calibration, 0, 500 * 784 * sizeof(float));
        return Quantization.Int8Network.Quantize(model, calibration);
    }

    /// <summary>ONNX Runtime on StaticNet's export of <paramref name="model"/> (input [1, 28, 28, 1], channels-last as StaticNet's), IoBinding, <paramref name="threads"/> intra-op threads.</summary>
    public static (InferenceSession Session, OrtIoBinding Binding, IDisposable[] Owned) Ort(NeuralNetwork model, float[] input, float[] output, int threads) =>
        Ort(OnnxExporter.ToBytes(model), model.NetworkShape.OutputSize, input, output, threads);

    /// <summary>
    /// ONNX Runtime on the export of the int8 network, with the same options and binding as the float32 one: by default
    /// its integer form (QuantizeLinear, ConvInteger, MatMulInteger), or the QLinear form (QLinearConv), ONNX Runtime's fast one.
    /// </summary>
    public static (InferenceSession Session, OrtIoBinding Binding, IDisposable[] Owned) Ort(Quantization.Int8Network int8, float[] input, float[] output, int threads,
        OnnxInt8Operators operators = OnnxInt8Operators.Integer) =>
        Ort(OnnxExporter.ToBytes(int8, operators), int8.OutputSize, input, output, threads);

    /// <summary>ONNX Runtime on an ONNX model taking one digit, [1, 28, 28, 1]: every graph optimization, sequential, <paramref name="threads"/> intra-op threads, IoBinding.</summary>
    private static (InferenceSession Session, OrtIoBinding Binding, IDisposable[] Owned) Ort(byte[] onnx, int outputs, float[] input, float[] output, int threads)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        var session = new InferenceSession(onnx, options);
        OrtValue x = OrtValue.CreateTensorValueFromMemory(input, [1, 28, 28, 1]);
        OrtValue y = OrtValue.CreateTensorValueFromMemory(output, [1, outputs]);
        OrtIoBinding binding = session.CreateIoBinding();
        binding.BindInput(OnnxExporter.InputName, x);
        binding.BindOutput(OnnxExporter.OutputName, y);
        return (session, binding, new IDisposable[] { binding, x, y, session, options });
    }
}

/// <summary>One image through the DigitCnn network: StaticNet's generated Predict, its int8 quantization and ONNX Runtime on the float32 and the int8 export, integer and QLinear forms (one thread each).</summary>
[MemoryDiagnoser]
[Config(typeof(MicroConfig))]
public class CnnPredictOne : IDisposable
{
    private BenchDigitCnn _model = null!;
    private Quantization.Int8Network _int8 = null!;
    private readonly float[] _input = new float[784], _output = new float[10], _ortOutput = new float[10], _ortInt8Output = new float[10], _ortQLinearOutput = new float[10];
    private InferenceSession _session = null!, _int8Session = null!, _qlinearSession = null!;
    private OrtIoBinding _binding = null!, _int8Binding = null!, _qlinearBinding = null!;
    private IDisposable[] _owned = Array.Empty<IDisposable>(), _int8Owned = Array.Empty<IDisposable>(), _qlinearOwned = Array.Empty<IDisposable>();
    private readonly RunOptions _run = new();

    [GlobalSetup]
    public void Setup()
    {
        _model = new BenchDigitCnn(1);
        MnistData digits = CnnWorkload.Digits();
        for (int i = 0; i < 784; i++) _input[i] = digits.TestImages[0, i];
        _int8 = CnnWorkload.Int8(_model, digits);
        (_session, _binding, _owned) = CnnWorkload.Ort(_model, _input, _ortOutput, threads: 1);
        (_int8Session, _int8Binding, _int8Owned) = CnnWorkload.Ort(_int8, _input, _ortInt8Output, threads: 1);
        (_qlinearSession, _qlinearBinding, _qlinearOwned) = CnnWorkload.Ort(_int8, _input, _ortQLinearOutput, threads: 1, OnnxInt8Operators.QLinear);
    }

    [Benchmark(Baseline = true)]
    public void StaticNet() => _model.Predict(_input, _output);

    [Benchmark]
    public void StaticNetInt8() => _int8.Predict(_input, _output);

    [Benchmark]
    public void OnnxRuntime() => _session.RunWithBinding(_run, _binding);

    [Benchmark]
    public void OnnxRuntimeInt8() => _int8Session.RunWithBinding(_run, _int8Binding);

    [Benchmark]
    public void OnnxRuntimeInt8QLinear() => _qlinearSession.RunWithBinding(_run, _qlinearBinding);

    public void Dispose()
    {
        foreach (IDisposable d in _owned) d.Dispose();
        foreach (IDisposable d in _int8Owned) d.Dispose();
        foreach (IDisposable d in _qlinearOwned) d.Dispose();
        _run.Dispose();
    }
}

/// <summary>One training epoch of the DigitCnn sample (10,000 bundled digits, Adam, batch 32) on one core and on every core.</summary>
[Config(typeof(MacroConfig))]
public class CnnTrainEpoch
{
    private float[,] _x = null!;
    private float[] _y = null!;

    [Params(1, -1)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        MnistData digits = CnnWorkload.Digits();
        _x = digits.TrainImages;
        _y = digits.TrainLabels.Select(l => (float)l).ToArray();
    }

    [Benchmark]
    public void Epoch()
    {
        var model = new BenchDigitCnn(1) { MaxDegreeOfParallelism = Threads, CoreChoiceDisabled = true };
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam());
        model.Fit(_x, _y, epochs: 1, batchSize: 32, verbose: 0);
    }
}

/// <summary>
/// The CNN rows as an ordinary program measures them (<c>-- --cnn</c>): Stopwatch medians at normal priority, beside
/// ONNX Runtime and, when Debian's python3-torch is installed, PyTorch (tools/pytorch_cnn_speed.py) in the same run.
/// </summary>
internal static class CnnUserProgram
{
    public static void Run(string[] args)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        int rounds = 5;
        int at = Array.IndexOf(args, "--rounds");
        if (at >= 0 && at + 1 < args.Length) rounds = int.Parse(args[at + 1], inv);
        MnistData digits = CnnWorkload.Digits();
        float[] y = digits.TrainLabels.Select(l => (float)l).ToArray();
        Console.WriteLine($"DigitCnn (56,714 parameters), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {rounds} rounds, medians");

        // One image.
        var model = new BenchDigitCnn(1);
        float[] input = new float[784], output = new float[10], ortOutput = new float[10], ortInt8Output = new float[10], ortQLinearOutput = new float[10];
        for (int i = 0; i < 784; i++) input[i] = digits.TestImages[0, i];
        var (session, binding, owned) = CnnWorkload.Ort(model, input, ortOutput, threads: 1);
        using var run = new RunOptions();
        double Median(Action action, int calls)
        {
            var times = new double[rounds];
            for (int r = 0; r < rounds; r++)
            {
                var watch = Stopwatch.StartNew();
                for (int c = 0; c < calls; c++) action();
                times[r] = watch.Elapsed.TotalMilliseconds * 1000 / calls;
            }
            Array.Sort(times);
            return times[rounds / 2];
        }
        Quantization.Int8Network int8 = CnnWorkload.Int8(model, digits);
        var (int8Session, int8Binding, int8Owned) = CnnWorkload.Ort(int8, input, ortInt8Output, threads: 1);
        var (qlinearSession, qlinearBinding, qlinearOwned) = CnnWorkload.Ort(int8, input, ortQLinearOutput, threads: 1, OnnxInt8Operators.QLinear);
        for (int i = 0; i < 2000; i++)
        {
            model.Predict(input, output);
            int8.Predict(input, output);
            session.RunWithBinding(run, binding);
            int8Session.RunWithBinding(run, int8Binding);
            qlinearSession.RunWithBinding(run, qlinearBinding);
        }
        // The int8 export computes the int8 network's arithmetic (tests: Interop/OnnxInt8ExportTests): say how close it came here.
        double agree = 0, qlinearAgree = 0;
        for (int k = 0; k < 10; k++) agree = Math.Max(agree, Math.Abs(output[k] - ortInt8Output[k]));
        // The QLinear form requantizes between layers: close to int8's outputs, not equal (tests: Interop/OnnxInt8QLinearExportTests).
        for (int k = 0; k < 10; k++) qlinearAgree = Math.Max(qlinearAgree, Math.Abs(output[k] - ortQLinearOutput[k]));
        double mine = Median(() => model.Predict(input, output), 5000);
        double quantized = Median(() => int8.Predict(input, output), 5000);
        double ort = Median(() => session.RunWithBinding(run, binding), 5000);
        double ortInt8 = Median(() => int8Session.RunWithBinding(run, int8Binding), 5000);
        double ortQLinear = Median(() => qlinearSession.RunWithBinding(run, qlinearBinding), 5000);
        Console.WriteLine($"predict one image: StaticNet {mine:F1} us, int8 {quantized:F1} us, ONNX Runtime (1 thread, IoBinding) {ort:F1} us: ORT / StaticNet = {ort / mine:F2}, ORT / int8 = {ort / quantized:F2}, float32 / int8 = {mine / quantized:F2}");
        Console.WriteLine($"predict one image, ONNX Runtime int8 (the int8 network's export, same options) {ortInt8:F1} us: ORT int8 / StaticNet int8 = {ortInt8 / quantized:F2}, ORT int8 / ORT float32 = {ortInt8 / ort:F2} (outputs within {agree:E1} of int8's)");
        Console.WriteLine($"predict one image, ONNX Runtime int8 (QLinear: QLinearConv, same options) {ortQLinear:F1} us: ORT QLinear / StaticNet int8 = {ortQLinear / quantized:F2}, ORT QLinear / ORT float32 = {ortQLinear / ort:F2} (outputs within {qlinearAgree:E1} of int8's)");
        foreach (IDisposable d in owned) d.Dispose();
        foreach (IDisposable d in int8Owned) d.Dispose();
        foreach (IDisposable d in qlinearOwned) d.Dispose();

        // One epoch of training.
        double Epoch(int threads)
        {
            var times = new double[Math.Max(1, rounds / 2)];
            for (int r = 0; r < times.Length; r++)
            {
                var net = new BenchDigitCnn(1) { MaxDegreeOfParallelism = threads, CoreChoiceDisabled = true };
                net.Compile(Loss.SparseCategoricalCrossentropy, new Adam());
                net.Fit(digits.TrainImages, y, epochs: 1, batchSize: 32, verbose: 0); // JIT and workspace warm-up
                var watch = Stopwatch.StartNew();
                net.Fit(digits.TrainImages, y, epochs: 1, batchSize: 32, verbose: 0);
                times[r] = watch.Elapsed.TotalSeconds;
            }
            Array.Sort(times);
            return times[times.Length / 2];
        }
        double one = Epoch(1), all = Epoch(-1);
        Console.WriteLine($"train one epoch (10,000 digits, Adam, batch 32): one core {one:F2} s, every core {all:F2} s");
        string script = Path.Combine(Path.GetDirectoryName(Mnist.FindDataDirectory()!)!, "..", "..", "tools", "pytorch_cnn_speed.py");
        if (File.Exists("/usr/bin/python3") && File.Exists(script))
        {
            var start = new ProcessStartInfo("/usr/bin/python3", $"\"{script}\" \"{Mnist.FindDataDirectory()}\"") { RedirectStandardOutput = true, RedirectStandardError = true };
            using Process python = Process.Start(start)!;
            string text = python.StandardOutput.ReadToEnd();
            python.WaitForExit();
            if (python.ExitCode == 0 && double.TryParse(text.Trim().Split('\n').Last().Split(' ').Last(), NumberStyles.Float, inv, out double torch))
                Console.WriteLine($"PyTorch {text.Trim().Split('\n')[0]}: one epoch on one thread {torch:F2} s: PyTorch / StaticNet one core = {torch / one:F2}");
            else
                Console.WriteLine($"PyTorch not measured: {python.StandardError.ReadToEnd().Trim().Split('\n').LastOrDefault()}");
        }
        else
        {
            Console.WriteLine("PyTorch not measured (needs /usr/bin/python3 with python3-torch and tools/pytorch_cnn_speed.py)");
        }
    }
}
