using System;

namespace StaticNet;

/// <summary>
/// Stops training when a monitored quantity has stopped improving: Keras's
/// <c>keras.callbacks.EarlyStopping</c>, following Keras 3 (3.x source, the <c>MonitorCallback</c>
/// version) step for step.
/// </summary>
/// <remarks>
/// <para>At the end of every epoch from <see cref="StartFromEpoch"/> on, with the monitored value
/// <c>current</c> present in the logs: <see cref="Wait"/> is incremented; if <c>current</c> is an
/// improvement on <see cref="Best"/> (min mode: <c>current + |minDelta| &lt; best</c>; max mode:
/// <c>current - |minDelta| &gt; best</c>), it becomes the best (and its weights are kept when
/// <see cref="RestoreBestWeights"/>), and <see cref="Wait"/> is reset to 0 only if there is no
/// <see cref="Baseline"/> or <c>current</c> is also an improvement on the baseline. Otherwise, when
/// <c>Wait &gt;= Patience</c> and the epoch is not epoch 0, training stops
/// (<see cref="StoppedEpoch"/> = that epoch). A missing monitored value prints a warning and is skipped.</para>
/// <para>With <see cref="RestoreBestWeights"/>, the first monitored epoch's weights are kept even if
/// they do not improve, and the best weights are restored when training ends — as in Keras 3,
/// whether or not training stopped early (Keras 2 restored only on an early stop).</para>
/// <para>As in Keras 3, <see cref="Wait"/>, <see cref="StoppedEpoch"/> and the best weights are reset
/// when training begins, but <see cref="Best"/> is not: a second <c>Fit</c> with the same instance
/// must improve on the first one's best.</para>
/// </remarks>
public sealed class EarlyStopping : Callback
{
    private double _minDelta;      // Signed as Keras: negative in min mode once the direction is known.
    private bool _directionKnown;
    private bool _maximize;
    private float[]? _bestWeights;
    private bool _hasBestWeights;
    private bool _warned;

    /// <summary>Creates the callback (Keras's defaults).</summary>
    /// <param name="monitor">The logs key to watch, such as <c>val_loss</c>, <c>loss</c> or <c>val_accuracy</c>.</param>
    /// <param name="minDelta">The smallest change that counts as an improvement (its absolute value is used).</param>
    /// <param name="patience">Epochs without improvement after which training stops.</param>
    /// <param name="verbose">1 prints <c>Epoch N: early stopping</c> and the restore message.</param>
    /// <param name="mode">Whether lower or higher is better; <see cref="MonitorMode.Auto"/> infers it from the name.</param>
    /// <param name="baseline">A value the monitored quantity must beat; until it does, the wait counter is not reset.</param>
    /// <param name="restoreBestWeights">Restore the weights of the best epoch when training ends.</param>
    /// <param name="startFromEpoch">Epochs (absolute numbers, from 0) to ignore before monitoring starts.</param>
    public EarlyStopping(string monitor = "val_loss", double minDelta = 0, int patience = 0, int verbose = 0,
        MonitorMode mode = MonitorMode.Auto, double? baseline = null, bool restoreBestWeights = false, int startFromEpoch = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        if (double.IsNaN(minDelta)) throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "Expected a number.");
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(startFromEpoch);
        Monitoring.CheckMode(mode, nameof(mode));
        Monitor = monitor;
        MinDelta = Math.Abs(minDelta);
        _minDelta = MinDelta;
        Patience = patience;
        Verbose = verbose;
        Mode = mode;
        Baseline = baseline;
        RestoreBestWeights = restoreBestWeights;
        StartFromEpoch = startFromEpoch;
    }

    /// <summary>The logs key watched.</summary>
    public string Monitor { get; }

    /// <summary>The smallest change that counts as an improvement (non-negative).</summary>
    public double MinDelta { get; }

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; }

    /// <summary>1 to print messages.</summary>
    public int Verbose { get; }

    /// <summary>The direction setting.</summary>
    public MonitorMode Mode { get; }

    /// <summary>The value to beat, or null.</summary>
    public double? Baseline { get; }

    /// <summary>Whether the best epoch's weights are restored when training ends.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>The first epoch monitored.</summary>
    public int StartFromEpoch { get; }

    /// <summary>Epochs since the counter was last reset.</summary>
    public int Wait { get; private set; }

    /// <summary>The epoch at which training was stopped, or 0 if it was not.</summary>
    public int StoppedEpoch { get; private set; }

    /// <summary>The best value seen: NaN until the first epoch end, then ±infinity until a monitored value improves on it.</summary>
    public double Best { get; private set; } = double.NaN;

    /// <summary>The epoch of <see cref="Best"/> (or of the kept weights), from 0.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>Whether higher values are better (known after the first epoch end).</summary>
    public bool Maximizes => _directionKnown ? _maximize : Mode == MonitorMode.Max;

    /// <inheritdoc/>
    public override void OnTrainBegin()
    {
        Wait = 0;
        StoppedEpoch = 0;
        _hasBestWeights = false;
        BestEpoch = 0;
        _warned = false;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, Logs logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        if (!_directionKnown)
        {
            // Delayed until the model's metrics are known, once per instance (Keras's _set_monitor_op).
            _maximize = Monitoring.Maximizes(Monitor, Mode, HasModel ? Model : null);
            if (!_maximize) _minDelta = -_minDelta;
            Best = _maximize ? double.NegativeInfinity : double.PositiveInfinity;
            _directionKnown = true;
        }

        if (!logs.TryGetValue(Monitor, out double current))
        {
            if (!_warned)
                Warnings.WriteLine($"Warning: Early stopping conditioned on metric `{Monitor}` which is not available. Available metrics are: {Monitoring.Available(logs)}");
            _warned = true;
            return;
        }
        if (epoch < StartFromEpoch) return;

        if (RestoreBestWeights && !_hasBestWeights)
        {
            // If best weights were never set, the current weights are the best.
            SaveWeights();
            BestEpoch = epoch;
        }

        Wait++;
        if (IsImprovement(current, Best))
        {
            Best = current;
            BestEpoch = epoch;
            if (RestoreBestWeights) SaveWeights();
            // Only restart the wait if we beat both the baseline and our previous best.
            if (Baseline is not double baseline || IsImprovement(current, baseline)) Wait = 0;
            return;
        }

        if (Wait >= Patience && epoch > 0)
        {
            StoppedEpoch = epoch;
            Model.StopTraining = true;
        }
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(Logs logs)
    {
        if (StoppedEpoch > 0 && Verbose > 0) Out.WriteLine($"Epoch {StoppedEpoch + 1}: early stopping");
        if (RestoreBestWeights && _hasBestWeights)
        {
            if (Verbose > 0) Out.WriteLine($"Restoring model weights from the end of the best epoch: {BestEpoch + 1}.");
            _bestWeights.AsSpan().CopyTo(Model.WritableParameters);
        }
    }

    private bool IsImprovement(double value, double reference) =>
        _maximize ? value - _minDelta > reference : value - _minDelta < reference;

    private void SaveWeights()
    {
        ReadOnlySpan<float> parameters = Model.ReadableParameters;
        if (_bestWeights is null || _bestWeights.Length != parameters.Length) _bestWeights = new float[parameters.Length];
        parameters.CopyTo(_bestWeights);
        _hasBestWeights = true;
    }
}
