using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;

namespace StaticNet;

// Step 3 of the Keras workflow: Fit (Evaluate, which shares its batching, is in NeuralNetwork.Evaluate.cs).
public abstract partial class NeuralNetwork
{
    /// <summary>
    /// Set to true (usually by a <see cref="Callback"/>) to stop <c>Fit</c> after the current batch:
    /// Keras's <c>model.stop_training</c>. <c>Fit</c> resets it to false when it starts; it then
    /// completes the epoch's bookkeeping (validation, <see cref="Callback.OnEpochEnd"/>, the history
    /// entry) and calls <see cref="Callback.OnTrainEnd"/>.
    /// </summary>
    public bool StopTraining { get; set; }

    // ---------------------------------------------------------------- step 3: fit

    /// <summary>
    /// Trains on samples <paramref name="x"/> (one row each) with their targets <paramref name="y"/>.
    /// Keras's <c>model.fit</c>, with its arguments in C# casing.
    /// </summary>
    /// <param name="x">Inputs, samples x input size: <c>float[,]</c>, <c>float[][]</c>, <c>double[,]</c> or <c>double[][]</c> (see <see cref="InputData"/>).</param>
    /// <param name="y">
    /// Targets: one per sample (<c>float[]</c>, <c>int[]</c>, <c>double[]</c>: a 0/1 label, a regression
    /// value or a class index) or one row per sample (<c>float[,]</c>, <c>double[,]</c>, jagged: one-hot
    /// classes or several regression outputs); see <see cref="TargetData"/>.
    /// </param>
    /// <param name="epochs">
    /// The index of the epoch to stop before, as in Keras: epochs <paramref name="initialEpoch"/>
    /// to <c>epochs - 1</c> run (so <c>epochs</c> passes over the data when
    /// <paramref name="initialEpoch"/> is 0, and none when it is <c>epochs</c> or more).
    /// </param>
    /// <param name="batchSize">Samples per gradient step (the last batch of an epoch may be smaller), at least 1; a batch size larger than the data (even <c>int.MaxValue</c>) is one batch, as in Keras. Also the validation batch size.</param>
    /// <param name="shuffle">Visit the training samples in a new random order each epoch (drawn from the model's seed). The validation rows are never shuffled into training.</param>
    /// <param name="verbose">
    /// 0: silent. 1: <c>Epoch 3/20</c> (when <paramref name="epochs"/> &gt; 1), then a progress bar
    /// <c>1500/1500 [==============================] - 2s 1ms/step - loss: 0.2954 - val_loss: 0.1571</c>,
    /// redrawn in place on an interactive console and printed once at the end of the epoch when the
    /// output is redirected or <see cref="ProgressOutput"/> is set to another writer. 2: <c>Epoch 3/20</c> and one line
    /// per epoch, <c>1500/1500 - 2s - 1ms/step - loss: 0.2954 - val_loss: 0.1571</c>. Output goes to <see cref="ProgressOutput"/>.
    /// </param>
    /// <param name="validationSplit">
    /// The fraction, in [0, 1), of the samples to hold out for validation: the LAST rows, taken
    /// before any shuffling, exactly as Keras (<c>splitAt = (int)Math.Floor(n * (1 - validationSplit))</c>;
    /// rows [0, splitAt) train, rows [splitAt, n) validate). Ignored when <paramref name="validationData"/> is given.
    /// A <c>double</c> so that <c>0.2</c> splits as Python's <c>0.2</c> does (a <c>float</c> 0.2f is slightly more).
    /// </param>
    /// <param name="validationData">Samples to evaluate at the end of each epoch; a tuple <c>(xVal, yVal)</c> converts implicitly.</param>
    /// <param name="initialEpoch">The epoch to start from (to resume a run); <see cref="History.Epoch"/> and the callbacks count from it.</param>
    /// <param name="callbacks">Callbacks, called in this order at each event, such as <c>[new EarlyStopping(patience: 3)]</c>.</param>
    /// <param name="cancellationToken">Checked before every batch: cancelling throws <see cref="OperationCanceledException"/> between two steps, leaving the model with the parameters of the last completed step (callbacks' <see cref="Callback.OnTrainEnd"/> is not called).</param>
    /// <returns>The per-epoch <c>loss</c>, metrics, <c>val_loss</c> and <c>val_</c> metrics (and anything callbacks added).</returns>
    /// <exception cref="InvalidOperationException">The model is not compiled.</exception>
    /// <exception cref="ArgumentException">Wrong shapes, non-finite values, labels out of range, or a split that leaves no training or no validation rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <remarks>
    /// <para>Each step allocates nothing: the batch buffers are reused, the per-batch logs handed to
    /// callbacks are one reused object, and progress text is built at most every 100 ms and at the
    /// end of each epoch. Training is single-threaded and must not overlap another call that
    /// trains the same model.</para>
    /// <para>Divergence: when an epoch's mean training loss is NaN or infinite (a learning rate too
    /// high, unscaled inputs or targets), <c>Fit</c> finishes that epoch's bookkeeping (validation,
    /// <see cref="Callback.OnEpochEnd"/>, the <see cref="History"/> entry), writes
    /// <c>Training diverged at epoch N: loss is NaN; stopping. ...</c> to <see cref="ProgressOutput"/> (standard
    /// error when it is null, whatever <paramref name="verbose"/> says), sets
    /// <see cref="StopTraining"/>, calls <see cref="Callback.OnTrainEnd"/> and returns without an
    /// exception, so the history shows the non-finite loss and callbacks such as
    /// <see cref="EarlyStopping"/> with <c>restoreBestWeights</c> can restore good weights. (Keras
    /// keeps training on NaN; the extra epochs would only be wasted.) The message is left to
    /// <see cref="TerminateOnNaN"/> when it is among the callbacks: it stops at the first non-finite
    /// batch instead, or throws with <c>raiseError: true</c>. <see cref="ModelCheckpoint"/> never
    /// saves non-finite weights or a non-finite monitored value, so a good file is not overwritten.</para>
    /// </remarks>
    /// <param name="classWeight">
    /// Keras's <c>class_weight</c>: a weight per class (<c>new float[] { 1, 5 }</c> or a
    /// <c>Dictionary&lt;int, float&gt;</c>) that scales each training sample's loss by its class's
    /// weight; validation is not weighted by it. Not together with <paramref name="sampleWeight"/>.
    /// </param>
    /// <param name="sampleWeight">
    /// Keras's <c>sample_weight</c>: one weight (finite, &gt;= 0) per sample of <paramref name="x"/>.
    /// As in Keras 3, a batch's loss is Σ wᵢ·lossᵢ / batch size (not / Σ wᵢ), and the compiled
    /// metrics stay unweighted (Keras's <c>metrics</c>, not <c>weighted_metrics</c>). With
    /// <paramref name="validationSplit"/> the held-out rows keep their weights for <c>val_loss</c>.
    /// </param>
    public History Fit(InputData x, TargetData y, int epochs = 1, int batchSize = 32, bool shuffle = true, int verbose = 1,
        double validationSplit = 0, ValidationData? validationData = null, int initialEpoch = 0,
        IReadOnlyList<Callback>? callbacks = null, CancellationToken cancellationToken = default,
        ClassWeights? classWeight = null, float[]? sampleWeight = null)
    {
        var settings = new FitSettings(epochs, batchSize, shuffle, verbose, validationSplit, validationData, initialEpoch, callbacks, cancellationToken, classWeight, sampleWeight);
        return FitCore(Store(x, y, "x", "y"), settings);
    }

    /// <summary>Trains on flat row-major data: <paramref name="x"/> holds samples x input size values, <paramref name="y"/> samples x target width.</summary>
    /// <inheritdoc cref="Fit(InputData, TargetData, int, int, bool, int, double, ValidationData?, int, IReadOnlyList{Callback}?, CancellationToken, ClassWeights?, float[])"/>
    public History Fit(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int epochs = 1, int batchSize = 32, bool shuffle = true, int verbose = 1,
        double validationSplit = 0, ValidationData? validationData = null, int initialEpoch = 0,
        IReadOnlyList<Callback>? callbacks = null, CancellationToken cancellationToken = default,
        ClassWeights? classWeight = null, float[]? sampleWeight = null)
    {
        int samples = WholeSamples(x.Length, NetworkShape.InputSize, nameof(x));
        int width = RequireCompiled().TargetWidth(NetworkShape.OutputSize);
        var settings = new FitSettings(epochs, batchSize, shuffle, verbose, validationSplit, validationData, initialEpoch, callbacks, cancellationToken, classWeight, sampleWeight);
        // Pinned for the call, so that a second core can scan half of x and gather its half of each batch, as from arrays
        // (a flat float[] argument binds to this overload). Nothing keeps the pointers past FitCore: its worker is disposed
        // and its rows dropped before it returns.
        unsafe
        {
            fixed (float* inputs = x)
            fixed (float* targets = y)
            {
                var storage = new DataStorage(new PinnedFloats(inputs, x.Length), samples, NetworkShape.InputSize,
                    new PinnedFloats(targets, y.Length), y.Length / width, width);
                return FitCore(storage, settings);
            }
        }
    }

    /// <summary>Fit's options, bundled so that the overloads forward them in one piece.</summary>
    private readonly record struct FitSettings(int Epochs, int BatchSize, bool Shuffle, int Verbose, double ValidationSplit,
        ValidationData? ValidationData, int InitialEpoch, IReadOnlyList<Callback>? Callbacks, CancellationToken CancellationToken,
        ClassWeights? ClassWeight, float[]? SampleWeight);

    /// <summary>Row-major samples, their targets and (when weighted) one weight per sample.</summary>
    private readonly ref struct DataSet(ReadOnlySpan<float> x, int samples, int features, ReadOnlySpan<float> y, int targetRows, int targetWidth,
        ReadOnlySpan<float> weights = default)
    {
        public readonly ReadOnlySpan<float> X = x;
        public readonly int Samples = samples;
        public readonly int Features = features;
        public readonly ReadOnlySpan<float> Y = y;
        public readonly int TargetRows = targetRows;
        public readonly int TargetWidth = targetWidth;
        public readonly ReadOnlySpan<float> W = weights;

        /// <summary>Rows [start, start + count) of an already validated set.</summary>
        public DataSet Rows(int start, int count) =>
            new(X.Slice(start * Features, count * Features), count, Features, Y.Slice(start * TargetWidth, count * TargetWidth), count, TargetWidth,
                W.IsEmpty ? default : W.Slice(start, count));

        public DataSet WithWeights(ReadOnlySpan<float> weights) => new(X, Samples, Features, Y, TargetRows, TargetWidth, weights);
    }

    /// <summary>Any accepted x and y as one row-major data set (a float[,] is not copied).</summary>
    private DataSet ToDataSet(InputData x, TargetData y, string xName, string yName) => Store(x, y, xName, yName).Open(null);

    /// <summary>Any accepted x and y as arrays (a float[,] or float[] itself, other forms copied once), which a second thread can read too.</summary>
    private DataStorage Store(InputData x, TargetData y, string xName, string yName)
    {
        object inputs = x.Storage(xName, NetworkShape.InputSize, out int samples, out int features);
        object targets = y.Storage(yName, 0, out int rows, out int width);
        return new DataStorage(inputs, samples, features, targets, rows, width);
    }

    /// <summary>
    /// A data set's arrays (or spans pinned for the call: <see cref="PinnedFloats"/>), which another thread can read (a
    /// <see cref="DataSet"/> holds spans, which it cannot).
    /// </summary>
    private sealed class DataStorage(object x, int samples, int features, object y, int rows, int width)
    {
        /// <summary>The inputs' array (<see cref="DataConversion.MatrixStorage"/>).</summary>
        public object Inputs => x;

        public DataSet Open(float[]? weights) =>
            new(DataConversion.Span(x), samples, features, DataConversion.Span(y), rows, width, weights is null ? default : weights);
    }

    private DataSet ToDataSet(ValidationData data)
    {
        DataSet set = ToDataSet(data.Inputs, data.Targets, "validationData.X", "validationData.Y");
        return data.SampleWeight is null ? set : set.WithWeights(data.SampleWeight);
    }

    /// <summary>
    /// The per-sample weights of a validated data set from <paramref name="sampleWeight"/> or
    /// <paramref name="classWeight"/> (Keras 3 refuses both at once), or null for none.
    /// </summary>
    private float[]? SampleWeights(ClassWeights? classWeight, float[]? sampleWeight, DataSet data, string xName, string weightName)
    {
        if (classWeight is not null && sampleWeight is not null)
            throw new ArgumentException("Pass classWeight or sampleWeight, not both (as Keras: fold the class weights into the sample weights).", nameof(classWeight));
        if (classWeight is not null)
            return classWeight.ToSampleWeights(data.Y, data.Samples, data.TargetWidth, Math.Max(NetworkShape.OutputSize, 2));
        if (sampleWeight is null) return null;
        if (sampleWeight.Length != data.Samples)
            throw new ArgumentException($"Expected {data.Samples} weights in '{weightName}' (one per sample of '{xName}'); got {sampleWeight.Length}.", weightName);
        for (int i = 0; i < sampleWeight.Length; i++)
            if (!(float.IsFinite(sampleWeight[i]) && sampleWeight[i] >= 0))
                throw new ArgumentException($"'{weightName}' holds {sampleWeight[i].ToString(CultureInfo.InvariantCulture)} at sample {i}; weights must be finite and >= 0.", weightName);
        return sampleWeight;
    }

    /// <param name="storage">The training data, as arrays (or pinned spans) that a second core can read too: it then shares the
    /// scan of x and gathers its half of each batch itself.</param>
    /// <param name="s">Fit's settings.</param>
    private History FitCore(DataStorage storage, FitSettings s)
    {
        Loss loss = RequireCompiled();
        DataSet data = storage.Open(null);
        CheckData(data.X, data.Samples, data.Features, data.Y, data.TargetRows, data.TargetWidth, "x", "y", storage.Inputs);
        float[]? weights = SampleWeights(s.ClassWeight, s.SampleWeight, data, "x", s.ClassWeight is null ? "sampleWeight" : "classWeight");
        if (weights is not null) data = data.WithWeights(weights);
        if (s.Epochs < 1) throw new ArgumentOutOfRangeException("epochs", s.Epochs, "Expected at least 1 epoch.");
        if (s.BatchSize < 1) throw new ArgumentOutOfRangeException("batchSize", s.BatchSize, "Expected a batch size of at least 1.");
        if (s.Verbose is < 0 or > 2) throw new ArgumentOutOfRangeException("verbose", s.Verbose, "Expected verbose 0, 1 or 2.");
        if (s.InitialEpoch < 0) throw new ArgumentOutOfRangeException("initialEpoch", s.InitialEpoch, "Expected an initial epoch of at least 0.");
        if (!(s.ValidationSplit >= 0 && s.ValidationSplit < 1))
            throw new ArgumentOutOfRangeException("validationSplit", s.ValidationSplit, "Expected a validation split in [0, 1).");

        // Validation rows: the data given, else the last rows (Keras's train_validation_split).
        DataSet train = data, validation = default;
        bool validate = false;
        if (s.ValidationData is not null)
        {
            validation = ToDataSet(s.ValidationData);
            CheckData(validation.X, validation.Samples, validation.Features, validation.Y, validation.TargetRows, validation.TargetWidth, "validationData.X", "validationData.Y");
            if (s.ValidationData.SampleWeight is float[] validationWeights) SampleWeights(null, validationWeights, validation, "validationData.X", "validationData.SampleWeight");
            validate = true;
        }
        else if (s.ValidationSplit > 0)
        {
            int splitAt = (int)Math.Floor(data.Samples * (1.0 - s.ValidationSplit));
            if (splitAt == 0 || splitAt == data.Samples)
                throw new ArgumentException(
                    $"Training data contains {data.Samples} samples, which is not sufficient to split it into a validation and training set as specified by validationSplit={s.ValidationSplit.ToString(CultureInfo.InvariantCulture)}. Either provide more data, or a different value for validationSplit.",
                    "validationSplit");
            train = data.Rows(0, splitAt);
            validation = data.Rows(splitAt, data.Samples - splitAt);
            // Keras splits sample weights with the data; class weights apply to training only.
            if (s.ClassWeight is not null) validation = validation.WithWeights(default);
            validate = true;
        }

        Callback[] callbacks = CopyCallbacks(s.Callbacks);
        int samples = train.Samples;
        int batch = Math.Min(s.BatchSize, samples);
        int validationBatch = validate ? Math.Min(s.BatchSize, validation.Samples) : 0;
        EnsureWorkspace(Math.Max(batch, validationBatch));
        _trainWeighted = !train.W.IsEmpty;
        if (_trainWeighted && _batchWeights.Length < batch) _batchWeights = new float[batch];
        // Validation batches are split between the threads like training batches (EvaluateSums), weights included.
        if (validate && !validation.W.IsEmpty && _batchWeights.Length < validationBatch) _batchWeights = new float[validationBatch];
        int metricCount = _metrics.Length;
        if (SplitsBatch(batch))
        {
            if (_laneGradients.Length != NetworkShape.ParameterCount) _laneGradients = new AlignedBuffer(NetworkShape.ParameterCount);
            _laneMetricSums = new double[metricCount];
            int firstDelta = SplitsFirstLayer(batch) ? batch * NetworkShape.Layers[0].Units : 0;
            if (_firstDelta.Length < firstDelta) _firstDelta = new AlignedBuffer(firstDelta);
        }
        BeginSparseTraining(train.X, samples, batch);
        int[] order = new int[samples];
        for (int i = 0; i < samples; i++) order[i] = i;
        // From the clamped batch, in long: (samples + batchSize - 1) overflows for batchSize near int.MaxValue.
        int steps = (int)(((long)samples + batch - 1) / batch);

        var metricSums = new double[metricCount];
        var validationSums = new double[metricCount];
        var validationNames = new string[metricCount];
        for (int m = 0; m < metricCount; m++) validationNames[m] = "val_" + _metrics[m].Name;
        var history = new History(Math.Max(0, s.Epochs - s.InitialEpoch));

        // Batch logs: one object, updated in place. Epoch logs: a fresh object per epoch when
        // callbacks may keep it, else one reused object (so that an epoch allocates nothing either).
        var batchLogs = new Logs(1 + metricCount);
        batchLogs["loss"] = 0;
        for (int m = 0; m < metricCount; m++) batchLogs.Append(_metrics[m].Name, 0);
        int logsCapacity = 2 * (1 + metricCount) + 1;
        Logs reusedEpochLogs = new Logs(logsCapacity);
        Logs lastLogs = callbacks.Length > 0 ? new Logs(0) : reusedEpochLogs;

        ProgressBar? progress = s.Verbose > 0 ? CreateProgressBar(s.Verbose) : null;
        bool reportBatches = callbacks.Length > 0 || progress is not null;
        CancellationToken cancellationToken = s.CancellationToken;

        StopTraining = false;
        ResumeEpoch = null;
        for (int c = 0; c < callbacks.Length; c++) callbacks[c].OnTrainBegin();
        int initialEpoch = ResumeEpoch ?? s.InitialEpoch;   // BackupAndRestore restored a backup
        ResumeEpoch = null;
        bool finished = false;
        try
        {
            _coreChoice = null;
            if (SplitsBatch(batch) && ThreadBudget > 1)
            {
                // The worker's own copy of each batch's rows in row-split steps (TrainStepByRows). Here, with the worker:
                // a callback's OnTrainBegin may have changed MaxDegreeOfParallelism.
                if (SplitsFirstLayer(batch) && _workerInputs.Length < batch * NetworkShape.InputSize)
                    _workerInputs = new AlignedBuffer(batch * NetworkShape.InputSize);
                _worker = new TrainingWorker(RunWorkerJob);
                _coreChoice = CoreChoiceDisabled ? null : new CoreChoice();
                // Row-split steps let the worker gather the second half of each batch from the arrays (the training rows
                // start at row 0 of them, and the order holds training rows only).
                _workerRows = new WorkerRows(storage, weights, order);
            }
            for (int epoch = initialEpoch; epoch < s.Epochs; epoch++)
            {
                for (int c = 0; c < callbacks.Length; c++) callbacks[c].OnEpochBegin(epoch);
                progress?.BeginEpoch(epoch, s.Epochs, steps);
                if (s.Shuffle)
                {
                    // Each epoch's order is a fresh permutation of the identity (as Keras), so that it
                    // depends only on the generator's state: a Fit resumed with initialEpoch (or from a
                    // checkpoint) continues bit for bit.
                    for (int i = 0; i < order.Length; i++) order[i] = i;
                    _shuffleRng.Shuffle(order);
                }
                double lossSum = 0;
                Array.Clear(metricSums);
                int seen = 0, stepsDone = 0;
                for (int start = 0, count; start < samples; start += count)   // += count: never past samples, so no overflow
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int step = stepsDone;
                    for (int c = 0; c < callbacks.Length; c++) callbacks[c].OnBatchBegin(step);
                    count = Math.Min(batch, samples - start);
                    _stepStart = start;
                    // Two threads or one, whichever runs faster now (CoreChoice); an epoch's shorter last step is not timed.
                    CoreChoice? choice = count == batch ? _coreChoice : null;
                    _stepOnOneThread = choice is not null && !choice.TwoThreads;
                    long stepBegan = choice is not null ? Stopwatch.GetTimestamp() : 0;
                    lossSum += TrainStep(loss, train, order.AsSpan(start, count), metricSums);
                    if (choice is not null)
                    {
                        choice.Record(Stopwatch.GetTimestamp() - stepBegan);
                        if (_stepOnOneThread) OneThreadSteps++;
                        _stepOnOneThread = false;   // validation and callbacks keep both threads
                    }
                    seen += count;
                    stepsDone++;
                    if (reportBatches)
                    {
                        batchLogs.SetAt(0, lossSum / seen);
                        for (int m = 0; m < metricCount; m++) batchLogs.SetAt(1 + m, metricSums[m] / seen);
                        for (int c = 0; c < callbacks.Length; c++) callbacks[c].OnBatchEnd(step, batchLogs);
                        progress?.Update(stepsDone, batchLogs);
                    }
                    if (StopTraining) break;
                }

                CompletedEpochs = epoch + 1;   // recorded by SaveCheckpoint, also from OnEpochEnd
                double epochLoss = lossSum / seen;
                Logs logs = callbacks.Length > 0 ? new Logs(logsCapacity) : reusedEpochLogs;
                logs.Clear();
                logs.Append("loss", epochLoss);
                for (int m = 0; m < metricCount; m++) logs.Append(_metrics[m].Name, metricSums[m] / seen);
                if (validate)
                {
                    double validationLoss;
                    ArraySegment<float> sparse = RentSparseWeights(validation.X, validation.Samples); // this epoch's weights
                    try
                    {
                        validationLoss = EvaluateSums(loss, validation, validationBatch, _activations, _logits, validationSums, sparse);
                    }
                    finally
                    {
                        ReturnAligned(sparse);
                    }
                    logs.Append("val_loss", validationLoss / validation.Samples);
                    for (int m = 0; m < metricCount; m++) logs.Append(validationNames[m], validationSums[m] / validation.Samples);
                }
                for (int c = 0; c < callbacks.Length; c++) callbacks[c].OnEpochEnd(epoch, logs);
                history.Add(epoch, logs);
                progress?.Finish(stepsDone, logs);
                lastLogs = logs;
                if (!double.IsFinite(epochLoss))
                {
                    // Diverged: every further step would start from non-finite weights. Stop after
                    // this epoch's bookkeeping (see the remarks on Fit) and say why.
                    if (!HasTerminateOnNaN(callbacks)) WarnDiverged(epoch, epochLoss);
                    StopTraining = true;
                }
                if (StopTraining) break;
            }
            finished = true;
        }
        finally
        {
            if (!finished) progress?.Abort();
            EndSparseTraining();
            _stepOnOneThread = false;
            _worker?.Dispose();
            _worker = null;
            _workerRows = null;
        }
        for (int c = 0; c < callbacks.Length; c++) callbacks[c].OnTrainEnd(lastLogs);
        return history;
    }

    private static bool HasTerminateOnNaN(Callback[] callbacks)
    {
        foreach (Callback callback in callbacks)
            if (callback is TerminateOnNaN) return true;
        return false;
    }

    private void WarnDiverged(int epoch, double loss)
    {
        TextWriter writer = ProgressOutput ?? Console.Error;
        writer.WriteLine(
            $"Training diverged at epoch {epoch + 1}: loss is {loss.ToString(CultureInfo.InvariantCulture)}; stopping. " +
            $"Lower the learning rate (it is {Optimizer!.LearningRate.ToString(CultureInfo.InvariantCulture)}), scale the inputs and targets, " +
            "or pass callbacks: [new TerminateOnNaN()] to stop at the first non-finite batch.");
    }

    private Callback[] CopyCallbacks(IReadOnlyList<Callback>? callbacks)
    {
        if (callbacks is null || callbacks.Count == 0) return Array.Empty<Callback>();
        var copy = new Callback[callbacks.Count];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = callbacks[i] ?? throw new ArgumentException($"callbacks[{i}] is null.", nameof(callbacks));
            copy[i].SetModel(this);
        }
        return copy;
    }

    /// <summary>
    /// Computes the mean loss of <paramref name="count"/> samples (plus the L2 penalty, if the network
    /// declares one) and writes its gradient with respect to every parameter to
    /// <paramref name="gradients"/>, without changing the model and without dropout (for custom
    /// training loops and gradient checks).
    /// </summary>
    /// <param name="x">The samples, row-major.</param>
    /// <param name="y">Their targets, row-major.</param>
    /// <param name="count">The number of samples.</param>
    /// <param name="gradients">Receives dLoss/dparameters.</param>
    /// <param name="sampleWeight">Empty, or one weight per sample: then the loss is Σ wᵢ·lossᵢ / count, as Keras 3 and <c>Fit</c> weight it.</param>
    /// <param name="training">Run the layers as in training (Keras's <c>training=True</c>): BatchNormalization with the batch's
    /// statistics, Dropout with a fixed mask (the same on every call, so that finite differences can check the gradient).
    /// The moving statistics are not updated.</param>
    public double ComputeGradients(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int count, Span<float> gradients, ReadOnlySpan<float> sampleWeight = default, bool training = false)
    {
        Loss loss = RequireCompiled();
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "Expected at least one sample.");
        // The generated backward pass of BatchNormalization is that of training mode (batch statistics).
        if (NetworkShape.HasBatchNormalization && !training)
            throw new ArgumentException("The network has BatchNormalization, whose gradients are computed in training mode (the batch's statistics, as Keras's training=True): pass training: true.", nameof(training));
        // The input length is checked against count before anything is divided by it, in long so
        // that a huge count cannot overflow into a plausible size.
        long expectedInputs = (long)count * NetworkShape.InputSize;
        if (x.Length != expectedInputs)
            throw new ArgumentException($"Expected {expectedInputs} values in 'x' ({count} samples of {NetworkShape.InputSize}); got {x.Length}.", nameof(x));
        int width = loss.TargetWidth(NetworkShape.OutputSize);
        CheckData(x, count, NetworkShape.InputSize, y, y.Length / width, width, nameof(x), nameof(y));
        CheckLength(gradients.Length, NetworkShape.ParameterCount, nameof(gradients));
        if (!sampleWeight.IsEmpty)
            SampleWeights(null, sampleWeight.ToArray(), new DataSet(x, count, NetworkShape.InputSize, y, count, width), nameof(x), nameof(sampleWeight));
        float[] activations = new float[count * NetworkShape.ActivationsPerSample];
        float[] logits = new float[count * NetworkShape.OutputSize];
        float[] delta = new float[count * NetworkShape.OutputSize];
        float[] scratch = new float[2 * count * NetworkShape.MaxHiddenSize];
        ulong key = training ? 0x5DEECE66DUL : 0;
        ForwardBatch(DocumentedParameters, x, count, activations, logits, key);
        double lossSum = WeightedLoss(loss, logits, activations.AsSpan(activations.Length - logits.Length), y, count, sampleWeight, delta, 1f / count);
        BackwardBatch(DocumentedParameters, x, count, activations, delta, scratch, gradients, key);
        return lossSum / count + ApplyL2(gradients);   // L2 penalty and gradient included
    }
}
