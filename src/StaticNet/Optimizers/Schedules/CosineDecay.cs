using System;

namespace StaticNet;

/// <summary>
/// Keras's <c>keras.optimizers.schedules.CosineDecay</c>: a cosine curve from a start rate down to
/// <c>alpha</c> times it over <see cref="DecaySteps"/> steps, then constant; optionally preceded by a
/// linear warmup from <see cref="InitialLearningRate"/> to <see cref="WarmupTarget"/> over
/// <see cref="WarmupSteps"/> steps (the decay then starts from <see cref="WarmupTarget"/>).
/// </summary>
/// <remarks>
/// With <c>decayed(s, from) = from · ((1 − alpha) · ½(1 + cos(π · s / decaySteps)) + alpha)</c>:
/// without a warmup target the rate is <c>decayed(min(step, decaySteps), initialLearningRate)</c>;
/// with one, <c>s = min(step, decaySteps + warmupSteps)</c> and the rate is
/// <c>(warmupTarget − initialLearningRate) · s / warmupSteps + initialLearningRate</c> while
/// <c>s &lt; warmupSteps</c>, then <c>decayed(s − warmupSteps, warmupTarget)</c>. Keras's formulas, step for step.
/// </remarks>
public sealed class CosineDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate at step 0 (the start of the warmup when there is one), finite and at least 0.</param>
    /// <param name="decaySteps">Steps of the cosine decay, positive.</param>
    /// <param name="alpha">The final rate as a fraction of the rate the decay starts from, finite and at least 0.</param>
    /// <param name="warmupTarget">The rate the warmup reaches; null for no warmup (Keras's <c>None</c>).</param>
    /// <param name="warmupSteps">Steps of the linear warmup, at least 0.</param>
    public CosineDecay(double initialLearningRate, long decaySteps, double alpha = 0, double? warmupTarget = null, long warmupSteps = 0)
    {
        CheckRate(initialLearningRate, nameof(initialLearningRate));
        CheckSteps(decaySteps, nameof(decaySteps));
        CheckRate(alpha, nameof(alpha));
        if (warmupTarget is double target) CheckRate(target, nameof(warmupTarget));
        CheckSteps(warmupSteps, nameof(warmupSteps), allowZero: true);
        InitialLearningRate = initialLearningRate;
        DecaySteps = decaySteps;
        Alpha = alpha;
        WarmupTarget = warmupTarget;
        WarmupSteps = warmupSteps;
    }

    /// <summary>The rate at step 0.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Steps of the cosine decay.</summary>
    public long DecaySteps { get; }

    /// <summary>The final rate as a fraction of the rate the decay starts from.</summary>
    public double Alpha { get; }

    /// <summary>The rate the warmup reaches, or null without a warmup.</summary>
    public double? WarmupTarget { get; }

    /// <summary>Steps of the warmup.</summary>
    public long WarmupSteps { get; }

    /// <inheritdoc/>
    public override double GetLearningRate(long step)
    {
        double s = step;
        if (WarmupTarget is not double target)
            return Decayed(Math.Min(s, DecaySteps), InitialLearningRate);
        s = Math.Min(s, (double)DecaySteps + WarmupSteps);
        return s < WarmupSteps
            ? (target - InitialLearningRate) * (s / WarmupSteps) + InitialLearningRate
            : Decayed(s - WarmupSteps, target);
    }

    private double Decayed(double step, double from)
    {
        double cosine = 0.5 * (1.0 + Math.Cos(Math.PI * (step / DecaySteps)));
        return from * ((1 - Alpha) * cosine + Alpha);
    }

    internal override byte FormatCode => 2;

    internal override double[] Configuration() => new[] { InitialLearningRate, DecaySteps, Alpha, WarmupTarget ?? double.NaN, WarmupSteps };

    /// <summary>For example <c>CosineDecay(initialLearningRate: 0.1, decaySteps: 1000, alpha: 0)</c>.</summary>
    public override string ToString() =>
        $"CosineDecay(initialLearningRate: {Format(InitialLearningRate)}, decaySteps: {DecaySteps}, alpha: {Format(Alpha)}" +
        (WarmupTarget is double t ? $", warmupTarget: {Format(t)}, warmupSteps: {WarmupSteps})" : ")");
}
