using System;
using System.Linq;
using StaticNet;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Numerics;

/// <summary>
/// L2 and dropout declared on [Network] (NetworkAttribute.L2 / L2PerLayer / Dropout): the L2
/// penalty factor·Σw² is part of the loss and its gradient 2·factor·w part of the weight
/// gradients ("as Keras's kernel_regularizer=L2(factor)"); dropout acts during training only
/// ("prediction and evaluation use every unit").
/// </summary>
public sealed class RegularizationTests
{
    private static double Penalty(NeuralNetwork model, params double[] factors)
    {
        var offsets = Reference.Offsets(model.NetworkShape.LayerSizes);
        double penalty = 0;
        for (int l = 0; l < offsets.Length; l++)
        {
            int n = model.NetworkShape.LayerSizes[l] * model.NetworkShape.LayerSizes[l + 1];
            for (int i = 0; i < n; i++) penalty += factors[l] * model.Parameters[offsets[l].Weights + i] * (double)model.Parameters[offsets[l].Weights + i];
        }
        return penalty;
    }

    [Fact]
    public void L2_Shape_RecordsTheDeclaredFactors()
    {
        Assert.Equal(new[] { 0.01f, 0.01f }, new[] { new GradL2(1).NetworkShape.L2(0), new GradL2(1).NetworkShape.L2(1) });
        Assert.Equal(new[] { 0.05f, 0f }, new[] { new GradL2FirstLayer(1).NetworkShape.L2(0), new GradL2FirstLayer(1).NetworkShape.L2(1) });
        Assert.True(new GradL2(1).NetworkShape.HasL2);
        Assert.False(new GradTanhLinear2(1).NetworkShape.HasL2);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void L2_ComputeGradients_AddsThePenaltyToTheLossAndTwoFactorWToTheWeightGradients(bool firstLayerOnly)
    {
        NeuralNetwork model = firstLayerOnly ? new GradL2FirstLayer(8) : new GradL2(8);
        double[] factors = firstLayerOnly ? new[] { 0.05, 0 } : new[] { 0.01, 0.01 };
        var twin = new GradTanhLinear2(8);
        Assert.True(twin.Parameters.SequenceEqual(model.Parameters));
        model.Compile(new MeanSquaredError(), new Sgd());
        twin.Compile(new MeanSquaredError(), new Sgd());
        float[] x = TestData.Uniform(1, 4 * 5, -1, 1);
        float[] y = TestData.Uniform(2, 4 * 3, -1, 1);

        // Loss: the reference data loss plus Σ_l factor_l·Σ w² (weights only, not biases).
        var g = new float[model.NetworkShape.ParameterCount];
        double loss = model.ComputeGradients(x, y, 4, g);
        double dataLoss = Reference.Loss(model.Loss!, model.NetworkShape, Reference.Forward(model.NetworkShape, model.Parameters, x, 4), y, 4);
        double penalty = Penalty(model, factors);
        Assert.True(penalty > 1e-2, $"penalty {penalty}");
        Assert.True(Math.Abs(loss - (dataLoss + penalty)) <= 1e-6, $"ComputeGradients returned {loss:G9}; data loss {dataLoss:G9} + L2 penalty {penalty:G9} = {dataLoss + penalty:G9}.");

        // Gradient: the unregularized twin's gradient plus 2·factor·w on the weights.
        var plain = new float[g.Length];
        twin.ComputeGradients(x, y, 4, plain);
        var offsets = Reference.Offsets(model.NetworkShape.LayerSizes);
        for (int l = 0; l < offsets.Length; l++)
        {
            int n = model.NetworkShape.LayerSizes[l] * model.NetworkShape.LayerSizes[l + 1];
            for (int i = offsets[l].Weights; i < offsets[l].Weights + n; i++)
            {
                double expected = plain[i] + 2 * factors[l] * model.Parameters[i];
                Assert.True(Math.Abs(g[i] - expected) <= 1e-6, $"weight {i}: got {g[i]:G9}, expected {expected:G9}");
            }
            for (int j = offsets[l].Biases; j < offsets[l].Biases + model.NetworkShape.LayerSizes[l + 1]; j++)
                Assert.Equal(plain[j], g[j]);
        }

        // And the whole gradient agrees with central differences of the returned loss.
        var r = GradientCheckTests.Differentiate(model, x, y, 4);
        Assert.Empty(GradientCheckTests.Mismatches(r.Analytic, r));
    }

    [Fact]
    public void L2_EvaluateAndHistoryLoss_IncludeThePenalty()
    {
        var model = new GradL2(3);
        var twin = new GradTanhLinear2(3);
        model.Compile(new MeanSquaredError(), new Sgd());
        twin.Compile(new MeanSquaredError(), new Sgd());
        float[,] x = TestData.ToMatrix(TestData.Uniform(3, 6 * 5, -1, 1), 6, 5);
        float[,] y = TestData.ToMatrix(TestData.Uniform(4, 6 * 3, -1, 1), 6, 3);
        double penalty = Penalty(model, 0.01, 0.01);
        double plainLoss = twin.Evaluate(x, y).Loss;
        Assert.Equal(plainLoss + penalty, model.Evaluate(x, y).Loss, 1e-6);

        // One epoch of one full batch records the loss before its only step: at the initial weights.
        History history = model.Fit(x, y, epochs: 1, batchSize: 6, shuffle: false, verbose: 0);
        Assert.Equal(plainLoss + penalty, history["loss"][0], 1e-6);
    }

    [Fact]
    public void L2_PullsTheWeightsTowardZeroDuringFit()
    {
        // With targets the network already fits (its own predictions), the data gradient is 0 and
        // only the penalty acts: plain SGD multiplies every weight by (1 − 2·lr·factor) per step,
        // here (1 − 2·0.1·0.01) = 0.998, and leaves the biases alone.
        var model = new GradL2(5);
        float[,] x = TestData.ToMatrix(TestData.Uniform(5, 8 * 5, -1, 1), 8, 5);
        float[,] y = model.Predict(x);
        float[] before = model.Parameters.ToArray();
        model.Compile(new MeanSquaredError(), new Sgd(0.1f));
        model.Fit(x, y, epochs: 1, batchSize: 8, shuffle: false, verbose: 0);
        var offsets = Reference.Offsets(model.NetworkShape.LayerSizes);
        for (int l = 0; l < 2; l++)
        {
            int n = model.NetworkShape.LayerSizes[l] * model.NetworkShape.LayerSizes[l + 1];
            for (int i = offsets[l].Weights; i < offsets[l].Weights + n; i++)
                Assert.True(Math.Abs(model.Parameters[i] - 0.998 * before[i]) <= 1e-6, $"weight {i}: {before[i]:G9} -> {model.Parameters[i]:G9}, expected {0.998 * before[i]:G9}");
        }
    }

    [Fact]
    public void Dropout_Shape_RecordsTheRateAfterHiddenLayersOnly()
    {
        var model = new DropoutNet(1);
        Assert.Equal(0.5f, model.NetworkShape.DropoutRate(0));
        Assert.Equal(0f, model.NetworkShape.DropoutRate(1));
        Assert.True(model.NetworkShape.HasDropout);
    }

    [Fact]
    public void Dropout_LeavesPredictAndEvaluateUnchanged()
    {
        var model = new DropoutNet(4);
        var twin = new NoDropoutNet(4);
        Assert.True(twin.Parameters.SequenceEqual(model.Parameters));
        float[,] x = TestData.ToMatrix(TestData.Uniform(6, 10 * 6, -1, 1), 10, 6);
        float[,] y = TestData.ToMatrix(TestData.Uniform(7, 10 * 2, -1, 1), 10, 2);
        Assert.Equal(twin.Predict(x), model.Predict(x));
        model.Compile(new MeanSquaredError(), new Sgd());
        twin.Compile(new MeanSquaredError(), new Sgd());
        Assert.Equal(twin.Evaluate(x, y).Loss, model.Evaluate(x, y).Loss);
    }

    [Fact]
    public void Dropout_ChangesTraining_Reproducibly()
    {
        // Training with dropout 0.5 cannot follow the same path as without it: each step drops
        // about half of the hidden units. Two runs with the same seed drop the same units.
        float[,] x = TestData.ToMatrix(TestData.Uniform(8, 16 * 6, -1, 1), 16, 6);
        float[,] y = TestData.ToMatrix(TestData.Uniform(9, 16 * 2, -1, 1), 16, 2);
        NeuralNetwork Train(NeuralNetwork model)
        {
            model.Compile(new MeanSquaredError(), new Sgd(0.1f));
            model.Fit(x, y, epochs: 2, batchSize: 4, shuffle: false, verbose: 0);
            return model;
        }
        NeuralNetwork dropped = Train(new DropoutNet(10)), again = Train(new DropoutNet(10)), plain = Train(new NoDropoutNet(10));
        Assert.True(dropped.Parameters.SequenceEqual(again.Parameters));
        Assert.False(dropped.Parameters.SequenceEqual(plain.Parameters),
            "Fit with Dropout = 0.5 trained exactly as the same network without dropout: no unit was dropped.");
    }

    /// <summary>Exposes the generated training passes with an explicit dropout key (as a training step would use).</summary>
    private sealed class DropoutProbe(int seed) : DropoutDeepNet(seed)
    {
        public float[] LastActivations { get; private set; } = Array.Empty<float>();

        public double LossAndGradients(float[] x, float[] y, int count, ulong key, float[] gradients)
        {
            var activations = new float[count * NetworkShape.ActivationsPerSample];
            var logits = new float[count * NetworkShape.OutputSize];
            var delta = new float[logits.Length];
            var scratch = new float[2 * count * NetworkShape.MaxHiddenSize];
            ForwardBatch(Parameters, x, count, activations, logits, key);
            double sum = Loss!.Compute(logits, activations.AsSpan(activations.Length - logits.Length), y, count, NetworkShape, delta, 1f / count);
            BackwardBatch(Parameters, x, count, activations, delta, scratch, gradients, key);
            LastActivations = activations;
            return sum / count;
        }
    }

    [Fact]
    public void Dropout_GeneratedTrainingPasses_HaveGradientsMatchingCentralDifferences()
    {
        // With a fixed key the masks are fixed, so the training loss is a smooth function of the
        // parameters and its gradient can be checked like any other.
        const int Count = 5;
        const ulong Key = 0x1234_5678_9ABC_DEF0UL;
        var model = new DropoutProbe(12);
        model.Compile(new MeanSquaredError(), new Sgd());
        NetworkShape shape = model.NetworkShape;
        Assert.Equal(new[] { 0.5f, 0.25f, 0f }, new[] { shape.DropoutRate(0), shape.DropoutRate(1), shape.DropoutRate(2) });
        float[] x = TestData.Uniform(13, Count * 6, -1, 1);
        float[] y = TestData.Uniform(14, Count * 2, -1, 1);
        int n = shape.ParameterCount;
        var analytic = new float[n];
        double loss = model.LossAndGradients(x, y, Count, Key, analytic);

        // The masks: inverted dropout, every value 0 or 1/(1 − rate), about rate of them 0; and the
        // loss equals an independent forward pass that applies them.
        float[] a = model.LastActivations;
        float[][] masks = new float[2][];
        for (int l = 0; l < 2; l++)
        {
            int size = shape.LayerSizes[l + 1], offset = shape.ActivationOffset(l) * Count;
            masks[l] = a.AsSpan(offset + 2 * size * Count, size * Count).ToArray();
            float keep = 1 / (1 - shape.DropoutRate(l));
            Assert.All(masks[l], m => Assert.True(m == 0 || m == keep, $"mask value {m}"));
        }
        int zeros = masks[0].Count(m => m == 0);
        Assert.InRange(zeros, 8, 32);  // of 40, rate 0.5: 20 ± 3.2 (one standard deviation)

        double expected = 0;
        var offsets = Reference.Offsets(shape.LayerSizes);
        for (int s = 0; s < Count; s++)
        {
            double[] input = x.Skip(s * 6).Take(6).Select(v => (double)v).ToArray();
            for (int l = 0; l < 3; l++)
            {
                int fanIn = shape.LayerSizes[l], fanOut = shape.LayerSizes[l + 1];
                var z = new double[fanOut];
                for (int j = 0; j < fanOut; j++)
                {
                    z[j] = model.Parameters[offsets[l].Biases + j];
                    for (int i = 0; i < fanIn; i++) z[j] += model.Parameters[offsets[l].Weights + j * fanIn + i] * input[i];
                }
                input = Reference.Activate(shape.Activations[l], z, 0.2);
                if (l < 2) for (int j = 0; j < fanOut; j++) input[j] *= masks[l][s * fanOut + j];
            }
            for (int o = 0; o < 2; o++) expected += (input[o] - y[s * 2 + o]) * (input[o] - y[s * 2 + o]) / 2 / Count;
        }
        Assert.Equal(expected, loss, 1e-6);

        // Central differences with the same key (same masks).
        var sink = new float[n];
        int bad = 0, nonzero = 0;
        for (int i = 0; i < n; i++)
        {
            float w = model.Parameters[i];
            float plus = (float)(w + GradientCheckTests.H), minus = (float)(w - GradientCheckTests.H);
            model.Parameters[i] = plus;
            double lp = model.LossAndGradients(x, y, Count, Key, sink);
            model.Parameters[i] = minus;
            double lm = model.LossAndGradients(x, y, Count, Key, sink);
            model.Parameters[i] = w;
            double numeric = (lp - lm) / ((double)plus - minus);
            if (Math.Abs(analytic[i] - numeric) > GradientCheckTests.AbsTol + GradientCheckTests.RelTol * Math.Abs(numeric)) bad++;
            if (Math.Abs(numeric) > 1e-3) nonzero++;
        }
        Assert.Equal(0, bad);
        Assert.True(nonzero > n / 2, $"only {nonzero} of {n} gradients are clearly nonzero");
    }
}
