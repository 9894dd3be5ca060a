using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;

namespace StaticNet;

// Step 3 of the Keras workflow: Fit, and Evaluate, which shares its batching.
public abstract partial class NeuralNetwork
{
    // ---------------------------------------------------------------- step 3: fit

    /// <summary>Trains on samples <paramref name="x"/> (one row each) with one target value per sample: a 0/1 label, a regression value, or a class index.</summary>
    /// <param name="x">Inputs, samples x input size.</param>
    /// <param name="y">Targets, one per sample.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="batchSize">Samples per gradient step (the last batch of an epoch may be smaller).</param>
    /// <param name="shuffle">Whether to visit the samples in a new random order each epoch.</param>
    /// <param name="verbose">0: silent; 1 or 2: one line per epoch.</param>
    public History Fit(float[,] x, float[] y, int epochs = 1, int batchSize = 32, bool shuffle = true, int verbose = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return FitCore(Flat(x), x.GetLength(0), x.GetLength(1), y, y.Length, 1, epochs, batchSize, shuffle, verbose);
    }

    /// <summary>Trains with integer targets: class labels for sparse categorical cross-entropy, or 0/1 labels for a one-output network.</summary>
    public History Fit(float[,] x, int[] y, int epochs = 1, int batchSize = 32, bool shuffle = true, int verbose = 1)
    {
        ArgumentNullException.ThrowIfNull(y);
        return Fit(x, ToFloat(y), epochs, batchSize, shuffle, verbose);
    }

    /// <summary>Trains with one target row per sample (one-hot classes or several regression outputs).</summary>
    public History Fit(float[,] x, float[,] y, int epochs = 1, int batchSize = 32, bool shuffle = true, int verbose = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return FitCore(Flat(x), x.GetLength(0), x.GetLength(1), Flat(y), y.GetLength(0), y.GetLength(1), epochs, batchSize, shuffle, verbose);
    }

    /// <summary>Trains on flat row-major data: <paramref name="x"/> holds samples x input size values, <paramref name="y"/> samples x target width.</summary>
    public History Fit(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int epochs = 1, int batchSize = 32, bool shuffle = true, int verbose = 1)
    {
        int samples = x.Length / Shape.InputSize;
        CheckLength(x.Length, samples * Shape.InputSize, nameof(x));
        int width = RequireCompiled().TargetWidth(Shape.OutputSize);
        return FitCore(x, samples, Shape.InputSize, y, y.Length / width, width, epochs, batchSize, shuffle, verbose);
    }

    private History FitCore(ReadOnlySpan<float> x, int samples, int features, ReadOnlySpan<float> y, int targetRows, int targetWidth,
        int epochs, int batchSize, bool shuffle, int verbose)
    {
        Loss loss = RequireCompiled();
        CheckData(x, samples, features, y, targetRows, targetWidth, "x", "y");
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Expected at least 1 epoch.");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Expected a batch size of at least 1.");
        if (verbose is < 0 or > 2) throw new ArgumentOutOfRangeException(nameof(verbose), verbose, "Expected verbose 0, 1 or 2.");

        int batch = Math.Min(batchSize, samples);
        EnsureWorkspace(batch);
        int[] order = new int[samples];
        for (int i = 0; i < samples; i++) order[i] = i;
        int steps = (samples + batchSize - 1) / batchSize;
        var history = new History();
        var metricSums = new double[_metrics.Length];
        var logs = new List<KeyValuePair<string, double>>(1 + _metrics.Length);
        TextWriter? output = verbose > 0 ? Output ?? Console.Out : null;

        for (int epoch = 0; epoch < epochs; epoch++)
        {
            long started = Stopwatch.GetTimestamp();
            if (shuffle) _shuffleRng.Shuffle(order);
            double lossSum = 0;
            Array.Clear(metricSums);
            for (int start = 0; start < samples; start += batch)
            {
                int count = Math.Min(batch, samples - start);
                Gather(x, features, order.AsSpan(start, count), _batchInputs);
                Gather(y, targetWidth, order.AsSpan(start, count), _batchTargets);
                lossSum += TrainStep(loss, count, metricSums);
            }
            logs.Clear();
            logs.Add(new("loss", lossSum / samples));
            for (int m = 0; m < _metrics.Length; m++) logs.Add(new(_metrics[m].Name, metricSums[m] / samples));
            history.Add(epoch, logs);
            if (output is not null)
            {
                TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
                output.WriteLine($"Epoch {epoch + 1}/{epochs}");
                output.WriteLine($"{steps}/{steps} - {elapsed.TotalSeconds:0}s - {FormatStepTime(elapsed / steps)} - {FormatLogs(logs)}");
            }
        }
        return history;
    }

    /// <summary>One gradient step on the batch already gathered into the workspace; returns the summed loss.</summary>
    private double TrainStep(Loss loss, int count, Span<double> metricSums)
    {
        int outputs = count * Shape.OutputSize;
        ReadOnlySpan<float> inputs = _batchInputs.AsSpan(0, count * Shape.InputSize);
        ReadOnlySpan<float> targets = _batchTargets.AsSpan(0, count * loss.TargetWidth(Shape.OutputSize));
        Span<float> activations = _activations.AsSpan(0, count * Shape.ActivationsPerSample);
        Span<float> logits = _logits.AsSpan(0, outputs);
        Span<float> delta = _delta.AsSpan(0, outputs);

        ForwardBatch(_parameters, inputs, count, activations, logits);
        ReadOnlySpan<float> predictions = activations.Slice(activations.Length - outputs);
        double lossSum = loss.Compute(logits, predictions, targets, count, Shape, delta, 1f / count);
        for (int m = 0; m < _metrics.Length; m++) metricSums[m] += _metrics[m].Sum(predictions, targets, count, Shape.OutputSize);
        BackwardBatch(_parameters, inputs, count, activations, delta, _scratch.AsSpan(0, 2 * count * Shape.MaxHiddenSize), _gradients);
        Optimizer!.Apply(_parameters, _gradients);
        return lossSum;
    }

    /// <summary>
    /// Computes the mean loss of <paramref name="count"/> samples and writes its gradient with respect to
    /// every parameter to <paramref name="gradients"/>, without changing the model (for custom
    /// training loops and gradient checks).
    /// </summary>
    public double ComputeGradients(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int count, Span<float> gradients)
    {
        Loss loss = RequireCompiled();
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "Expected at least one sample.");
        int width = loss.TargetWidth(Shape.OutputSize);
        CheckData(x, count, x.Length / count, y, y.Length / width, width, nameof(x), nameof(y));
        CheckLength(gradients.Length, Shape.ParameterCount, nameof(gradients));
        float[] activations = new float[count * Shape.ActivationsPerSample];
        float[] logits = new float[count * Shape.OutputSize];
        float[] delta = new float[count * Shape.OutputSize];
        float[] scratch = new float[2 * count * Shape.MaxHiddenSize];
        ForwardBatch(_parameters, x, count, activations, logits);
        double lossSum = loss.Compute(logits, activations.AsSpan(activations.Length - logits.Length), y, count, Shape, delta, 1f / count);
        BackwardBatch(_parameters, x, count, activations, delta, scratch, gradients);
        return lossSum / count;
    }

    // ---------------------------------------------------------------- evaluate and predict

    /// <summary>The mean loss and metrics on a data set with one target value per sample (Keras's <c>evaluate</c>).</summary>
    public Evaluation Evaluate(float[,] x, float[] y, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return EvaluateCore(Flat(x), x.GetLength(0), x.GetLength(1), y, y.Length, 1, batchSize);
    }

    /// <summary>The mean loss and metrics on a data set with integer labels.</summary>
    public Evaluation Evaluate(float[,] x, int[] y, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(y);
        return Evaluate(x, ToFloat(y), batchSize);
    }

    /// <summary>The mean loss and metrics on a data set with one target row per sample.</summary>
    public Evaluation Evaluate(float[,] x, float[,] y, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return EvaluateCore(Flat(x), x.GetLength(0), x.GetLength(1), Flat(y), y.GetLength(0), y.GetLength(1), batchSize);
    }

    private Evaluation EvaluateCore(ReadOnlySpan<float> x, int samples, int features, ReadOnlySpan<float> y, int targetRows, int targetWidth, int batchSize)
    {
        Loss loss = RequireCompiled();
        CheckData(x, samples, features, y, targetRows, targetWidth, "x", "y");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Expected a batch size of at least 1.");
        int batch = Math.Min(batchSize, samples);
        float[] activations = ArrayPool<float>.Shared.Rent(batch * Shape.ActivationsPerSample);
        float[] logits = ArrayPool<float>.Shared.Rent(batch * Shape.OutputSize);
        double lossSum = 0;
        var metricSums = new double[_metrics.Length];
        try
        {
            for (int start = 0; start < samples; start += batch)
            {
                int count = Math.Min(batch, samples - start);
                Span<float> a = activations.AsSpan(0, count * Shape.ActivationsPerSample);
                Span<float> z = logits.AsSpan(0, count * Shape.OutputSize);
                ReadOnlySpan<float> targets = y.Slice(start * targetWidth, count * targetWidth);
                ForwardBatch(_parameters, x.Slice(start * features, count * features), count, a, z);
                ReadOnlySpan<float> predictions = a.Slice(a.Length - z.Length);
                lossSum += loss.Compute(z, predictions, targets, count, Shape, Span<float>.Empty, 0);
                for (int m = 0; m < _metrics.Length; m++) metricSums[m] += _metrics[m].Sum(predictions, targets, count, Shape.OutputSize);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(activations);
            ArrayPool<float>.Shared.Return(logits);
        }
        var values = new List<KeyValuePair<string, double>> { new("loss", lossSum / samples) };
        for (int m = 0; m < _metrics.Length; m++) values.Add(new(_metrics[m].Name, metricSums[m] / samples));
        return new Evaluation(values);
    }
}
