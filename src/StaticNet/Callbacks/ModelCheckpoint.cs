using System;
using System.IO;

namespace StaticNet;

/// <summary>
/// Saves the model at the end of every epoch, or only when a monitored quantity improves: Keras's
/// <c>keras.callbacks.ModelCheckpoint</c> with <c>save_freq="epoch"</c> (Keras 3 semantics). By
/// default, as Keras saves the whole model, it writes a full checkpoint
/// (<see cref="NeuralNetwork.SaveCheckpoint(string)"/>: weights, optimizer state, the generator
/// that shuffles and draws dropout masks, and the epochs completed), from which
/// <see cref="NeuralNetwork.LoadCheckpoint(string)"/> + <c>Fit(..., initialEpoch: info.Epoch)</c>
/// continues exactly as if training had not stopped. With <c>saveWeightsOnly: true</c> it writes
/// the weights only (<see cref="NeuralNetwork.SaveWeights(string)"/>, for <see cref="NeuralNetwork.LoadWeights(string)"/>).
/// </summary>
/// <remarks>
/// <para>A checkpoint saved at the end of epoch <c>e</c> (from 0) records <c>e + 1</c> completed epochs,
/// the <c>initialEpoch</c> to resume with. It holds the model's state, not the callbacks': a resumed
/// run starts <see cref="EarlyStopping"/>, <see cref="ReduceLROnPlateau"/> and this callback's
/// <see cref="Best"/> afresh, as Keras does. Callbacks run in the order given, so a callback listed
/// after this one that changes the model at the same epoch end (such as <see cref="ReduceLROnPlateau"/>
/// lowering the rate) is not in that epoch's file: list <see cref="ModelCheckpoint"/> last.</para>
/// <para>The path may hold Python-style fields, filled from the 1-based epoch number and the epoch's
/// logs as Keras's <c>filepath.format(epoch=epoch + 1, **logs)</c>: <c>"ckpt/weights.{epoch:02d}-{val_loss:.2f}.bin"</c>
/// gives <c>ckpt/weights.03-0.16.bin</c>. Supported specs: <c>{epoch}</c>, <c>{epoch:02d}</c>,
/// <c>{val_loss:.4f}</c>, <c>{loss:.2e}</c>, width, fill and alignment; <c>{{</c>/<c>}}</c> are braces. A
/// field naming a key that is not in the logs throws <see cref="System.Collections.Generic.KeyNotFoundException"/>.
/// Missing folders are created. Each save is atomic (written beside the target and renamed).</para>
/// <para>With <see cref="SaveBestOnly"/>, a save happens only when the monitored value improves on
/// the best so far (strictly: lower in min mode, higher in max mode), starting from
/// <c>initialValueThreshold</c> or ±infinity; if the value is missing, a warning is printed and the
/// model is saved. As in Keras 3 the best value is kept across <c>Fit</c> calls.</para>
/// <para>Unlike Keras, it never saves a diverged model: when any weight or bias is NaN or infinite,
/// or the epoch's <c>loss</c> or the monitored value is, the save is skipped with a warning
/// (<c>Epoch 7: not saving to ...: the loss is NaN ...</c>, to the model's <see cref="NeuralNetwork.ProgressOutput"/>
/// or standard error), so the last good file stays as it was. <see cref="Best"/> is not updated.</para>
/// </remarks>
public sealed class ModelCheckpoint : Callback
{
    private bool _directionKnown;
    private bool _maximize;

    /// <summary>Creates the callback (Keras's defaults).</summary>
    /// <param name="filePath">Where to save; may hold <c>{epoch}</c>-style fields.</param>
    /// <param name="monitor">The logs key to compare when <paramref name="saveBestOnly"/>.</param>
    /// <param name="verbose">1 prints a line for each decision and save.</param>
    /// <param name="saveBestOnly">Save only when the monitored value improves.</param>
    /// <param name="mode">Whether lower or higher is better; <see cref="MonitorMode.Auto"/> infers it from the name.</param>
    /// <param name="initialValueThreshold">The value a first save must beat (with <paramref name="saveBestOnly"/>).</param>
    /// <param name="saveWeightsOnly">Save the weights only (Keras's <c>save_weights_only</c>), not the full checkpoint.</param>
    public ModelCheckpoint(string filePath, string monitor = "val_loss", int verbose = 0, bool saveBestOnly = false,
        MonitorMode mode = MonitorMode.Auto, double? initialValueThreshold = null, bool saveWeightsOnly = false)
    {
        SaveWeightsOnly = saveWeightsOnly;
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        Monitoring.CheckMode(mode, nameof(mode));
        FilePath = filePath;
        Monitor = monitor;
        Verbose = verbose;
        SaveBestOnly = saveBestOnly;
        Mode = mode;
        Best = initialValueThreshold ?? double.NaN;
        _hasInitialBest = initialValueThreshold.HasValue;
    }

    private readonly bool _hasInitialBest;

    /// <summary>The path template.</summary>
    public string FilePath { get; }

    /// <summary>The logs key compared when <see cref="SaveBestOnly"/>.</summary>
    public string Monitor { get; }

    /// <summary>1 to print messages.</summary>
    public int Verbose { get; }

    /// <summary>Whether only improvements are saved.</summary>
    public bool SaveBestOnly { get; }

    /// <summary>Whether only the weights are saved (<see cref="NeuralNetwork.SaveWeights(string)"/>) rather than a full checkpoint.</summary>
    public bool SaveWeightsOnly { get; }

    /// <summary>The direction setting.</summary>
    public MonitorMode Mode { get; }

    /// <summary>The best monitored value so far (NaN until the first epoch end without a threshold).</summary>
    public double Best { get; private set; }

    /// <summary>The path of the last file written, or null.</summary>
    public string? LastSavedPath { get; private set; }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, Logs logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        if (!_directionKnown)
        {
            _maximize = Monitoring.Maximizes(Monitor, Mode, HasModel ? Model : null);
            if (!_hasInitialBest) Best = _maximize ? double.NegativeInfinity : double.PositiveInfinity;
            _directionKnown = true;
        }

        string path = FormatPath(epoch, logs);
        if (NonFiniteReason(logs) is string reason)
        {
            Warnings.WriteLine($"{Environment.NewLine}Epoch {epoch + 1}: not saving to {path}: {reason}; the previous file is kept.");
            return;
        }
        if (!ShouldSave(epoch, logs, path)) return;
        string? folder = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        if (SaveWeightsOnly) Model.SaveWeights(path);
        else Model.SaveCheckpoint(path);
        LastSavedPath = path;
        if (Verbose > 0) Out.WriteLine($"{Environment.NewLine}Epoch {epoch + 1}: finished saving model to {path}");
    }

    /// <summary>The path for an epoch (from 0) and its logs.</summary>
    public string FormatPath(int epoch, Logs logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        return PyFormat.FormatFields(FilePath, name =>
        {
            if (name == "epoch") return (true, epoch + 1, true);
            return logs.TryGetValue(name, out double value) ? (true, value, false) : (false, 0, false);
        });
    }

    /// <summary>Why the model must not be saved (non-finite loss, monitored value or parameters), or null.</summary>
    private string? NonFiniteReason(Logs logs)
    {
        if (logs.TryGetValue("loss", out double loss) && !double.IsFinite(loss))
            return $"the loss is {PyFormat.Repr(loss)} (training diverged)";
        if (logs.TryGetValue(Monitor, out double current) && !double.IsFinite(current))
            return $"{Monitor} is {PyFormat.Repr(current)}";
        ReadOnlySpan<float> parameters = Model.ReadableParameters;
        for (int i = 0; i < parameters.Length; i++)
            if (!float.IsFinite(parameters[i]))
                return $"parameter {i} is {PyFormat.Repr(parameters[i])} (training diverged)";
        return null;
    }

    private bool ShouldSave(int epoch, Logs logs, string path)
    {
        if (!SaveBestOnly)
        {
            if (Verbose > 0) Out.WriteLine($"{Environment.NewLine}Epoch {epoch + 1}: saving model to {path}");
            return true;
        }
        if (!logs.TryGetValue(Monitor, out double current))
        {
            Warnings.WriteLine($"Warning: Can save best model only with {Monitor} available.");
            return true;
        }
        string best = PyFormat.Fixed(Best, 5);
        if (_maximize ? current > Best : current < Best)
        {
            if (Verbose > 0)
                Out.WriteLine($"{Environment.NewLine}Epoch {epoch + 1}: {Monitor} improved from {best} to {PyFormat.Fixed(current, 5)}, saving model to {path}");
            Best = current;
            return true;
        }
        if (Verbose > 0) Out.WriteLine($"{Environment.NewLine}Epoch {epoch + 1}: {Monitor} did not improve from {best}");
        return false;
    }
}
