using System;
using System.Globalization;

namespace StaticNet;

/// <summary>
/// A learning rate that changes with every optimizer step: Keras's
/// <c>keras.optimizers.schedules.LearningRateSchedule</c>. Pass one to any optimizer instead of a
/// number (<c>new Adam(learningRate: new ExponentialDecay(0.01, decaySteps: 1000, decayRate: 0.9))</c>);
/// before each update the optimizer asks it for the rate of step <c>Iterations</c> (0 for the first
/// update), as Keras does.
/// </summary>
/// <remarks>
/// <para>Built in: <see cref="ExponentialDecay"/>, <see cref="CosineDecay"/> (with an optional linear
/// warmup), <see cref="PiecewiseConstantDecay"/>. Your own: subclass and override
/// <see cref="GetLearningRate"/>, a pure function of the step (a checkpoint stores only the step
/// count, so a resumed run asks for the same steps again).</para>
/// <para>Rates are computed in double precision and rounded to <c>float</c> for the update (Keras
/// computes in float32, so the last bit may differ from Keras's).</para>
/// </remarks>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate for the update that follows <paramref name="step"/> earlier updates (finite, at least 0).</summary>
    public abstract double GetLearningRate(long step);

    /// <summary>
    /// How checkpoints identify the schedule: 1 <see cref="ExponentialDecay"/>, 2 <see cref="CosineDecay"/>,
    /// 3 <see cref="PiecewiseConstantDecay"/>, 255 any other (identified by its <see cref="object.ToString"/>).
    /// </summary>
    internal virtual byte FormatCode => 255;

    /// <summary>The settings that make two schedules of the same kind equal, in a fixed order (docs/FORMATS.md).</summary>
    internal virtual double[] Configuration() => Array.Empty<double>();

    /// <summary>The learning rate of <paramref name="step"/> as the optimizer uses it, checked.</summary>
    internal float Evaluate(long step)
    {
        double rate = GetLearningRate(step);
        if (!(rate >= 0) || double.IsInfinity(rate))
            throw new InvalidOperationException(
                $"The learning-rate schedule {this} returned {rate.ToString(CultureInfo.InvariantCulture)} for step {step}; a learning rate must be a finite number of at least 0.");
        return (float)rate;
    }

    /// <summary>Writes a number as C# would read it back (invariant culture, round-trip).</summary>
    private protected static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private protected static void CheckRate(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"Expected {name} to be a finite number of at least 0; got {value.ToString(CultureInfo.InvariantCulture)}.");
    }

    private protected static void CheckSteps(long value, string name, bool allowZero = false)
    {
        if (allowZero ? value < 0 : value <= 0)
            throw new ArgumentOutOfRangeException(name, value, $"Argument `{name}` must be {(allowZero ? ">= 0" : "> 0")}. Received: {name}={value}");
    }
}
