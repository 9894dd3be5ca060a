using System;

namespace StaticNet;

/// <summary>
/// Binary cross-entropy, −[y log p + (1 − y) log(1 − p)] averaged over the outputs, for one or
/// more independent binary outputs. With a sigmoid output layer (or <c>fromLogits</c> and a
/// linear one) it is computed from the logits; otherwise p is clipped to [1e-7, 1 − 1e-7] as Keras does.
/// </summary>
public sealed class BinaryCrossentropy : Loss
{
    /// <summary>Creates the loss; <paramref name="fromLogits"/> reads a linear output as logits.</summary>
    public BinaryCrossentropy(bool fromLogits = false) : base(fromLogits) { }

    /// <inheritdoc/>
    public override string Name => "binary_crossentropy";

    internal override double Compute(ReadOnlySpan<float> logits, ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets,
        int count, NetworkShape shape, Span<float> delta, float scale)
    {
        int k = shape.OutputSize;
        bool fused = FromLogits || shape.OutputActivation == Activation.Sigmoid;
        float perOutput = scale / k;
        double total = 0;
        for (int s = 0; s < count; s++)
        {
            double sample = 0;
            for (int o = 0; o < k; o++)
            {
                int i = s * k + o;
                float y = targets[i];
                if (fused)
                {
                    float z = logits[i];
                    sample += LogisticLoss(z, y);
                    if (!delta.IsEmpty) delta[i] = (StableSigmoid(z) - y) * perOutput;
                }
                else
                {
                    float p = Math.Clamp(outputs[i], Epsilon, 1 - Epsilon);
                    sample -= y * Math.Log(p) + (1 - y) * Math.Log(1 - p);
                    if (!delta.IsEmpty)
                    {
                        bool clipped = outputs[i] != p;
                        delta[i] = clipped ? 0 : (p - y) / (p * (1 - p)) * perOutput;
                    }
                }
            }
            total += sample / k;
            if (!delta.IsEmpty && !fused)
                ThroughActivation(shape, outputs.Slice(s * k, k), delta.Slice(s * k, k));
        }
        return total;
    }
}
