using System;

namespace StaticNet;

/// <summary>What the two softmax cross-entropy losses share: the output check and a stable log-sum-exp.</summary>
internal static class SoftmaxCrossEntropy
{
    public static void CheckOutput(Loss loss, NetworkShape shape)
    {
        bool ok = loss.FromLogits ? shape.OutputActivation == Activation.Linear : shape.OutputActivation == Activation.Softmax;
        if (!ok)
            throw new ArgumentException(
                $"{loss.Name} expects a softmax output layer (or a linear one with fromLogits: true); this network's output activation is {shape.OutputActivation}. " +
                "For independent binary outputs use BinaryCrossentropy.", "loss");
        if (shape.OutputSize < 2)
            throw new ArgumentException($"{loss.Name} needs at least two output classes; this network has {shape.OutputSize} output.", "loss");
    }

    /// <summary>log Σ e^z, with the maximum subtracted first so that it never overflows.</summary>
    public static double LogSumExp(ReadOnlySpan<float> z)
    {
        float max = float.NegativeInfinity;
        foreach (float v in z) if (v > max) max = v;
        double sum = 0;
        foreach (float v in z) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }
}
