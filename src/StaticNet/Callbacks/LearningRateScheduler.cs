using System;
using System.Globalization;

namespace StaticNet;

/// <summary>
/// Sets the optimizer's learning rate at the start of every epoch from a function of the epoch
/// (and the current rate): Keras's <c>keras.callbacks.LearningRateScheduler</c>.
/// </summary>
/// <remarks>
/// <para>At each epoch's start the schedule gets the epoch (from 0, continuing from <c>initialEpoch</c>)
/// and the current learning rate, and its result becomes the rate; at each epoch's end the rate is
/// recorded in the logs as <c>learning_rate</c> (so <see cref="History"/> has it, as in Keras 3).</para>
/// <para>A checkpoint saves the learning rate, so a run resumed with <c>initialEpoch</c> and the same
/// callback continues exactly (<c>(epoch, lr) =&gt; lr * 0.9</c> continues from the saved rate).</para>
/// <para>An optimizer created with a <see cref="LearningRateSchedule"/> has no settable rate: training
/// then fails at its start with <see cref="InvalidOperationException"/>, as Keras refuses to set it.</para>
/// </remarks>
public sealed class LearningRateScheduler : Callback
{
    private readonly Func<int, double, double> _schedule;

    /// <summary>Creates the callback from a function of the epoch and the current learning rate.</summary>
    /// <param name="schedule">(epoch, current rate) → the rate for this epoch, positive and finite.</param>
    /// <param name="verbose">1 prints <c>Epoch 3: LearningRateScheduler setting learning rate to 0.005.</c> at each epoch.</param>
    public LearningRateScheduler(Func<int, double, double> schedule, int verbose = 0)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        _schedule = schedule;
        Verbose = verbose;
    }

    /// <summary>Creates the callback from a function of the epoch alone.</summary>
    /// <param name="schedule">epoch → the rate for this epoch, positive and finite.</param>
    /// <param name="verbose">1 prints a line at each epoch.</param>
    public LearningRateScheduler(Func<int, double> schedule, int verbose = 0)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        _schedule = (epoch, _) => schedule(epoch);
        Verbose = verbose;
    }

    /// <summary>1 to print a line each time the rate is set.</summary>
    public int Verbose { get; }

    /// <inheritdoc/>
    public override void OnTrainBegin()
    {
        if (Optimizer().Schedule is LearningRateSchedule schedule)
            throw new InvalidOperationException(
                $"LearningRateScheduler cannot set the learning rate of an optimizer created with the schedule {schedule}: " +
                "use either the callback (and a number as the optimizer's learning rate) or the schedule.");
    }

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch)
    {
        Optimizer optimizer = Optimizer();
        double rate = _schedule(epoch, optimizer.LearningRate);
        float value = (float)rate;
        if (!float.IsFinite(value) || value <= 0)
            throw new InvalidOperationException(
                $"The LearningRateScheduler's schedule returned {rate.ToString(CultureInfo.InvariantCulture)} for epoch {epoch}; a learning rate must be a positive finite number (as a float).");
        optimizer.LearningRate = value;
        if (Verbose > 0)
            Out.WriteLine($"{Environment.NewLine}Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {PyFormat.Repr(rate)}.");
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, Logs logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        logs["learning_rate"] = Optimizer().LearningRate;
    }

    private Optimizer Optimizer() =>
        Model.Optimizer ?? throw new InvalidOperationException("LearningRateScheduler needs a compiled model.");
}
