using System;

namespace StaticNet;

/// <summary>
/// A callback made of delegates, for small jobs without a subclass: Keras's
/// <c>keras.callbacks.LambdaCallback</c>. Every delegate is optional.
/// </summary>
/// <example>
/// <code>
/// var log = new LambdaCallback(onEpochEnd: (epoch, logs) => Console.WriteLine($"{epoch}: {logs["loss"]}"));
/// model.Fit(x, y, epochs: 10, callbacks: [log]);
/// </code>
/// </example>
public sealed class LambdaCallback : Callback
{
    private readonly Action? _onTrainBegin;
    private readonly Action<Logs>? _onTrainEnd;
    private readonly Action<int>? _onEpochBegin;
    private readonly Action<int, Logs>? _onEpochEnd;
    private readonly Action<int>? _onBatchBegin;
    private readonly Action<int, Logs>? _onBatchEnd;

    /// <summary>Creates the callback from the delegates given.</summary>
    /// <param name="onTrainBegin">Called when training starts.</param>
    /// <param name="onTrainEnd">Called when training ends, with the last epoch's logs.</param>
    /// <param name="onEpochBegin">Called with the epoch number at the start of each epoch.</param>
    /// <param name="onEpochEnd">Called with the epoch number and its logs at the end of each epoch.</param>
    /// <param name="onBatchBegin">Called with the batch number before each batch.</param>
    /// <param name="onBatchEnd">Called with the batch number and the (reused) batch logs after each batch.</param>
    public LambdaCallback(Action? onTrainBegin = null, Action<Logs>? onTrainEnd = null,
        Action<int>? onEpochBegin = null, Action<int, Logs>? onEpochEnd = null,
        Action<int>? onBatchBegin = null, Action<int, Logs>? onBatchEnd = null)
    {
        _onTrainBegin = onTrainBegin;
        _onTrainEnd = onTrainEnd;
        _onEpochBegin = onEpochBegin;
        _onEpochEnd = onEpochEnd;
        _onBatchBegin = onBatchBegin;
        _onBatchEnd = onBatchEnd;
    }

    /// <inheritdoc/>
    public override void OnTrainBegin() => _onTrainBegin?.Invoke();

    /// <inheritdoc/>
    public override void OnTrainEnd(Logs logs) => _onTrainEnd?.Invoke(logs);

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch) => _onEpochBegin?.Invoke(epoch);

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, Logs logs) => _onEpochEnd?.Invoke(epoch, logs);

    /// <inheritdoc/>
    public override void OnBatchBegin(int batch) => _onBatchBegin?.Invoke(batch);

    /// <inheritdoc/>
    public override void OnBatchEnd(int batch, Logs logs) => _onBatchEnd?.Invoke(batch, logs);
}
