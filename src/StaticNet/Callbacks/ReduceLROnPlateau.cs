using System;
using System.Globalization;

namespace StaticNet;

/// <summary>
/// Multiplies the optimizer's learning rate by <see cref="Factor"/> when a monitored quantity has
/// stopped improving: Keras's <c>keras.callbacks.ReduceLROnPlateau</c> (Keras 3 semantics).
/// </summary>
/// <remarks>
/// <para>At every epoch end it first records the current learning rate in the logs as
/// <c>learning_rate</c> (so <see cref="History"/> has it, as in Keras 3). Then, if the monitored
/// value is present: during a cooldown the cooldown counter is decremented and the wait reset; an
/// improvement (min mode: <c>current &lt; best − minDelta</c>; max mode: <c>current &gt; best + minDelta</c>)
/// becomes the best and resets the wait; otherwise, outside a cooldown, the wait is incremented and
/// when it reaches <see cref="Patience"/> and the learning rate is above <see cref="MinLr"/>, the rate
/// becomes <c>max(lr · factor, minLr)</c>, the cooldown starts and the wait is reset. The state is reset
/// when training begins.</para>
/// <para>An optimizer created with a <see cref="LearningRateSchedule"/> has no settable rate: training
/// then fails at its start with <see cref="InvalidOperationException"/>.</para>
/// </remarks>
public sealed class ReduceLROnPlateau : Callback
{
    private bool _maximize;
    private bool _warned;

    /// <summary>Creates the callback (Keras's defaults).</summary>
    /// <param name="monitor">The logs key to watch.</param>
    /// <param name="factor">The multiplier, in (0, 1).</param>
    /// <param name="patience">Epochs without improvement before a reduction.</param>
    /// <param name="verbose">1 prints a line at each reduction.</param>
    /// <param name="mode">Whether lower or higher is better; <see cref="MonitorMode.Auto"/> infers it from the name.</param>
    /// <param name="minDelta">The threshold for a new optimum.</param>
    /// <param name="cooldown">Epochs to wait after a reduction before counting again.</param>
    /// <param name="minLr">The lower bound on the learning rate.</param>
    public ReduceLROnPlateau(string monitor = "val_loss", double factor = 0.1, int patience = 10, int verbose = 0,
        MonitorMode mode = MonitorMode.Auto, double minDelta = 1e-4, int cooldown = 0, double minLr = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        // Keras rejects factor >= 1; a factor of 0 (or below) would set a learning rate the optimizers reject.
        if (!(factor > 0 && factor < 1))
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "ReduceLROnPlateau needs a factor in (0, 1).");
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
        if (!(minLr >= 0) || double.IsInfinity(minLr))
            throw new ArgumentOutOfRangeException(nameof(minLr), minLr, "Expected a non-negative finite minimum learning rate.");
        if (double.IsNaN(minDelta)) throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "Expected a number.");
        Monitoring.CheckMode(mode, nameof(mode));
        Monitor = monitor;
        Factor = factor;
        Patience = patience;
        Verbose = verbose;
        Mode = mode;
        MinDelta = minDelta;
        Cooldown = cooldown;
        MinLr = minLr;
        Reset();
    }

    /// <summary>The logs key watched.</summary>
    public string Monitor { get; }

    /// <summary>The multiplier applied at each reduction.</summary>
    public double Factor { get; }

    /// <summary>Epochs without improvement before a reduction.</summary>
    public int Patience { get; }

    /// <summary>1 to print messages.</summary>
    public int Verbose { get; }

    /// <summary>The direction setting.</summary>
    public MonitorMode Mode { get; }

    /// <summary>The threshold for a new optimum.</summary>
    public double MinDelta { get; }

    /// <summary>Epochs of cooldown after a reduction.</summary>
    public int Cooldown { get; }

    /// <summary>The lower bound on the learning rate.</summary>
    public double MinLr { get; }

    /// <summary>Epochs without improvement, outside cooldowns.</summary>
    public int Wait { get; private set; }

    /// <summary>Cooldown epochs left.</summary>
    public int CooldownCounter { get; private set; }

    /// <summary>The best value seen since training began.</summary>
    public double Best { get; private set; }

    /// <summary>Whether a cooldown is running.</summary>
    public bool InCooldown => CooldownCounter > 0;

    private void Reset()
    {
        // Keras: mode 'min', or 'auto' for a name without "acc", minimizes.
        _maximize = Mode == MonitorMode.Max || (Mode == MonitorMode.Auto && Monitoring.Maximizes(Monitor, Mode, HasModel ? Model : null));
        Best = _maximize ? double.NegativeInfinity : double.PositiveInfinity;
        CooldownCounter = 0;
        Wait = 0;
        _warned = false;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The optimizer follows a <see cref="LearningRateSchedule"/>, whose rate cannot be set (Keras refuses too).</exception>
    public override void OnTrainBegin()
    {
        // Keras fails when it first tries to lower the rate; failing before the first epoch wastes no training.
        if (HasModel && Model.Optimizer?.Schedule is LearningRateSchedule schedule)
            throw new InvalidOperationException(
                $"ReduceLROnPlateau cannot change the learning rate of an optimizer created with the schedule {schedule}: " +
                "use either the callback (and a number as the optimizer's learning rate) or the schedule.");
        Reset();
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, Logs logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        Optimizer optimizer = Model.Optimizer ?? throw new InvalidOperationException("ReduceLROnPlateau needs a compiled model.");
        logs["learning_rate"] = optimizer.LearningRate;
        if (!logs.TryGetValue(Monitor, out double current))
        {
            if (!_warned)
                Warnings.WriteLine($"Warning: Learning rate reduction is conditioned on metric `{Monitor}` which is not available. Available metrics are: {Monitoring.Available(logs)}.");
            _warned = true;
            return;
        }

        if (InCooldown)
        {
            CooldownCounter--;
            Wait = 0;
        }

        if (_maximize ? current > Best + MinDelta : current < Best - MinDelta)
        {
            Best = current;
            Wait = 0;
        }
        else if (!InCooldown)
        {
            Wait++;
            if (Wait >= Patience)
            {
                double oldLr = optimizer.LearningRate;
                if (oldLr > (float)MinLr)
                {
                    double newLr = Math.Max(oldLr * Factor, MinLr);
                    // The optimizers need a positive rate: an underflow to 0 keeps the smallest float.
                    optimizer.LearningRate = Math.Max((float)newLr, float.Epsilon);
                    if (Verbose > 0)
                        Out.WriteLine($"{Environment.NewLine}Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {PyFormat.Repr(newLr)}.");
                    CooldownCounter = Cooldown;
                    Wait = 0;
                }
            }
        }
    }
}
