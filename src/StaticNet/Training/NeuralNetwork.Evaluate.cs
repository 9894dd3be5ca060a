using System;
using System.Buffers;
using System.Collections.Generic;

namespace StaticNet;

// Evaluate (Keras's evaluate) and the batched loss and metric sums that Fit's validation shares.
public abstract partial class NeuralNetwork
{
    /// <summary>The mean loss and metrics on a data set (Keras's <c>evaluate</c>).</summary>
    /// <param name="x">Inputs, as <c>Fit</c> takes them (see <see cref="InputData"/>).</param>
    /// <param name="y">Targets, as <c>Fit</c> takes them (see <see cref="TargetData"/>).</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    /// <param name="verbose">
    /// 0 (the default: silent, as this method always was; Keras's default is 1), 1: a progress bar and
    /// the result, <c>313/313 [==============================] - 0s 1ms/step - loss: 0.1000 - accuracy: 0.9700</c>,
    /// or 2: that line without the bar. Written to <see cref="ProgressOutput"/>.
    /// </param>
    /// <param name="sampleWeight">One weight per sample: the loss is then Σ wᵢ·lossᵢ / samples, as Keras 3; metrics stay unweighted.</param>
    /// <remarks>
    /// A large evaluation without progress output runs on two cores (each takes the next batch from a shared counter); the sums are
    /// added in the one-thread order, so the result has the same bits on one core or two.
    /// </remarks>
    public Evaluation Evaluate(InputData x, TargetData y, int batchSize = 32, int verbose = 0, float[]? sampleWeight = null)
    {
        DataStorage storage = Store(x, y, "x", "y");
        return EvaluateCore(storage.Open(null), batchSize, verbose, sampleWeight, storage);
    }

    private Evaluation EvaluateCore(DataSet data, int batchSize, int verbose, float[]? sampleWeight, DataStorage? storage = null)
    {
        Loss loss = RequireCompiled();
        CheckData(data.X, data.Samples, data.Features, data.Y, data.TargetRows, data.TargetWidth, "x", "y", storage?.Inputs);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Expected a batch size of at least 1.");
        if (verbose is < 0 or > 2) throw new ArgumentOutOfRangeException(nameof(verbose), verbose, "Expected verbose 0, 1 or 2.");
        float[]? weights = SampleWeights(null, sampleWeight, data, "x", nameof(sampleWeight));
        if (weights is not null) data = data.WithWeights(weights);
        int batch = Math.Min(batchSize, data.Samples);
        float[] activations = ArrayPool<float>.Shared.Rent(batch * NetworkShape.ActivationsPerSample);
        float[] logits = ArrayPool<float>.Shared.Rent(batch * NetworkShape.OutputSize);
        var metricSums = new double[_metrics.Length];
        ProgressBar? progress = verbose > 0 ? CreateProgressBar(verbose) : null;
        progress?.BeginEpoch(0, 1, (data.Samples + batch - 1) / batch);
        double lossSum;
        ArraySegment<float> sparse = RentSparseWeights(data.X, data.Samples);
        try
        {
            lossSum = storage is not null && progress is null && EvaluatesOnTwoThreads(data.Samples, batch)
                ? EvaluateSumsOnTwoThreads(loss, data, storage, weights, batch, activations, logits, metricSums, sparse)
                : EvaluateSums(loss, data, batch, activations, logits, metricSums, sparse, progress);
        }
        finally
        {
            ReturnAligned(sparse);
            ArrayPool<float>.Shared.Return(activations);
            ArrayPool<float>.Shared.Return(logits);
        }
        var values = new List<KeyValuePair<string, double>> { new("loss", lossSum / data.Samples) };
        for (int m = 0; m < _metrics.Length; m++) values.Add(new(_metrics[m].Name, metricSums[m] / data.Samples));
        var evaluation = new Evaluation(values);
        if (progress is not null)
        {
            var logs = new Logs(values.Count);
            foreach (var (key, value) in values) logs.Append(key, value);
            progress.Finish((data.Samples + batch - 1) / batch, logs);
        }
        return evaluation;
    }

    /// <summary>
    /// The progress printer for <paramref name="verbose"/> 1 or 2: the live bar redraws in place,
    /// within the window's width, only on an interactive console.
    /// </summary>
    private ProgressBar CreateProgressBar(int verbose)
    {
        bool console = ProgressOutput is null || ReferenceEquals(ProgressOutput, Console.Out);
        bool dynamic = verbose == 1 && console && !Console.IsOutputRedirected;
        return new ProgressBar(ProgressOutput ?? Console.Out, verbose, dynamic, width: dynamic ? ProgressBar.ConsoleWidth() : 0);
    }

    /// <summary>
    /// Sums the loss (returned) and each metric (into <paramref name="metricSums"/>) over a validated
    /// data set, <paramref name="batch"/> rows at a time, in buffers that hold at least one batch.
    /// Allocates nothing without <paramref name="progress"/>. <paramref name="sparse"/>: the first layer's weights
    /// transposed for the pass (<see cref="RentSparseWeights"/>), or none.
    /// </summary>
    private double EvaluateSums(Loss loss, DataSet data, int batch, Span<float> activations, Span<float> logits, Span<double> metricSums,
        ArraySegment<float> sparse, ProgressBar? progress = null)
    {
        metricSums.Clear();
        double lossSum = 0;
        // Keras's evaluate reports the loss with the regularization penalty.
        double penalty = NetworkShape.HasL2 ? ApplyL2(Span<float>.Empty) : 0;
        Logs? running = null;
        if (progress is not null)
        {
            running = new Logs(1 + _metrics.Length);
            running.Append("loss", 0);
            for (int m = 0; m < _metrics.Length; m++) running.Append(_metrics[m].Name, 0);
        }
        int step = 0;
        int perSample = NetworkShape.ActivationsPerSample, outputs = NetworkShape.OutputSize;
        for (int start = 0, count; start < data.Samples; start += count)
        {
            count = Math.Min(batch, data.Samples - start);
            if (SplitsBatch(count))
            {
                // Two halves, as a training step's lanes, their sums added in a fixed order: the same bits whether
                // Fit's worker thread evaluates the second half (its rows copied to the batch workspace, as the
                // worker cannot see the caller's spans) or this thread does. The rule depends only on the network
                // and the count, so Evaluate (one thread) reports the same loss as Fit's validation.
                int half = count / 2, rest = count - half;
                double first, second;
                // The worker's half goes through Fit's workspace: only while Fit runs (an Evaluate from a callback
                // included) and when that holds the batch (a callback's Evaluate may take larger batches).
                if (_worker is not null && count <= _workspaceBatch && (data.W.IsEmpty || _batchWeights.Length >= count)
                    && _laneMetricSums.Length == metricSums.Length)
                {
                    GatherValidationLane(data, start + half, half, rest, loss, sparse);
                    RunOnBothThreads(WorkerJob.SecondValidationLane);
                    try
                    {
                        // This thread next copies the next batch's second half for the worker and then evaluates its first.
                        first = EvaluateRows(loss, data.Rows(start, half), activations, logits, metricSums, sparse, RowsAfter(data, start + count, count));
                    }
                    catch
                    {
                        try { WaitForWorker(); } catch { /* this thread's exception is the one to report */ }
                        throw;
                    }
                    WaitForWorker();
                    second = _laneLossSum;
                    // The worker's metric sums started from zero, so adding them now adds the same values as below.
                    for (int m = 0; m < _metrics.Length; m++) metricSums[m] += _laneMetricSums[m];
                }
                else
                {
                    first = EvaluateRows(loss, data.Rows(start, half), activations, logits, metricSums, sparse, RowsAfter(data, start + half, rest));
                    second = EvaluateRows(loss, data.Rows(start + half, rest), activations.Slice(half * perSample), logits.Slice(half * outputs), metricSums, sparse,
                        RowsAfter(data, start + count, half));
                }
                lossSum += first + second;
            }
            else
            {
                lossSum += EvaluateRows(loss, data.Rows(start, count), activations, logits, metricSums, sparse, RowsAfter(data, start + count, count));
            }
            step++;
            if (running is not null)
            {
                int seen = start + count;
                running.SetAt(0, lossSum / seen + penalty);
                for (int m = 0; m < _metrics.Length; m++) running.SetAt(1 + m, metricSums[m] / seen);
                progress!.Update(step, running);
            }
        }
        if (NetworkShape.HasL2) lossSum += penalty * data.Samples;
        return lossSum;
    }

    /// <summary>
    /// Whether an <c>Evaluate</c> without progress output takes two cores: at least two batches and
    /// <see cref="MinWorkPerThread"/> multiply-adds per thread, as <c>Predict(float[,])</c>.
    /// </summary>
    internal bool EvaluatesOnTwoThreads(int samples, int batch) =>
        ThreadBudget > 1 && samples >= 2 * batch && (long)samples * NetworkShape.MultiplyAddsPerSample >= 2 * MinWorkPerThread;

    /// <summary>
    /// <see cref="EvaluateSums"/> with the batches shared between this thread and a pool thread: each batch's loss and
    /// metric sums (of each half, for a batch <see cref="SplitsBatch"/> halves) are kept, then added in the order the
    /// one-thread loop adds them, so the result has its bits.
    /// </summary>
    private double EvaluateSumsOnTwoThreads(Loss loss, DataSet data, DataStorage storage, float[]? weights, int batch,
        Span<float> activations, Span<float> logits, Span<double> metricSums, ArraySegment<float> sparse)
    {
        int batches = (data.Samples + batch - 1) / batch, parts = 1 + _metrics.Length;
        // Per batch two parts (the halves; a batch not split fills the first), each its loss sum then its metric sums.
        var sums = new double[batches * 2 * parts];
        // Batches handed out by a shared counter rather than half each: where the host gives one thread less of its core,
        // that thread takes fewer batches (each batch's sums land in its own place, so the order of work does not matter).
        var next = new int[] { -1 };
        System.Threading.Tasks.Task other = System.Threading.Tasks.Task.Run(() =>
        {
            float[] a = ArrayPool<float>.Shared.Rent(batch * NetworkShape.ActivationsPerSample);
            float[] z = ArrayPool<float>.Shared.Rent(batch * NetworkShape.OutputSize);
            try
            {
                EvaluateBatches(loss, storage.Open(weights), batch, batches, next, a, z, sums, sparse);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(a);
                ArrayPool<float>.Shared.Return(z);
            }
        });
        try
        {
            EvaluateBatches(loss, data, batch, batches, next, activations, logits, sums, sparse);
        }
        catch
        {
            try { other.Wait(); } catch { /* this thread's exception is the one to report */ }
            throw;
        }
        other.GetAwaiter().GetResult();   // rethrows the other thread's exception unwrapped

        metricSums.Clear();
        double lossSum = 0;
        for (int b = 0; b < batches; b++)
        {
            int at = b * 2 * parts;
            bool split = SplitsBatch(Math.Min(batch, data.Samples - b * batch));
            lossSum += split ? sums[at] + sums[at + parts] : sums[at];
            for (int m = 0; m < _metrics.Length; m++)
            {
                metricSums[m] += sums[at + 1 + m];
                if (split) metricSums[m] += sums[at + parts + 1 + m];
            }
        }
        if (NetworkShape.HasL2) lossSum += ApplyL2(Span<float>.Empty) * data.Samples;
        return lossSum;
    }

    /// <summary>
    /// The batches of <see cref="EvaluateSumsOnTwoThreads"/> that this thread takes from the shared counter
    /// <paramref name="next"/>[0], each as <see cref="EvaluateSums"/> computes it.
    /// </summary>
    private void EvaluateBatches(Loss loss, in DataSet data, int batch, int batches, int[] next, Span<float> activations, Span<float> logits, double[] sums,
        ArraySegment<float> sparse)
    {
        int parts = 1 + _metrics.Length, perSample = NetworkShape.ActivationsPerSample, outputs = NetworkShape.OutputSize;
        Span<double> metrics = stackalloc double[_metrics.Length];
        // A thread claims its next batch as it starts one where enough remain, so that the batch's last rows can fetch it ahead.
        for (int b = System.Threading.Interlocked.Increment(ref next[0]), following; b < batches;
             b = following >= 0 ? following : System.Threading.Interlocked.Increment(ref next[0]))
        {
            following = ClaimAhead(ref next[0], batches, 2);
            int start = b * batch, count = Math.Min(batch, data.Samples - start), at = b * 2 * parts;
            ReadOnlySpan<float> after = following >= 0 && following < batches ? RowsAfter(data, following * batch, batch) : default;
            if (SplitsBatch(count))
            {
                int half = count / 2;
                EvaluatePart(loss, data.Rows(start, half), activations, logits, metrics, sums.AsSpan(at, parts), sparse, RowsAfter(data, start + half, count - half));
                EvaluatePart(loss, data.Rows(start + half, count - half), activations.Slice(half * perSample), logits.Slice(half * outputs), metrics,
                    sums.AsSpan(at + parts, parts), sparse, after);
            }
            else
            {
                EvaluatePart(loss, data.Rows(start, count), activations, logits, metrics, sums.AsSpan(at, parts), sparse, after);
            }
        }
    }

    /// <summary>A part's loss sum, then its metric sums (<paramref name="metrics"/> is scratch), into <paramref name="part"/>.</summary>
    private void EvaluatePart(Loss loss, in DataSet rows, Span<float> activations, Span<float> logits, Span<double> metrics, Span<double> part,
        ArraySegment<float> sparse, ReadOnlySpan<float> after)
    {
        metrics.Clear();
        part[0] = EvaluateRows(loss, rows, activations, logits, metrics, sparse, after);
        metrics.CopyTo(part.Slice(1));
    }

    /// <summary>
    /// Forward pass, loss sum (returned) and metric sums (added to <paramref name="metricSums"/>) of a few rows; the sparse first layer
    /// fetches the inputs of <paramref name="after"/> (the rows evaluated next, or none) into cache meanwhile.
    /// </summary>
    private double EvaluateRows(Loss loss, in DataSet rows, Span<float> activations, Span<float> logits, Span<double> metricSums, ArraySegment<float> sparse,
        ReadOnlySpan<float> after = default)
    {
        int count = rows.Samples;
        Span<float> a = activations.Slice(0, count * NetworkShape.ActivationsPerSample);
        Span<float> z = logits.Slice(0, count * NetworkShape.OutputSize);
        EvaluationForward(sparse, rows.X, count, a, z, after);
        ReadOnlySpan<float> predictions = a.Slice(a.Length - z.Length);
        double lossSum = WeightedLoss(loss, z, predictions, rows.Y, count, rows.W, Span<float>.Empty, 0);
        for (int m = 0; m < _metrics.Length; m++) metricSums[m] += _metrics[m].Sum(predictions, rows.Y, count, NetworkShape.OutputSize);
        return lossSum;
    }

    /// <summary>The inputs of up to <paramref name="count"/> rows of <paramref name="data"/> from <paramref name="start"/> (none past the end).</summary>
    private static ReadOnlySpan<float> RowsAfter(in DataSet data, int start, int count)
    {
        int from = Math.Min(start, data.Samples);
        return data.X.Slice(from * data.Features, Math.Min(count, data.Samples - from) * data.Features);
    }

    // Fit's validation on two threads: the second half of a batch, copied to rows [First, First + Count) of the workspace.
    private (Loss Loss, int First, int Count, int TargetWidth, bool Weighted, ArraySegment<float> Sparse) _validationLane;

    /// <summary>Copies rows [<paramref name="start"/>, start + count) of <paramref name="data"/> to workspace rows [first, first + count) for the worker.</summary>
    private void GatherValidationLane(in DataSet data, int start, int first, int count, Loss loss, ArraySegment<float> sparse)
    {
        int features = data.Features, width = data.TargetWidth;
        data.X.Slice(start * features, count * features).CopyTo(_batchInputs.AsSpan(first * features, count * features));
        data.Y.Slice(start * width, count * width).CopyTo(_batchTargets.AsSpan(first * width, count * width));
        if (!data.W.IsEmpty) data.W.Slice(start, count).CopyTo(_batchWeights.AsSpan(first, count));
        _validationLane = (loss, first, count, width, !data.W.IsEmpty, sparse);
        _laneMetricSums.AsSpan().Clear();
    }

    /// <summary>The worker's half of a validation batch (see <see cref="EvaluateSums"/>).</summary>
    private void RunSecondValidationLane()
    {
        var (loss, first, count, width, weighted, sparse) = _validationLane;
        int features = NetworkShape.InputSize, perSample = NetworkShape.ActivationsPerSample, outputs = NetworkShape.OutputSize;
        var rows = new DataSet(_batchInputs.AsSpan(first * features, count * features), count, features,
            _batchTargets.AsSpan(first * width, count * width), count, width, weighted ? _batchWeights.AsSpan(first, count) : default);
        _laneLossSum = EvaluateRows(loss, rows, _activations.AsSpan(first * perSample, count * perSample),
            _logits.AsSpan(first * outputs, count * outputs), _laneMetricSums, sparse);
    }
}
