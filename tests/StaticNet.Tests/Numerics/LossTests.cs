using System;
using StaticNet;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Numerics;

/// <summary>
/// Each loss's value (the sum over samples that <c>Loss.Compute</c> returns) and its dLoss/dz
/// (written to delta, times the scale) on small examples worked out by hand, its numerical
/// stability at extreme logits, and the loss/network compatibility rules of Compile.
/// </summary>
public sealed class LossTests
{
    private const double Ln2 = 0.69314718055994531;

    private static NetworkShape Shape(int outputs, Activation output, float leakySlope = 0.2f) =>
        new(new[] { 2, outputs }, new[] { output }, leakySlope);

    /// <summary>Runs Compute; logits and outputs are the same values unless given separately.</summary>
    private static (double Loss, float[] Delta) Compute(Loss loss, NetworkShape shape, float[] logits, float[]? outputs, float[] targets, int count, float scale = 1f)
    {
        var delta = new float[logits.Length];
        double value = loss.Compute(logits, outputs ?? logits, targets, count, shape, delta, scale);
        return (value, delta);
    }

    private static void AssertClose(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected:G10}, got {actual:G10}.");

    private static void AssertDelta(double[] expected, float[] actual, double tolerance = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) AssertClose(expected[i], actual[i], tolerance, $"delta[{i}]");
    }

    // ------------------------------------------------------------------ binary cross-entropy

    [Fact]
    public void Bce_SigmoidLogitZero_IsLn2_AndGradientIsMinusHalf()
    {
        // z = 0: p = σ(0) = 0.5. y = 1: −ln 0.5 = ln 2. dL/dz = p − y = 0.5 − 1 = −0.5.
        var (loss, delta) = Compute(new BinaryCrossentropy(), Shape(1, Activation.Sigmoid), new[] { 0f }, new[] { 0.5f }, new[] { 1f }, 1);
        AssertClose(Ln2, loss, 1e-12, "loss");
        AssertDelta(new[] { -0.5 }, delta);

        // y = 0: −ln(1 − 0.5) = ln 2 again, and dL/dz = 0.5 − 0 = +0.5.
        (loss, delta) = Compute(new BinaryCrossentropy(), Shape(1, Activation.Sigmoid), new[] { 0f }, new[] { 0.5f }, new[] { 0f }, 1);
        AssertClose(Ln2, loss, 1e-12, "loss");
        AssertDelta(new[] { 0.5 }, delta);
    }

    [Fact]
    public void Bce_TwoSigmoidOutputs_IsAveragedOverOutputs_AndDeltaCarriesScaleOverOutputs()
    {
        // z = [0, 2], y = [1, 1].
        // Output 0: ln 2 = 0.693147180560.
        // Output 1: −ln σ(2) = ln(1 + e^−2) = ln(1.135335283237) = 0.126928011043.
        // Mean over the 2 outputs: (0.693147180560 + 0.126928011043) / 2 = 0.410037595801.
        // dL/dz_o = (σ(z_o) − y_o) / 2 · scale, with σ(2) = 0.880797077978 and scale = 0.5:
        //   [(0.5 − 1) / 2 · 0.5, (0.880797077978 − 1) / 2 · 0.5] = [−0.125, −0.029800730494].
        var (loss, delta) = Compute(new BinaryCrossentropy(), Shape(2, Activation.Sigmoid), new[] { 0f, 2f }, new[] { 0.5f, 0.880797f }, new[] { 1f, 1f }, 1, scale: 0.5f);
        AssertClose(0.410037595801, loss, 1e-9, "loss");
        AssertDelta(new[] { -0.125, -0.029800730494 }, delta);
    }

    [Fact]
    public void Bce_FromLogitsOnLinearOutput_EqualsTheSigmoidValue()
    {
        // z = 2, y = 0: −ln(1 − σ(2)) = ln(1 + e^2) = ln(8.389056098931) = 2.126928011043; dL/dz = σ(2) = 0.880797077978.
        var (loss, delta) = Compute(new BinaryCrossentropy(fromLogits: true), Shape(1, Activation.Linear), new[] { 2f }, null, new[] { 0f }, 1);
        AssertClose(2.126928011043, loss, 1e-9, "loss");
        AssertDelta(new[] { 0.880797077978 }, delta);
    }

    [Fact]
    public void Bce_OnProbabilities_UsesTheTextbookFormulaAndItsDerivative()
    {
        // Linear outputs read as probabilities p = [0.8, 0.4], y = [1, 0], two samples with the
        // second one reversed (p = [0.4, 0.8], y = [0, 1]) so that the sum is twice one sample.
        // One sample: (−ln 0.8 − ln 0.6) / 2 = (0.223143551314 + 0.510825623766) / 2 = 0.366984587540.
        // dL/dp = (p − y) / (p (1 − p)) / 2 outputs: (0.8 − 1)/(0.8·0.2)/2 = −0.625, (0.4 − 0)/(0.4·0.6)/2 = 0.833333333333.
        // The linear output passes it through unchanged.
        float[] p = { 0.8f, 0.4f, 0.4f, 0.8f };
        var (loss, delta) = Compute(new BinaryCrossentropy(), Shape(2, Activation.Linear), p, null, new[] { 1f, 0f, 0f, 1f }, 2);
        AssertClose(2 * 0.366984587540, loss, 1e-6, "loss");
        AssertDelta(new[] { -0.625, 0.833333333333, 0.833333333333, -0.625 }, delta, 1e-5);
    }

    [Fact]
    public void Bce_OnTanhOutput_ChainsThroughTheTanhDerivative()
    {
        // Tanh output y = 0.5 read as a probability, target 1: loss −ln 0.5 = ln 2.
        // dL/dy = (0.5 − 1)/(0.5·0.5) = −2; dy/dz = 1 − 0.5² = 0.75; dL/dz = −1.5.
        var (loss, delta) = Compute(new BinaryCrossentropy(), Shape(1, Activation.Tanh), new[] { 0.549306144f }, new[] { 0.5f }, new[] { 1f }, 1);
        AssertClose(Ln2, loss, 1e-7, "loss");
        AssertDelta(new[] { -1.5 }, delta, 1e-5);
    }

    // ------------------------------------------------------------------ mean squared error

    [Fact]
    public void Mse_OfOneTwoAgainstZeros_Is2Point5()
    {
        // ((1 − 0)² + (2 − 0)²) / 2 = 5 / 2 = 2.5; dL/dy = 2 (y − t) / 2 = [1, 2].
        // A second sample [0, 0] against [1, 1] adds (1 + 1) / 2 = 1 and has dL/dy = [−1, −1];
        // with scale 1/2 every delta halves: [0.5, 1, −0.5, −0.5].
        var (loss, delta) = Compute(new MeanSquaredError(), Shape(2, Activation.Linear), new[] { 1f, 2f, 0f, 0f }, null, new[] { 0f, 0f, 1f, 1f }, 2, scale: 0.5f);
        AssertClose(3.5, loss, 1e-12, "loss");
        AssertDelta(new[] { 0.5, 1, -0.5, -0.5 }, delta);
    }

    [Theory]
    // Sigmoid: y = 0.75 (z = ln 3), t = 0.25: loss 0.5² = 0.25; dL/dy = 2·0.5 = 1; y(1 − y) = 0.1875.
    [InlineData(Activation.Sigmoid, 1.0986123f, 0.75f, 0.25f, 0.25, 0.1875)]
    // Tanh: y = 0.5, t = 0: loss 0.25; dL/dy = 1; 1 − y² = 0.75.
    [InlineData(Activation.Tanh, 0.54930614f, 0.5f, 0f, 0.25, 0.75)]
    // ReLU, active: y = 2, t = 1: loss 1; dL/dy = 2; slope 1.
    [InlineData(Activation.Relu, 2f, 2f, 1f, 1.0, 2.0)]
    // ReLU, inactive: y = 0 (z = −1), t = 1: loss 1; dL/dy = −2; slope 0.
    [InlineData(Activation.Relu, -1f, 0f, 1f, 1.0, 0.0)]
    // Leaky ReLU (0.2), negative: y = −0.2 (z = −1), t = 0: loss 0.04; dL/dy = −0.4; times 0.2 = −0.08.
    [InlineData(Activation.LeakyRelu, -1f, -0.2f, 0f, 0.04, -0.08)]
    // Leaky ReLU, positive: y = 3, t = 1: loss 4; dL/dy = 4; slope 1.
    [InlineData(Activation.LeakyRelu, 3f, 3f, 1f, 4.0, 4.0)]
    public void Mse_ChainsThroughTheOutputActivation(Activation activation, float z, float y, float t, double expectedLoss, double expectedDelta)
    {
        var (loss, delta) = Compute(new MeanSquaredError(), Shape(1, activation), new[] { z }, new[] { y }, new[] { t }, 1);
        AssertClose(expectedLoss, loss, 1e-6, "loss");
        AssertDelta(new[] { expectedDelta }, delta, 1e-6);
    }

    [Fact]
    public void Mse_LeakyReluUsesTheNetworksSlope()
    {
        // Slope 0.05: y = −0.05 (z = −1), t = 0: loss 0.0025; dL/dy = −0.1; times 0.05 = −0.005.
        var (loss, delta) = Compute(new MeanSquaredError(), Shape(1, Activation.LeakyRelu, 0.05f), new[] { -1f }, new[] { -0.05f }, new[] { 0f }, 1);
        AssertClose(0.0025, loss, 1e-8, "loss");
        AssertDelta(new[] { -0.005 }, delta, 1e-8);
    }

    [Fact]
    public void Mse_OnSoftmax_AppliesTheSoftmaxJacobian()
    {
        // Logits [0, 0] → softmax [0.5, 0.5]; targets [1, 0].
        // Loss: ((0.5 − 1)² + 0.5²) / 2 = 0.25. dL/dy = 2 (y − t) / 2 = [−0.5, 0.5].
        // dL/dz_k = y_k (g_k − Σ_j g_j y_j) with Σ = −0.25 + 0.25 = 0: [0.5·−0.5, 0.5·0.5] = [−0.25, 0.25].
        var (loss, delta) = Compute(new MeanSquaredError(), Shape(2, Activation.Softmax), new[] { 0f, 0f }, new[] { 0.5f, 0.5f }, new[] { 1f, 0f }, 1);
        AssertClose(0.25, loss, 1e-9, "loss");
        AssertDelta(new[] { -0.25, 0.25 }, delta);

        // Logits [ln 3, 0] → softmax [0.75, 0.25]; targets [0, 0].
        // Loss: (0.5625 + 0.0625) / 2 = 0.3125. g = [0.75, 0.25]; Σ g y = 0.5625 + 0.0625 = 0.625.
        // dL/dz = [0.75 (0.75 − 0.625), 0.25 (0.25 − 0.625)] = [0.09375, −0.09375].
        (loss, delta) = Compute(new MeanSquaredError(), Shape(2, Activation.Softmax), new[] { 1.0986123f, 0f }, new[] { 0.75f, 0.25f }, new[] { 0f, 0f }, 1);
        AssertClose(0.3125, loss, 1e-7, "loss");
        AssertDelta(new[] { 0.09375, -0.09375 }, delta);
    }

    // ------------------------------------------------------------------ cross-entropy

    // Logits [1, 2, 3]: logsumexp = 3 + ln(1 + e^−1 + e^−2) = 3 + ln(1.503214724408) = 3.407605964444.
    // softmax = e^(z − 3.407605964444) = [0.090030573170, 0.244728471055, 0.665240955775].
    private static readonly float[] Logits123 = { 1f, 2f, 3f };
    private const double Lse123 = 3.407605964444;
    private static readonly double[] Softmax123 = { 0.090030573170, 0.244728471055, 0.665240955775 };

    [Theory]
    [InlineData(false, Activation.Softmax)]
    [InlineData(true, Activation.Linear)]
    public void SparseCe_OnLogits123_Label2_Is0Point4076(bool fromLogits, Activation output)
    {
        // −ln p_2 = lse − z_2 = 3.407605964444 − 3 = 0.407605964444; dL/dz = softmax − onehot(2).
        float[] probabilities = { 0.09003057f, 0.24472847f, 0.66524096f };
        var (loss, delta) = Compute(new SparseCategoricalCrossentropy(fromLogits), Shape(3, output), Logits123, output == Activation.Softmax ? probabilities : null, new[] { 2f }, 1);
        AssertClose(0.4076059644, loss, 1e-9, "loss");
        AssertDelta(new[] { Softmax123[0], Softmax123[1], Softmax123[2] - 1 }, delta);
    }

    [Fact]
    public void SparseCe_SumsOverSamples_AndScalesDelta()
    {
        // Sample 0: label 0 → lse − 1 = 2.407605964444. Sample 1: logits [0, 0, 0], label 1 → ln 3 = 1.098612288668.
        // Sum: 3.506218253112. With scale 0.5: delta_0 = (softmax − e_0)/2, delta_1 = ([1/3, 1/3, 1/3] − e_1)/2.
        var (loss, delta) = Compute(new SparseCategoricalCrossentropy(fromLogits: true), Shape(3, Activation.Linear),
            new[] { 1f, 2f, 3f, 0f, 0f, 0f }, null, new[] { 0f, 1f }, 2, scale: 0.5f);
        AssertClose(3.506218253112, loss, 1e-9, "loss");
        AssertDelta(new[] { (Softmax123[0] - 1) / 2, Softmax123[1] / 2, Softmax123[2] / 2, 1.0 / 6, (1.0 / 3 - 1) / 2, 1.0 / 6 }, delta);
    }

    [Theory]
    [InlineData(false, Activation.Softmax)]
    [InlineData(true, Activation.Linear)]
    public void CategoricalCe_OneHot_EqualsSparseValue(bool fromLogits, Activation output)
    {
        // One-hot [0, 0, 1] on logits [1, 2, 3]: −ln p_2 = 0.407605964444, gradient softmax − y.
        var (loss, delta) = Compute(new CategoricalCrossentropy(fromLogits), Shape(3, output), Logits123, null, new[] { 0f, 0f, 1f }, 1);
        AssertClose(0.4076059644, loss, 1e-9, "loss");
        AssertDelta(new[] { Softmax123[0], Softmax123[1], Softmax123[2] - 1 }, delta);
    }

    [Fact]
    public void CategoricalCe_SoftTargets()
    {
        // y = [0.5, 0, 0.5]: −0.5 ln p_0 − 0.5 ln p_2 = 0.5 (lse − 1) + 0.5 (lse − 3) = lse − 2 = 1.407605964444.
        // dL/dz = softmax − y = [0.090030573170 − 0.5, 0.244728471055, 0.665240955775 − 0.5].
        var (loss, delta) = Compute(new CategoricalCrossentropy(), Shape(3, Activation.Softmax), Logits123, null, new[] { 0.5f, 0f, 0.5f }, 1);
        AssertClose(Lse123 - 2, loss, 1e-9, "loss");
        AssertDelta(new[] { Softmax123[0] - 0.5, Softmax123[1], Softmax123[2] - 0.5 }, delta);
    }

    // ------------------------------------------------------------------ stability

    [Theory]
    // Wrong label: the loss is |z| (plus ln(1 + e^−|z|), below 1e-43 here) and dL/dz = ±1.
    [InlineData(100f, 0f, 100.0, 1.0)]
    [InlineData(-100f, 1f, 100.0, -1.0)]
    [InlineData(1e4f, 0f, 1e4, 1.0)]
    [InlineData(-1e4f, 1f, 1e4, -1.0)]
    // Right label: the loss is ln(1 + e^−|z|) < 1e-43 and dL/dz ≈ 0.
    [InlineData(100f, 1f, 0.0, 0.0)]
    [InlineData(-100f, 0f, 0.0, 0.0)]
    [InlineData(1e4f, 1f, 0.0, 0.0)]
    [InlineData(-1e4f, 0f, 0.0, 0.0)]
    public void Bce_WithSigmoid_IsFiniteAndExactAtExtremeLogits(float z, float y, double expectedLoss, double expectedDelta)
    {
        // The sigmoid output itself saturates to exactly 0 or 1 in float; the fused loss must not take its log.
        float p = z > 0 ? 1f : 0f;
        foreach (var (loss, shape) in new[] { (new BinaryCrossentropy(), Shape(1, Activation.Sigmoid)), (new BinaryCrossentropy(fromLogits: true), Shape(1, Activation.Linear)) })
        {
            var (value, delta) = Compute(loss, shape, new[] { z }, shape.OutputActivation == Activation.Sigmoid ? new[] { p } : null, new[] { y }, 1);
            Assert.True(double.IsFinite(value) && float.IsFinite(delta[0]), $"loss {value}, delta {delta[0]}");
            AssertClose(expectedLoss, value, 1e-9 * Math.Max(1, expectedLoss), "loss");
            AssertClose(expectedDelta, delta[0], 1e-7, "delta");
        }
    }

    [Fact]
    public void SoftmaxCe_WithLogitsOfMagnitude1e4_IsFiniteAndExact()
    {
        // z = [1e4, −1e4, 0], label 1: lse = 1e4 + ln(1 + e^−2e4 + e^−1e4) = 1e4, loss = lse − z_1 = 2e4.
        // softmax = [1, 0, 0] (the others underflow), dL/dz = [1, −1, 0].
        float[] z = { 1e4f, -1e4f, 0f };
        float[] softmax = { 1f, 0f, 0f };
        var (sparse, sparseDelta) = Compute(new SparseCategoricalCrossentropy(), Shape(3, Activation.Softmax), z, softmax, new[] { 1f }, 1);
        AssertClose(2e4, sparse, 1e-9, "sparse loss");
        AssertDelta(new[] { 1.0, -1.0, 0.0 }, sparseDelta);

        var (categorical, categoricalDelta) = Compute(new CategoricalCrossentropy(fromLogits: true), Shape(3, Activation.Linear), z, null, new[] { 0f, 1f, 0f }, 1);
        AssertClose(2e4, categorical, 1e-9, "categorical loss");
        AssertDelta(new[] { 1.0, -1.0, 0.0 }, categoricalDelta);

        // Two equal huge logits: z = [1e4, 1e4, −1e4], label 0: lse = 1e4 + ln 2, loss = ln 2; dL/dz = [−0.5, 0.5, 0].
        var (tie, tieDelta) = Compute(new SparseCategoricalCrossentropy(fromLogits: true), Shape(3, Activation.Linear), new[] { 1e4f, 1e4f, -1e4f }, null, new[] { 0f }, 1);
        AssertClose(Ln2, tie, 1e-9, "tie loss");
        AssertDelta(new[] { -0.5, 0.5, 0.0 }, tieDelta);
    }

    [Fact]
    public void Bce_OnProbabilitiesZeroAndOne_IsClippedToFiniteValues()
    {
        // p = 0, y = 1: clipped to 1e-7 → −ln(1e-7) = 7 ln 10 = 16.118095651 (1e-7f differs from
        // 1e-7 by 1.2e-8 relatively, which moves the log by 1.2e-8).
        // p = 1, y = 0: clipped to the float 1 − 1e-7, which rounds to 1 − 2^−23 (1e-7 is 1.68 ulps of
        // 2^−24 below 1), so the loss is −ln(2^−23) = 23 ln 2 = 15.942385152879.
        // Beyond the clip the loss is flat, so its gradient is 0, as Keras's clip_by_value.
        var (value, delta) = Compute(new BinaryCrossentropy(), Shape(2, Activation.Linear), new[] { 0f, 1f }, null, new[] { 1f, 0f }, 1);
        Assert.True(double.IsFinite(value));
        AssertClose((16.118095651 + 15.942385152879) / 2, value, 1e-6, "loss");
        AssertDelta(new[] { 0.0, 0.0 }, delta, 0);

        // Right answers at the clip: p = 1, y = 1 costs −ln(1 − 2^−23); p = 0, y = 0 costs −ln(1 − 1e-7f), and
        // 1 − 1e-7f is again 1 − 2^−23 in float. −ln(1 − 2^−23) = 2^−23 + 2^−47 + ... = 1.192092967e-7 each.
        (value, delta) = Compute(new BinaryCrossentropy(), Shape(2, Activation.Linear), new[] { 1f, 0f }, null, new[] { 1f, 0f }, 1);
        AssertClose(1.192092967e-7, value, 1e-15, "loss");
        Assert.True(float.IsFinite(delta[0]) && float.IsFinite(delta[1]));
    }

    [Fact]
    public void Compute_WithoutDelta_ReturnsTheSameLossAndWritesNothing()
    {
        // Evaluate passes an empty delta: the value must not depend on it.
        var loss = new SparseCategoricalCrossentropy(fromLogits: true);
        double value = loss.Compute(Logits123, Logits123, new[] { 2f }, 1, Shape(3, Activation.Linear), Span<float>.Empty, 0);
        AssertClose(0.4076059644, value, 1e-9, "loss");
    }

    [Fact]
    public void SaturatedSigmoidNetwork_HasTheExactFiniteLossAndGradient()
    {
        // 4-1 sigmoid network with w = [1e4, 0, 0, 0], b = 0.
        // Sample 0: x = [1, 0, 0, 0], y = 0 → z = 1e4, loss |z| = 1e4, dL/dz = σ(z) − 0 = 1.
        // Sample 1: x = [−1, 0, 0, 0], y = 1 → z = −1e4, loss 1e4, dL/dz = σ(z) − 1 = −1.
        // Mean loss 1e4. dL/dw0 = mean of dL/dz·x0 = (1·1 + (−1)(−1))/2 = 1; dL/db = (1 − 1)/2 = 0;
        // the other weights see x = 0.
        var model = new GradSigmoid1(1);
        model.Parameters.Clear();
        model.Parameters[0] = 1e4f;
        model.Compile(new BinaryCrossentropy(), new Sgd());
        var g = new float[5];
        double loss = model.ComputeGradients(new float[] { 1, 0, 0, 0, -1, 0, 0, 0 }, new float[] { 0, 1 }, 2, g);
        AssertClose(1e4, loss, 1e-6, "loss");
        AssertDelta(new[] { 1.0, 0, 0, 0, 0 }, g, 1e-6);
    }

    [Fact]
    public void SaturatedSoftmaxNetwork_HasTheExactFiniteLossAndGradient()
    {
        // 4-3 softmax network whose first weight column is [1e4, −1e4, 0], everything else 0.
        // x = [1, 0, 0, 0] → z = [1e4, −1e4, 0]; label 1: loss = lse − z_1 = 1e4 + 1e4 = 2e4.
        // dL/dz = softmax − e_1 = [1, −1, 0]; dL/dW[j, i] = dz_j·x_i: W[0,0] = 1, W[1,0] = −1;
        // dL/db = [1, −1, 0]. Layout: W (3 x 4 row-major) at 0..11, b at 12..14.
        var model = new GradSoftmax1(1);
        model.Parameters.Clear();
        model.Parameters[0] = 1e4f;   // W[0, 0]
        model.Parameters[4] = -1e4f;  // W[1, 0]
        model.Compile(new SparseCategoricalCrossentropy(), new Sgd());
        var g = new float[15];
        double loss = model.ComputeGradients(new float[] { 1, 0, 0, 0 }, new float[] { 1 }, 1, g);
        AssertClose(2e4, loss, 1e-6, "loss");
        var expected = new double[15];
        expected[0] = 1; expected[4] = -1; expected[12] = 1; expected[13] = -1;
        AssertDelta(expected, g, 1e-6);
        var p = new float[3];
        model.Predict(new float[] { 1, 0, 0, 0 }, p);
        AssertDelta(new[] { 1.0, 0, 0 }, p, 1e-6);
    }

    // ------------------------------------------------------------------ Compile's compatibility rules

    [Fact]
    public void Compile_RejectsSparseCeOnASigmoidOutput()
    {
        var model = new GradSigmoid2(1);
        var e = Assert.Throws<ArgumentException>(() => model.Compile(new SparseCategoricalCrossentropy(), new Sgd()));
        Assert.Equal("loss", e.ParamName);
        Assert.Contains("Sigmoid", e.Message);
        Assert.Null(model.Loss);
        Assert.Throws<InvalidOperationException>(() => model.Fit(new float[1, 5], new float[1 * 3]));
    }

    [Fact]
    public void Compile_RejectsCategoricalCeOnALinearOutputWithoutFromLogits()
    {
        var model = new GradReluLinear2(1);
        Assert.Throws<ArgumentException>(() => model.Compile(new CategoricalCrossentropy(), new Sgd()));
        Assert.Throws<ArgumentException>(() => model.Compile(new SparseCategoricalCrossentropy(), new Sgd()));
        // The same network with fromLogits is fine.
        model.Compile(new CategoricalCrossentropy(fromLogits: true), new Sgd());
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Sgd());
        Assert.NotNull(model.Loss);
    }

    [Fact]
    public void Compile_RejectsFromLogitsOnANonLinearOutput()
    {
        var sigmoid = new GradSigmoid2(1);
        var e = Assert.Throws<ArgumentException>(() => sigmoid.Compile(new BinaryCrossentropy(fromLogits: true), new Sgd()));
        Assert.Equal("loss", e.ParamName);
        sigmoid.Compile(new BinaryCrossentropy(), new Sgd());

        var softmax = new GradLinearSoftmax2(1);
        Assert.Throws<ArgumentException>(() => softmax.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Sgd()));
        Assert.Throws<ArgumentException>(() => softmax.Compile(new CategoricalCrossentropy(fromLogits: true), new Sgd()));
        softmax.Compile(new SparseCategoricalCrossentropy(), new Sgd());
        softmax.Compile(new CategoricalCrossentropy(), new Sgd());
    }

    [Fact]
    public void Compile_RejectsAMetricWhoseTargetWidthDiffersFromTheLoss()
    {
        var model = new GradLinearSoftmax2(1);
        // Sparse accuracy reads 1 label per sample; categorical cross-entropy reads 3 values.
        var e = Assert.Throws<ArgumentException>(() => model.Compile(new CategoricalCrossentropy(), new Sgd(), Metric.SparseCategoricalAccuracy));
        Assert.Equal("metrics", e.ParamName);
        Assert.Contains("1", e.Message);
        Assert.Contains("3", e.Message);
        // Categorical accuracy reads 3 values per sample; sparse cross-entropy reads 1 label.
        Assert.Throws<ArgumentException>(() => model.Compile(new SparseCategoricalCrossentropy(), new Sgd(), Metric.CategoricalAccuracy));
        Assert.Null(model.Loss);

        // The matching pairs, and 'accuracy' (resolved from the loss), compile.
        model.Compile(new CategoricalCrossentropy(), new Sgd(), Metric.CategoricalAccuracy, Metric.Accuracy);
        model.Compile(new SparseCategoricalCrossentropy(), new Sgd(), Metric.SparseCategoricalAccuracy, Metric.Accuracy);
        Assert.Equal(new[] { "sparse_categorical_accuracy", "accuracy" }, new[] { model.Metrics[0].Name, model.Metrics[1].Name });
    }
}
