using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StaticNet.Kernels;

namespace StaticNet;

// Training steps whose first Dense layer follows the non-zero inputs (images: 81% of an MNIST digit's pixels are zero),
// for Fit on one thread (two threads keep the row-split steps: see SparseTrainingApplies). While Fit steps, the first layer's weights, their gradients and the optimizer's state for them are kept transposed,
// in SparseInputs' layout: the forward pass reads them as batch prediction's sparse kernel does
// (Kernels/Dense/SparseInputs.cs), the weight gradients are summed input by input over the samples where the input is not
// zero (Kernels/Dense/SparseInputGradients.cs), and the optimizer, which works element by element, updates them in that
// layout. Every value is the same bits as the row-split step's (TrainStepByRows): only the layout and the skipped zero
// products differ. Whatever reads the parameters turns them back first (EnsureDocumentedLayout); the next step turns
// them again.
public abstract partial class NeuralNetwork
{
    /// <summary>
    /// The largest share of non-zero inputs (in the first rows of the training data) for which Fit trains the first layer
    /// from the non-zero inputs. MNIST digits have 19%; measured at 784-128-64-10, batch 32, both kernels of a step
    /// together took about half the dense tiles' time there (docs/PERFORMANCE.md, 2026-12-02 13:10 UTC).
    /// </summary>
    private const double SparseTrainingMaxDensity = 0.35;

    /// <summary>Rows of the training data whose share of non-zero inputs decides (see <see cref="SparseTrainingMaxDensity"/>).</summary>
    private const int SparseTrainingProbeRows = 1024;

    /// <summary>Tests compare sparse training steps with the row-split steps they replace.</summary>
    internal bool SparseTrainingDisabled { get; set; }

    /// <summary>Training steps that ran the sparse first layer (tests check the path was taken).</summary>
    internal long SparseSteps { get; private set; }

    // Whether the running Fit takes sparse steps; whether the first layer's weights, gradients and optimizer state are
    // now transposed; the buffer a transposition goes through.
    private bool _sparseTraining;
    private volatile bool _firstLayerTransposed;
    private AlignedBuffer _transposeScratch;
    private SparseStepBuffers? _sparseBuffers;

    // The compiled optimizer's state arrays (elementwise, parameter-sized or empty), turned with the weights.
    private AlignedBuffer[] _optimizerState = Array.Empty<AlignedBuffer>();

    /// <summary>The buffers of sparse steps: a half-batch's row masks and kernel scratch, the whole batch's column masks.</summary>
    private sealed class SparseStepBuffers(int inputs, int units, int batch)
    {
        public readonly ulong[] Masks = new ulong[(batch + 1) / 2 * SparseInputs.MaskLength(inputs)];
        public readonly AlignedBuffer Scratch = new(SparseInputs.ScratchLength(units));
        public readonly ulong[] ColumnMasks = new ulong[SparseInputGradients.ColumnMaskLength(inputs, batch)];
    }

    /// <summary>
    /// Whether Fit's steps of <paramref name="batch"/> samples train the first layer sparse: a row-split step
    /// (<see cref="SplitsFirstLayer"/>) on one thread, a first layer the kernels support (inputs in blocks of 16, units in
    /// groups of 64, 512-bit vectors), and training data whose first rows are mostly zeros.
    /// <para>
    /// On two threads the row-split step keeps each core on its own half of the first layer's weights, in its own cache.
    /// Sparse steps split by samples had both cores read all the weights the other had just updated, and were slower
    /// than the row-split steps (docs/PERFORMANCE.md, 2026-12-02 14:00 UTC). Either way the bits are the same, so the
    /// choice may depend on the machine.
    /// </para>
    /// </summary>
    private bool SparseTrainingApplies(ReadOnlySpan<float> x, int samples, int batch)
    {
        if (SparseTrainingDisabled || !SplitsFirstLayer(batch) || ThreadBudget > 1) return false;
        int inputs = NetworkShape.InputSize, units = NetworkShape.Layers[0].Units;
        if (!SparseInputGradients.Supports(inputs, units)) return false;
        int rows = Math.Min(samples, SparseTrainingProbeRows);
        return rows > 0 && SparseInputs.CountNonZero(x.Slice(0, rows * inputs)) <= SparseTrainingMaxDensity * rows * inputs;
    }

    /// <summary>Sets up (or turns off) sparse steps for a Fit of <paramref name="batch"/>-sample batches.</summary>
    private void BeginSparseTraining(ReadOnlySpan<float> x, int samples, int batch)
    {
        _sparseTraining = SparseTrainingApplies(x, samples, batch);
        if (!_sparseTraining) return;
        int inputs = NetworkShape.InputSize, units = NetworkShape.Layers[0].Units;
        if (_transposeScratch.Length < inputs * units) _transposeScratch = new AlignedBuffer(inputs * units);
        if (_sparseBuffers is null || _sparseBuffers.ColumnMasks.Length < SparseInputGradients.ColumnMaskLength(inputs, batch))
            _sparseBuffers = new SparseStepBuffers(inputs, units, batch);
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

    /// <summary>Turns the first layer's weights, gradients and optimizer state back from a sparse step's layout, if they are in it.</summary>
    private void EnsureDocumentedLayout()
    {
        if (!_firstLayerTransposed) return;
        TransposeFirstLayer(toSparse: false);
    }

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
    /// One step with the first layer from the non-zero inputs, on this thread: each half of the batch through the first
    /// layer (the transposed weights) and the later layers (forward, loss, backward, the two lanes of
    /// <see cref="TrainStepByRows"/>); then the first layer's weight and bias gradients over the whole batch and the
    /// optimizer's update, the later layers' lane gradients summed. The same values as the row-split step's, so the same bits.
    /// </summary>
    private double TrainStepSparse(Loss loss, in DataSet data, ReadOnlySpan<int> rows, Span<double> metricSums, ulong dropoutKey)
    {
        if (!_firstLayerTransposed) TransposeFirstLayer(toSparse: true);
        SparseSteps++;
        int count = rows.Length, half = count / 2;
        GatherRows(data, rows, 0, count);
        Array.Clear(_laneMetricSums);
        double lossSum = SparseLane(loss, 0, half, count, dropoutKey, _gradients, metricSums)
            + SparseLane(loss, half, count - half, count, SecondHalfKey(dropoutKey), _laneGradients, _laneMetricSums);
        for (int m = 0; m < metricSums.Length; m++) metricSums[m] += _laneMetricSums[m];
        _update = (Optimizer!.BeginStep(), 0, true);
        SparseUpdate(count);
        return lossSum;
    }

    /// <summary>Rows [first, first + count) of the gathered batch: the first layer from their non-zero inputs, then <see cref="RunLane"/>'s later layers.</summary>
    private double SparseLane(Loss loss, int first, int count, int total, ulong dropoutKey, Span<float> gradients, Span<double> metricSums)
    {
        SparseStepBuffers buffers = _sparseBuffers!;
        LayerInfo layer = NetworkShape.Layers[0];
        int inputs = NetworkShape.InputSize, units = layer.Units;
        ReadOnlySpan<float> x = _batchInputs.AsSpan(first * inputs, count * inputs);
        SparseInputs.Masks(x, inputs, count, buffers.Masks);
        Span<float> outputs = _activations.AsSpan(first * NetworkShape.ActivationsPerSample + count * NetworkShape.LayerActivationOffset(0), count * units);
        SparseInputs.Forward(_parameters.AsSpan(layer.ParameterOffset, inputs * units), _parameters.AsSpan(layer.ParameterOffset + inputs * units, units),
            x, buffers.Masks, outputs, count, inputs, units, buffers.Scratch);
        ApplyFirstActivation(layer.Activation, outputs);
        return RunLane(loss, first, count, total, dropoutKey, gradients, metricSums, byRows: true);
    }

    /// <summary>
    /// A sparse step's update: the first layer's weight gradients (transposed) and bias gradients over the whole batch,
    /// the optimizer's update of that layer, then of the later layers' parameters, the lanes' gradients summed (as
    /// <see cref="UpdateByRows"/> does in two parts).
    /// </summary>
    private void SparseUpdate(int count)
    {
        SparseStepBuffers buffers = _sparseBuffers!;
        LayerInfo first = NetworkShape.Layers[0];
        int inputs = NetworkShape.InputSize, units = first.Units, offset = first.ParameterOffset;
        ReadOnlySpan<float> x = _batchInputs.AsSpan(0, count * inputs), delta = _firstDelta.AsSpan(0, count * units);
        SparseInputGradients.ColumnMasks(x, inputs, count, buffers.ColumnMasks);
        SparseInputGradients.WeightGradients(delta, x, buffers.ColumnMasks, count, inputs, units, _gradients.AsSpan(offset, inputs * units), 0, inputs);
        // The biases' gradients as Dense.ParameterGradientRows sums them: over the samples in order, from zero.
        Span<float> biasGradients = _gradients.AsSpan(offset + inputs * units, units);
        biasGradients.Clear();
        ref float d = ref MemoryMarshal.GetReference(_firstDelta.Span);
        for (int s = 0; s < count; s++)
            Simd.Axpy(1f, ref Unsafe.Add(ref d, s * units), ref MemoryMarshal.GetReference(biasGradients), units);
        Optimizer!.ApplyRange(_parameters, _gradients, offset, inputs * units + units, _update.Step);
        UpdateLaterLayers(0);
        UpdateLaterLayers(1);
    }
}
