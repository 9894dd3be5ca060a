using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StaticNet.Kernels;

namespace StaticNet;

// Training steps whose first Dense layer follows the non-zero inputs (images: 81% of an MNIST digit's pixels are zero):
// the row-split step (TrainStepByRows) with other kernels for the first layer. While Fit steps, the first layer's
// weights, their gradients and the optimizer's state for them are kept transposed, in SparseInputs' layout: the forward
// pass reads them as batch prediction's sparse kernel does (Kernels/Dense/SparseInputs.cs), the weight gradients are
// summed input by input over the samples where the input is not zero (Kernels/Dense/SparseInputGradients.cs), and the
// optimizer, which works element by element, updates them in that layout. Two threads split the transposed rows: each
// computes its eight lanes' chains for every sample, the gradients of its rows, and updates them, so each reads and
// writes only its own half of the weights (in its own cache, as in the row-split step); each reads its own copy of the
// batch's rows (_privateRows in NeuralNetwork.Step.cs); each adds both halves' chains for its own samples. Every value
// is the same bits as with the generated first-layer methods: only the layout and the skipped zero products differ.
// Whatever reads the parameters turns them back first (EnsureDocumentedLayout); the next step turns them again.
public abstract partial class NeuralNetwork
{
    /// <summary>
    /// The largest share of non-zero inputs (in the first rows of the training data) for which Fit trains the first layer
    /// from the non-zero inputs, on one thread and on two. Measured with 784-128-64-10, batch 32, Adam, on MNIST digits and
    /// on Fashion-MNIST with its faint pixels cut (docs/PERFORMANCE.md, 2026-12-02 15:00): the sparse step took 0.82x the
    /// dense tiles' time at 19% non-zero, 0.90x at 39%, 0.94x at 44%, 0.97x at 50% and 1.01-1.03x at 52-55% on one thread;
    /// on two, 0.86x at 19%, 0.97x at 39% and 1.00-1.01x at 44-50%. Each limit keeps a margin below where the sparse
    /// step stops paying.
    /// </summary>
    private const double SparseTrainingMaxDensityOneThread = 0.45, SparseTrainingMaxDensityTwoThreads = 0.35;

    /// <summary>Rows of the training data whose share of non-zero inputs decides (see <see cref="SparseTrainingMaxDensityOneThread"/>).</summary>
    private const int SparseTrainingProbeRows = 1024;

    /// <summary>Tests compare sparse training steps with the row-split steps they replace.</summary>
    internal bool SparseTrainingDisabled { get; set; }

    /// <summary>Training steps that ran the sparse first layer (tests check the path was taken).</summary>
    internal long SparseSteps { get; private set; }

    // Whether the running Fit takes sparse steps; whether the first layer's weights, gradients and optimizer state are
    // now transposed; the buffer a transposition goes through.
    private bool _sparseTraining;
    private int _sparseCount;   // the running step's samples
    private bool _sparseOutputsReady;   // one thread computed the step's first-layer sums whole
    private int _sparseThread;   // the thread running the Fit whose steps may transpose the first layer
    private int _sparseReads, _sparseFitSteps;   // this Fit's turns back to the documented layout, and its sparse steps
    private volatile bool _firstLayerTransposed;
    private AlignedBuffer _transposeScratch;
    private SparseStepBuffers? _sparseBuffers;

    // The compiled optimizer's state arrays (elementwise, parameter-sized or empty), turned with the weights.
    private AlignedBuffer[] _optimizerState = Array.Empty<AlignedBuffer>();

    /// <summary>
    /// The buffers of sparse steps: the batch's row masks (<see cref="SparseInputs.Masks"/>) of the calling thread's copy of
    /// the rows and of the worker's, the one-thread forward pass's scratch, and for each half of the transposed rows (one a
    /// thread) its lanes' sums and the batch's column masks.
    /// </summary>
    private sealed class SparseStepBuffers(int inputs, int units, int batch)
    {
        public readonly int Batch = batch;
        public readonly ulong[] Masks = new ulong[batch * SparseInputs.MaskLength(inputs)];
        public readonly AlignedBuffer Scratch = new(SparseInputs.ScratchLength(units));
        public readonly AlignedBuffer[] LaneSums = [new(SparseInputs.LaneSumsLength(batch, units)), new(SparseInputs.LaneSumsLength(batch, units))];
        public readonly ulong[][] ColumnMasks =
            [new ulong[SparseInputGradients.ColumnMaskLength(inputs, batch)], new ulong[SparseInputGradients.ColumnMaskLength(inputs, batch)]];
        public readonly ulong[] WorkerMasks = new ulong[batch * SparseInputs.MaskLength(inputs)];
    }

    /// <summary>The batch's inputs and row masks that the thread computing transposed rows of <paramref name="part"/> reads.</summary>
    private (AlignedBuffer Inputs, ulong[] Masks) SparseRows(int part) =>
        _privateRows && part == 1 ? (_workerInputs, _sparseBuffers!.WorkerMasks) : (_batchInputs, _sparseBuffers!.Masks);

    /// <summary>
    /// Whether Fit's steps of <paramref name="batch"/> samples train the first layer sparse: a row-split step
    /// (<see cref="SplitsFirstLayer"/>), a first layer the kernels support (inputs in blocks of 16, units in groups of 64,
    /// 512-bit vectors), and training data whose first rows are mostly zeros.
    /// </summary>
    private bool SparseTrainingApplies(ReadOnlySpan<float> x, int samples, int batch)
    {
        if (SparseTrainingDisabled || !SplitsFirstLayer(batch)) return false;
        int inputs = NetworkShape.InputSize, units = NetworkShape.Layers[0].Units;
        if (!SparseInputGradients.Supports(inputs, units)) return false;
        int rows = Math.Min(samples, SparseTrainingProbeRows);
        // The same test as Fit's for a worker thread (each thread of a two-thread step does half the sparse work but all
        // of the column masks and the reduction, so the sparse step pays less there).
        double maxDensity = ThreadBudget > 1 ? SparseTrainingMaxDensityTwoThreads : SparseTrainingMaxDensityOneThread;
        return rows > 0 && SparseInputs.CountNonZero(x.Slice(0, rows * inputs)) <= maxDensity * rows * inputs;
    }

    /// <summary>Sets up (or turns off) sparse steps for a Fit of <paramref name="batch"/>-sample batches.</summary>
    private void BeginSparseTraining(ReadOnlySpan<float> x, int samples, int batch)
    {
        _sparseTraining = SparseTrainingApplies(x, samples, batch);
        if (!_sparseTraining) return;
        _sparseThread = Environment.CurrentManagedThreadId;
        _sparseReads = _sparseFitSteps = 0;
        int inputs = NetworkShape.InputSize, units = NetworkShape.Layers[0].Units;
        if (_transposeScratch.Length < inputs * units) _transposeScratch = new AlignedBuffer(inputs * units);
        if (_sparseBuffers is null || _sparseBuffers.Batch < batch) _sparseBuffers = new SparseStepBuffers(inputs, units, batch);
    }

    /// <summary>Ends a Fit's sparse steps: the parameters go back to their documented layout.</summary>
    private void EndSparseTraining()
    {
        _sparseTraining = false;
        EnsureDocumentedLayout();
    }

    /// <summary>The parameters in their documented layout (the first layer's weights turned back if a sparse step left them transposed).</summary>
    private AlignedBuffer DocumentedParameters
    {
        get
        {
            EnsureDocumentedLayout();
            return _parameters;
        }
    }

    /// <summary>
    /// Turns the first layer's weights, gradients and optimizer state back from a sparse step's layout, if they are in it.
    /// Only the thread running <c>Fit</c> may (its callbacks, its own calls): another thread would turn them under a running
    /// step and leave the model corrupt, so it gets an exception instead (training is not thread-safe, see the remarks on
    /// <see cref="NeuralNetwork"/>).
    /// </summary>
    private void EnsureDocumentedLayout()
    {
        if (!_firstLayerTransposed) return;
        if (Environment.CurrentManagedThreadId != _sparseThread)
            throw new InvalidOperationException(
                $"{GetType().Name} is training (Fit) on another thread. Read or use its parameters from a callback, or after Fit returns; " +
                "training is not thread-safe.");
        TransposeFirstLayer(toSparse: false);
        // Read back more than now and then (a callback reading the weights every batch), the two transpositions a step cost
        // more than the sparse kernels save (W4 with Adam: 287 against 139 us a step): the rest of this Fit takes the dense
        // tiles, which give the same bits.
        if (_sparseTraining && ++_sparseReads > SparseTrainingFreeReads + _sparseFitSteps / 32) _sparseTraining = false;
    }

    /// <summary>Times a Fit's weights may be read back (as by validation or a checkpoint each epoch) besides one in 32 steps before it stops sparse steps.</summary>
    private const int SparseTrainingFreeReads = 4;

    private void TransposeFirstLayer(bool toSparse)
    {
        int offset = NetworkShape.Layers[0].ParameterOffset;
        Turn(_parameters.AsSpan(offset), toSparse);
        if (_gradients.Length == NetworkShape.ParameterCount) Turn(_gradients.AsSpan(offset), toSparse);
        foreach (AlignedBuffer state in _optimizerState)
            if (state.Length == NetworkShape.ParameterCount) Turn(state.AsSpan(offset), toSparse);
        _firstLayerTransposed = toSparse;
    }

    /// <summary>Transposes the first layer's weights at the start of <paramref name="region"/> to or from the sparse layout, in place.</summary>
    private void Turn(Span<float> region, bool toSparse)
    {
        int inputs = NetworkShape.InputSize, units = NetworkShape.Layers[0].Units, n = inputs * units;
        Span<float> scratch = _transposeScratch.AsSpan(0, n);
        if (toSparse) SparseInputs.Transpose(region.Slice(0, n), inputs, units, scratch);
        else SparseInputGradients.TransposeBack(region.Slice(0, n), inputs, units, scratch);
        scratch.CopyTo(region);
    }

    /// <summary>
    /// The chains of the transposed rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of the first layer's
    /// units ([0, split): lanes 0-7; [split, units): lanes 8-15) for the samples [first, first + count); for all the
    /// units (one thread), their weighted sums.
    /// </summary>
    private void SparseForwardLanes(int first, int count, int rowStart, int rowEnd)
    {
        SparseStepBuffers buffers = _sparseBuffers!;
        LayerInfo layer = NetworkShape.Layers[0];
        int inputs = NetworkShape.InputSize, units = layer.Units, perSample = SparseInputs.MaskLength(inputs);
        ReadOnlySpan<float> transposed = _parameters.AsSpan(layer.ParameterOffset, inputs * units);
        if (rowStart == 0 && rowEnd == units)
        {
            // One thread: every lane at once, straight to the outputs (the same sums in the same order).
            SparseInputs.Forward(transposed, _parameters.AsSpan(layer.ParameterOffset + inputs * units, units), _batchInputs.AsSpan(first * inputs, count * inputs),
                buffers.Masks.AsSpan(first * perSample, count * perSample), FirstLayerOutputs(first, count), count, inputs, units, buffers.Scratch);
            _sparseOutputsReady = true;
            return;
        }
        for (int part = rowStart == 0 ? 0 : 1, last = rowEnd == units ? 1 : 0; part <= last; part++)
        {
            var (x, masks) = SparseRows(part);
            SparseInputs.ForwardLanes(transposed, x.AsSpan(first * inputs, count * inputs), masks.AsSpan(first * perSample, count * perSample),
                count, inputs, units, 8 * part, buffers.LaneSums[part], first, _sparseCount);
        }
    }

    /// <summary>The first layer's outputs of the samples [first, first + count) of the batch (each lane's activations start with them).</summary>
    private Span<float> FirstLayerOutputs(int first, int count) =>
        _activations.AsSpan(first * NetworkShape.ActivationsPerSample + count * NetworkShape.LayerActivationOffset(0), count * NetworkShape.Layers[0].Units);

    /// <summary>The first layer's outputs for the samples [first, first + count): both halves' chains added and the bias (unless one thread already summed them), the activation.</summary>
    private void SparseReduceLane(int first, int count)
    {
        SparseStepBuffers buffers = _sparseBuffers!;
        LayerInfo layer = NetworkShape.Layers[0];
        int inputs = NetworkShape.InputSize, units = layer.Units;
        Span<float> outputs = FirstLayerOutputs(first, count);
        if (!_sparseOutputsReady)
            SparseInputs.ReduceLanes(buffers.LaneSums[0], buffers.LaneSums[1], _sparseCount, first, count, units,
                _parameters.AsSpan(layer.ParameterOffset + inputs * units, units), outputs);
        // The activation over the ranges the generated ForwardFirstLayerRows takes (each thread's units of each sample): an
        // activation computed in vectors and a scalar tail gives bits that depend on where a range starts.
        int split = FirstLayerRows.Split(units);
        for (int s = 0; s < count; s++)
        {
            ApplyFirstActivation(layer.Activation, outputs.Slice(s * units, split));
            ApplyFirstActivation(layer.Activation, outputs.Slice(s * units + split, units - split));
        }
    }

    /// <summary>
    /// A sparse step's update of the first layer for units [<paramref name="rowStart"/>, <paramref name="rowEnd"/>)
    /// (a thread's half, or all): the weight gradients of the matching half of the transposed rows (or all) over the whole
    /// batch from the non-zero inputs, those units' bias gradients, and the optimizer's update of both.
    /// </summary>
    private void SparseUpdate(int rowStart, int rowEnd, int count)
    {
        SparseStepBuffers buffers = _sparseBuffers!;
        LayerInfo first = NetworkShape.Layers[0];
        int inputs = NetworkShape.InputSize, units = first.Units, offset = first.ParameterOffset, laneRows = inputs / 2;
        int part = rowStart == 0 ? 0 : 1, rowsStart = part * laneRows, rowsEnd = rowEnd == units ? inputs : laneRows;
        ReadOnlySpan<float> x = SparseRows(part).Inputs.AsSpan(0, count * inputs), delta = _firstDelta.AsSpan(0, count * units);
        ulong[] columnMasks = buffers.ColumnMasks[part];
        SparseInputGradients.ColumnMasks(x, inputs, count, columnMasks);
        SparseInputGradients.WeightGradients(delta, x, columnMasks, count, inputs, units, _gradients.AsSpan(offset, inputs * units), rowsStart, rowsEnd);
        // The biases' gradients as Dense.ParameterGradientRows sums them: over the samples in order, from zero.
        Span<float> biasGradients = _gradients.AsSpan(offset + inputs * units + rowStart, rowEnd - rowStart);
        biasGradients.Clear();
        ref float d = ref MemoryMarshal.GetReference(_firstDelta.Span);
        for (int s = 0; s < count; s++)
            Simd.Axpy(1f, ref Unsafe.Add(ref d, s * units + rowStart), ref MemoryMarshal.GetReference(biasGradients), biasGradients.Length);
        long step = _update.Step;
        Optimizer!.ApplyRange(_parameters, _gradients, offset + rowsStart * units, (rowsEnd - rowsStart) * units, step);
        Optimizer.ApplyRange(_parameters, _gradients, offset + inputs * units + rowStart, rowEnd - rowStart, step);
    }
}
