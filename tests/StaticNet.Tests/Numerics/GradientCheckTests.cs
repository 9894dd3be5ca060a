using System;
using System.Collections.Generic;
using System.Linq;
using StaticNet;
using StaticNet.Tests.Networks;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Tests.Numerics;

/// <summary>
/// Central finite-difference checks of every gradient the generated backward pass computes (and
/// of the loss's dLoss/dz it starts from): for every parameter w_i,
/// dL/dw_i ≈ (L(w_i + h) − L(w_i − h)) / (2h), where L is the mean loss that
/// <see cref="NeuralNetwork.ComputeGradients"/> returns for the perturbed model.
/// </summary>
/// <remarks>
/// <para>Step: h = 5e-3. L is computed by a float32 forward pass, so it carries a rounding noise
/// of about ε·|L| with ε ≈ 1e-7 (a few float ulps accumulated over the layers); the central
/// difference turns it into an error of about ε|L|/h ≈ 2e-5, while its truncation error is
/// h²|L'''|/6 ≈ 4e-6·|L'''|. h ≈ (3ε)^(1/3) ≈ 7e-3 balances the two; 5e-3 keeps the
/// truncation term (which grows with the curvature of sigmoid/softmax stacks) a little smaller.
/// The perturbed value is rounded to float, so the divisor is the exact float difference
/// (w₊ − w₋), not 2h.</para>
/// <para>Tolerance: |analytic − numeric| ≤ 5e-5 + 5e-3·|numeric|. The absolute part is about
/// 2.5 times the expected noise bound; the relative part absorbs truncation on large gradients
/// (on x64 with AVX2 the worst case over all the cases below uses about 15% of it). A
/// wrong derivative (a missing activation factor, a wrong slope, a wrong 1/count or 1/outputs
/// scale, a swapped scratch buffer) changes gradients of order 1e-2..1 by tens of percent, far
/// beyond it; <see cref="Checker_RejectsGradientsThatAreSlightlyWrong"/> shows that a 5% error
/// is already caught.</para>
/// <para>ReLU kinks: a parameter is skipped when perturbing it by ±h changes the sign of any
/// weighted sum that feeds a (leaky) ReLU, per an independent double-precision forward pass
/// (<see cref="Reference"/>); each test asserts how many parameters were actually checked.</para>
/// </remarks>
public sealed class GradientCheckTests(ITestOutputHelper output)
{
    internal const double H = 5e-3;
    internal const double AbsTol = 5e-5;
    internal const double RelTol = 5e-3;

    internal enum Targets { Binary, Regression, UnitInterval, Sparse, OneHot, Soft }

    internal sealed record Case(
        string Name,
        Func<NeuralNetwork> Create,
        Func<Loss> Loss,
        int Count,
        Targets Targets,
        Action<NeuralNetwork>? Prepare = null,
        int Seed = 1,
        double MinCheckedFraction = 1.0);

    /// <summary>Scales a layer's weights and sets all its biases (to keep outputs where a loss needs them).</summary>
    private static Action<NeuralNetwork> ScaleLayer(int layer, float weightScale, float bias) => model =>
    {
        var offsets = Reference.Offsets(model.NetworkShape.LayerSizes);
        int fanIn = model.NetworkShape.LayerSizes[layer], fanOut = model.NetworkShape.LayerSizes[layer + 1];
        Span<float> p = model.Parameters;
        for (int i = 0; i < fanIn * fanOut; i++) p[offsets[layer].Weights + i] *= weightScale;
        for (int j = 0; j < fanOut; j++) p[offsets[layer].Biases + j] = bias;
    };

    /// <summary>Sets every bias to a small distinct value, so that bias gradients of hidden layers are not all alike.</summary>
    private static Action<NeuralNetwork> SmallBiases(int seed) => model =>
    {
        var offsets = Reference.Offsets(model.NetworkShape.LayerSizes);
        float[] values = TestData.Uniform(seed, 64, -0.3, 0.3);
        int v = 0;
        for (int l = 0; l < offsets.Length; l++)
            for (int j = 0; j < model.NetworkShape.LayerSizes[l + 1]; j++) model.Parameters[offsets[l].Biases + j] = values[v++ % values.Length];
    };

    internal static readonly Case[] All =
    {
        // depth 1
        new("1 sigmoid, BCE fused, batch 1", () => new GradSigmoid1(11), () => new BinaryCrossentropy(), 1, Targets.Binary),
        new("1 sigmoid, BCE fused, batch 6", () => new GradSigmoid1(12), () => new BinaryCrossentropy(), 6, Targets.Binary),
        new("1 sigmoid, MSE, batch 5", () => new GradSigmoid1(13), () => new MeanSquaredError(), 5, Targets.UnitInterval),
        new("1 linear, MSE, batch 4", () => new GradLinear1(14), () => new MeanSquaredError(), 4, Targets.Regression),
        new("1 linear, BCE fromLogits, batch 4", () => new GradLinear1(15), () => new BinaryCrossentropy(fromLogits: true), 4, Targets.Binary),
        new("1 linear, BCE on probabilities in (0,1), batch 3", () => new GradLinear1(16), () => new BinaryCrossentropy(), 3, Targets.Binary, ScaleLayer(0, 0.2f, 0.5f)),
        new("1 linear, sparse CE fromLogits, batch 5", () => new GradLinear1(17), () => new SparseCategoricalCrossentropy(fromLogits: true), 5, Targets.Sparse),
        new("1 linear, categorical CE fromLogits, batch 3", () => new GradLinear1(18), () => new CategoricalCrossentropy(fromLogits: true), 3, Targets.OneHot),
        new("1 softmax, sparse CE, batch 5", () => new GradSoftmax1(19), () => new SparseCategoricalCrossentropy(), 5, Targets.Sparse),
        new("1 softmax, categorical CE, batch 1", () => new GradSoftmax1(20), () => new CategoricalCrossentropy(), 1, Targets.OneHot),
        new("1 softmax, MSE, batch 4", () => new GradSoftmax1(21), () => new MeanSquaredError(), 4, Targets.OneHot),

        // depth 2: each hidden activation, each output activation
        new("2 sigmoid/sigmoid, BCE fused, batch 1", () => new GradSigmoid2(31), () => new BinaryCrossentropy(), 1, Targets.Binary, SmallBiases(1)),
        new("2 sigmoid/sigmoid, BCE fused, batch 5", () => new GradSigmoid2(32), () => new BinaryCrossentropy(), 5, Targets.Binary, SmallBiases(2)),
        new("2 sigmoid/sigmoid, MSE, batch 3", () => new GradSigmoid2(33), () => new MeanSquaredError(), 3, Targets.UnitInterval),
        new("2 tanh/tanh, MSE, batch 1", () => new GradTanh2(34), () => new MeanSquaredError(), 1, Targets.Regression, SmallBiases(3)),
        new("2 tanh/tanh, MSE, batch 4", () => new GradTanh2(35), () => new MeanSquaredError(), 4, Targets.Regression),
        new("2 tanh/tanh, BCE on tanh outputs in (0,1), batch 4", () => new GradTanh2(36), () => new BinaryCrossentropy(), 4, Targets.Binary, ScaleLayer(1, 0.15f, 0.6f)),
        new("2 relu/relu, MSE, batch 1", () => new GradRelu2(37), () => new MeanSquaredError(), 1, Targets.UnitInterval, SmallBiases(4), MinCheckedFraction: 0.9),
        new("2 relu/relu, MSE, batch 5", () => new GradRelu2(38), () => new MeanSquaredError(), 5, Targets.UnitInterval, SmallBiases(5), MinCheckedFraction: 0.9),
        new("2 leaky(0.2)/leaky(0.2), MSE, batch 1", () => new GradLeaky2(39), () => new MeanSquaredError(), 1, Targets.Regression, SmallBiases(6), MinCheckedFraction: 0.9),
        new("2 leaky(0.2)/leaky(0.2), MSE, batch 4", () => new GradLeaky2(40), () => new MeanSquaredError(), 4, Targets.Regression, SmallBiases(7), MinCheckedFraction: 0.9),
        new("2 leaky(0.05)/leaky(0.05), MSE, batch 4", () => new GradLeakyCustom2(41), () => new MeanSquaredError(), 4, Targets.Regression, SmallBiases(8), MinCheckedFraction: 0.9),
        new("2 linear/softmax, sparse CE, batch 5", () => new GradLinearSoftmax2(42), () => new SparseCategoricalCrossentropy(), 5, Targets.Sparse, SmallBiases(9)),
        new("2 linear/softmax, categorical CE soft targets, batch 3", () => new GradLinearSoftmax2(43), () => new CategoricalCrossentropy(), 3, Targets.Soft, SmallBiases(10)),
        new("2 linear/softmax, MSE, batch 4", () => new GradLinearSoftmax2(44), () => new MeanSquaredError(), 4, Targets.OneHot),
        new("2 linear/softmax, BCE on softmax outputs, batch 4", () => new GradLinearSoftmax2(45), () => new BinaryCrossentropy(), 4, Targets.OneHot),
        new("2 relu/linear, categorical CE fromLogits, batch 4", () => new GradReluLinear2(46), () => new CategoricalCrossentropy(fromLogits: true), 4, Targets.OneHot, SmallBiases(11), MinCheckedFraction: 0.9),
        new("2 relu/linear, sparse CE fromLogits, batch 1", () => new GradReluLinear2(47), () => new SparseCategoricalCrossentropy(fromLogits: true), 1, Targets.Sparse, SmallBiases(12), MinCheckedFraction: 0.9),
        new("2 relu/linear, BCE fromLogits, batch 4", () => new GradReluLinear2(48), () => new BinaryCrossentropy(fromLogits: true), 4, Targets.Binary, SmallBiases(13), MinCheckedFraction: 0.9),
        new("2 relu/linear, BCE on probabilities in (0,1), batch 4", () => new GradReluLinear2(49), () => new BinaryCrossentropy(), 4, Targets.Binary, ScaleLayer(1, 0.2f, 0.5f), MinCheckedFraction: 0.9),
        new("2 relu/linear, MSE, batch 3", () => new GradReluLinear2(50), () => new MeanSquaredError(), 3, Targets.Regression, SmallBiases(14), MinCheckedFraction: 0.9),

        // depth 3 and 4: several hidden deltas through the two scratch halves
        new("3 leaky(0.1)/sigmoid/tanh, MSE, batch 1", () => new GradDeep3(61), () => new MeanSquaredError(), 1, Targets.Regression, SmallBiases(15), MinCheckedFraction: 0.9),
        new("3 leaky(0.1)/sigmoid/tanh, MSE, batch 5", () => new GradDeep3(62), () => new MeanSquaredError(), 5, Targets.Regression, SmallBiases(16), MinCheckedFraction: 0.9),
        new("4 tanh/relu/sigmoid/softmax, sparse CE, batch 1", () => new GradDeep4(63), () => new SparseCategoricalCrossentropy(), 1, Targets.Sparse, SmallBiases(17), MinCheckedFraction: 0.9),
        new("4 tanh/relu/sigmoid/softmax, sparse CE, batch 6", () => new GradDeep4(64), () => new SparseCategoricalCrossentropy(), 6, Targets.Sparse, SmallBiases(18), MinCheckedFraction: 0.9),
        new("4 tanh/relu/sigmoid/softmax, categorical CE, batch 4", () => new GradDeep4(165), () => new CategoricalCrossentropy(), 4, Targets.OneHot, SmallBiases(19), MinCheckedFraction: 0.9),
        new("4 sigmoid/tanh/leaky/sigmoid, BCE fused, batch 1", () => new GradDeep4Binary(66), () => new BinaryCrossentropy(), 1, Targets.Binary, SmallBiases(20), MinCheckedFraction: 0.9),
        new("4 sigmoid/tanh/leaky/sigmoid, BCE fused, batch 5", () => new GradDeep4Binary(67), () => new BinaryCrossentropy(), 5, Targets.Binary, SmallBiases(21), MinCheckedFraction: 0.9),

        // 16 or more inputs per layer: the tiled kernels and their tails (see GradientNetworks.cs)
        new("tiled 19-17-6-3 tanh/sigmoid/softmax, sparse CE, batch 1", () => new GradTiled3(71), () => new SparseCategoricalCrossentropy(), 1, Targets.Sparse, SmallBiases(22)),
        new("tiled 19-17-6-3 tanh/sigmoid/softmax, sparse CE, batch 6", () => new GradTiled3(72), () => new SparseCategoricalCrossentropy(), 6, Targets.Sparse, SmallBiases(23)),
        new("tiled 19-17-6-3 tanh/sigmoid/softmax, categorical CE, batch 8", () => new GradTiled3(73), () => new CategoricalCrossentropy(), 8, Targets.Soft, SmallBiases(24)),
        new("tiled 70-66-5 tanh/linear, MSE, batch 5", () => new GradTiled2(74), () => new MeanSquaredError(), 5, Targets.Regression, SmallBiases(25)),
        new("tiled 70-66-5 tanh/linear, categorical CE fromLogits, batch 1", () => new GradTiled2(75), () => new CategoricalCrossentropy(fromLogits: true), 1, Targets.OneHot, SmallBiases(26)),
        new("tiled 32-16-8-2 relu/tanh/sigmoid, BCE fused, batch 5", () => new GradTiledExact(76), () => new BinaryCrossentropy(), 5, Targets.Binary, SmallBiases(27), MinCheckedFraction: 0.9),
        new("tiled 32-16-8-2 relu/tanh/sigmoid, BCE fused, batch 4", () => new GradTiledExact(77), () => new BinaryCrossentropy(), 4, Targets.Binary, SmallBiases(28), MinCheckedFraction: 0.9),
    };

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (Case c in All) data.Add(c.Name);
        return data;
    }

    private static Case Find(string name) => All.Single(c => c.Name == name);

    /// <summary>Builds the compiled model, its inputs and its targets for a case.</summary>
    internal static (NeuralNetwork Model, float[] X, float[] Y) Build(Case c)
    {
        NeuralNetwork model = c.Create();
        c.Prepare?.Invoke(model);
        Loss loss = c.Loss();
        model.Compile(loss, new Sgd());
        int k = model.NetworkShape.OutputSize;
        float[] x = TestData.Uniform(c.Seed * 1000 + c.Count, c.Count * model.NetworkShape.InputSize, -1, 1);
        float[] y = c.Targets switch
        {
            Targets.Binary => TestData.Labels(c.Seed * 2000 + 7, c.Count * k, 2),
            Targets.Regression => TestData.Uniform(c.Seed * 3000 + 7, c.Count * k, -0.8, 0.8),
            Targets.UnitInterval => TestData.Uniform(c.Seed * 4000 + 7, c.Count * k, 0.1, 0.9),
            Targets.Sparse => TestData.Labels(c.Seed * 5000 + 7, c.Count, k),
            Targets.OneHot => TestData.OneHot(c.Seed * 6000 + 7, c.Count, k),
            Targets.Soft => TestData.SoftTargets(c.Seed * 7000 + 7, c.Count, k),
            _ => throw new ArgumentOutOfRangeException(nameof(c)),
        };
        return (model, x, y);
    }

    internal sealed record Result(float[] Analytic, double[] Numeric, bool[] Checked, int CheckedCount, double WorstRatio);

    /// <summary>Computes the analytic gradient and the central differences of every parameter.</summary>
    internal static Result Differentiate(NeuralNetwork model, float[] x, float[] y, int count)
    {
        NetworkShape shape = model.NetworkShape;
        int n = shape.ParameterCount;
        var analytic = new float[n];
        model.ComputeGradients(x, y, count, analytic);
        var sink = new float[n];
        var numeric = new double[n];
        var isChecked = new bool[n];
        bool hasKinks = shape.Activations.Any(a => a is Activation.Relu or Activation.LeakyRelu);
        List<int> baseSigns = hasKinks ? Reference.KinkSigns(shape, model.Parameters, x, count) : new List<int>();
        int checkedCount = 0;
        double worst = 0;
        for (int i = 0; i < n; i++)
        {
            float w = model.Parameters[i];
            float plus = (float)(w + H), minus = (float)(w - H);

            model.Parameters[i] = plus;
            bool kink = hasKinks && !Reference.KinkSigns(shape, model.Parameters, x, count).SequenceEqual(baseSigns);
            double lossPlus = model.ComputeGradients(x, y, count, sink);
            model.Parameters[i] = minus;
            kink |= hasKinks && !Reference.KinkSigns(shape, model.Parameters, x, count).SequenceEqual(baseSigns);
            double lossMinus = model.ComputeGradients(x, y, count, sink);
            model.Parameters[i] = w;

            numeric[i] = (lossPlus - lossMinus) / ((double)plus - minus);
            if (kink) continue;
            isChecked[i] = true;
            checkedCount++;
            worst = Math.Max(worst, Math.Abs(analytic[i] - numeric[i]) / (AbsTol + RelTol * Math.Abs(numeric[i])));
        }
        return new Result(analytic, numeric, isChecked, checkedCount, worst);
    }

    /// <summary>The parameters (of those checked) whose analytic gradient is outside the tolerance.</summary>
    internal static List<string> Mismatches(ReadOnlySpan<float> analytic, Result r)
    {
        var bad = new List<string>();
        for (int i = 0; i < analytic.Length; i++)
        {
            if (!r.Checked[i]) continue;
            double err = Math.Abs(analytic[i] - r.Numeric[i]);
            if (err > AbsTol + RelTol * Math.Abs(r.Numeric[i]))
                bad.Add($"parameter {i}: analytic {analytic[i]:G9}, numeric {r.Numeric[i]:G9}, error {err:G3}");
        }
        return bad;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void AnalyticGradient_MatchesCentralDifferences_ForEveryParameter(string name)
    {
        Case c = Find(name);
        var (model, x, y) = Build(c);
        NetworkShape shape = model.NetworkShape;
        Assert.Equal(Reference.ParameterCount(shape.LayerSizes), shape.ParameterCount);

        // Preconditions: probabilities fed to a clipped BCE stay well inside (0, 1), so that the
        // clipping (whose gradient is 0) never triggers and the check is about the real derivative.
        if (c.Loss() is BinaryCrossentropy { FromLogits: false } && shape.OutputActivation != Activation.Sigmoid)
        {
            Reference.Pass pass = Reference.Forward(shape, model.Parameters, x, c.Count);
            for (int s = 0; s < c.Count; s++)
                foreach (double p in pass.Output(s)) Assert.InRange(p, 0.02, 0.98);
        }

        Result r = Differentiate(model, x, y, c.Count);
        output.WriteLine($"{name}: {shape}, {r.CheckedCount}/{shape.ParameterCount} parameters checked, worst error/tolerance {r.WorstRatio:F3}, kink distance {Reference.SmallestKinkDistance(shape, model.Parameters, x, c.Count):G3}");

        List<string> bad = Mismatches(r.Analytic, r);
        Assert.True(bad.Count == 0, $"{bad.Count} gradient(s) disagree with central differences:\n" + string.Join("\n", bad));

        // Not vacuous: most parameters were checked, and each layer's weights and biases have
        // gradients well above the tolerance (so a zero gradient would have failed above).
        Assert.True(r.CheckedCount >= (int)Math.Ceiling(c.MinCheckedFraction * shape.ParameterCount),
            $"Only {r.CheckedCount} of {shape.ParameterCount} parameters were away from ReLU kinks.");
        var offsets = Reference.Offsets(shape.LayerSizes);
        for (int l = 0; l < shape.LayerCount; l++)
        {
            int fanIn = shape.LayerSizes[l], fanOut = shape.LayerSizes[l + 1];
            double weightSum = 0, biasSum = 0;
            for (int i = 0; i < fanIn * fanOut; i++) if (r.Checked[offsets[l].Weights + i]) weightSum += Math.Abs(r.Analytic[offsets[l].Weights + i]);
            for (int j = 0; j < fanOut; j++) if (r.Checked[offsets[l].Biases + j]) biasSum += Math.Abs(r.Analytic[offsets[l].Biases + j]);
            Assert.True(weightSum > 1e-3, $"Layer {l + 1}'s checked weight gradients sum to {weightSum:G3}: the check would be vacuous.");
            Assert.True(biasSum > 1e-3, $"Layer {l + 1}'s checked bias gradients sum to {biasSum:G3}: the check would be vacuous.");
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ComputeGradients_ReturnsTheMeanLossOfAnIndependentReference(string name)
    {
        Case c = Find(name);
        var (model, x, y) = Build(c);
        double loss = model.ComputeGradients(x, y, c.Count, new float[model.NetworkShape.ParameterCount]);
        double expected = Reference.Loss(model.Loss!, model.NetworkShape, Reference.Forward(model.NetworkShape, model.Parameters, x, c.Count), y, c.Count);
        Assert.True(expected > 1e-3, $"The reference loss {expected} is too small for a meaningful comparison.");
        Assert.True(Math.Abs(loss - expected) <= 1e-5 * Math.Max(1, expected), $"ComputeGradients returned {loss:G9}; the reference loss is {expected:G9}.");
    }

    [Fact]
    public void ComputeGradients_LeavesParametersAndOptimizerUntouched()
    {
        var model = new GradDeep4(5);
        var optimizer = new Adam();
        model.Compile(new SparseCategoricalCrossentropy(), optimizer);
        float[] before = model.Parameters.ToArray();
        float[] x = TestData.Uniform(1, 3 * 5, -1, 1);
        float[] y = { 0, 2, 1 };
        var g = new float[model.NetworkShape.ParameterCount];
        model.ComputeGradients(x, y, 3, g);
        Assert.Equal(before, model.Parameters.ToArray());
        Assert.Equal(0, optimizer.Iterations);
        Assert.Contains(g, v => v != 0);
    }

    [Theory]
    [InlineData("2 sigmoid/sigmoid, BCE fused, batch 5")]
    [InlineData("4 tanh/relu/sigmoid/softmax, sparse CE, batch 6")]
    [InlineData("3 leaky(0.1)/sigmoid/tanh, MSE, batch 5")]
    [InlineData("2 relu/linear, categorical CE fromLogits, batch 4")]
    public void BatchGradient_IsTheMeanOfTheOneSampleGradients(string name)
    {
        // The batch loss is the mean of the sample losses, so its gradient is the mean of their
        // gradients: checks the 1/count scale and that each sample reads its own rows.
        Case c = Find(name);
        var (model, x, y) = Build(c);
        int n = model.NetworkShape.ParameterCount, inputs = model.NetworkShape.InputSize;
        int width = model.Loss!.TargetWidth(model.NetworkShape.OutputSize);
        var batch = new float[n];
        double batchLoss = model.ComputeGradients(x, y, c.Count, batch);
        var mean = new double[n];
        double meanLoss = 0;
        var one = new float[n];
        for (int s = 0; s < c.Count; s++)
        {
            meanLoss += model.ComputeGradients(x.AsSpan(s * inputs, inputs), y.AsSpan(s * width, width), 1, one) / c.Count;
            for (int i = 0; i < n; i++) mean[i] += one[i] / (double)c.Count;
        }
        Assert.Equal(meanLoss, batchLoss, 1e-6);
        for (int i = 0; i < n; i++)
            Assert.True(Math.Abs(batch[i] - mean[i]) <= 1e-6 + 1e-5 * Math.Abs(mean[i]), $"parameter {i}: batch {batch[i]:G9}, mean of samples {mean[i]:G9}");
        Assert.True(mean.Sum(Math.Abs) > 1e-2);
    }

    [Fact]
    public void Checker_RejectsGradientsThatAreSlightlyWrong()
    {
        // The tolerance is not so loose that it would accept a gradient that is off by 5%, or one
        // whose output-layer bias gradient has the wrong sign.
        Case c = Find("4 tanh/relu/sigmoid/softmax, sparse CE, batch 6");
        var (model, x, y) = Build(c);
        Result r = Differentiate(model, x, y, c.Count);
        Assert.Empty(Mismatches(r.Analytic, r));

        float[] scaled = r.Analytic.Select(g => g * 1.05f).ToArray();
        int significant = Enumerable.Range(0, scaled.Length).Count(i => r.Checked[i] && Math.Abs(r.Numeric[i]) > 0.05);
        Assert.True(significant >= 5, $"only {significant} significant gradients");
        Assert.True(Mismatches(scaled, r).Count >= significant, "A 5% error in every gradient went unnoticed.");

        float[] flipped = (float[])r.Analytic.Clone();
        int outputs = model.NetworkShape.OutputSize;
        int bias = Enumerable.Range(model.NetworkShape.ParameterCount - outputs, outputs).MaxBy(i => Math.Abs(flipped[i]));
        Assert.True(Math.Abs(flipped[bias]) > 1e-2);
        flipped[bias] = -flipped[bias];
        Assert.Single(Mismatches(flipped, r));
    }
}
