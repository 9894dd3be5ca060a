using System;
using System.IO;

namespace StaticNet;

/// <summary>
/// Hooks into <c>Fit</c>, as Keras's <c>keras.callbacks.Callback</c>: subclass it and override
/// the methods you need, or use <see cref="LambdaCallback"/>. Pass instances with
/// <c>Fit(..., callbacks: [new EarlyStopping(patience: 3), myCallback])</c>.
/// </summary>
/// <remarks>
/// <para>Order of calls in one <c>Fit</c> (Keras's): <see cref="OnTrainBegin"/>; then for each epoch
/// <see cref="OnEpochBegin"/>, for each batch <see cref="OnBatchBegin"/> and
/// <see cref="OnBatchEnd"/>, then (after the validation pass) <see cref="OnEpochEnd"/>; finally
/// <see cref="OnTrainEnd"/>. Within one event the callbacks run in the order given, and before
/// <c>Fit</c> records the epoch in <see cref="History"/> and prints its progress line, so values a
/// callback adds to the epoch logs are recorded and printed.</para>
/// <para>To stop training set <see cref="NeuralNetwork.StopTraining"/> (<c>Model.StopTraining = true</c>):
/// <c>Fit</c> checks it after every batch and after every epoch, finishes the epoch's bookkeeping
/// (validation, <see cref="OnEpochEnd"/>) and calls <see cref="OnTrainEnd"/>. If training is
/// cancelled through its <see cref="System.Threading.CancellationToken"/> or a callback throws,
/// <see cref="OnTrainEnd"/> is not called.</para>
/// <para>Batch and epoch numbers count from 0; epochs continue from <c>initialEpoch</c>.</para>
/// </remarks>
public abstract class Callback
{
    private NeuralNetwork? _model;

    /// <summary>The model being trained, set by <c>Fit</c> (or by <see cref="SetModel"/>).</summary>
    /// <exception cref="InvalidOperationException">The callback has not been attached to a model.</exception>
    public NeuralNetwork Model =>
        _model ?? throw new InvalidOperationException($"{GetType().Name} is not attached to a model: pass it to Fit(..., callbacks: ...) or call SetModel.");

    /// <summary>Whether a model is attached.</summary>
    public bool HasModel => _model is not null;

    /// <summary>Attaches the callback to a model (Keras's <c>set_model</c>); <c>Fit</c> does this for you.</summary>
    public void SetModel(NeuralNetwork model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
    }

    /// <summary>Called once when training starts, after <see cref="NeuralNetwork.StopTraining"/> is reset to false.</summary>
    public virtual void OnTrainBegin() { }

    /// <summary>Called once when training ends normally (also after a stop request); <paramref name="logs"/> are the last epoch's (empty if no epoch ran).</summary>
    public virtual void OnTrainEnd(Logs logs) { }

    /// <summary>Called at the start of epoch <paramref name="epoch"/> (from <c>initialEpoch</c>, counting from 0).</summary>
    public virtual void OnEpochBegin(int epoch) { }

    /// <summary>
    /// Called at the end of an epoch with its mean training loss and metrics and, when there is
    /// validation data, <c>val_loss</c> and <c>val_&lt;metric&gt;</c>. The logs are this epoch's own
    /// object; entries added here are recorded in <see cref="History"/>.
    /// </summary>
    public virtual void OnEpochEnd(int epoch, Logs logs) { }

    /// <summary>Called before batch <paramref name="batch"/> (counting from 0 in each epoch).</summary>
    public virtual void OnBatchBegin(int batch) { }

    /// <summary>
    /// Called after a batch's step with the running means of the epoch so far (<c>loss</c> and each
    /// metric), as Keras's <c>on_train_batch_end</c>. The same <see cref="Logs"/> object is reused
    /// for every batch: copy it (<see cref="Logs.Copy"/>) to keep values.
    /// </summary>
    public virtual void OnBatchEnd(int batch, Logs logs) { }

    /// <summary>Where callbacks print messages: the model's <see cref="NeuralNetwork.ProgressOutput"/>, or the console.</summary>
    private protected TextWriter Out => _model?.ProgressOutput ?? Console.Out;

    /// <summary>Where callbacks print warnings: the model's <see cref="NeuralNetwork.ProgressOutput"/>, or standard error.</summary>
    private protected TextWriter Warnings => _model?.ProgressOutput ?? Console.Error;
}

/// <summary>Whether a monitored quantity should go down or up (Keras's <c>mode</c>).</summary>
public enum MonitorMode
{
    /// <summary>
    /// Inferred from the name: <c>loss</c>/<c>val_loss</c> go down; a compiled metric goes the way
    /// it improves (accuracies up, mean absolute error down); any other name goes up if it
    /// contains <c>acc</c> and down otherwise.
    /// </summary>
    Auto,

    /// <summary>Lower is better.</summary>
    Min,

    /// <summary>Higher is better.</summary>
    Max,
}

internal static class Monitoring
{
    /// <summary>Whether higher values of <paramref name="monitor"/> are better under <paramref name="mode"/>.</summary>
    public static bool Maximizes(string monitor, MonitorMode mode, NeuralNetwork? model)
    {
        switch (mode)
        {
            case MonitorMode.Min: return false;
            case MonitorMode.Max: return true;
        }
        // Keras 3's MonitorCallback: strip "val_", "loss" is minimized, a compiled metric goes its own way.
        string name = monitor.StartsWith("val_", StringComparison.Ordinal) ? monitor[4..] : monitor;
        name = MetricNames.Expand(name) ?? name;   // Keras's short names: "acc", "mae"
        if (name == "loss") return false;
        if (model is not null)
            foreach (Metric m in model.Metrics)
                if (m.Name == name) return m.HigherIsBetter;
        // Keras 2's rule for names Keras 3 would reject as ambiguous.
        return monitor.Contains("acc", StringComparison.Ordinal);
    }

    public static void CheckMode(MonitorMode mode, string paramName)
    {
        if (mode is not (MonitorMode.Auto or MonitorMode.Min or MonitorMode.Max))
            throw new ArgumentOutOfRangeException(paramName, mode, "Expected MonitorMode.Auto, Min or Max.");
    }

    public static string Available(Logs logs) => string.Join(",", logs.Keys);
}
