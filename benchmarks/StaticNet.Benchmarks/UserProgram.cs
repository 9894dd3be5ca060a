using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using StaticNet.Benchmarks.Baseline;

namespace StaticNet.Benchmarks;

/// <summary>
/// <c>--user</c>: the benchmark rows as a user's program sees them. An ordinary process at ordinary
/// priority (BenchmarkDotNet raises process and thread priority), a Stopwatch around each call, the
/// median of several rounds. Each round runs every row of a group once, interleaved, so that load
/// from other processes falls on all of them alike and the ratios within a group stay fair.
/// </summary>
internal static class UserProgram
{
    private sealed record Row(string Name, string Unit, Func<double> Once);

    public static void Run(string[] args)
    {
        int rounds = IntOption(args, "--rounds", 7);
        bool plain = args.Contains("--plain");
        int only = Array.IndexOf(args, "--only");
        string group = only >= 0 && only + 1 < args.Length ? args[only + 1] : "";   // one, batch, train, int8, dense, first or firstpredict; else all but the last two

        Console.WriteLine($"user-program mode: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {CpuName()}, {Environment.ProcessorCount} cores, .NET {Environment.Version}, " +
            $"process priority {Process.GetCurrentProcess().PriorityClass}, {rounds} rounds (median [min-max])");

        if (group == "first")
        {
            FirstEpochs();
            return;
        }
        if (group == "firstpredict")
        {
            FirstPredictions();
            return;
        }

        var peak = Measure("processor", rounds * 3, [
            new Row("FMA peak, one core (12 chains of 512-bit FMA)", "GFLOP/s", () => Time(() => new Roofline().FmaPeak()) is var s ? Roofline.Flops / s / 1e9 : 0),
            .. HostRows,
        ]);
        double gflops = peak[0];
        PrintHost(peak.AsSpan(1));

        var mnist = new MnistNet(seed: 1);
        if (group is "" or "one") PredictOne(mnist, rounds, gflops);
        if (group is "" or "batch") PredictBatch(mnist, rounds, gflops, plain);
        if (group is "" or "train") TrainEpoch(rounds, gflops, plain);
        if (group is "" or "int8") Int8(mnist, rounds);
        if (group is "" or "dense") DenseKernels(rounds, gflops);
    }

    private static void PredictOne(MnistNet mnist, int rounds, double gflops)
    {
        // Predict one sample, 784-128-64-10.
        var digit = new float[784];
        for (int k = 0; k < 784; k++) digit[k] = Workloads.Mnist.TestImages[0, k];
        var dense = new float[784];
        var random = new Random(7);
        for (int k = 0; k < 784; k++) dense[k] = 0.01f + (float)random.NextDouble();
        var output = new float[10];
        var ortOutput = new float[10];
        using var ortDigit = new OrtPeer(mnist, digit, ortOutput, threads: 1);
        using var ortDense = new OrtPeer(mnist, dense, ortOutput, threads: 1);
        var plainMnist = new PlainMlp([784, 128, 64, 10], [PlainMlp.Act.Relu, PlainMlp.Act.Relu, PlainMlp.Act.Softmax], 1);
        const int Calls = 20_000;
        var one = Measure("predict one sample, 784-128-64-10", rounds, [
            new Row("StaticNet, a test digit", "us", () => PerCall(Calls, () => mnist.Predict(digit, output))),
            new Row("StaticNet, an input with no zeros", "us", () => PerCall(Calls, () => mnist.Predict(dense, output))),
            new Row("ONNX Runtime IoBinding, 1 thread, a test digit", "us", () => PerCall(Calls, ortDigit.Run)),
            new Row("ONNX Runtime IoBinding, 1 thread, no zeros", "us", () => PerCall(Calls, ortDense.Run)),
            new Row("plain C#", "us", () => PerCall(Calls / 20, () => plainMnist.Forward(dense))),
        ]);
        Console.WriteLine($"  ONNX Runtime / StaticNet: digit {one[2] / one[0]:F2}x, no zeros {one[3] / one[1]:F2}x; StaticNet no zeros: {2 * 109_184 / (one[1] * 1e3) / gflops:P0} of one core's peak");
    }

    private static void PredictBatch(MnistNet mnist, int rounds, double gflops, bool plain)
    {
        // Predict the 10,000 test digits.
        float[,] images = Workloads.Mnist.TestImages;
        float[] inputs = Workloads.Flat(images);
        var outputs = new float[10_000 * 10];
        // The same count of inputs without zeros: the digits' first layer skips their zero pixels (SparseInputs), these
        // run the dense tile, as every input of ONNX Runtime does.
        var rng = new Random(10);
        var noZeros = new float[inputs.Length];
        for (int i = 0; i < noZeros.Length; i++) noZeros[i] = 0.01f + rng.NextSingle();
        using var ortOne = new OrtPeer(mnist, inputs, outputs, threads: 1);
        using var ortTwo = new OrtPeer(mnist, inputs, outputs, threads: 2);
        using var ortDense = new OrtPeer(mnist, noZeros, outputs, threads: 1);
        var batch = Measure("predict 10,000 samples, 784-128-64-10", rounds, [
            new Row("StaticNet PredictBatch, one thread", "ms", () => Time(() => mnist.PredictBatch(inputs, outputs)) * 1e3),
            new Row("StaticNet Predict(float[,]), all cores", "ms", () => Time(() => mnist.Predict(images)) * 1e3),
            new Row("ONNX Runtime IoBinding, 1 intra-op thread", "ms", () => Time(ortOne.Run) * 1e3),
            new Row("ONNX Runtime IoBinding, 2 intra-op threads", "ms", () => Time(ortTwo.Run) * 1e3),
            new Row("StaticNet PredictBatch, one thread, no zeros", "ms", () => Time(() => mnist.PredictBatch(noZeros, outputs)) * 1e3),
            new Row("ONNX Runtime IoBinding, 1 thread, no zeros", "ms", () => Time(ortDense.Run) * 1e3),
        ]);
        double batchFlops = 10_000.0 * 2 * 109_184;
        Console.WriteLine($"  StaticNet / ONNX Runtime: one thread {batch[0] / batch[2]:F2}x, two {batch[1] / batch[3]:F2}x (target at most 0.75x); no zeros, one thread {batch[4] / batch[5]:F2}x");
        Console.WriteLine($"  Dense-equivalent FLOP rate against one core's peak: StaticNet one thread {batchFlops / (batch[0] * 1e6) / gflops:P0} " +
            $"(above 100% means skipped zeros), no zeros {batchFlops / (batch[4] * 1e6) / gflops:P0}; ONNX Runtime {batchFlops / (batch[2] * 1e6) / gflops:P0}");
        if (plain)
        {
            var plainMnist = new PlainMlp([784, 128, 64, 10], [PlainMlp.Act.Relu, PlainMlp.Act.Relu, PlainMlp.Act.Softmax], 1);
            Measure("predict 10,000 samples, plain C#", 3, [
                new Row("plain C#", "ms", () => Time(() => { for (int s = 0; s < 10_000; s++) plainMnist.Forward(inputs.AsSpan(s * 784, 784)); }) * 1e3),
            ], warmUpSeconds: 0);
        }
    }

    private static void Int8(MnistNet mnist, int rounds)
    {
        // Int8 beside float32 and ONNX Runtime, one sample and 10,000, in the same rounds.
        StaticNet.Quantization.Int8Network int8 = Int8Workload.Quantize(mnist);
        var digit = new float[784];
        for (int k = 0; k < 784; k++) digit[k] = Workloads.Mnist.TestImages[0, k];
        var dense = new float[784];
        var random = new Random(7);
        for (int k = 0; k < 784; k++) dense[k] = 0.01f + (float)random.NextDouble();
        var output = new float[10];
        using var ortDense = new OrtPeer(mnist, dense, new float[10], threads: 1);
        const int Calls = 20_000;
        var bound = new Int8Bound(int8);
        int sink = 0;
        var one = Measure("int8: predict one sample, 784-128-64-10", rounds, [
            new Row("int8, a test digit", "us", () => PerCall(Calls, () => int8.Predict(digit, output))),
            new Row("int8, an input with no zeros", "us", () => PerCall(Calls, () => int8.Predict(dense, output))),
            new Row("float32, a test digit", "us", () => PerCall(Calls, () => mnist.Predict(digit, output))),
            new Row("float32, an input with no zeros", "us", () => PerCall(Calls, () => mnist.Predict(dense, output))),
            new Row("ONNX Runtime IoBinding, 1 thread, no zeros", "us", () => PerCall(Calls, ortDense.Run)),
            new Row($"plain read of the {bound.Bytes:N0} B of padded int8 weights", "us", () => PerCall(Calls, () => { sink += bound.Read(); })),
            new Row("vpdpbusd over them, nothing else (kernel alone)", "us", () => PerCall(Calls, () => { sink += bound.Dot(); })),
        ]);
        Console.WriteLine($"  float32 / int8: digit {one[2] / one[0]:F2}x, no zeros {one[3] / one[1]:F2}x; ONNX Runtime / int8 (no zeros) {one[4] / one[1]:F2}x (target: int8 at most 1 us)");
        Console.WriteLine($"  one sample's bound: weights read {bound.Bytes / one[5] / 1e3:F1} GB/s; int8 (no zeros) / plain read {one[1] / one[5]:F2}x, / kernel alone {one[1] / one[6]:F2}x{(sink == 42 ? " " : "")}");

        float[,] images = Workloads.Mnist.TestImages;
        float[] inputs = Workloads.Flat(images);
        var outputs = new float[10_000 * 10];
        using var ortOne = new OrtPeer(mnist, inputs, outputs, threads: 1);
        using var ortTwo = new OrtPeer(mnist, inputs, outputs, threads: 2);
        var batch = Measure("int8: predict 10,000 samples, 784-128-64-10", rounds, [
            new Row("int8 PredictBatch, one thread", "ms", () => Time(() => int8.PredictBatch(inputs, outputs)) * 1e3),
            new Row("int8 Predict(float[,]), all cores", "ms", () => Time(() => int8.Predict(images)) * 1e3),
            new Row("float32 PredictBatch, one thread", "ms", () => Time(() => mnist.PredictBatch(inputs, outputs)) * 1e3),
            new Row("float32 Predict(float[,]), all cores", "ms", () => Time(() => mnist.Predict(images)) * 1e3),
            new Row("ONNX Runtime IoBinding, 1 intra-op thread", "ms", () => Time(ortOne.Run) * 1e3),
            new Row("ONNX Runtime IoBinding, 2 intra-op threads", "ms", () => Time(ortTwo.Run) * 1e3),
        ]);
        Console.WriteLine($"  int8 / float32: one thread {batch[0] / batch[2]:F2}x, all cores {batch[1] / batch[3]:F2}x; int8 / ONNX Runtime: one thread {batch[0] / batch[4]:F2}x, two {batch[1] / batch[5]:F2}x");
    }

    private static void DenseKernels(int rounds, double gflops)
    {
        // The batched dense kernels before (Baseline/TiledBefore.cs) and now (through the public
        // Dense entry points the generated code calls), MnistNet's two large layers at the batch
        // sizes training (16 per half, 32) and prediction (64 per chunk) use. Old and new run in
        // adjacent short bursts (about 1-2 ms, shorter than a scheduler time slice), many times;
        // the ratio of each adjacent pair is what is summarized, as load from other processes
        // changes more slowly than that.
        Console.WriteLine();
        Console.WriteLine($"dense kernels, before (4x4 tiles) and now, one thread; {10 * rounds} adjacent pairs each: median time, and now/before as the median [quartiles] of the pairs' ratios");
        void Pair(string name, double flops, Action before, Action now, int calls)
        {
            for (int i = 0; i < 20; i++) { before(); now(); } // tier-up
            long warm = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(warm).TotalSeconds < 0.5) { PerCall(calls, before); PerCall(calls, now); }
            var tb = new List<double>(); var tn = new List<double>(); var ratio = new List<double>();
            for (int r = 0; r < 10 * rounds; r++)
            {
                double b = PerCall(calls, before), n = PerCall(calls, now);
                tb.Add(b); tn.Add(n); ratio.Add(n / b);
            }
            tb.Sort(); tn.Sort(); ratio.Sort();
            double Q(List<double> l, double q) => l[(int)(q * (l.Count - 1))];
            Console.WriteLine($"  {name,-30} before {Q(tb, 0.5),8:F2} us (min {tb[0],7:F2})   now {Q(tn, 0.5),8:F2} us (min {tn[0],7:F2}, {flops / (tn[0] * 1e3) / gflops:P0} of peak)   now/before {Q(ratio, 0.5):F2}x [{Q(ratio, 0.25):F2}-{Q(ratio, 0.75):F2}]");
        }
        void Add<TIn, TOut>(int count, bool digits = false) where TIn : StaticNet.Kernels.IConstant where TOut : StaticNet.Kernels.IConstant
        {
            int nIn = TIn.Value, nOut = TOut.Value;
            var random = new Random(nIn + count);
            float[] Fill(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float)random.NextDouble() - 0.5f; return a; }
            float[] w = Fill(nIn * nOut), b = Fill(nOut), x = Fill(count * nIn), d = Fill(count * nOut);
            // Test digits instead of random inputs: their background blocks are what the current kernels skip.
            if (digits) Workloads.Flat(Workloads.Mnist.TestImages).AsSpan(0, count * nIn).CopyTo(x);
            float[] yOld = new float[count * nOut], yNew = new float[count * nOut], gOld = new float[nIn * nOut], gNew = new float[nIn * nOut], gb = new float[nOut];
            void ForwardOld() => TiledBefore.Forward<TIn, TOut>(ref w[0], ref b[0], ref x[0], ref yOld[0], count);
            void ForwardNew() => StaticNet.Kernels.Dense.ForwardBatch<TIn, TOut, StaticNet.Kernels.Linear>(w, b, x, yNew, count);
            void GradientsOld() => TiledBefore.WeightGradients<TIn, TOut>(ref d[0], ref x[0], ref gOld[0], count);
            void GradientsNew() => StaticNet.Kernels.Dense.ParameterGradients<TIn, TOut>(d, x, count, gNew, gb);
            ForwardOld(); ForwardNew(); GradientsOld(); GradientsNew();
            string bits = $"forward {(yOld.AsSpan().SequenceEqual(yNew) ? "bit-identical" : "DIFFERENT")}, weight gradients {(gOld.AsSpan().SequenceEqual(gNew) ? "bit-identical" : "DIFFERENT")}";
            int calls = Math.Max(10, 40_000_000 / (nIn * nOut * count)); // about 1-2 ms a burst
            double flops = 2.0 * nIn * nOut * count;
            string of = digits ? " digits" : "";
            Pair($"Forward {nIn}->{nOut} x{count}{of}", flops, ForwardOld, ForwardNew, calls);
            Pair($"WeightGradients {nIn}->{nOut} x{count}{of}", flops, GradientsOld, GradientsNew, calls);
            Console.WriteLine($"    (old vs new: {bits}; \"now\" for weight gradients includes the bias gradients)");
        }
        Add<N784, N128>(16); Add<N784, N128>(32); Add<N784, N128>(64); Add<N784, N128>(32, digits: true);
        Add<N128, N64>(16); Add<N128, N64>(32); Add<N128, N64>(64);

        // PredictBatch's work on the 10,000 MNIST test digits without the rest of the library: the
        // generated ForwardBatch's three layers (ReLU, ReLU, linear; softmax left out, the same in
        // both) over 64-sample chunks, with the old kernels and with the current ones.
        float[] inputs = Workloads.Flat(Workloads.Mnist.TestImages);
        var rng = new Random(5);
        float[] Weights(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = ((float)rng.NextDouble() - 0.5f) * 0.1f; return a; }
        float[] w1 = Weights(784 * 128), b1 = Weights(128), w2 = Weights(128 * 64), b2 = Weights(64), w3 = Weights(64 * 10), b3 = Weights(10);
        float[] a1 = new float[64 * 128], a2 = new float[64 * 64], logits = new float[64 * 10];
        void PredictOld()
        {
            for (int start = 0; start < 10_000; start += 64)
            {
                int count = Math.Min(64, 10_000 - start);
                TiledBefore.Forward<N784, N128>(ref w1[0], ref b1[0], ref inputs[start * 784], ref a1[0], count);
                StaticNet.Kernels.Relu.Apply(a1.AsSpan(0, count * 128));
                TiledBefore.Forward<N128, N64>(ref w2[0], ref b2[0], ref a1[0], ref a2[0], count);
                StaticNet.Kernels.Relu.Apply(a2.AsSpan(0, count * 64));
                TiledBefore.Forward<N64, N10>(ref w3[0], ref b3[0], ref a2[0], ref logits[0], count);
            }
        }
        void PredictNew()
        {
            for (int start = 0; start < 10_000; start += 64)
            {
                int count = Math.Min(64, 10_000 - start);
                StaticNet.Kernels.Dense.ForwardBatch<N784, N128, StaticNet.Kernels.Relu>(w1, b1, inputs.AsSpan(start * 784, count * 784), a1, count);
                StaticNet.Kernels.Dense.ForwardBatch<N128, N64, StaticNet.Kernels.Relu>(w2, b2, a1, a2, count);
                StaticNet.Kernels.Dense.ForwardBatch<N64, N10, StaticNet.Kernels.Linear>(w3, b3, a2, logits, count);
            }
        }
        Pair("Predict 10,000 (three layers)", 10_000 * 2.0 * 109_184, PredictOld, PredictNew, 1);

        // A training step's dense kernels, batch 32 (the optimizer and the loss left out, the same in
        // both): forward through the three layers, then weight and bias gradients of each layer
        // and input gradients of the upper two, in the generated BackwardBatch's order.
        float[] d3 = Weights(32 * 10), d2 = new float[32 * 64], d1 = new float[32 * 128];
        float[] g1 = new float[784 * 128], g2 = new float[128 * 64], g3 = new float[64 * 10], gb1 = new float[128], gb2 = new float[64], gb3 = new float[10];
        void BiasGradients(float[] delta, float[] gb, int nOut)
        {
            Array.Clear(gb, 0, nOut);
            for (int s = 0; s < 32; s++)
                for (int j = 0; j < nOut; j++) gb[j] += delta[s * nOut + j];
        }
        void StepOld()
        {
            TiledBefore.Forward<N784, N128>(ref w1[0], ref b1[0], ref inputs[0], ref a1[0], 32);
            StaticNet.Kernels.Relu.Apply(a1.AsSpan(0, 32 * 128));
            TiledBefore.Forward<N128, N64>(ref w2[0], ref b2[0], ref a1[0], ref a2[0], 32);
            StaticNet.Kernels.Relu.Apply(a2.AsSpan(0, 32 * 64));
            TiledBefore.Forward<N64, N10>(ref w3[0], ref b3[0], ref a2[0], ref logits[0], 32);
            TiledBefore.WeightGradients<N64, N10>(ref d3[0], ref a2[0], ref g3[0], 32); BiasGradients(d3, gb3, 10);
            TiledBefore.InputGradients<N64, N10>(ref w3[0], ref d3[0], ref d2[0], 32);
            StaticNet.Kernels.Relu.MultiplyDerivative(a2.AsSpan(0, 32 * 64), d2);
            TiledBefore.WeightGradients<N128, N64>(ref d2[0], ref a1[0], ref g2[0], 32); BiasGradients(d2, gb2, 64);
            TiledBefore.InputGradients<N128, N64>(ref w2[0], ref d2[0], ref d1[0], 32);
            StaticNet.Kernels.Relu.MultiplyDerivative(a1.AsSpan(0, 32 * 128), d1);
            TiledBefore.WeightGradients<N784, N128>(ref d1[0], ref inputs[0], ref g1[0], 32); BiasGradients(d1, gb1, 128);
        }
        void StepNew()
        {
            ReadOnlySpan<float> x = inputs.AsSpan(0, 32 * 784);
            StaticNet.Kernels.Dense.ForwardBatch<N784, N128, StaticNet.Kernels.Relu>(w1, b1, x, a1, 32);
            StaticNet.Kernels.Dense.ForwardBatch<N128, N64, StaticNet.Kernels.Relu>(w2, b2, a1, a2, 32);
            StaticNet.Kernels.Dense.ForwardBatch<N64, N10, StaticNet.Kernels.Linear>(w3, b3, a2, logits, 32);
            StaticNet.Kernels.Dense.ParameterGradients<N64, N10>(d3, a2, 32, g3, gb3);
            StaticNet.Kernels.Dense.InputGradients<N64, N10, StaticNet.Kernels.Relu>(w3, d3, a2, 32, d2);
            StaticNet.Kernels.Dense.ParameterGradients<N128, N64>(d2, a1, 32, g2, gb2);
            StaticNet.Kernels.Dense.InputGradients<N128, N64, StaticNet.Kernels.Relu>(w2, d2, a1, 32, d1);
            StaticNet.Kernels.Dense.ParameterGradients<N784, N128>(d1, x, 32, g1, gb1);
        }
        Pair("Training step's dense kernels, batch 32", 32 * 2.0 * (3 * 109_184 - 100_352), StepOld, StepNew, 20);
    }

    private readonly struct N784 : StaticNet.Kernels.IConstant { public static int Value => 784; }
    private readonly struct N128 : StaticNet.Kernels.IConstant { public static int Value => 128; }
    private readonly struct N64 : StaticNet.Kernels.IConstant { public static int Value => 64; }
    private readonly struct N10 : StaticNet.Kernels.IConstant { public static int Value => 10; }

    /// <summary>
    /// What a user's program pays before the JIT has compiled the kernels fully (<c>--only first</c>, alone in its
    /// process, as a user's first <c>Fit</c> is): each of W4's first epochs on one core, from a fresh process. Run
    /// the command a few times (one process gives one sample of the first epoch), with and without
    /// <c>DOTNET_TC_QuickJitForLoops=0</c>, the setting README's "The first epoch" recommends.
    /// </summary>
    private static void FirstEpochs()
    {
        const int Samples = 48_000;
        var (x, labels) = Workloads.Repeated(Samples);
        var y = new float[Samples];
        for (int i = 0; i < Samples; i++) y[i] = labels[i];
        var model = new MnistNet(seed: 1) { MaxDegreeOfParallelism = 1 };
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam());
        Console.WriteLine("W4 in a fresh process, one core, no shuffle (48,000 samples, batch 32, Adam, 784-128-64-10)");
        for (int epoch = 1; epoch <= 5; epoch++)
            Console.WriteLine($"  epoch {epoch}                                                  {Time(() => model.Fit(x, y, epochs: 1, batchSize: 32, shuffle: false, verbose: 0)) * 1e3,10:F1} ms");
    }

    /// <summary>
    /// <c>--only firstpredict</c>: a program's first calls, in a fresh process (what a script that predicts or evaluates
    /// the test set once gets). .NET starts methods in unoptimized code and recompiles the hot ones later; the batch
    /// kernels carry <c>AggressiveOptimization</c> so that they start optimized.
    /// </summary>
    private static void FirstPredictions()
    {
        float[,] images = Workloads.Mnist.TestImages;
        float[] labels = Workloads.Mnist.TestLabels.Select(l => (float)l).ToArray();
        var model = new MnistNet(seed: 1);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), metrics: [Metric.Accuracy]);
        Console.WriteLine("784-128-64-10 on the 10,000 test digits in a fresh process, all cores");
        for (int call = 1; call <= 5; call++)
            Console.WriteLine($"  Predict(float[,]), call {call}                                  {Time(() => model.Predict(images)) * 1e3,10:F1} ms");
        for (int call = 1; call <= 3; call++)
            Console.WriteLine($"  Evaluate, call {call}                                           {Time(() => model.Evaluate(images, labels, verbose: 0)) * 1e3,10:F1} ms");
        var later = new double[100];
        for (int call = 0; call < later.Length; call++) later[call] = Time(() => model.Predict(images)) * 1e3;
        Array.Sort(later, 50, 50);
        Console.WriteLine($"  Predict(float[,]), median of calls 56-105                  {later[75],10:F1} ms");

        var calibration = new float[500, 784];
        Buffer.BlockCopy(Workloads.Mnist.TrainImages, 0, calibration, 0, calibration.Length * sizeof(float));
        var int8 = Quantization.Int8Network.Quantize(model, calibration);
        var digit = new float[784];
        for (int k = 0; k < 784; k++) digit[k] = images[0, k];
        var output = new float[10];
        Console.WriteLine("int8, one test digit at a time, in the same process");
        for (int block = 1; block <= 3; block++)
            Console.WriteLine($"  calls {(block - 1) * 2000 + 1,6:N0}-{block * 2000,6:N0}                                      {PerCall(2000, () => int8.Predict(digit, output)),10:F2} us");
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < 2) PerCall(2000, () => int8.Predict(digit, output));
        Console.WriteLine($"  after two more seconds of calls                            {PerCall(20_000, () => int8.Predict(digit, output)),10:F2} us");
    }

    private static void TrainEpoch(int rounds, double gflops, bool plain)
    {
        // One warm-up round (four epochs, 6,000 steps) is enough for the step kernels to tier up.
        // W4: one epoch of 48,000 samples, batch 32, Adam, 784-128-64-10.
        const int Samples = 48_000;
        var (x, labels) = Workloads.Repeated(Samples);
        var y = new float[Samples];
        for (int i = 0; i < Samples; i++) y[i] = labels[i];
        // "Both cores" rows run every step on both threads (the issue's ratio); "Fit's choice" rows leave Fit free to run
        // steps on one thread when it measures that faster (CoreChoice), as a user's program does by default.
        MnistNet Model(int threads, bool choose = false)
        {
            var model = new MnistNet(seed: 1) { MaxDegreeOfParallelism = threads, CoreChoiceDisabled = !choose };
            model.Compile(Loss.SparseCategoricalCrossentropy, new Adam());
            return model;
        }
        MnistNet oneCore = Model(1), bothCores = Model(-1), oneCoreShuffled = Model(1), bothCoresShuffled = Model(-1), chosen = Model(-1, choose: true);
        // The same steps with the first layer's dense tiles (as before the sparse training steps), for the ratio in one run.
        MnistNet oneCoreDense = Model(1), bothCoresDense = Model(-1);
        oneCoreDense.SparseTrainingDisabled = bothCoresDense.SparseTrainingDisabled = true;
        var train = Measure("W4: one epoch, 48,000 samples, batch 32, Adam, 784-128-64-10", rounds, [
            new Row("StaticNet one core, no shuffle", "ms", () => Time(() => oneCore.Fit(x, y, epochs: 1, batchSize: 32, shuffle: false, verbose: 0)) * 1e3),
            new Row("StaticNet both cores, no shuffle", "ms", () => Time(() => bothCores.Fit(x, y, epochs: 1, batchSize: 32, shuffle: false, verbose: 0)) * 1e3),
            new Row("StaticNet one core, shuffle", "ms", () => Time(() => oneCoreShuffled.Fit(x, y, epochs: 1, batchSize: 32, shuffle: true, verbose: 0)) * 1e3),
            new Row("StaticNet both cores, shuffle", "ms", () => Time(() => bothCoresShuffled.Fit(x, y, epochs: 1, batchSize: 32, shuffle: true, verbose: 0)) * 1e3),
            new Row("StaticNet Fit's choice of one or two, shuffle", "ms", () => Time(() => chosen.Fit(x, y, epochs: 1, batchSize: 32, shuffle: true, verbose: 0)) * 1e3),
        ], warmUpSeconds: 0);
        // The median step: what the code costs when the scheduler lets it run (see StepTimer).
        var timer = new StepTimer();
        double Step(MnistNet model, bool shuffle)
        {
            model.Fit(x, y, epochs: 1, batchSize: 32, shuffle: shuffle, verbose: 0, callbacks: [timer]);
            return timer.MedianMicroseconds;
        }
        var steps = Measure("W4, the median step of an epoch (1,500 steps of 32 samples)", rounds, [
            new Row("StaticNet one core, no shuffle", "us", () => Step(oneCore, false)),
            new Row("StaticNet both cores, no shuffle", "us", () => Step(bothCores, false)),
            new Row("StaticNet one core, shuffle", "us", () => Step(oneCoreShuffled, true)),
            new Row("StaticNet both cores, shuffle", "us", () => Step(bothCoresShuffled, true)),
            new Row("one core, shuffle, dense first layer", "us", () => Step(oneCoreDense, true)),
            new Row("both cores, shuffle, dense first layer", "us", () => Step(bothCoresDense, true)),
            .. HostRows,
        ], warmUpSeconds: 0);
        PrintHost(steps.AsSpan(6));
        Console.WriteLine($"  samples/s at the median step: one core {32 / steps[0] * 1e6:N0} / {32 / steps[2] * 1e6:N0} shuffled; both cores / one core: {steps[0] / steps[1]:F2}x, shuffled {steps[2] / steps[3]:F2}x");
        Console.WriteLine($"  sparse first layer / dense first layer (shuffled): one core {steps[2] / steps[4]:F2}x, both cores {steps[3] / steps[5]:F2}x");

        // The same data as a float[,] (Mnist.Load's form, what the course's programs pass) instead of the flat float[] above,
        // which binds to the span overload (pinned for the call, so the same steps): the two forms should time alike.
        var matrix = new float[Samples, 784];
        Buffer.BlockCopy(x, 0, matrix, 0, x.Length * sizeof(float));
        double MatrixStep(MnistNet model)
        {
            model.Fit(matrix, y, epochs: 1, batchSize: 32, shuffle: true, verbose: 0, callbacks: [timer]);
            return timer.MedianMicroseconds;
        }
        var matrixSteps = Measure("W4 with x as float[,], the median step, shuffled", rounds, [
            new Row("StaticNet one core", "us", () => MatrixStep(oneCoreShuffled)),
            new Row("StaticNet both cores", "us", () => MatrixStep(bothCoresShuffled)),
        ], warmUpSeconds: 0);
        Console.WriteLine($"  samples/s at the median step: one core {32 / matrixSteps[0] * 1e6:N0}, both cores {32 / matrixSteps[1] * 1e6:N0}: {matrixSteps[0] / matrixSteps[1]:F2}x");

        // A user's program trains several epochs in one Fit, which checks its data once (the rows above call Fit once an
        // epoch, and each call scans all 48,000 rows for values that are not finite first). Last, as these models have
        // trained the longest (the rows above compare with earlier measurements).
        var multi = Measure("W4: one Fit of 5 epochs, per epoch, shuffled", rounds, [
            new Row("StaticNet one core", "ms", () => Time(() => oneCoreShuffled.Fit(x, y, epochs: 5, batchSize: 32, shuffle: true, verbose: 0)) * 1e3 / 5),
            new Row("StaticNet both cores", "ms", () => Time(() => bothCoresShuffled.Fit(x, y, epochs: 5, batchSize: 32, shuffle: true, verbose: 0)) * 1e3 / 5),
            new Row("StaticNet Fit's choice of one or two", "ms", () => Time(() => chosen.Fit(x, y, epochs: 5, batchSize: 32, shuffle: true, verbose: 0)) * 1e3 / 5),
        ], warmUpSeconds: 0);
        Console.WriteLine($"  samples/s: one core {Samples / multi[0] * 1e3:N0}, both cores {Samples / multi[1] * 1e3:N0}: {multi[0] / multi[1]:F2}x; " +
            $"Fit's choice {Samples / multi[2] * 1e3:N0}: {Math.Min(multi[0], multi[1]) / multi[2]:F2}x the faster of the two " +
            $"(its last Fit's probes chose two threads {chosen.CoreChoices?.Two ?? 0} times, one {chosen.CoreChoices?.One ?? 0})");

        // Per sample: forward 109,184 multiply-adds, backward about twice that (no input gradient for the first layer: 2 x 109,184 - 100,352).
        double trainFlops = Samples * 2.0 * (3 * 109_184 - 100_352);
        Console.WriteLine($"  samples/s: one core {Samples / train[0] * 1e3:N0} / {Samples / train[2] * 1e3:N0} shuffled (target 300,000 shuffled, {trainFlops / (train[2] * 1e6) / gflops:P0} of one core's peak); " +
            $"both cores / one core: {train[0] / train[1]:F2}x, shuffled {train[2] / train[3]:F2}x (target 1.7x)");
        if (plain)
        {
            var plainNet = new PlainMlp([784, 128, 64, 10], [PlainMlp.Act.Relu, PlainMlp.Act.Relu, PlainMlp.Act.Softmax], 1);
            Measure("W4, plain C#", 1, [new Row("plain C#", "ms", () => Time(() => plainNet.TrainEpoch(x, labels, Samples, 32)) * 1e3)], warmUpSeconds: 0);
        }
    }

    /// <summary>The host's own two-core scaling and stalls (<see cref="HostProbe"/>), as rows to measure beside a group's.</summary>
    private static Row[] HostRows =>
    [
        new Row("host: fixed FMA work, one core", "ms", () => Time(HostProbe.Work) * 1e3),
        new Row("host: the same work on each of two cores", "ms", () => HostProbe.TwoCores() * 1e3),
        new Row("host: time lost to stalls in FMA work", "%", () => HostProbe.StallShare() * 100),
        new Row("host: a cache line's round trip between the cores", "ns", () => HostProbe.RoundTripNanoseconds()),
    ];

    private static void PrintHost(ReadOnlySpan<double> host) =>
        Console.WriteLine($"  the host in these rounds: two cores run FMA work that shares nothing {2 * host[0] / host[1]:F2}x as fast as one; " +
            $"{host[2]:F1}% of a core's time lost to stalls; {host[3]:F0} ns for a cache line to go to the other core and back");

    /// <summary>
    /// Runs every row once per round after warm-up rounds (at least one, and at least
    /// <paramref name="warmUpSeconds"/>: the JIT recompiles hot methods with full optimization in
    /// the background about 0.1 s after their 30th call, later on a loaded machine); prints and
    /// returns the medians.
    /// </summary>
    private static double[] Measure(string title, int rounds, Row[] rows, double warmUpSeconds = 2)
    {
        Console.WriteLine();
        Console.WriteLine(title);
        long warmUp = Stopwatch.GetTimestamp();
        do
        {
            foreach (Row row in rows) row.Once();
        }
        while (Stopwatch.GetElapsedTime(warmUp).TotalSeconds < warmUpSeconds);
        var results = rows.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < rounds; r++)
            for (int i = 0; i < rows.Length; i++)
            {
                // ONNX Runtime's intra-op threads spin for a while after a run: let them stop
                // before the next row, which may want both cores.
                System.Threading.Thread.Sleep(20);
                results[i].Add(rows[i].Once());
            }
        var medians = new double[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            results[i].Sort();
            medians[i] = results[i][results[i].Count / 2];
            Console.WriteLine($"  {rows[i].Name,-52} {medians[i],10:F3} {rows[i].Unit,-8} [{results[i][0]:F3}-{results[i][^1]:F3}]");
        }
        return medians;
    }

    /// <summary>Seconds one call of <paramref name="action"/> takes.</summary>
    private static double Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double Time(Func<float> action) => Time(() => { action(); });

    /// <summary>Microseconds per call over <paramref name="calls"/> calls.</summary>
    private static double PerCall(int calls, Action action)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) action();
        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / calls;
    }

    private static double PerCall(int calls, Func<float[]> action) => PerCall(calls, () => { action(); });

    private static int IntOption(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int value) ? value : fallback;
    }

    private static string CpuName()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown processor" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown processor";
        }
    }
}
