using System;
using System.Threading;

namespace StaticNet;

// The training step engine Fit calls once per batch: gather the rows, forward, loss, backward on
// one or two threads, then the optimizer's update. Two threads split a network's first Dense layer
// by output rows and the later layers by half-batches (TrainStepByRows), or else the whole network
// by half-batches whose gradients are summed in a fixed order; either way one thread runs the same
// calls in the same order, so one thread and two give the same bits.
public abstract partial class NeuralNetwork
{
    // Split-batch training (see SplitsBatch): the second half's inputs, results and worker thread.
    private TrainingWorker? _worker;

    // Fit's choice for the running step (CoreChoice): true when its worker sits this step out, because one thread has
    // been measured faster now. The same bits either way.
    private bool _stepOnOneThread;

    /// <summary>The worker this step uses: Fit's, unless the step runs on one thread.</summary>
    private TrainingWorker? StepWorker => _stepOnOneThread ? null : _worker;

    // The running (or last) Fit's choice between two threads and one; null when it had no worker or the choice was off.
    private CoreChoice? _coreChoice;

    /// <summary>Tests and the benchmark's "both cores" rows run every step on both threads.</summary>
    internal bool CoreChoiceDisabled { get; set; }

    /// <summary>The last Fit's probes that chose two threads and one (null: it made no choice).</summary>
    internal (int Two, int One)? CoreChoices => _coreChoice is { } choice ? (choice.ChoseTwo, choice.ChoseOne) : null;

    /// <summary>Steps that ran on one thread although Fit had a worker (tests).</summary>
    internal long OneThreadSteps { get; private set; }
    private (Loss Loss, int First, int Count, int Total, ulong Key) _lane;
    private double _laneLossSum;
    private double[] _laneMetricSums = Array.Empty<double>();
    private AlignedBuffer _laneGradients;

    // Sample weights of the gathered batch, when Fit was given sampleWeight or classWeight.
    private bool _trainWeighted;
    private float[] _batchWeights = Array.Empty<float>();

    // One gradient step on the training rows `rows` (gathered here into the workspace); returns the summed loss.
    private double TrainStep(Loss loss, in DataSet data, ReadOnlySpan<int> rows, Span<double> metricSums)
    {
        int count = rows.Length;
        ParametersChanged();   // the optimizer writes them below: one-sample prediction's packed copy is retired
        // Dropout masks come from a per-step key drawn from the shuffle generator (seeded by the
        // model's seed, saved in checkpoints): reproducible, and a resumed run draws the same masks.
        // BatchNormalization also needs the training key: it normalizes with the batch's statistics in training.
        ulong dropoutKey = NetworkShape.HasDropout || NetworkShape.HasBatchNormalization ? NextDropoutKey() : 0;
        double lossSum;
        if (SplitsFirstLayer(count)) return TrainStepByRows(loss, data, rows, metricSums, dropoutKey);
        // A batch too small to split (an epoch's last) after sparse steps: the other steps read the documented layout.
        EnsureDocumentedLayout();
        if (SplitsBatch(count))
        {
            // Two halves, each with its own activations and gradients, summed in a fixed order:
            // the bits do not depend on whether a second core ran the second half.
            // The second half's rows are gathered first, so that this thread gathers its own half
            // while the worker already computes.
            int half = count / 2;
            GatherRows(data, rows, half, count);
            _lane = (loss, half, count - half, count, SecondHalfKey(dropoutKey));
            Array.Clear(_laneMetricSums);
            RunOnBothThreads(WorkerJob.SecondLane);
            GatherRows(data, rows, 0, half);
            lossSum = RunLane(loss, 0, half, count, dropoutKey, _gradients, metricSums);
            WaitForWorker();
            lossSum += _laneLossSum;
            for (int m = 0; m < metricSums.Length; m++) metricSums[m] += _laneMetricSums[m];
            // The halves' gradients are summed inside the optimizer's sweep, unless L2 needs the
            // whole gradient first.
            if (NetworkShape.HasL2)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(_gradients.Span, _laneGradients.Span, _gradients.Span);
                lossSum += ApplyL2(_gradients) * count;
                UpdateParameters(sumLanes: false);
            }
            else
            {
                UpdateParameters(sumLanes: true);
            }
            return lossSum;
        }
        GatherRows(data, rows, 0, count);
        lossSum = RunLane(loss, 0, count, count, dropoutKey, _gradients, metricSums);
        // L2: the penalty at the weights of this step joins the loss (as Keras's regularization
        // losses), per sample so that the epoch mean is the mean of the batch losses; its gradient
        // joins the weight gradients.
        if (NetworkShape.HasL2) lossSum += ApplyL2(_gradients) * count;
        Optimizer!.Apply(_parameters, _gradients);
        // BatchNormalization's moving statistics follow this batch's (Keras updates them in the training forward pass).
        if (NetworkShape.HasBatchNormalization)
            UpdateMovingStatistics(_parameters, _batchInputs.AsSpan(0, count * NetworkShape.InputSize), _activations.AsSpan(0, count * NetworkShape.ActivationsPerSample), count);
        return lossSum;
    }

    /// <summary>Copies the training rows <c>rows[from..to)</c> into the same rows of the batch workspace.</summary>
    private void GatherRows(in DataSet data, ReadOnlySpan<int> rows, int from, int to)
    {
        Gather(data.X, data.Features, rows[from..to], _batchInputs.AsSpan(from * data.Features));
        GatherTargets(data, rows, from, to);
    }

    /// <summary>Copies the targets (and sample weights) of the training rows <c>rows[from..to)</c> into the batch workspace.</summary>
    private void GatherTargets(in DataSet data, ReadOnlySpan<int> rows, int from, int to)
    {
        ReadOnlySpan<int> part = rows[from..to];
        Gather(data.Y, data.TargetWidth, part, _batchTargets.AsSpan(from * data.TargetWidth));
        if (_trainWeighted) Gather(data.W, 1, part, _batchWeights.AsSpan(from));
    }

    private enum WorkerJob { SecondLane, SecondUpdateHalf, SecondRows, SecondValidationLane }

    private WorkerJob _workerJob;
    private (long Step, int Split, bool SumLanes) _update;

    /// <summary>Starts <paramref name="job"/> on the worker thread; without one (a single core), runs nothing yet.</summary>
    private void RunOnBothThreads(WorkerJob job)
    {
        _workerJob = job;
        StepWorker?.Start();
    }

    /// <summary>Waits for the worker's job, or runs it here when there is no worker.</summary>
    private void WaitForWorker()
    {
        if (StepWorker is { } worker) worker.Wait();
        else RunWorkerJob();
    }

    private void RunWorkerJob()
    {
        if (_workerJob == WorkerJob.SecondLane) RunSecondLane();
        else if (_workerJob == WorkerJob.SecondRows) RunSecondRows();
        else if (_workerJob == WorkerJob.SecondValidationLane) RunSecondValidationLane();
        else UpdateRange(_update.Split, NetworkShape.ParameterCount - _update.Split);
    }

    /// <summary>
    /// The optimizer step over the parameter buffer in two halves, one per thread. Updates are
    /// elementwise, so the result is the same bits as one sweep.
    /// </summary>
    private void UpdateParameters(bool sumLanes)
    {
        // A split on a 64-float boundary keeps both halves' vectors aligned alike.
        _update = (Optimizer!.BeginStep(), NetworkShape.ParameterCount / 2 & ~63, sumLanes);
        RunOnBothThreads(WorkerJob.SecondUpdateHalf);
        UpdateRange(0, _update.Split);
        WaitForWorker();
    }

    /// <summary>Floats per chunk of <see cref="UpdateRange"/>: 16 KB of summed gradients, which stay in L1 until the optimizer reads them.</summary>
    private const int UpdateChunk = 4096;

    private void UpdateRange(int offset, int length)
    {
        if (!_update.SumLanes)
        {
            Optimizer!.ApplyRange(_parameters, _gradients, offset, length, _update.Step);
            return;
        }
        // The lanes' gradients are summed a chunk at a time right before the optimizer's update of
        // that chunk: one sweep over the parameter-sized arrays instead of two (the update is
        // elementwise, so the bits equal those of one sum followed by one update).
        for (int at = offset, end = offset + length; at < end; at += UpdateChunk)
        {
            int n = Math.Min(UpdateChunk, end - at);
            Span<float> g = _gradients.AsSpan(at, n);
            System.Numerics.Tensors.TensorPrimitives.Add(g, _laneGradients.AsSpan(at, n), g);
            Optimizer!.ApplyRange(_parameters, _gradients, at, n, _update.Step);
        }
    }

    /// <summary>
    /// Forward, loss and backward for rows [first, first + count) of the gathered batch of
    /// <paramref name="total"/> rows, each lane in its own slice of the workspace; the gradient is
    /// scaled by 1/total so that the lanes' gradients add up to the batch mean.
    /// </summary>
    private double RunLane(Loss loss, int first, int count, int total, ulong dropoutKey, Span<float> gradients, Span<double> metricSums, bool byRows = false)
    {
        int outputs = count * NetworkShape.OutputSize;
        int width = loss.TargetWidth(NetworkShape.OutputSize);
        ReadOnlySpan<float> inputs = _batchInputs.AsSpan(first * NetworkShape.InputSize, count * NetworkShape.InputSize);
        ReadOnlySpan<float> targets = _batchTargets.AsSpan(first * width, count * width);
        Span<float> activations = _activations.AsSpan(first * NetworkShape.ActivationsPerSample, count * NetworkShape.ActivationsPerSample);
        Span<float> logits = _logits.AsSpan(first * NetworkShape.OutputSize, outputs);
        Span<float> delta = _delta.AsSpan(first * NetworkShape.OutputSize, outputs);
        Span<float> scratch = _scratch.AsSpan(2 * first * NetworkShape.MaxHiddenSize, 2 * count * NetworkShape.MaxHiddenSize);

        ReadOnlySpan<float> weights = _trainWeighted ? _batchWeights.AsSpan(first, count) : default;

        // By rows, the first layer's outputs are already in place (sparse steps add the threads' halves of them here) and its
        // gradients come after both lanes.
        if (byRows && _sparseTraining) SparseReduceLane(first, count);
        if (byRows) ForwardBatchAfterFirstLayer(_parameters, count, activations, logits, dropoutKey);
        else ForwardBatch(_parameters, inputs, count, activations, logits, dropoutKey);
        ReadOnlySpan<float> predictions = activations.Slice(activations.Length - outputs);
        double lossSum = WeightedLoss(loss, logits, predictions, targets, count, weights, delta, 1f / total);
        for (int m = 0; m < _metrics.Length; m++) metricSums[m] += _metrics[m].Sum(predictions, targets, count, NetworkShape.OutputSize);
        if (byRows)
        {
            int units = NetworkShape.Layers[0].Units;
            BackwardBatchToFirstLayer(_parameters, count, activations, delta, scratch, gradients, _firstDelta.AsSpan(first * units, count * units), dropoutKey);
        }
        else
        {
            BackwardBatch(_parameters, inputs, count, activations, delta, scratch, gradients, dropoutKey);
        }
        return lossSum;
    }

    /// <summary>
    /// Σ wᵢ·lossᵢ over <paramref name="count"/> samples, writing <paramref name="scale"/>·wᵢ·dlossᵢ/dz
    /// to <paramref name="delta"/> (when not empty); without weights, the plain sum. Keras 3 divides
    /// this sum by the batch size ("sum_over_batch_size"), not by Σ wᵢ, and so does the caller.
    /// </summary>
    private double WeightedLoss(Loss loss, ReadOnlySpan<float> logits, ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets,
        int count, ReadOnlySpan<float> weights, Span<float> delta, float scale)
    {
        if (weights.IsEmpty) return loss.Compute(logits, predictions, targets, count, NetworkShape, delta, scale);
        // One sample at a time through the unweighted loss: its scale argument carries the weight
        // into the gradient, so no loss needs a weighted variant.
        int k = NetworkShape.OutputSize, width = targets.Length / count;
        double sum = 0;
        for (int s = 0; s < count; s++)
        {
            float w = weights[s];
            Span<float> d = delta.IsEmpty ? Span<float>.Empty : delta.Slice(s * k, k);
            sum += w * loss.Compute(logits.Slice(s * k, k), predictions.Slice(s * k, k), targets.Slice(s * width, width), 1, NetworkShape, d, scale * w);
        }
        return sum;
    }

    /// <summary>The second half of a split batch (on the worker thread, or inline on one core).</summary>
    private void RunSecondLane()
    {
        var (loss, first, count, total, key) = _lane;
        _laneLossSum = RunLane(loss, first, count, total, key, _laneGradients, _laneMetricSums);
    }

    /// <summary>
    /// Whether a step of <paramref name="count"/> samples runs as two halves. The rule depends only
    /// on the network and the batch, never on the machine, so training gives the same bits on one
    /// core or two: halves of at least 4 samples (one register tile) and enough work (about 2M
    /// multiply-adds a step, such as 784-128-64-10 at batch 32; the course's 784-25-15-1 stays on
    /// one core, where its 25-microsecond steps run faster than with a hand-off per step).
    /// BatchNormalization's statistics span the whole batch, so its networks always run one lane.
    /// </summary>
    private bool SplitsBatch(int count) => count >= 8 && NetworkShape.MultiplyAddsPerSample * count >= 1 << 21 && !NetworkShape.HasBatchNormalization;

    /// <summary>
    /// Whether a step runs its first layer split by rows (<see cref="FirstLayerRows"/>): a split step of a network the
    /// rule admits (the one the generator used to emit the methods). Like <see cref="SplitsBatch"/>, it depends only
    /// on the network and the batch.
    /// </summary>
    private bool SplitsFirstLayer(int count) =>
        SplitsBatch(count) && !RowSplitDisabled
        && FirstLayerRows.Applies(NetworkShape.Layers[0].Kind, NetworkShape.Layers[0].Activation, NetworkShape.Layers.Count,
            NetworkShape.HasL2, NetworkShape.HasBatchNormalization);

    /// <summary>Tests compare the row-split step with the split-batch step it replaces.</summary>
    internal bool RowSplitDisabled { get; set; }

    // Row-split steps: dL/dz of the first layer for the whole batch (each lane writes its samples' rows), and each
    // thread's progress through the step (0 at the start; 2: the thread's rows of the first layer computed; 3: its
    // lane's backward pass done; the caller's 4: the optimizer's step begun), so each waits only for what it reads.
    private AlignedBuffer _firstDelta;
    private int _mainPhase, _workerPhase, _stepAborted;

    // Two threads: each gathers every row of the batch into its own copy (the worker's is _workerInputs), its own half
    // first, so that neither reads rows the other core wrote: on the EPYC guest, where a cache line takes 450-970 ns to
    // go to the other core and back, a thread took about twice as long over the other's rows as over its own, and the
    // two-thread sparse step took 81.7-83.4 us against 93.1-95.0 reading them, the dense row-split step 126.6-131.0
    // against 130.4-132.1 (W4, alternating epochs, 2026-12-02 15:35-15:50).
    private bool _privateRows;
    private AlignedBuffer _workerInputs;

    /// <summary>The batch's inputs that the thread computing the first layer's rows from <paramref name="rowStart"/> reads (in a two-thread step, 0: the calling thread, else the worker).</summary>
    private AlignedBuffer StepInputs(int rowStart) => _privateRows && rowStart != 0 ? _workerInputs : _batchInputs;

    /// <summary>Gathers the training rows <c>rows[from..to)</c> of a row-split step: their inputs into the thread's copy of the batch (<see cref="GatherInputs"/>), their targets and sample weights into the batch workspace.</summary>
    private void GatherLane(in DataSet data, ReadOnlySpan<int> rows, int from, int to, bool worker = false)
    {
        GatherInputs(data, rows, from, to, worker);
        GatherTargets(data, rows, from, to);
    }

    /// <summary>Gathers the inputs of the training rows <c>rows[from..to)</c> into a thread's copy of the batch and, in sparse steps, marks their non-zero inputs.</summary>
    private void GatherInputs(in DataSet data, ReadOnlySpan<int> rows, int from, int to, bool worker)
    {
        int width = NetworkShape.InputSize;
        Span<float> inputs = (worker ? _workerInputs : _batchInputs).AsSpan(from * width, (to - from) * width);
        Gather(data.X, width, rows[from..to], inputs);
        if (_sparseTraining)
            Kernels.SparseInputs.Masks(inputs, width, to - from, SparseRows(worker ? 1 : 0).Masks.AsSpan(from * Kernels.SparseInputs.MaskLength(width)));
    }

    /// <summary>What the worker reads to gather the second half of a row-split step itself: Fit's arrays and its order.</summary>
    private sealed record WorkerRows(DataStorage Storage, float[]? Weights, int[] Order);

    // Set by Fit with its worker (a span argument is pinned for the call, so the worker can read any data form);
    // _stepStart is where the current batch starts in the order.
    private WorkerRows? _workerRows;
    private int _stepStart;

    /// <summary>Whether the running Fit's worker can gather its half of each batch itself (tests check it for each data form).</summary>
    internal bool WorkerCanGather => _workerRows is not null;

    /// <summary>
    /// One step with the first layer split by rows between the threads (see <see cref="FirstLayerRows"/>). Each thread:
    /// its rows of the first layer for every sample; after both, its half of the batch through the later layers
    /// (forward, loss, backward, as a lane of <see cref="SplitsBatch"/>); after both, its rows' weight gradients over
    /// the whole batch and the optimizer's update of those rows and of its half of the later layers' parameters.
    /// Every value is computed by the same code whichever thread runs it, so one thread gives the same bits.
    /// </summary>
    private double TrainStepByRows(Loss loss, in DataSet data, ReadOnlySpan<int> rows, Span<double> metricSums, ulong dropoutKey)
    {
        int count = rows.Length, half = count / 2;
        int units = NetworkShape.Layers[0].Units, split = FirstLayerRows.Split(units);
        if (_sparseTraining)
        {
            // The first layer from the non-zero inputs (NeuralNetwork.SparseTraining.cs): its weights transposed while Fit steps.
            if (!_firstLayerTransposed) TransposeFirstLayer(toSparse: true);
            SparseSteps++;
            _sparseFitSteps++;
            _sparseCount = count;
            _sparseOutputsReady = false;
        }
        _lane = (loss, half, count - half, count, SecondHalfKey(dropoutKey));
        Array.Clear(_laneMetricSums);
        _mainPhase = _workerPhase = _stepAborted = 0;
        TrainingWorker? worker = StepWorker;
        // Two threads: the worker gathers the second half while this thread gathers the first (rows come from main memory
        // when shuffled: two cores keep twice the reads in flight), then each copies the other half's inputs for itself
        // (_privateRows). One thread gathers the second half first, as the worker would.
        _privateRows = worker is not null;
        if (worker is null)
        {
            GatherLane(data, rows, half, count);
        }
        else
        {
            _workerJob = WorkerJob.SecondRows;
            worker.Start();
        }
        double lossSum = 0;
        try
        {
            GatherLane(data, rows, 0, half);
            // Not claimed yet (the worker thread sleeps, or the machine is busy): this thread runs the whole step.
            if (worker is not null && worker.TryReclaim())
            {
                worker = null;
                _privateRows = false;   // this thread gathers every row into the batch workspace and reads only that
                GatherLane(data, rows, half, count);
            }
            if (worker is null)
            {
                // Both threads' calls, in order: the same ranges, so the same bits (an activation such as the sigmoid
                // is computed in vectors and a scalar tail, so its bits depend on where a range starts and ends).
                // Sparse steps take all the units at once here (the kernels' widest tiles; the same bits).
                int firstPart = _sparseTraining ? units : split;
                FirstLayerForward(0, firstPart, half, count);
                if (firstPart < units) FirstLayerForward(split, units, half, count);
                lossSum = RunLane(loss, 0, half, count, dropoutKey, _gradients, metricSums, byRows: true)
                    + RunLane(loss, half, count - half, count, _lane.Key, _laneGradients, _laneMetricSums, byRows: true);
                _update = (Optimizer!.BeginStep(), 0, true);
                UpdateByRows(0, firstPart, count, upperHalf: 0);
                if (firstPart < units) UpdateByRows(split, units, count, upperHalf: 1);
                else UpdateLaterLayers(1);
                for (int m = 0; m < metricSums.Length; m++) metricSums[m] += _laneMetricSums[m];
                return lossSum;
            }
            FirstLayerForwardLane(0, half, 0, split);
            GatherInputs(data, rows, half, count, worker: false);
            FirstLayerForwardLane(half, count - half, 0, split);
            Volatile.Write(ref _mainPhase, 2);
            if (AwaitPhase(ref _workerPhase, 2))
            {
                lossSum = RunLane(loss, 0, half, count, dropoutKey, _gradients, metricSums, byRows: true);
                Volatile.Write(ref _mainPhase, 3);
                if (AwaitPhase(ref _workerPhase, 3))
                {
                    // The step is counted only once both lanes are through; the worker reads it after phase 4.
                    _update = (Optimizer!.BeginStep(), 0, true);
                    Volatile.Write(ref _mainPhase, 4);
                    UpdateByRows(0, split, count, upperHalf: 0);
                }
            }
        }
        catch when (worker is not null)
        {
            // Stop the worker at its next wait (or run its part here if it never started, which stops there too) and
            // let it finish before this step's buffers are reused; a worker left waiting would spin for ever.
            Volatile.Write(ref _stepAborted, 1);
            try { worker.Wait(); } catch { /* this thread's exception is the one to report */ }
            throw;
        }
        worker.Wait();   // rethrows what the worker threw (then this thread stopped waiting)
        lossSum += _laneLossSum;
        for (int m = 0; m < metricSums.Length; m++) metricSums[m] += _laneMetricSums[m];
        return lossSum;
    }

    /// <summary>The worker's part of <see cref="TrainStepByRows"/>.</summary>
    private void RunSecondRows()
    {
        var (loss, half, laneCount, count, key) = _lane;
        int units = NetworkShape.Layers[0].Units, split = FirstLayerRows.Split(units);
        try
        {
            WorkerRows source = _workerRows!;
            DataSet data = source.Storage.Open(source.Weights);
            ReadOnlySpan<int> rows = source.Order.AsSpan(_stepStart, count);
            GatherLane(data, rows, half, count, worker: true);
            FirstLayerForwardLane(half, laneCount, split, units);
            GatherInputs(data, rows, 0, half, worker: true);
            FirstLayerForwardLane(0, half, split, units);
            Volatile.Write(ref _workerPhase, 2);
            if (!AwaitPhase(ref _mainPhase, 2)) return;
            _laneLossSum = RunLane(loss, half, laneCount, count, key, _laneGradients, _laneMetricSums, byRows: true);
            Volatile.Write(ref _workerPhase, 3);
            if (!AwaitPhase(ref _mainPhase, 4)) return;
            UpdateByRows(split, units, count, upperHalf: 1);
        }
        catch
        {
            Volatile.Write(ref _stepAborted, 1);
            throw;
        }
    }

    /// <summary>The first layer's rows [rowStart, rowEnd) for both lanes' samples (each lane's block of outputs is its own).</summary>
    private void FirstLayerForward(int rowStart, int rowEnd, int half, int count)
    {
        FirstLayerForwardLane(0, half, rowStart, rowEnd);
        FirstLayerForwardLane(half, count - half, rowStart, rowEnd);
    }

    private void FirstLayerForwardLane(int first, int count, int rowStart, int rowEnd)
    {
        if (_sparseTraining)
        {
            SparseForwardLanes(first, count, rowStart, rowEnd);
            return;
        }
        int units = NetworkShape.Layers[0].Units;
        ForwardFirstLayerRows(_parameters, StepInputs(rowStart).AsSpan(first * NetworkShape.InputSize, count * NetworkShape.InputSize), count,
            _activations.AsSpan(first * NetworkShape.ActivationsPerSample, count * units), rowStart, rowEnd);
    }

    /// <summary>
    /// The first layer's weight gradients of rows [rowStart, rowEnd) over the whole batch and the optimizer's update of
    /// those rows (weights and biases); then the later layers' parameters, the lanes' gradients summed: the first
    /// (<paramref name="upperHalf"/> 0) or second half (1) of them.
    /// </summary>
    private void UpdateByRows(int rowStart, int rowEnd, int count, int upperHalf)
    {
        if (_sparseTraining)
        {
            SparseUpdate(rowStart, rowEnd, count);
            UpdateLaterLayers(upperHalf);
            return;
        }
        LayerInfo first = NetworkShape.Layers[0];
        int inputs = NetworkShape.InputSize, units = first.Units, offset = first.ParameterOffset;
        FirstLayerGradientRows(_firstDelta.AsSpan(0, count * units), StepInputs(rowStart).AsSpan(0, count * inputs), count, _gradients.Span, rowStart, rowEnd);
        long step = _update.Step;
        Optimizer!.ApplyRange(_parameters, _gradients, offset + rowStart * inputs, (rowEnd - rowStart) * inputs, step);
        Optimizer.ApplyRange(_parameters, _gradients, offset + units * inputs + rowStart, rowEnd - rowStart, step);
        UpdateLaterLayers(upperHalf);
    }

    /// <summary>The first (<paramref name="upperHalf"/> 0) or second half (1) of the parameters after the first layer's, the lanes' gradients summed.</summary>
    private void UpdateLaterLayers(int upperHalf)
    {
        LayerInfo first = NetworkShape.Layers[0];
        int units = first.Units, upper = first.ParameterOffset + units * NetworkShape.InputSize + units, end = NetworkShape.ParameterCount;
        // The later layers' split on a 16-float boundary keeps both halves' vectors aligned alike.
        int middle = Math.Max(upper, (upper + (end - upper) / 2) & ~15);
        if (upperHalf == 0) UpdateRange(upper, middle - upper);
        else UpdateRange(middle, end - middle);
    }

    /// <summary>
    /// Waits until the other thread's phase reaches <paramref name="value"/>; false when a thread gave up the step
    /// (it threw). Both threads are inside the same step, microseconds apart, so this only spins (yielding now and then).
    /// </summary>
    private bool AwaitPhase(ref int phase, int value)
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref phase) < value)
        {
            if (Volatile.Read(ref _stepAborted) != 0) return false;
            spin.SpinOnce(sleep1Threshold: -1);
        }
        return Volatile.Read(ref _stepAborted) == 0;
    }

    private static ulong SecondHalfKey(ulong key) => key == 0 ? 0 : (key * 0x9E3779B97F4A7C15UL) | 1;

    /// <summary>A non-zero key for one training step's dropout masks (0 means no dropout).</summary>
    private ulong NextDropoutKey()
    {
        ulong key = _shuffleRng.NextUInt64();
        return key == 0 ? 1 : key;
    }
}
