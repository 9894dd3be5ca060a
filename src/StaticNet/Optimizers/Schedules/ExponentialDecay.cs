using System;

namespace StaticNet;

/// <summary>
/// Keras's <c>keras.optimizers.schedules.ExponentialDecay</c>:
/// <c>initialLearningRate · decayRate^(step / decaySteps)</c>, with the exponent rounded down
/// (<c>floor(step / decaySteps)</c>) when <see cref="Staircase"/>, so that the rate drops at whole
/// multiples of <see cref="DecaySteps"/>.
/// </summary>
public sealed class ExponentialDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate at step 0, finite and at least 0.</param>
    /// <param name="decaySteps">Steps per factor of <paramref name="decayRate"/>, positive.</param>
    /// <param name="decayRate">The factor per <paramref name="decaySteps"/> steps, finite and at least 0.</param>
    /// <param name="staircase">Decay in whole steps of <paramref name="decayRate"/> rather than continuously.</param>
    public ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate, bool staircase = false)
    {
        CheckRate(initialLearningRate, nameof(initialLearningRate));
        CheckSteps(decaySteps, nameof(decaySteps));
        CheckRate(decayRate, nameof(decayRate));
        InitialLearningRate = initialLearningRate;
        DecaySteps = decaySteps;
        DecayRate = decayRate;
        Staircase = staircase;
    }

    /// <summary>The rate at step 0.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Steps per factor of <see cref="DecayRate"/>.</summary>
    public long DecaySteps { get; }

    /// <summary>The factor per <see cref="DecaySteps"/> steps.</summary>
    public double DecayRate { get; }

    /// <summary>Whether the exponent is rounded down to a whole number.</summary>
    public bool Staircase { get; }

    /// <inheritdoc/>
    public override double GetLearningRate(long step)
    {
        double p = (double)step / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return InitialLearningRate * Math.Pow(DecayRate, p);
    }

    internal override byte FormatCode => 1;

    internal override double[] Configuration() => new[] { InitialLearningRate, DecaySteps, DecayRate, Staircase ? 1 : 0 };

    /// <summary>For example <c>ExponentialDecay(initialLearningRate: 0.1, decaySteps: 1000, decayRate: 0.96, staircase: true)</c>.</summary>
    public override string ToString() =>
        $"ExponentialDecay(initialLearningRate: {Format(InitialLearningRate)}, decaySteps: {DecaySteps}, decayRate: {Format(DecayRate)}, staircase: {(Staircase ? "true" : "false")})";
}
