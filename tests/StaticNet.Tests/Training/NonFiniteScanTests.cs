using System;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>
/// Fit's scan for infinities and NaNs in its data reads whole vectors first: it must still report
/// the first bad value exactly, wherever it sits (in a vector, at a block's edge, in the scalar tail).
/// </summary>
public class NonFiniteScanTests
{
    [Fact]
    public void FindsTheFirstNonFiniteValue_AtEveryPositionAndLength()
    {
        float[] bad = { float.NaN, float.PositiveInfinity, float.NegativeInfinity, BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00001)) };
        var random = new Random(5);
        foreach (int length in new[] { 0, 1, 7, 8, 31, 32, 33, 63, 64, 65, 100, 257 })
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = (random.NextSingle() - 0.5f) * 1e30f;
            if (length > 2) values[1] = float.MaxValue;   // the largest finite values are not flagged
            if (length > 3) values[2] = -float.MaxValue;
            Assert.Equal(-1, NeuralNetwork.IndexOfNonFinite(values));
            for (int at = 0; at < length; at++)
            {
                float kept = values[at];
                values[at] = bad[at % bad.Length];
                Assert.Equal(at, NeuralNetwork.IndexOfNonFinite(values));
                if (at + 5 < length)
                {
                    values[at + 5] = float.NaN;   // a later bad value does not hide the first
                    Assert.Equal(at, NeuralNetwork.IndexOfNonFinite(values));
                    values[at + 5] = 1f;
                }
                values[at] = kept;
            }
        }
    }
}
