using System;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// A Dense layer's weights laid out for one-sample prediction: rows in groups of eight, and within a group the eight
/// rows' 16 weights of each input block side by side (block 0 of rows 0-7, block 1 of rows 0-7, ...); rows after the
/// last whole group keep their place. <see cref="Tiled"/>'s one-sample kernel takes eight rows at a time, so in the
/// documented row-major layout it reads eight streams 4 x inputs bytes apart; packed, it reads one. For 784 x 128 from
/// L2 on the EPYC host (2026-12-02): 2.80-3.05 us against 3.90-3.98 us, where a plain read of the same 401 KB took
/// 2.85-2.90 us. The sums are the same, in the same order. A network keeps a packed copy of its parameters for
/// one-sample prediction (NeuralNetwork.PackedPrediction.cs).
/// </summary>
internal static class PackedRows
{
    private const int W = 16;   // floats per Vector512

    /// <summary>
    /// Layers whose weights fit in L1 (48 KB here) lose nothing to eight streams: below this many weights the copy
    /// would be memory for nothing.
    /// </summary>
    public const int MinWeights = 16_384;

    /// <summary>Whether a layer of <paramref name="inputs"/> x <paramref name="outputs"/> weights is packed, and read packed, on this machine.</summary>
    public static bool Applies(int inputs, int outputs) =>
        Vector512.IsHardwareAccelerated && inputs % W == 0 && outputs >= 8 && (long)inputs * outputs >= MinWeights;

    /// <summary>Writes the row-major [outputs x inputs] <paramref name="weights"/> into <paramref name="packed"/> (the same length) in the packed layout.</summary>
    public static void Pack(ReadOnlySpan<float> weights, int inputs, int outputs, Span<float> packed)
    {
        if (inputs % W != 0) throw new ArgumentException($"{inputs} inputs are not a multiple of {W}.", nameof(inputs));
        int n = inputs * outputs, whole = outputs / 8 * 8 * inputs;
        if (weights.Length < n || packed.Length < n) throw new ArgumentException("Too few weights for the layer.", nameof(weights));
        for (int g = 0; g < whole; g += 8 * inputs)
            for (int r = 0; r < 8; r++)
            {
                ReadOnlySpan<float> row = weights.Slice(g + r * inputs, inputs);
                for (int k = 0; k < inputs; k += W)
                    row.Slice(k, W).CopyTo(packed.Slice(g + 8 * k + r * W, W));
            }
        weights.Slice(whole, n - whole).CopyTo(packed.Slice(whole, n - whole));
    }
}
