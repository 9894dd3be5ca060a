using System;

namespace StaticNet;

/// <summary>Mean squared error, the mean over the outputs of (y − ŷ)².</summary>
public sealed class MeanSquaredError : Loss
{
    /// <summary>Creates the loss.</summary>
    public MeanSquaredError() : base(false) { }

    /// <inheritdoc/>
    public override string Name => "mean_squared_error";

    internal override double Compute(ReadOnlySpan<float> logits, ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets,
        int count, NetworkShape shape, Span<float> delta, float scale)
    {
        int k = shape.OutputSize;
        float factor = 2 * scale / k;
        double total = 0;
        for (int s = 0; s < count; s++)
        {
            double sample = 0;
            for (int o = 0; o < k; o++)
            {
                int i = s * k + o;
                float diff = outputs[i] - targets[i];
                sample += (double)diff * diff;
                if (!delta.IsEmpty) delta[i] = diff * factor;
            }
            total += sample / k;
            if (!delta.IsEmpty)
                ThroughActivation(shape, outputs.Slice(s * k, k), delta.Slice(s * k, k));
        }
        return total;
    }
}
