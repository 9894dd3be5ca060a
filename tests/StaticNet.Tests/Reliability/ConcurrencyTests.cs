using System;
using System.Collections.Concurrent;
using System.Threading;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Reliability;

/// <summary>
/// A trained model predicts from many threads at once with exactly the results of one thread:
/// the one-sample <c>Predict</c>, <c>PredictBatch</c>, <c>Predict(float[,])</c> (which itself
/// splits large inputs over the cores) and <c>Evaluate</c> are compared bit for bit with
/// single-threaded results computed beforehand.
/// </summary>
public sealed class ConcurrencyTests
{
    private const int Samples = 4000;   // 4000 x 2309 parameters: Predict(float[,]) splits it over the cores
    private const int BatchRows = 37;   // not a multiple of PredictBatch's 64-row chunks

    [Fact]
    public void PredictingFromManyThreads_GivesTheSingleThreadedBits()
    {
        var model = new ConcurrentNet(seed: 11);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.01f), Metric.Accuracy);
        float[,] x = ReliabilityData.Matrix(seed: 5, Samples, ConcurrentNet.InputSize);
        var y = new int[Samples];
        for (int i = 0; i < Samples; i++) y[i] = (x[i, 0] > 0 ? 1 : 0) + (x[i, 1] > 0 ? 2 : 0) + (x[i, 2] > 0.5f ? 1 : 0);
        model.Fit(x, y, epochs: 2, batchSize: 64, verbose: 0);

        int inputs = ConcurrentNet.InputSize, outputs = ConcurrentNet.OutputSize;
        float[] flat = new float[Samples * inputs];
        Buffer.BlockCopy(x, 0, flat, 0, flat.Length * sizeof(float));

        // Single-threaded references.
        var single = new float[Samples * outputs];
        for (int i = 0; i < Samples; i++) model.Predict(flat.AsSpan(i * inputs, inputs), single.AsSpan(i * outputs, outputs));
        int batches = Samples / BatchRows;
        var batched = new float[batches * BatchRows * outputs];
        for (int b = 0; b < batches; b++)
            model.PredictBatch(flat.AsSpan(b * BatchRows * inputs, BatchRows * inputs), batched.AsSpan(b * BatchRows * outputs, BatchRows * outputs));
        float[,] whole = model.Predict(x);
        float[,] evaluationX = ReliabilityData.Matrix(seed: 7, 300, inputs);
        int[] evaluationY = new int[300];
        for (int i = 0; i < evaluationY.Length; i++) evaluationY[i] = i % outputs;
        Evaluation evaluation = model.Evaluate(evaluationX, evaluationY, batchSize: 64);
        Assert.Contains(single, v => v > 0.9f);   // trained: confident predictions, not a uniform 0.2

        int threads = Environment.ProcessorCount * 4;
        var failures = new ConcurrentQueue<string>();
        long calls = 0;
        using var start = new Barrier(threads);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() =>
            {
                var random = new Random(1000 + id);
                var one = new float[outputs];
                var rows = new float[BatchRows * outputs];
                start.SignalAndWait();
                try
                {
                    for (int call = 0; call < 3000 && failures.IsEmpty; call++)
                    {
                        int i = random.Next(Samples);
                        model.Predict(flat.AsSpan(i * inputs, inputs), one);
                        if (!SameBits(single.AsSpan(i * outputs, outputs), one))
                            failures.Enqueue($"thread {id}: one-sample Predict of sample {i} differs");
                        if (call % 10 == 0)
                        {
                            int b = random.Next(batches);
                            model.PredictBatch(flat.AsSpan(b * BatchRows * inputs, BatchRows * inputs), rows);
                            if (!SameBits(batched.AsSpan(b * BatchRows * outputs, BatchRows * outputs), rows))
                                failures.Enqueue($"thread {id}: PredictBatch of batch {b} differs");
                        }
                        if (call % 500 == 250)
                        {
                            Evaluation again = model.Evaluate(evaluationX, evaluationY, batchSize: 64);
                            if (again.Loss != evaluation.Loss || again["accuracy"] != evaluation["accuracy"])
                                failures.Enqueue($"thread {id}: Evaluate gives {again.Loss:R}, not {evaluation.Loss:R}");
                        }
                        if (call % 1000 == 999)
                        {
                            float[,] again = model.Predict(x);
                            if (!SameBits(Flat(whole), Flat(again)))
                                failures.Enqueue($"thread {id}: Predict(float[,]) differs");
                        }
                        Interlocked.Increment(ref calls);
                    }
                }
                catch (Exception e)
                {
                    failures.Enqueue($"thread {id}: {e}");
                }
            });
            workers[t].Start();
        }
        foreach (Thread worker in workers) worker.Join();

        Assert.True(failures.IsEmpty, string.Join("\n", failures));
        Assert.Equal(threads * 3000L, calls);
    }

    [Fact]
    public void ManyModelsTrainingOnTheirOwnThreads_DoNotDisturbEachOther()
    {
        // Training is single-threaded per model, but separate models may train at the same time:
        // each ends with the bits of the same run made alone.
        float[,] x = ReliabilityData.Matrix(seed: 6, 256, ConcurrentNet.InputSize);
        var y = new int[256];
        for (int i = 0; i < y.Length; i++) y[i] = i % ConcurrentNet.OutputSize;
        float[] Train(int seed)
        {
            var model = new ConcurrentNet(seed);
            model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
            model.Fit(x, y, epochs: 3, batchSize: 32, verbose: 0);
            return model.Parameters.ToArray();
        }
        int count = Environment.ProcessorCount * 2;
        var alone = new float[count][];
        for (int s = 0; s < count; s++) alone[s] = Train(s);
        var together = new float[count][];
        var workers = new Thread[count];
        for (int s = 0; s < count; s++)
        {
            int seed = s;
            workers[s] = new Thread(() => together[seed] = Train(seed));
            workers[s].Start();
        }
        foreach (Thread worker in workers) worker.Join();
        for (int s = 0; s < count; s++) Assert.True(SameBits(alone[s], together[s]), $"model {s} trained differently next to the others");
    }

    private static bool SameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        if (expected.Length != actual.Length) return false;
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i])) return false;
        return true;
    }

    private static float[] Flat(float[,] array)
    {
        var flat = new float[array.Length];
        Buffer.BlockCopy(array, 0, flat, 0, flat.Length * sizeof(float));
        return flat;
    }
}
