using System;

namespace StaticNet;

/// <summary>
/// Stops training when a batch's loss becomes NaN or infinite: Keras's
/// <c>keras.callbacks.TerminateOnNaN</c>. It reads <c>loss</c> from the batch logs (the epoch's
/// running mean, which turns non-finite with the first non-finite batch), prints
/// <c>Batch N: Invalid loss, terminating training</c> and sets <see cref="NeuralNetwork.StopTraining"/>;
/// the epoch then ends as usual (validation, <c>OnEpochEnd</c>) and <c>OnTrainEnd</c> runs.
/// With <c>raiseError: true</c> it throws instead, skipping the end-of-training callbacks.
/// </summary>
public sealed class TerminateOnNaN : Callback
{
    /// <summary>Creates the callback.</summary>
    /// <param name="raiseError">Throw <see cref="InvalidOperationException"/> (Keras's <c>RuntimeError</c>) instead of stopping gracefully.</param>
    public TerminateOnNaN(bool raiseError = false) => RaiseError = raiseError;

    /// <summary>Whether a non-finite loss throws rather than stopping gracefully.</summary>
    public bool RaiseError { get; }

    /// <summary>The batch at which a non-finite loss was seen in the last training run, or −1.</summary>
    public int TerminatedAtBatch { get; private set; } = -1;

    /// <inheritdoc/>
    public override void OnTrainBegin() => TerminatedAtBatch = -1;

    /// <inheritdoc/>
    public override void OnBatchEnd(int batch, Logs logs)
    {
        if (!logs.TryGetValue("loss", out double loss) || double.IsFinite(loss)) return;
        TerminatedAtBatch = batch;
        if (RaiseError)
            throw new InvalidOperationException($"NaN or Inf loss encountered at batch {batch}. Loss value: {PyFormat.Repr(loss)}. Terminating training immediately.");
        Out.WriteLine($"Batch {batch}: Invalid loss, terminating training");
        Model.StopTraining = true;
    }
}
