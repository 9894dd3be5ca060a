using System;
using System.Globalization;

namespace StaticNet;

/// <summary>
/// The check that binary cross-entropy and binary accuracy get targets in [0, 1]. Anything else
/// trains silently into a useless model (the loss goes negative without bound, binary accuracy
/// counts no 2..9 as right), so it is rejected before training, with the likely mistake named.
/// </summary>
internal static class BinaryTargets
{
    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="yName"/> and the first target outside [0, 1], when the loss or a metric reads targets as 0/1.</summary>
    public static void Check(Loss loss, Metric[] metrics, NetworkShape shape, ReadOnlySpan<float> y, int targetWidth, string yName)
    {
        string? reader = loss is BinaryCrossentropy ? loss.Name : null;
        foreach (Metric metric in metrics)
            if (reader is null && metric.ReadsBinaryTargets) reader = $"the metric '{metric.Name}' (binary accuracy)";
        if (reader is null) return;
        for (int i = 0; i < y.Length; i++)
            if (!(y[i] >= 0 && y[i] <= 1))
                throw new ArgumentException(
                    $"Expected targets in [0, 1] in '{yName}' for {reader}; sample {i / targetWidth} has {Format(y[i])}. " + Hint(loss, shape, y, y[i]),
                    yName);
    }

    private static string Hint(Loss loss, NetworkShape shape, ReadOnlySpan<float> y, float bad)
    {
        bool integer = bad == MathF.Floor(bad);
        if (integer && bad >= 2 && shape.OutputSize == 1)
        {
            float max = 0;
            foreach (float v in y) max = Math.Max(max, v);
            int classes = (int)Math.Min(max, 1 << 20) + 1;
            return $"A one-output {Describe(shape.OutputActivation)} network got class label {Format(bad)}: did you forget to filter the data to two classes " +
                   $"(such as Mnist.Filter(images, labels, 0, 1)), or do you want {classes} softmax outputs with SparseCategoricalCrossentropy?";
        }
        if (integer && bad >= 2)
            return "Each output's target is the probability that it is 1: multi-hot rows hold only 0 and 1. " +
                   "For one class label per sample, use a softmax output with SparseCategoricalCrossentropy.";
        if (bad == -1)
            return "Labels -1 and 1 (as for a hinge loss) must be mapped to 0 and 1.";
        return loss is BinaryCrossentropy
            ? "Binary cross-entropy reads targets as probabilities; for regression targets use MeanSquaredError."
            : "Binary accuracy compares 0/1 predictions with the targets; for regression targets drop the accuracy metric (use Metric.MeanAbsoluteError).";
    }

    private static string Describe(Activation activation) => activation switch
    {
        Activation.Sigmoid => "sigmoid",
        Activation.Linear => "linear",
        _ => activation.ToString().ToLowerInvariant(),
    };

    private static string Format(float value) => value.ToString(CultureInfo.InvariantCulture);
}
