using System.Collections.Generic;
using System;
using System.Linq;
using System.Threading;
using Xunit;

namespace StaticNet.Tests.Training;

// 300 inputs into 256 sigmoid units: 81,000 multiply-adds a sample, so batches of 32 split, and their first layer by rows.
[Network(300, 256, 16, 1, Hidden = Activation.Sigmoid, Output = Activation.Sigmoid)]
public partial class RowSplitSigmoidNet;

// A [Sequential] network with Dropout right after the first layer: its delta reaches the first layer through the mask.
[Sequential(300)]
[Dense(200, Activation = Activation.Tanh)]
[Dropout(0.2f)]
[Dense(40, Activation = Activation.Relu)]
[Dense(5, Activation = Activation.Softmax)]
public partial class RowSplitDropoutNet;

/// <summary>A network whose backward pass throws on its second call: a failure inside a split step.</summary>
public sealed class FaultyRowSplitNet : RowSplitSigmoidNet
{
    private int _calls;

    public FaultyRowSplitNet(int seed) : base(seed) { }

    protected override void BackwardBatchToFirstLayer(ReadOnlySpan<float> parameters, int count, ReadOnlySpan<float> activations, ReadOnlySpan<float> outputDelta,
        Span<float> scratch, Span<float> gradients, Span<float> firstLayerDelta, ulong dropoutKey)
    {
        // The second call of the first step is the other lane's, on whichever thread runs it.
        if (Interlocked.Increment(ref _calls) == 2) throw new InvalidOperationException("lane failed");
        base.BackwardBatchToFirstLayer(parameters, count, activations, outputDelta, scratch, gradients, firstLayerDelta, dropoutKey);
    }
}

/// <summary>
/// Row-split training (src/Shared/FirstLayerRows.cs): each thread computes its rows of the first layer for the whole
/// batch. The same bits on one thread and on two; the same training as the split-batch step it replaces, up to the
/// order in which the first layer's gradient adds the samples; failures end the step without an update or a hang.
/// </summary>
public class RowSplitTrainingTests
{
    private static (float[,] X, float[] Y, int[] Labels) Data(int samples, int features, int classes)
    {
        float[,] x = FitTestData.Inputs(samples, features, seed: 11);
        var labels = new int[samples];
        var y = new float[samples];
        for (int i = 0; i < samples; i++)
        {
            labels[i] = (x[i, 0] + x[i, 1] > 0 ? 1 : 0) + (classes > 2 && x[i, 2] > 0.3f ? 2 : 0);
            y[i] = labels[i] > 0 ? 1 : 0;
        }
        return (x, y, labels);
    }

    [Fact]
    public void TheseNetworks_TrainTheirFirstLayerByRows()
    {
        // The rule both the generator and the runtime read; the tests below rely on it.
        foreach (NetworkShape shape in new[] { new RowSplitSigmoidNet(1).NetworkShape, new RowSplitDropoutNet(1).NetworkShape, new ParallelNet(1).NetworkShape })
            Assert.True(FirstLayerRows.Applies(shape.Layers[0].Kind, shape.Layers[0].Activation, shape.Layers.Count, shape.HasL2, shape.HasBatchNormalization));
        Assert.False(FirstLayerRows.Applies(LayerKind.Dense, Activation.Softmax, 1, false, false));
        Assert.False(FirstLayerRows.Applies(LayerKind.Conv2D, Activation.Relu, 4, false, false));
        Assert.False(FirstLayerRows.Applies(LayerKind.Dense, Activation.Relu, 3, hasL2: true, false));
        Assert.False(FirstLayerRows.Applies(LayerKind.Dense, Activation.Relu, 3, false, hasBatchNormalization: true));
        Assert.Equal(128, FirstLayerRows.Split(256));
        Assert.Equal(24, FirstLayerRows.Split(50));
    }

    [Fact]
    public void SigmoidFirstLayer_OneThreadAndTwo_TrainToTheSameBits()
    {
        // The sigmoid's bits depend on where a range of values starts (vectors and a scalar tail), so this also checks
        // that one thread computes the same ranges as two.
        var (x, y, _) = Data(320, 300, 2);
        float[] Train(int threads)
        {
            var model = new RowSplitSigmoidNet(seed: 4) { MaxDegreeOfParallelism = threads };
            model.Compile(Loss.BinaryCrossentropy, new Adam(0.003f), Metric.Accuracy);
            model.Fit(x, y, epochs: 2, batchSize: 32, verbose: 0);
            return model.Parameters.ToArray();
        }
        Assert.Equal(Train(1), Train(-1));
    }

    [Fact]
    public void DropoutAfterTheFirstLayer_OneThreadAndTwo_TrainToTheSameBits()
    {
        var (x, _, labels) = Data(320, 300, 4);
        (float[] Parameters, History History) Train(int threads)
        {
            var model = new RowSplitDropoutNet(seed: 5) { MaxDegreeOfParallelism = threads };
            model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.002f), Metric.Accuracy);
            History h = model.Fit(x, labels, epochs: 2, batchSize: 32, verbose: 0, validationSplit: 0.2);
            return (model.Parameters.ToArray(), h);
        }
        var one = Train(1);
        var two = Train(-1);
        Assert.Equal(one.Parameters, two.Parameters);
        Assert.Equal(one.History["loss"], two.History["loss"]);
        Assert.Equal(one.History["val_accuracy"], two.History["val_accuracy"]);
    }

    /// <summary>
    /// Validation batches are split between the threads as training batches are (the worker's half copied to the
    /// workspace): val_loss and val_accuracy must be the same bits on one thread and two, weighted or not, and equal
    /// Evaluate's on the same rows; 75 rows make two split batches of 32 and a last one of 11 that is not split.
    /// </summary>
    [Fact]
    public void Validation_OnTwoThreads_GivesTheBitsOfOneThread_AndOfEvaluate()
    {
        var (x, _, labels) = Data(320, 300, 4);
        var (xVal, _, labelsVal) = Data(75, 300, 4);
        for (int i = 0; i < 75; i++) xVal[i, 3] += 0.25f * (i % 5);   // rows unlike the training rows
        (History Plain, History Weighted, double Evaluated) Train(int threads)
        {
            var model = new RowSplitDropoutNet(seed: 21) { MaxDegreeOfParallelism = threads };
            model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.002f), Metric.Accuracy);
            History plain = model.Fit(x, labels, epochs: 2, batchSize: 32, verbose: 0, validationData: new ValidationData(xVal, labelsVal));
            double evaluated = model.Evaluate(xVal, labelsVal, batchSize: 32).Loss;
            var weightedModel = new RowSplitDropoutNet(seed: 22) { MaxDegreeOfParallelism = threads };
            weightedModel.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.002f), Metric.Accuracy);
            History weighted = weightedModel.Fit(x, labels, epochs: 2, batchSize: 32, verbose: 0, validationSplit: 0.25,
                classWeight: new float[] { 1f, 2f, 0.5f, 3f, 1f });
            return (plain, weighted, evaluated);
        }
        var one = Train(1);
        var two = Train(-1);
        foreach (string key in new[] { "val_loss", "val_accuracy" })
        {
            Assert.Equal(one.Plain[key], two.Plain[key]);
            Assert.Equal(one.Weighted[key], two.Weighted[key]);
        }
        Assert.Equal(one.Plain["val_loss"][^1], one.Evaluated);
        Assert.Equal(two.Plain["val_loss"][^1], two.Evaluated);
    }

    /// <summary>
    /// An Evaluate from a callback during a two-thread Fit may use the worker, also with batches larger than the
    /// training batch (which Fit's workspace does not hold: then it runs on this thread): the same bits as one thread.
    /// </summary>
    [Fact]
    public void EvaluateInACallback_DuringTwoThreadFit_AnyBatchSize_GivesTheBitsOfOneThread()
    {
        var (x, _, labels) = Data(320, 300, 4);
        var (xVal, _, labelsVal) = Data(75, 300, 4);
        List<double> Train(int threads)
        {
            var model = new RowSplitDropoutNet(seed: 23) { MaxDegreeOfParallelism = threads };
            model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.002f), Metric.Accuracy);
            var losses = new List<double>();
            var callback = new LambdaCallback(onEpochEnd: (epoch, logs) =>
            {
                foreach (int batch in new[] { 16, 32, 64, 75 })
                {
                    Evaluation e = model.Evaluate(xVal, labelsVal, batchSize: batch);
                    losses.Add(e.Loss);
                    losses.Add(e["accuracy"]);
                }
            });
            model.Fit(x, labels, epochs: 2, batchSize: 32, verbose: 0, callbacks: [callback]);
            return losses;
        }
        List<double> one = Train(1), two = Train(-1);
        Assert.Equal(16, one.Count);
        Assert.Equal(one, two);
    }

    [Fact]
    public void EveryDataForm_OneThreadAndTwo_TrainToTheSameBits()
    {
        // float[,] inputs with int labels and sample weights, flat spans with one-hot targets, a validation split with
        // class weights: each gathered and weighted alike on one thread and two.
        var (x, _, labels) = Data(320, 300, 4);
        float[] flat = new float[x.Length];
        Buffer.BlockCopy(x, 0, flat, 0, flat.Length * sizeof(float));
        float[] oneHot = new float[320 * 5];
        for (int i = 0; i < 320; i++) oneHot[i * 5 + labels[i]] = 1;
        float[] weights = new float[320];
        for (int i = 0; i < 320; i++) weights[i] = 0.5f + (i % 3);
        float[] Train(int threads, int form)
        {
            var model = new RowSplitDropoutNet(seed: 12) { MaxDegreeOfParallelism = threads };
            model.Compile(form == 1 ? Loss.CategoricalCrossentropy : Loss.SparseCategoricalCrossentropy, new Adam(0.002f), Metric.Accuracy);
            if (form == 0) model.Fit(x, labels, epochs: 2, batchSize: 32, verbose: 0, sampleWeight: weights);
            else if (form == 1) model.Fit(flat.AsSpan(), oneHot.AsSpan(), epochs: 2, batchSize: 32, verbose: 0);
            else model.Fit(x, labels, epochs: 2, batchSize: 32, verbose: 0, validationSplit: 0.25, classWeight: new float[] { 1f, 2f, 0.5f, 3f, 1f });
            return model.Parameters.ToArray();
        }
        for (int form = 0; form < 3; form++)
            Assert.Equal(Train(1, form), Train(-1, form));
    }

    [Fact]
    public void FlatSpans_OnTwoThreads_TheWorkerCanGatherItsOwnHalf()
    {
        // A float[] binds to Fit's span overload, which pins it for the call so that the worker can read it, as from a float[,]
        // (and scan half of it for NaN); the bits are the same either way (above).
        if (Environment.ProcessorCount < 2) return; // one core: no worker thread
        var (x, y, _) = Data(256, 300, 2);
        float[] flat = new float[x.Length];
        Buffer.BlockCopy(x, 0, flat, 0, flat.Length * sizeof(float));
        bool CanGather(bool asSpan)
        {
            var model = new RowSplitSigmoidNet(seed: 6);
            model.Compile(Loss.BinaryCrossentropy, new Adam(), Metric.Accuracy);
            bool seen = false;
            var probe = new LambdaCallback(onBatchEnd: (_, _) => seen = model.WorkerCanGather);
            if (asSpan) model.Fit(flat, y, epochs: 1, batchSize: 32, verbose: 0, callbacks: [probe]);
            else model.Fit(x, y, epochs: 1, batchSize: 32, verbose: 0, callbacks: [probe]);
            Assert.False(model.WorkerCanGather); // dropped with the pinned data when Fit returns
            return seen;
        }
        Assert.True(CanGather(asSpan: false));
        Assert.True(CanGather(asSpan: true));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(-1, false)]
    [InlineData(1, true)]
    [InlineData(-1, true)]
    public void OneStep_MatchesTheSplitBatchStep(int threads, bool dropoutNet)
    {
        // One batch of 32, plain SGD: the new step and the one it replaces apply the same gradient (the same dropout
        // masks too), summed in another order for the first layer (all 32 samples in one sum against two sums of 16
        // added), so they agree to rounding.
        var (x, y, labels) = Data(32, 300, 4);
        NeuralNetwork Create(int seed) => dropoutNet ? new RowSplitDropoutNet(seed) : new RowSplitSigmoidNet(seed);
        float[] Step(bool byRows)
        {
            NeuralNetwork model = Create(8);
            model.MaxDegreeOfParallelism = threads;
            model.RowSplitDisabled = !byRows;
            if (dropoutNet)
            {
                model.Compile(Loss.SparseCategoricalCrossentropy, new Sgd(0.5f), Metric.Accuracy);
                model.Fit(x, labels, epochs: 1, batchSize: 32, verbose: 0, shuffle: false);
            }
            else
            {
                model.Compile(Loss.BinaryCrossentropy, new Sgd(0.5f), Metric.Accuracy);
                model.Fit(x, y, epochs: 1, batchSize: 32, verbose: 0, shuffle: false);
            }
            return model.Parameters.ToArray();
        }
        float[] start = Create(8).Parameters.ToArray();
        float[] byRows = Step(true), byBatch = Step(false);
        double largestChange = 0, largestDifference = 0;
        for (int i = 0; i < start.Length; i++)
        {
            largestChange = Math.Max(largestChange, Math.Abs(byBatch[i] - start[i]));
            largestDifference = Math.Max(largestDifference, Math.Abs(byRows[i] - byBatch[i]));
        }
        Assert.True(largestChange > 1e-3, $"the step changed the weights by at most {largestChange}");
        Assert.True(largestDifference < 1e-6, $"row-split and split-batch steps differ by up to {largestDifference}");
    }

    [Fact]
    public void SeveralEpochs_TrainAsWellAsTheSplitBatchSteps()
    {
        var (x, _, labels) = Data(640, 300, 4);
        (double Loss, float[] Parameters) Train(bool byRows)
        {
            var model = new RowSplitDropoutNet(seed: 2) { RowSplitDisabled = !byRows };
            model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.002f), Metric.Accuracy);
            History h = model.Fit(x, labels, epochs: 4, batchSize: 32, verbose: 0);
            return (h["loss"].Last(), model.Parameters.ToArray());
        }
        var rows = Train(true);
        var batch = Train(false);
        Assert.True(rows.Loss < 0.8 * Math.Log(4), $"loss {rows.Loss}");
        Assert.InRange(rows.Loss, batch.Loss * 0.98, batch.Loss * 1.02);
        Assert.NotEqual(rows.Parameters, batch.Parameters);   // the other step really ran
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    public void AFailureInEitherLane_EndsFitWithIt_AndLeavesTheWeightsAsTheyWere(int threads)
    {
        var (x, y, _) = Data(64, 300, 2);
        var model = new FaultyRowSplitNet(seed: 3) { MaxDegreeOfParallelism = threads };
        var adam = new Adam();
        model.Compile(Loss.BinaryCrossentropy, adam, Metric.Accuracy);
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<InvalidOperationException>(() => model.Fit(x, y, epochs: 1, batchSize: 32, verbose: 0));
        Assert.Equal("lane failed", e.Message);
        // No half-applied update: the step's updates come only after both lanes finished.
        Assert.Equal(before, model.Parameters.ToArray());
        Assert.Equal(0, adam.Iterations);   // nor a step counted (Adam's bias correction counts steps)
        // And the model trains on (its worker thread was stopped and is started afresh).
        model.Fit(x, y, epochs: 1, batchSize: 32, verbose: 0);
        Assert.NotEqual(before, model.Parameters.ToArray());
        Assert.Equal(2, adam.Iterations);
    }

    [Fact]
    public void RowSplitSteps_AllocateNothing()
    {
        var (x, y, _) = Data(256, 300, 2);
        var model = new RowSplitSigmoidNet(seed: 6);
        model.Compile(Loss.BinaryCrossentropy, new Adam(), Metric.Accuracy);
        long Measure(int epochs) => FitTestData.LeastAllocated(() => model.Fit(x, y, epochs: epochs, batchSize: 32, verbose: 0));
        for (int i = 0; i < 3; i++) Measure(1);
        long one = Measure(1), eleven = Measure(11);
        // 80 more steps and 10 more epochs on the calling thread: only the history's lists grow.
        Assert.True(eleven - one < 1024, $"1 epoch {one} B, 11 epochs {eleven} B");
    }
}
