using System;
using StaticNet;
using StaticNet.Data;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Numerics;

[Network(64, 256, 3, Hidden = Activation.Tanh, Output = Activation.Softmax)]
public partial class SparseTanhNet { }

[Network(32, 192, 4, 1, Hidden = Activation.LeakyRelu, Output = Activation.Sigmoid, LeakyReluSlope = 0.1f)]
public partial class SparseLeakyNet { }

[Network(784, 128, 10, Hidden = Activation.Sigmoid, Output = Activation.Linear)]
public partial class SparseSigmoidNet { }

[Network(48, 100, 2, Hidden = Activation.Relu, Output = Activation.Softmax)]
public partial class SparseHundredNet { }

/// <summary>
/// Batch prediction, Evaluate and Fit's validation with the first layer computed from the non-zero inputs only
/// (images): they must give the bits of the dense path they replace, for every first-layer activation, on one thread and two, for chunks that take it and
/// chunks too dense for it in one call; and it must be taken where it should be.
/// </summary>
public sealed class SparsePredictionTests
{
    // First layers of 128 units (one group of eight vectors), 256 (two), 192 (eight and four), 100 (padded to eight).
    public static TheoryData<string> Networks => new() { "MnistNet", "SparseTanhNet", "SparseLeakyNet", "SparseSigmoidNet", "SparseHundredNet" };

    private static NeuralNetwork Create(string name) => name switch
    {
        "MnistNet" => new MnistNet(3),
        "SparseTanhNet" => new SparseTanhNet(4),
        "SparseLeakyNet" => new SparseLeakyNet(5),
        "SparseHundredNet" => new SparseHundredNet(10),
        _ => new SparseSigmoidNet(6),
    };

    [Theory, MemberData(nameof(Networks))]
    public void SparseInputs_GiveTheDensePathsBits(string name)
    {
        if (!StaticNet.Kernels.SparseInputs.Supports(16)) return; // no 512-bit vectors: the path does not exist
        NeuralNetwork model = Create(name);
        int inputs = model.NetworkShape.InputSize;
        // 300 rows, 80% zeros; rows 128-191 (the third chunk) dense, so that chunk takes the dense path in the same call.
        const int samples = 300;
        var rng = new Random(inputs);
        var x = new float[samples, inputs];
        for (int s = 0; s < samples; s++)
            for (int i = 0; i < inputs; i++)
                x[s, i] = (s >= 128 && s < 192) || rng.NextDouble() < 0.2 ? (float)(rng.NextDouble() * 4 - 2) : 0f;
        // The first row decides whether the call transposes the weights at all: make it sparse for the smaller inputs too.
        for (int i = 2; i < inputs; i++) x[0, i] = 0;

        model.SparseInputsDisabled = true;
        float[,] dense = model.Predict(x);
        Assert.Equal(0, model.SparseChunks);
        model.SparseInputsDisabled = false;
        foreach (int threads in new[] { 1, 2 })
        {
            model.MaxDegreeOfParallelism = threads;
            long before = model.SparseChunks;
            float[,] sparse = model.Predict(x);
            Assert.Equal(4, model.SparseChunks - before); // chunks 0, 1, 3 and 4 (the last one 44 rows)
            AssertBits(dense, sparse, $"{name} on {threads} thread(s)");
        }
        var flat = new float[samples * model.NetworkShape.OutputSize];
        model.PredictBatch(DataConversion.Flat(x), flat);
        for (int k = 0; k < flat.Length; k++)
            Assert.Equal(BitConverter.SingleToInt32Bits(DataConversion.Flat(dense)[k]), BitConverter.SingleToInt32Bits(flat[k]));
    }

    [Fact]
    public void MnistDigits_TakeTheSparsePathWithTheDenseBits()
    {
        if (!StaticNet.Kernels.SparseInputs.Supports(784)) return;
        string directory = Mnist.FindDataDirectory() ?? throw new InvalidOperationException("samples/data/mnist not found");
        MnistData mnist = Mnist.Load(directory);
        var model = new MnistNet(7);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        model.Fit(Rows(mnist.TrainImages, 2000), mnist.TrainLabels[..2000], epochs: 1, verbose: 0);
        float[,] test = Rows(mnist.TestImages, 1000);
        model.SparseInputsDisabled = true;
        float[,] dense = model.Predict(test);
        model.SparseInputsDisabled = false;
        float[,] sparse = model.Predict(test);
        Assert.Equal((1000 + 63) / 64, model.SparseChunks); // every chunk of digits is sparse enough
        AssertBits(dense, sparse, "MNIST test digits");
    }

    [Fact]
    public void EvaluateAndValidation_GiveTheDensePathsBits()
    {
        if (!StaticNet.Kernels.SparseInputs.Supports(784)) return;
        // 640 image-like rows (80% zeros), ten classes; two identical models, one with the sparse path switched off.
        const int samples = 640;
        var rng = new Random(11);
        var x = new float[samples, 784];
        var y = new int[samples];
        for (int s = 0; s < samples; s++)
        {
            y[s] = rng.Next(10);
            for (int i = 0; i < 784; i++) x[s, i] = rng.NextDouble() < 0.2 ? (float)rng.NextDouble() : 0f;
        }
        var sparse = new MnistNet(12);
        var dense = new MnistNet(12) { SparseInputsDisabled = true };
        foreach (NeuralNetwork model in new NeuralNetwork[] { sparse, dense })
            model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        // Training never takes the sparse path, so both train alike; validation (160 rows a pass, each epoch's weights) does.
        History hs = sparse.Fit(x, y, epochs: 2, validationSplit: 0.25, verbose: 0);
        long afterFit = sparse.SparseChunks;
        History hd = dense.Fit(x, y, epochs: 2, validationSplit: 0.25, verbose: 0);
        Assert.True(afterFit > 0);
        Assert.Equal(hd["loss"], hs["loss"]);
        Assert.Equal(hd["val_loss"], hs["val_loss"]);
        Assert.Equal(hd["val_accuracy"], hs["val_accuracy"]);
        foreach (int threads in new[] { 1, 2 })
        {
            sparse.MaxDegreeOfParallelism = dense.MaxDegreeOfParallelism = threads;
            long before = sparse.SparseChunks;
            Evaluation es = sparse.Evaluate(x, y), ed = dense.Evaluate(x, y);
            Assert.True(sparse.SparseChunks > before);
            Assert.Equal(ed["loss"], es["loss"]);
            Assert.Equal(ed["accuracy"], es["accuracy"]);
        }
        Assert.Equal(0, dense.SparseChunks);
    }

    [Fact]
    public void SparsePaths_FromManyThreadsAtOnce_GiveTheSingleThreadedBits()
    {
        if (!StaticNet.Kernels.SparseInputs.Supports(784)) return;
        // Each call rents its own transposed weights and buffers: calls on several threads must not share them.
        var model = new MnistNet(13);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        var rng = new Random(13);
        const int samples = 256;
        var x = new float[samples, 784];
        var y = new int[samples];
        for (int s = 0; s < samples; s++)
        {
            y[s] = s % 10;
            for (int i = 0; i < 784; i++) x[s, i] = rng.NextDouble() < 0.15 ? (float)rng.NextDouble() : 0f;
        }
        float[,] expected = model.Predict(x);
        Evaluation evaluation = model.Evaluate(x, y);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var threads = new System.Threading.Thread[4];
        for (int t = 0; t < threads.Length; t++)
        {
            int id = t;
            threads[t] = new System.Threading.Thread(() =>
            {
                try
                {
                    for (int call = 0; call < 15; call++)
                    {
                        if ((call + id) % 3 == 0)
                        {
                            Evaluation again = model.Evaluate(x, y);
                            if (again.Loss != evaluation.Loss) failures.Enqueue($"thread {id}: Evaluate {again.Loss:R}, not {evaluation.Loss:R}");
                        }
                        else if (!DataConversion.Flat(model.Predict(x)).SequenceEqual(DataConversion.Flat(expected)))
                            failures.Enqueue($"thread {id}: Predict differs");
                    }
                }
                catch (Exception e)
                {
                    failures.Enqueue($"thread {id}: {e}");
                }
            });
            threads[t].Start();
        }
        foreach (var thread in threads) thread.Join();
        Assert.True(failures.IsEmpty, string.Join("\n", failures));
        Assert.True(model.SparseChunks >= 4 * 15 * 4); // every call ran sparse (four chunks each)
    }

    [Fact]
    public void DenseInputs_AndFewSamples_KeepTheDensePath()
    {
        var model = new MnistNet(8);
        var rng = new Random(8);
        var dense = new float[200, 784];
        for (int s = 0; s < 200; s++) for (int i = 0; i < 784; i++) dense[s, i] = (float)rng.NextDouble();
        model.Predict(dense);
        Assert.Equal(0, model.SparseChunks); // a dense first chunk: no transposition at all
        // A sparse first row is not enough: the first chunk decides (the first row deciding alone once made every chunk
        // of a denser data set build masks for nothing). Every later chunk here is sparse, and still the call keeps the dense tile.
        var firstChunkDense = new float[200, 784];
        for (int s = 0; s < 200; s++)
            for (int i = 0; i < 784; i++)
                firstChunkDense[s, i] = s == 0 ? (i < 100 ? 1 : 0) : s < 64 ? (float)rng.NextDouble() : (i % 10 == 0 ? 1 : 0);
        model.Predict(firstChunkDense);
        Assert.Equal(0, model.SparseChunks);
        var few = new float[63, 784];
        few[0, 5] = 1;
        model.Predict(few);
        Assert.Equal(0, model.SparseChunks); // fewer samples than a chunk: the transposition would not pay
        // A first layer of fewer than 64 units (DigitNet's 25) keeps the dense tile, which is faster there.
        var digit = new DigitNet(1);
        var sparse = new float[200, 784];
        sparse[3, 400] = 1;
        digit.Predict(sparse);
        Assert.Equal(0, digit.SparseChunks);
    }

    [Fact]
    public void HalfZeroInputs_TakeTheSparsePathOnlyWhereTheOutputsFillGroupsOf128()
    {
        if (!StaticNet.Kernels.SparseInputs.Supports(48)) return;
        // Half of the inputs non-zero in every row, as in Fashion-MNIST's images: above 40%, at most 55%.
        static float[,] HalfZero(int samples, int inputs)
        {
            var rng = new Random(inputs);
            var x = new float[samples, inputs];
            for (int s = 0; s < samples; s++)
                for (int i = 0; i < inputs; i++)
                    if ((i + s) % 2 == 0) x[s, i] = (float)(rng.NextDouble() * 2 - 1);
            return x;
        }
        foreach (NeuralNetwork model in new NeuralNetwork[] { new SparseSigmoidNet(12), new SparseTanhNet(13), new SparseHundredNet(14), new SparseLeakyNet(15) })
        {
            float[,] x = HalfZero(200, model.NetworkShape.InputSize);
            model.SparseInputsDisabled = true;
            float[,] dense = model.Predict(x);
            model.SparseInputsDisabled = false;
            float[,] result = model.Predict(x);
            int units = model.NetworkShape.Layers[0].Units;
            // 128 and 256 units: every chunk of the four (the last of 8 rows) sparse; 100 and 192: none (the kernel's padding
            // or its group of four accumulators make it slower there than the dense tile at this density).
            Assert.Equal(units % 128 == 0 ? 4 : 0, model.SparseChunks);
            AssertBits(dense, result, $"{model.GetType().Name}, half of the inputs zero");
        }
    }

    [Fact]
    public void ClaimingTheNextSliceAhead_NeverLeavesTheOtherThreadWithout()
    {
        // The counter holds the last index taken. A thread that has just taken slice 0 of two may not claim slice 1 ahead
        // (the second thread would get nothing); of four it claims slice 1 and leaves 2 and 3.
        int next = 0;
        Assert.Equal(-1, NeuralNetwork.ClaimAhead(ref next, 2, 2));
        Assert.Equal(0, next);
        Assert.Equal(-1, NeuralNetwork.ClaimAhead(ref next, 3, 3));
        Assert.Equal(1, NeuralNetwork.ClaimAhead(ref next, 4, 2));
        Assert.Equal(1, next);
        next = 2; // the second thread took slice 2 of four
        Assert.Equal(-1, NeuralNetwork.ClaimAhead(ref next, 4, 2));
        Assert.Equal(2, next);
    }

    [Fact]
    public void SparsePredictBatch_AllocatesNothingAfterWarmUp()
    {
        if (!StaticNet.Kernels.SparseInputs.Supports(784)) return;
        var model = new MnistNet(9);
        var x = new float[128 * 784];
        for (int i = 0; i < x.Length; i += 7) x[i] = 0.5f;
        var y = new float[128 * 10];
        for (int i = 0; i < 3; i++) model.PredictBatch(x, y);
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            model.PredictBatch(x, y);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.True(model.SparseChunks > 0);
        Assert.Equal(0, least);
    }

    private static float[,] Rows(float[,] all, int n)
    {
        var rows = new float[n, all.GetLength(1)];
        Buffer.BlockCopy(all, 0, rows, 0, n * all.GetLength(1) * sizeof(float));
        return rows;
    }

    private static void AssertBits(float[,] expected, float[,] actual, string what)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        for (int s = 0; s < expected.GetLength(0); s++)
            for (int j = 0; j < expected.GetLength(1); j++)
                if (BitConverter.SingleToInt32Bits(expected[s, j]) != BitConverter.SingleToInt32Bits(actual[s, j]))
                    Assert.Fail($"{what}: sample {s} output {j}: dense {expected[s, j]:R}, sparse {actual[s, j]:R}");
    }
}
