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
    public Evaluation Evaluate(InputData x, TargetData y, int batchSize = 32, int verbose = 0, float[]? sampleWeight = null) =>
        EvaluateCore(ToDataSet(x, y, "x", "y"), batchSize, verbose, sampleWeight);

    private Evaluation EvaluateCore(DataSet data, int batchSize, int verbose, float[]? sampleWeight)
    {
        Loss loss = RequireCompiled();
        CheckData(data.X, data.Samples, data.Features, data.Y, data.TargetRows, data.TargetWidth, "x", "y");
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
        try
        {
            lossSum = EvaluateSums(loss, data, batch, activations, logits, metricSums, progress);
        }
        finally
        {
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
    /// Allocates nothing without <paramref name="progress"/>.
    /// </summary>
    private double EvaluateSums(Loss loss, DataSet data, int batch, Span<float> activations, Span<float> logits, Span<double> metricSums, ProgressBar? progress = null)
    {
        metricSums.Clear();
        double lossSum = 0;
        int features = data.Features, targetWidth = data.TargetWidth;
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
        for (int start = 0, count; start < data.Samples; start += count)
        {
            count = Math.Min(batch, data.Samples - start);
            Span<float> a = activations.Slice(0, count * NetworkShape.ActivationsPerSample);
            Span<float> z = logits.Slice(0, count * NetworkShape.OutputSize);
            ReadOnlySpan<float> targets = data.Y.Slice(start * targetWidth, count * targetWidth);
            ReadOnlySpan<float> weights = data.W.IsEmpty ? default : data.W.Slice(start, count);
            ForwardBatch(_parameters, data.X.Slice(start * features, count * features), count, a, z);
            ReadOnlySpan<float> predictions = a.Slice(a.Length - z.Length);
            lossSum += WeightedLoss(loss, z, predictions, targets, count, weights, Span<float>.Empty, 0);
            for (int m = 0; m < _metrics.Length; m++) metricSums[m] += _metrics[m].Sum(predictions, targets, count, NetworkShape.OutputSize);
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
}
