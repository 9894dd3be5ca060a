using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// Inverted dropout for training. The mask comes from a counter-based hash of (key, index), so a
/// step's mask depends only on its key: training stays reproducible under the seed and a
/// resumed run draws the same masks.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Dropout
{
    /// <summary>
    /// Writes mask[i] ∈ {0, 1/(1−rate)} (0 with probability <paramref name="rate"/>) and
    /// dropped[i] = outputs[i]·mask[i].
    /// </summary>
    public static void Apply(ReadOnlySpan<float> outputs, Span<float> dropped, Span<float> mask, float rate, ulong key)
    {
        if (dropped.Length < outputs.Length || mask.Length < outputs.Length)
            throw new ArgumentException($"Expected {outputs.Length} values in 'dropped' and 'mask'; got {dropped.Length} and {mask.Length}.");
        if (!(rate >= 0 && rate < 1))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The dropout rate must be in [0, 1).");
        float scale = 1f / (1f - rate);
        // Compare 24-bit uniforms with the rate in the same units: exact, no float rounding.
        uint threshold = (uint)Math.Round(rate * (1 << 24));
        for (int i = 0; i < outputs.Length; i++)
        {
            float m = (uint)(Mix(key + (ulong)i) >> 40) >= threshold ? scale : 0f;
            mask[i] = m;
            dropped[i] = outputs[i] * m;
        }
    }

    /// <summary>Multiplies each gradient by its mask (the dropout's derivative).</summary>
    public static void Backward(ReadOnlySpan<float> mask, Span<float> gradients)
    {
        if (mask.Length < gradients.Length)
            throw new ArgumentException($"Expected {gradients.Length} mask values; got {mask.Length}.", nameof(mask));
        System.Numerics.Tensors.TensorPrimitives.Multiply(gradients, mask.Slice(0, gradients.Length), gradients);
    }

    /// <summary>The key of one layer within one step's key.</summary>
    public static ulong LayerKey(ulong stepKey, int layer) => Mix(stepKey ^ (0xD1B54A32D192ED03UL * (ulong)(layer + 1)));

    /// <summary>SplitMix64's finalizer: a strong 64-bit mix, so consecutive counters give independent bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
