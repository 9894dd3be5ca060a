using System;

namespace StaticNet;

/// <summary>
/// Categorical cross-entropy, −Σ y_k log p_k, with one-hot or soft targets. Needs a softmax
/// output layer, or a linear one with <c>fromLogits: true</c>; computed as logsumexp(z) − Σ y_k z_k.
/// </summary>
public sealed class CategoricalCrossentropy : Loss
{
    /// <summary>Creates the loss; <paramref name="fromLogits"/> reads a linear output as logits.</summary>
    public CategoricalCrossentropy(bool fromLogits = false) : base(fromLogits) { }

    /// <inheritdoc/>
    public override string Name => "categorical_crossentropy";

    internal override void CheckCompatible(NetworkShape shape)
    {
        base.CheckCompatible(shape);
        SoftmaxCrossEntropy.CheckOutput(this, shape);
    }

    internal override double Compute(ReadOnlySpan<float> logits, ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets,
        int count, NetworkShape shape, Span<float> delta, float scale)
    {
        int k = shape.OutputSize;
        double total = 0;
        for (int s = 0; s < count; s++)
        {
            ReadOnlySpan<float> z = logits.Slice(s * k, k);
            ReadOnlySpan<float> y = targets.Slice(s * k, k);
            double lse = SoftmaxCrossEntropy.LogSumExp(z);
            double ySum = 0, yz = 0;
            for (int o = 0; o < k; o++) { ySum += y[o]; yz += (double)y[o] * z[o]; }
            total += lse * ySum - yz;
            if (!delta.IsEmpty)
                for (int o = 0; o < k; o++)
                    delta[s * k + o] = (float)((Math.Exp(z[o] - lse) * ySum - y[o]) * scale);
        }
        return total;
    }
}
