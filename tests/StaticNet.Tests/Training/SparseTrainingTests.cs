using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticNet.Kernels;
using Xunit;

namespace StaticNet.Tests.Training;

// 256 inputs in blocks of 16 into 128 units (groups of 64): about 37,000 multiply-adds a sample, so batches of 64 split
// by rows, and mostly-zero inputs train the first layer sparse.
[Network(256, 128, 32, 4, Hidden = Activation.Relu, Output = Activation.Softmax)]
public partial class SparseTrainNet;

// 64 units: the four-accumulator rows of both kernels; batches of 128 split (17,472 multiply-adds a sample).
[Network(256, 64, 16, 4, Hidden = Activation.Tanh, Output = Activation.Softmax)]
public partial class SparseTrainNarrowNet;

/// <summary>
/// Sparse training steps (Training/NeuralNetwork.SparseTraining.cs): while Fit steps, the first layer's weights,
/// gradients and optimizer state are transposed and its work follows the non-zero inputs. They must give the bits of
/// the row-split steps they replace, on one thread and two, with every optimizer; and whatever reads or writes the
/// model between steps (a callback, a checkpoint, validation, Fit's end) must see the documented layout.
/// </summary>
public class SparseTrainingTests
{
    /// <summary>Mostly-zero inputs (a share <paramref name="zeroShare"/> of exact zeros, like an image's background) and 4 classes.</summary>
    private static (float[,] X, int[] Labels) Data(int samples, double zeroShare, int seed)
    {
        var random = new Random(seed);
        var x = new float[samples, 256];
        var labels = new int[samples];
        for (int s = 0; s < samples; s++)
        {
            labels[s] = random.Next(4);
            for (int i = 0; i < 256; i++)
            {
                // Each class lights its own quarter of the inputs more often.
                double lit = i / 64 == labels[s] ? 1 - zeroShare / 2 : 1 - zeroShare;
                if (random.NextDouble() < lit) x[s, i] = (float)random.NextDouble();
            }
        }
        return (x, labels);
    }

    private static NeuralNetwork Create(bool narrow, int seed) => narrow ? new SparseTrainNarrowNet(seed) : new SparseTrainNet(seed);

    private static (float[] Parameters, float[] Gradients, History History, long SparseSteps) Train(bool narrow, bool sparse, int threads, Optimizer optimizer,
        float[,] x, int[] labels, int epochs = 2, double validationSplit = 0.2, IReadOnlyList<Callback>? callbacks = null, Action<NeuralNetwork>? created = null)
    {
        NeuralNetwork model = Create(narrow, seed: 7);
        model.MaxDegreeOfParallelism = threads;
        model.SparseTrainingDisabled = !sparse;
        model.Compile(Loss.SparseCategoricalCrossentropy, optimizer, Metric.Accuracy);
        created?.Invoke(model);
        History h = model.Fit(x, labels, epochs: epochs, batchSize: narrow ? 128 : 64, verbose: 0, validationSplit: validationSplit, callbacks: callbacks);
        return (model.Parameters.ToArray(), model.Gradients.ToArray(), h, model.SparseSteps);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, -1)]
    [InlineData(true, 1)]
    [InlineData(true, -1)]
    public void SparseSteps_GiveTheBitsOfTheRowSplitSteps(bool narrow, int threads)
    {
        if (!SparseInputGradients.Supports(256, 128)) return; // no 512-bit vectors: never taken (SparseSteps below)
        // 700 samples, a fifth held out: batches of 64 (or 128) and a last one too small to split, which runs the
        // ordinary step on the documented layout between sparse steps.
        var (x, labels) = Data(700, 0.8, seed: 1);
        var sparse = Train(narrow, sparse: true, threads, new Adam(0.003f), x, labels);
        var rows = Train(narrow, sparse: false, 1, new Adam(0.003f), x, labels);
        Assert.True(sparse.SparseSteps > 0, "no sparse step ran");
        Assert.Equal(0, rows.SparseSteps);
        Assert.Equal(rows.Parameters, sparse.Parameters);
        Assert.Equal(rows.Gradients, sparse.Gradients);
        Assert.Equal(rows.History["loss"], sparse.History["loss"]);
        Assert.Equal(rows.History["val_accuracy"], sparse.History["val_accuracy"]);
        Assert.True(sparse.History["loss"][^1] < sparse.History["loss"][0], "the loss did not fall");
    }

    [Fact]
    public void EveryOptimizersState_IsTransposedWithTheWeights()
    {
        // Momentum, RMSprop's three arrays, AdaGrad's accumulators: each element's state must follow its weight.
        if (!SparseInputGradients.Supports(256, 128)) return;
        var (x, labels) = Data(640, 0.8, seed: 3);
        Func<Optimizer>[] optimizers =
        [
            () => new Sgd(0.05f, momentum: 0.9f, nesterov: true),
            () => new RmsProp(0.002f, momentum: 0.5f, centered: true),
            () => new AdaGrad(0.05f),
        ];
        foreach (Func<Optimizer> make in optimizers)
        {
            Optimizer a = make(), b = make();
            var sparse = Train(narrow: false, sparse: true, -1, a, x, labels, epochs: 3);
            var rows = Train(narrow: false, sparse: false, -1, b, x, labels, epochs: 3);
            Assert.True(sparse.SparseSteps > 0);
            Assert.Equal(rows.Parameters, sparse.Parameters);
            for (int k = 0; k < 3; k++)
            {
                ReadOnlySpan<float> sa, sb;
                try { sa = a.State(k); sb = b.State(k); }
                catch (IndexOutOfRangeException) { break; }
                Assert.True(sa.SequenceEqual(sb), $"{a.GetType().Name} state {k} differs");
            }
        }
    }

    [Fact]
    public void ACallbackReadingAndWritingTheWeights_SeesTheDocumentedLayout()
    {
        if (!SparseInputGradients.Supports(256, 128)) return;
        var (x, labels) = Data(640, 0.8, seed: 4);
        List<float[]> seen = new();
        NeuralNetwork? model = null;
        // Reads the first weights of unit 3 (row 3 of the first layer) mid-epoch, then zeroes one weight: both must act
        // on the documented [units x inputs] layout, as they do without sparse steps.
        var callback = new LambdaCallback(onBatchEnd: (batch, _) =>
        {
            if (batch != 3) return;
            seen.Add(model!.Parameters.Slice(3 * 256, 16).ToArray());
            model.Parameters[5 * 256 + 100] = 0;
        });
        var sparse = Train(narrow: false, sparse: true, -1, new Adam(0.003f), x, labels, callbacks: [callback], created: m => model = m);
        var rows = Train(narrow: false, sparse: false, -1, new Adam(0.003f), x, labels, callbacks: [callback], created: m => model = m);
        Assert.True(sparse.SparseSteps > 0);
        Assert.Equal(4, seen.Count);
        Assert.Equal(seen[2], seen[0]);
        Assert.Equal(seen[3], seen[1]);
        Assert.Equal(rows.Parameters, sparse.Parameters);
    }

    [Fact]
    public void ACallbackReadingTheWeightsEveryBatch_TurnsTheSparseStepsOff_WithTheSameBits()
    {
        // Two transpositions a step would cost more than the sparse kernels save: after a few, Fit keeps the dense tiles.
        if (!SparseInputGradients.Supports(256, 128)) return;
        var (x, labels) = Data(1280, 0.8, seed: 13);
        NeuralNetwork? model = null;
        float sum = 0;
        var reader = new LambdaCallback(onBatchEnd: (_, _) => sum += model!.Parameters[7]);
        var sparse = Train(narrow: false, sparse: true, 1, new Adam(0.003f), x, labels, callbacks: [reader], created: m => model = m);
        var rows = Train(narrow: false, sparse: false, 1, new Adam(0.003f), x, labels);
        Assert.InRange(sparse.SparseSteps, 1, 8);   // 32 steps in all
        Assert.Equal(rows.Parameters, sparse.Parameters);
        Assert.True(float.IsFinite(sum));
    }

    [Fact]
    public void ACheckpointSavedDuringFit_ResumesToTheSameBits()
    {
        if (!SparseInputGradients.Supports(256, 128)) return;
        var (x, labels) = Data(640, 0.8, seed: 5);
        string directory = Path.Combine(Path.GetTempPath(), "staticnet-sparse-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            // A checkpoint after the first epoch (weights and Adam's state, mid-training), with and without sparse steps.
            byte[] Checkpoint(bool sparse)
            {
                string path = Path.Combine(directory, $"{sparse}.ckpt");
                NeuralNetwork? model = null;
                var save = new LambdaCallback(onEpochEnd: (epoch, _) => { if (epoch == 0) model!.SaveCheckpoint(path); });
                Train(narrow: false, sparse, -1, new Adam(0.003f), x, labels, callbacks: [save], created: m => model = m);
                return File.ReadAllBytes(path);
            }
            byte[] sparseFile = Checkpoint(true), rowsFile = Checkpoint(false);
            Assert.Equal(rowsFile, sparseFile);
            // Resumed with sparse steps: the bits of the uninterrupted run.
            var resumed = new SparseTrainNet(seed: 7) { MaxDegreeOfParallelism = -1 };
            resumed.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.003f), Metric.Accuracy);
            resumed.LoadCheckpoint(Path.Combine(directory, "True.ckpt"));
            resumed.Fit(x, labels, epochs: 2, batchSize: 64, verbose: 0, validationSplit: 0.2, initialEpoch: 1);
            Assert.True(resumed.SparseSteps > 0);
            var whole = Train(narrow: false, sparse: false, -1, new Adam(0.003f), x, labels);
            Assert.Equal(whole.Parameters, resumed.Parameters.ToArray());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void AnotherThreadReadingTheWeightsDuringFit_GetsAClearException_AndTheTrainingIsUnharmed()
    {
        // Training is not thread-safe; with the layout turned during Fit, a read from another thread must fail loudly
        // rather than turn the weights under a running step.
        if (!SparseInputGradients.Supports(256, 128)) return;
        var (x, labels) = Data(640, 0.8, seed: 9);
        NeuralNetwork? model = null;
        Exception? seen = null;
        var callback = new LambdaCallback(onBatchEnd: (batch, _) =>
        {
            if (batch != 2 || seen is not null) return;
            var input = new float[256];
            var output = new float[4];
            var other = new System.Threading.Thread(() =>
            {
                try { model!.Predict(input, output); }
                catch (Exception e) { seen = e; }
            });
            other.Start();
            other.Join();
        });
        var sparse = Train(narrow: false, sparse: true, 1, new Adam(0.003f), x, labels, callbacks: [callback], created: m => model = m);
        var rows = Train(narrow: false, sparse: false, 1, new Adam(0.003f), x, labels);
        var e = Assert.IsType<InvalidOperationException>(seen);
        Assert.Contains("training (Fit) on another thread", e.Message);
        Assert.Equal(rows.Parameters, sparse.Parameters);
        // After Fit any thread reads the documented layout.
        float[] after = new float[4];
        var reader = new System.Threading.Thread(() => model!.Predict(new float[256], after));
        reader.Start();
        reader.Join();
        Assert.Equal(1f, after.Sum(), 4);
    }

    [Fact]
    public void SmallValidationAndBatchCallsInACallback_OnTwoThreads_SeeTheDocumentedLayout()
    {
        // Validation of fewer rows than a prediction chunk, and Evaluate and Predict(float[,]) from a callback, may hand
        // rows to the other thread: the layout must be turned back on the calling thread first.
        if (!SparseInputGradients.Supports(256, 128)) return;
        var (x, labels) = Data(640, 0.8, seed: 10);
        var (xVal, labelsVal) = Data(40, 0.8, seed: 11);
        var (xMore, _) = Data(300, 0.8, seed: 12);
        (float[] Parameters, List<double> Seen) Run(bool sparse)
        {
            var model = new SparseTrainNet(seed: 7) { MaxDegreeOfParallelism = -1, SparseTrainingDisabled = !sparse };
            model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.003f), Metric.Accuracy);
            var seen = new List<double>();
            var callback = new LambdaCallback(onBatchEnd: (batch, _) =>
            {
                if (batch != 4) return;
                seen.Add(model.Evaluate(xMore, labels[..300], batchSize: 64).Loss);
                float[,] p = model.Predict(xMore);
                seen.Add(p[299, 3]);
            });
            History h = model.Fit(x, labels, epochs: 2, batchSize: 64, verbose: 0, validationData: new ValidationData(xVal, labelsVal), callbacks: [callback]);
            seen.AddRange(h["val_loss"]);
            Assert.Equal(sparse, model.SparseSteps > 0);
            return (model.Parameters.ToArray(), seen);
        }
        var sparse = Run(true);
        var rows = Run(false);
        Assert.Equal(6, sparse.Seen.Count);
        Assert.Equal(rows.Seen, sparse.Seen);
        Assert.Equal(rows.Parameters, sparse.Parameters);
    }

    [Fact]
    public void DenseData_KeepsTheRowSplitSteps()
    {
        if (!SparseInputGradients.Supports(256, 128)) return;
        var (x, labels) = Data(256, 0.0, seed: 6);
        Assert.Equal(0, Train(narrow: false, sparse: true, 1, new Adam(), x, labels, epochs: 1).SparseSteps);
        var (sparseX, _) = Data(256, 0.8, seed: 6);
        Assert.True(Train(narrow: false, sparse: true, 1, new Adam(), sparseX, labels, epochs: 1).SparseSteps > 0);
    }

    [Fact]
    public void DataBetweenTheTwoLimits_TrainsSparseOnOneThread_AndKeepsTheRowSplitStepsOnTwo()
    {
        if (!SparseInputGradients.Supports(256, 128)) return;
        // 40% non-zero (1 - 0.875 x the zero share, see Data): below one thread's limit (45%), above two threads' (35%).
        var (x, labels) = Data(256, 0.6 / 0.875, seed: 8);
        int nonZero = 0;
        foreach (float v in x) nonZero += v != 0 ? 1 : 0;
        Assert.InRange(nonZero / (double)x.Length, 0.38, 0.42);
        Assert.True(Train(narrow: false, sparse: true, 1, new Adam(), x, labels, epochs: 1).SparseSteps > 0);
        // Two threads only where the machine has them (Fit's budget is min(threads, processors)).
        bool twoThreads = Environment.ProcessorCount > 1;
        Assert.Equal(!twoThreads, Train(narrow: false, sparse: true, 2, new Adam(), x, labels, epochs: 1).SparseSteps > 0);
    }

    [Fact]
    public void ACallbackTurningOnTheSecondCoreAtTrainBegin_GetsTheBitsOfOneCore()
    {
        // The worker and its own copy of each batch's rows are set up after OnTrainBegin, which may change the budget
        // (enough steps that the worker, once started, claims some of them).
        var (x, labels) = Data(2000, 0.8, seed: 9);
        NeuralNetwork? model = null;
        var turnOn = new LambdaCallback(onTrainBegin: () => model!.MaxDegreeOfParallelism = -1);
        var turned = Train(narrow: false, sparse: true, 1, new Adam(0.003f), x, labels, callbacks: [turnOn], created: m => model = m);
        var one = Train(narrow: false, sparse: true, 1, new Adam(0.003f), x, labels);
        Assert.Equal(-1, model!.MaxDegreeOfParallelism);
        Assert.Equal(one.Parameters, turned.Parameters);
        Assert.Equal(one.History["loss"], turned.History["loss"]);
    }

    [Fact]
    public void SparseSteps_AllocateNothing()
    {
        if (!SparseInputGradients.Supports(256, 128)) return;
        var (x, labels) = Data(512, 0.8, seed: 8);
        var model = new SparseTrainNet(seed: 6) { MaxDegreeOfParallelism = 1 };
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        long Measure(int epochs) => FitTestData.LeastAllocated(() => model.Fit(x, labels, epochs: epochs, batchSize: 64, verbose: 0));
        for (int i = 0; i < 3; i++) Measure(1);
        long steps = model.SparseSteps;
        long one = Measure(1), eleven = Measure(11);
        Assert.True(model.SparseSteps > steps);
        // 80 more steps and 10 more epochs on the calling thread: only the history's lists grow.
        Assert.True(eleven - one < 1024, $"1 epoch {one} B, 11 epochs {eleven} B");
    }

    [Fact]
    public void BundledDigits_TrainSparse_ToTheBitsOfTheRowSplitSteps()
    {
        if (!SparseInputGradients.Supports(784, 128)) return;
        string? directory = StaticNet.Data.Mnist.FindDataDirectory();
        Assert.NotNull(directory);
        var mnist = StaticNet.Data.Mnist.Load(directory!);
        float[,] x = new float[2048, 784];
        Buffer.BlockCopy(mnist.TrainImages, 0, x, 0, x.Length * sizeof(float));
        int[] labels = mnist.TrainLabels[..2048];
        (float[] Parameters, long Steps) Run(bool sparse)
        {
            var model = new Networks.MnistNet(seed: 1) { MaxDegreeOfParallelism = -1, SparseTrainingDisabled = !sparse };
            model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
            model.Fit(x, labels, epochs: 1, batchSize: 32, verbose: 0);
            return (model.Parameters.ToArray(), model.SparseSteps);
        }
        var sparse = Run(true);
        Assert.Equal(64, sparse.Steps);
        Assert.Equal(Run(false).Parameters, sparse.Parameters);
    }
}
