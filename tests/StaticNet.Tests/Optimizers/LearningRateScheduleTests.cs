using System;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Optimizers;

/// <summary>
/// The schedules against values worked out by hand from the formulas in Keras's
/// keras/src/optimizers/schedules/learning_rate_schedule.py, and the optimizers' use of them: the
/// rate of an update is schedule(iterations before the update), as Keras's optimizers compute it.
/// </summary>
public sealed class LearningRateScheduleTests
{
    private static void Near(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");

    [Fact]
    public void ExponentialDecay_MatchesTheFormula()
    {
        // 0.1 · 0.96^(step / 1000)
        var smooth = new ExponentialDecay(0.1, decaySteps: 1000, decayRate: 0.96);
        Near(0.1, smooth.GetLearningRate(0));
        Near(0.097979589711327, smooth.GetLearningRate(500));     // 0.1 · √0.96
        Near(0.096, smooth.GetLearningRate(1000));
        Near(0.1 * 0.96 * Math.Sqrt(0.96), smooth.GetLearningRate(1500));

        // staircase: the exponent is floor(step / 1000)
        var stairs = new ExponentialDecay(0.1, decaySteps: 1000, decayRate: 0.96, staircase: true);
        Near(0.1, stairs.GetLearningRate(999));
        Near(0.096, stairs.GetLearningRate(1000));
        Near(0.096, stairs.GetLearningRate(1999));
        Near(0.09216, stairs.GetLearningRate(2500));
    }

    [Fact]
    public void CosineDecay_MatchesTheFormula()
    {
        // 0.1 · ((1 − 0.1) · ½(1 + cos(π · min(step, 100) / 100)) + 0.1)
        var decay = new CosineDecay(0.1, decaySteps: 100, alpha: 0.1);
        Near(0.1, decay.GetLearningRate(0));
        Near(0.1 * (0.9 * 0.5 * (1 + Math.Sqrt(0.5)) + 0.1), decay.GetLearningRate(25));   // 0.0868198052...
        Near(0.0868198051533946, decay.GetLearningRate(25));
        Near(0.055, decay.GetLearningRate(50));
        Near(0.01, decay.GetLearningRate(100));
        Near(0.01, decay.GetLearningRate(250));   // constant after decaySteps

        var toZero = new CosineDecay(0.2, decaySteps: 10);
        Near(0.1, toZero.GetLearningRate(5));
        Assert.Equal(0.0, toZero.GetLearningRate(10), 15);
    }

    [Fact]
    public void CosineDecay_WithWarmup_RisesLinearlyThenDecaysFromTheTarget()
    {
        // Keras's docstring example shape: from 0 to 0.1 over 10 steps, then cosine over 100 steps.
        var schedule = new CosineDecay(0.0, decaySteps: 100, warmupTarget: 0.1, warmupSteps: 10);
        Near(0.0, schedule.GetLearningRate(0));
        Near(0.05, schedule.GetLearningRate(5));
        Near(0.09, schedule.GetLearningRate(9));
        Near(0.1, schedule.GetLearningRate(10));           // decay(0) from the target
        Near(0.05, schedule.GetLearningRate(60));          // decay(50) = 0.1 · ½
        Assert.Equal(0.0, schedule.GetLearningRate(110), 15);
        Assert.Equal(0.0, schedule.GetLearningRate(5000), 15);

        // Warmup from a non-zero start: (target − initial) · s / warmupSteps + initial.
        var fromSmall = new CosineDecay(0.01, decaySteps: 20, alpha: 0.5, warmupTarget: 0.05, warmupSteps: 4);
        Near(0.02, fromSmall.GetLearningRate(1));
        Near(0.05 * (0.5 * 0.5 * (1 + Math.Cos(Math.PI * 6 / 20)) + 0.5), fromSmall.GetLearningRate(10));
    }

    [Fact]
    public void PiecewiseConstantDecay_UsesKerasBoundaries()
    {
        // values[0] while step <= 10, values[1] while 10 < step <= 20, values[2] after.
        var schedule = new PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]);
        Assert.Equal(1.0, schedule.GetLearningRate(0));
        Assert.Equal(1.0, schedule.GetLearningRate(10));
        Assert.Equal(0.5, schedule.GetLearningRate(11));
        Assert.Equal(0.5, schedule.GetLearningRate(20));
        Assert.Equal(0.1, schedule.GetLearningRate(21));
        Assert.Equal(0.1, schedule.GetLearningRate(1_000_000));
    }

    [Fact]
    public void BadSettings_AreRejectedWithTheParameterName()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialDecay(0.1, decaySteps: 0, decayRate: 0.9));
        Assert.Equal("decaySteps", e.ParamName);
        Assert.Contains("must be > 0", e.Message);
        Assert.Equal("initialLearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialDecay(double.NaN, 10, 0.9)).ParamName);
        Assert.Equal("decaySteps", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineDecay(0.1, decaySteps: -5)).ParamName);
        Assert.Equal("warmupSteps", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineDecay(0.1, 10, warmupTarget: 0.2, warmupSteps: -1)).ParamName);
        Assert.Equal("warmupTarget", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineDecay(0.1, 10, warmupTarget: double.PositiveInfinity)).ParamName);
        var lengths = Assert.Throws<ArgumentException>(() => new PiecewiseConstantDecay([10, 20], [1.0, 0.5]));
        Assert.Contains("boundaries of length 2, and values of length 2", lengths.Message);
        Assert.Contains("strictly increasing", Assert.Throws<ArgumentException>(() => new PiecewiseConstantDecay([10, 10], [1.0, 0.5, 0.1])).Message);
        Assert.Equal("values[1]", Assert.Throws<ArgumentOutOfRangeException>(() => new PiecewiseConstantDecay([10], [1.0, -0.5])).ParamName);
        Assert.Equal("learningRate", Assert.Throws<ArgumentNullException>(() => new Adam((LearningRateSchedule)null!)).ParamName);
    }

    [Fact]
    public void ToString_NamesTheSettings()
    {
        Assert.Equal("ExponentialDecay(initialLearningRate: 0.1, decaySteps: 1000, decayRate: 0.96, staircase: true)",
            new ExponentialDecay(0.1, 1000, 0.96, staircase: true).ToString());
        Assert.Equal("CosineDecay(initialLearningRate: 0, decaySteps: 100, alpha: 0, warmupTarget: 0.1, warmupSteps: 10)",
            new CosineDecay(0, 100, warmupTarget: 0.1, warmupSteps: 10).ToString());
        Assert.Equal("PiecewiseConstantDecay(boundaries: [10, 20], values: [1, 0.5, 0.1])",
            new PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]).ToString());
    }

    // ------------------------------------------------------------------ optimizers

    private static readonly LearningRateSchedule Decay = new ExponentialDecay(0.05, decaySteps: 2, decayRate: 0.5);

    public static Optimizer Create(string name, LearningRateSchedule? schedule) => (name, schedule) switch
    {
        ("sgd", null) => new Sgd(0.05f, momentum: 0.9f, nesterov: true),
        ("sgd", _) => new Sgd(schedule, momentum: 0.9f, nesterov: true),
        ("adam", null) => new Adam(0.05f),
        ("adam", _) => new Adam(schedule),
        ("rmsprop", null) => new RmsProp(0.05f, momentum: 0.5f, centered: true),
        ("rmsprop", _) => new RmsProp(schedule, momentum: 0.5f, centered: true),
        ("adagrad", null) => new AdaGrad(0.05f),
        ("adagrad", _) => new AdaGrad(schedule),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    [InlineData("rmsprop")]
    [InlineData("adagrad")]
    public void EveryOptimizer_UpdatesWithTheScheduleRateOfTheIterationsBeforeTheStep(string name)
    {
        // The reference: the same optimizer with a fixed rate, set by hand to schedule(k) before its
        // (k+1)-th update. 19 parameters: the vector loops and the scalar tail.
        const int n = 19, steps = 7;
        Optimizer scheduled = Create(name, Decay), manual = Create(name, null);
        float[] a = new float[n], b = new float[n];
        for (int i = 0; i < n; i++) a[i] = b[i] = 0.9f - 0.1f * i;
        scheduled.Build(n);
        manual.Build(n);
        for (int k = 0; k < steps; k++)
        {
            Assert.Equal((float)Decay.GetLearningRate(k), scheduled.LearningRate);   // the rate of the next update
            float[] g = new float[n];
            for (int i = 0; i < n; i++) g[i] = MathF.Sin(1.7f * i + k) * (i % 3 + 0.5f);
            manual.LearningRate = (float)Decay.GetLearningRate(k);
            scheduled.Apply(a, g);
            manual.Apply(b, g);
        }
        Assert.Equal(steps, scheduled.Iterations);
        for (int i = 0; i < n; i++)
            Assert.True(BitConverter.SingleToInt32Bits(a[i]) == BitConverter.SingleToInt32Bits(b[i]), $"parameter {i}: {a[i]:R} vs {b[i]:R}");
        // Not vacuous: with the first rate throughout the result differs.
        Optimizer constant = Create(name, null);
        float[] c = new float[n];
        for (int i = 0; i < n; i++) c[i] = 0.9f - 0.1f * i;
        constant.Build(n);
        for (int k = 0; k < steps; k++)
        {
            float[] g = new float[n];
            for (int i = 0; i < n; i++) g[i] = MathF.Sin(1.7f * i + k) * (i % 3 + 0.5f);
            constant.Apply(c, g);
        }
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void AConstantSchedule_TrainsExactlyAsTheSameFixedRate()
    {
        var (x, y) = Serialization.SerializationData.Classification();
        var fixedRate = new Serialization.ResumeNet(seed: 3);
        fixedRate.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.01f));
        fixedRate.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0);
        var scheduled = new Serialization.ResumeNet(seed: 3);
        scheduled.Compile(Loss.SparseCategoricalCrossentropy, new Adam(new PiecewiseConstantDecay([5], [0.01f, 0.01f])));
        scheduled.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0);
        Serialization.SerializationData.AssertBitIdentical(fixedRate.Parameters, scheduled.Parameters);
    }

    [Fact]
    public void AScheduledRate_CannotBeSet()
    {
        var adam = new Adam(Decay);
        Assert.Same(Decay, adam.Schedule);
        var e = Assert.Throws<InvalidOperationException>(() => adam.LearningRate = 0.1f);
        Assert.Contains("not settable", e.Message);
        Assert.Contains("ExponentialDecay(", e.Message);
        Assert.Null(new Adam(0.01f).Schedule);
    }

    private sealed class Broken : LearningRateSchedule
    {
        public override double GetLearningRate(long step) => step < 2 ? 0.01 : double.NaN;
    }

    [Fact]
    public void AScheduleReturningNaN_StopsTrainingWithAClearMessage()
    {
        var optimizer = new Sgd(new Broken());
        optimizer.Build(3);
        float[] w = new float[3], g = { 1, 2, 3 };
        optimizer.Apply(w, g);
        optimizer.Apply(w, g);
        var e = Assert.Throws<InvalidOperationException>(() => optimizer.Apply(w, g));
        Assert.Contains("returned NaN for step 2", e.Message);
        Assert.Contains("Broken", e.Message);
    }
}
