using System;
using Xunit;

namespace StaticNet.Tests.Regularization;

[Network(6, 12, 10, 3, Hidden = Activation.Tanh, Output = Activation.Softmax, Dropout = 0.4f)]
public partial class MaskNet;

[Network(6, 12, 10, 3, Hidden = Activation.Sigmoid, Output = Activation.Softmax, DropoutPerLayer = new[] { 0f, 0.5f })]
public partial class SecondLayerDropNet;

/// <summary>Exposes the protected forward pass so that a test can fix the dropout key.</summary>
public sealed class MaskProbe : MaskNet
{
    public MaskProbe(int seed) : base(seed) { }

    public float[] Forward(float[] x, int count, ulong key)
    {
        var a = new float[count * NetworkShape.ActivationsPerSample];
        ForwardBatch(Parameters, x, count, a, new float[count * NetworkShape.OutputSize], key);
        return a;
    }
}

/// <summary>The dropout masks themselves: their rate, scale, determinism and layout.</summary>
public class DropoutMaskTests
{
    [Fact]
    public void Mask_ZeroesAboutTheRate_ScalesTheRest_AndFollowsTheKey()
    {
        var probe = new MaskProbe(seed: 3);
        const int count = 400;
        var rng = new Random(2);
        var x = new float[count * 6];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);

        float[] a = probe.Forward(x, count, key: 12345);
        // Layer 1's blocks: outputs, dropped outputs, mask (count x 12 each).
        int n = count * 12;
        ReadOnlySpan<float> y = a.AsSpan(0, n), dropped = a.AsSpan(n, n), mask = a.AsSpan(2 * n, n);
        int zeros = 0;
        for (int i = 0; i < n; i++)
        {
            Assert.True(mask[i] == 0 || mask[i] == 1f / 0.6f, $"mask value {mask[i]}");
            if (mask[i] == 0) zeros++;
            Assert.Equal(y[i] * mask[i], dropped[i]);
        }
        // 4,800 Bernoulli(0.4) draws: mean 1,920, standard deviation about 34; allow 5 sigma.
        Assert.InRange(zeros, 1920 - 170, 1920 + 170);

        Assert.Equal(a, probe.Forward(x, count, key: 12345));
        Assert.NotEqual(mask.ToArray(), probe.Forward(x, count, key: 999).AsSpan(2 * n, n).ToArray());
    }

    [Fact]
    public void DropoutOnTheSecondHiddenLayer_LayoutMatchesTheShape()
    {
        NetworkShape shape = new SecondLayerDropNet(seed: 1).NetworkShape;
        Assert.Equal(0, shape.ActivationOffset(0));
        Assert.Equal(12, shape.ActivationOffset(1));
        Assert.Equal(12 + 3 * 10, shape.ActivationOffset(2));
        Assert.Equal(12 + 30 + 3, shape.ActivationsPerSample);
        Assert.Equal(0.5f, shape.DropoutRate(1));
        Assert.Equal(0f, shape.DropoutRate(0));
    }
}
