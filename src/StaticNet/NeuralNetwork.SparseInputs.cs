using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using StaticNet.Kernels;

namespace StaticNet;

// Batch prediction and evaluation of mostly-zero inputs (images): the first Dense layer visits only the non-zero
// inputs (Kernels/Dense/SparseInputs.cs), the generated ForwardBatchAfterFirstLayer does the rest. The same bits as
// the generated ForwardBatch, so callers need not know which ran.
public abstract partial class NeuralNetwork
{
    /// <summary>Tests compare the sparse first layer with the dense one it replaces.</summary>
    internal bool SparseInputsDisabled { get; set; }

    /// <summary>Chunks whose first layer ran sparse (tests check the path was taken).</summary>
    internal long SparseChunks => Interlocked.Read(ref _sparseChunks);
    private long _sparseChunks;

    /// <summary>
    /// Whether batch prediction and evaluation may compute the first layer from its non-zero inputs: a hidden Dense first layer (the
    /// networks that get the generated <see cref="ForwardBatchAfterFirstLayer"/>) of at least 64 units (measured on 64
    /// digits from 784 inputs: 0.33-0.68x the dense tile's time for 64 to 300 units, 1.2-1.4x for 25), 16-float input
    /// blocks, and at least one chunk of samples (the transposition, 22-28 us at 784 x 128, costs a fifth of a chunk's
    /// dense first layer; a call of 64 digits measured 0.70x the dense path's time).
    /// </summary>
    private bool SparseFirstLayerApplies(int samples)
    {
        if (SparseInputsDisabled || samples < PredictChunk) return false;
        LayerInfo first = NetworkShape.Layers[0];
        return FirstLayerRows.Applies(first.Kind, first.Activation, NetworkShape.Layers.Count, NetworkShape.HasL2, NetworkShape.HasBatchNormalization)
            && first.Units >= 64 && SparseInputs.Supports(NetworkShape.InputSize);
    }

    /// <summary>
    /// The first layer's weights transposed for <see cref="SparseInputs"/> (rented: <see cref="ReturnAligned"/>), or
    /// none (no array) where the sparse path does not apply or the first chunk of samples is too dense to expect it to
    /// pay. (Deciding on the first sample alone, Fashion-MNIST, 50% non-zero with a first image at 34%, built every
    /// chunk's masks only to run the dense tile: 1.10-1.15x the dense path's time.)
    /// </summary>
    private ArraySegment<float> RentSparseWeights(ReadOnlySpan<float> inputs, int samples)
    {
        // Every batch call starts here, on its caller's thread, before any other thread reads the weights: a sparse
        // training step's layout is turned back now (NeuralNetwork.SparseTraining.cs).
        EnsureDocumentedLayout();
        if (!SparseFirstLayerApplies(samples)) return default;
        int inputSize = NetworkShape.InputSize, units = NetworkShape.Layers[0].Units, rows = Math.Min(samples, PredictChunk);
        if (SparseInputs.CountNonZero(inputs.Slice(0, rows * inputSize)) > SparseInputs.MaxDensity(units) * rows * inputSize) return default;
        ArraySegment<float> transposed = RentAligned(SparseInputs.TransposedLength(inputSize, units));
        SparseInputs.Transpose(DocumentedParameters.AsSpan(NetworkShape.Layers[0].ParameterOffset, inputSize * units), inputSize, units, transposed);
        return transposed;
    }

    /// <summary>
    /// <paramref name="length"/> floats from the array pool, starting on a 64-byte boundary: the kernel's 512-bit loads
    /// and stores would otherwise each cross a cache line (measured: the kernel 1.3-1.8x slower). Should the GC move the array,
    /// the offset stays right and only the alignment is lost.
    /// </summary>
    private static ArraySegment<float> RentAligned(int length)
    {
        float[] array = ArrayPool<float>.Shared.Rent(length + 16);
        long address = Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref MemoryMarshal.GetArrayDataReference(array));
        return new ArraySegment<float>(array, (int)((64 - address % 64) % 64 / sizeof(float)), length);
    }

    /// <summary>Returns what <see cref="RentAligned"/> (or <see cref="RentSparseWeights"/>) rented; nothing for an empty segment.</summary>
    private static void ReturnAligned(ArraySegment<float> segment)
    {
        if (segment.Array is not null) ArrayPool<float>.Shared.Return(segment.Array);
    }

    /// <summary>
    /// The first layer's outputs (after its activation) for <paramref name="count"/> samples of
    /// <paramref name="inputs"/>, written where the generated <see cref="ForwardBatchAfterFirstLayer"/> reads them,
    /// when their share of non-zero inputs is at most <see cref="SparseInputs.MaxDensity"/>; false (nothing computed) otherwise.
    /// </summary>
    private bool TrySparseFirstLayer(ReadOnlySpan<float> transposed, ReadOnlySpan<float> inputs, int count, Span<float> activations, SparseBuffers buffers, ReadOnlySpan<float> ahead)
    {
        int inputSize = NetworkShape.InputSize;
        LayerInfo first = NetworkShape.Layers[0];
        int units = first.Units;
        long nonZero = SparseInputs.Masks(inputs, inputSize, count, buffers.Masks);
        if (nonZero > SparseInputs.MaxDensity(units) * count * inputSize) return false;
        Span<float> outputs = activations.Slice(count * NetworkShape.LayerActivationOffset(0), count * units);
        SparseInputs.Forward(transposed, DocumentedParameters.AsSpan(first.ParameterOffset + inputSize * units, units), inputs, buffers.Masks,
            outputs, count, inputSize, units, buffers.Scratch, ahead);
        ApplyFirstActivation(first.Activation, outputs);
        Interlocked.Increment(ref _sparseChunks);
        return true;
    }

    /// <summary>
    /// The forward pass of <paramref name="count"/> rows for prediction and evaluation: the sparse first layer and then
    /// the generated <see cref="ForwardBatchAfterFirstLayer"/> when the first layer's weights are
    /// <paramref name="transposed"/> (by <see cref="RentSparseWeights"/>) and the rows are sparse enough, else the
    /// generated <see cref="ForwardBatch"/>. The same bits either way. <paramref name="buffers"/> holds at least
    /// <paramref name="count"/> rows' masks when <paramref name="transposed"/> has an array. The sparse first layer
    /// fetches the rows of <paramref name="ahead"/> into cache as it goes (the next call's, or none).
    /// </summary>
    private void ForwardRows(ArraySegment<float> transposed, ReadOnlySpan<float> x, int count, Span<float> activations, Span<float> logits,
        SparseBuffers buffers, ReadOnlySpan<float> ahead)
    {
        if (transposed.Array is not null && TrySparseFirstLayer(transposed, x, count, activations, buffers, ahead))
            ForwardBatchAfterFirstLayer(DocumentedParameters, count, activations, logits, 0);
        else
            ForwardBatch(DocumentedParameters, x, count, activations, logits);
    }

    /// <summary>
    /// <see cref="ForwardRows"/> for <c>Evaluate</c> and validation, whose rows come a batch (or half-batch) at a time
    /// from either thread: the masks and scratch are rented for the call. The transposed weights are passed down rather
    /// than kept in a field, so that evaluations on several threads stay independent.
    /// </summary>
    private void EvaluationForward(ArraySegment<float> transposed, ReadOnlySpan<float> x, int count, Span<float> activations, Span<float> logits,
        ReadOnlySpan<float> ahead)
    {
        if (transposed.Array is null)
        {
            ForwardBatch(DocumentedParameters, x, count, activations, logits);
            return;
        }
        using var buffers = new SparseBuffers(NetworkShape.InputSize, NetworkShape.Layers[0].Units, count);
        ForwardRows(transposed, x, count, activations, logits, buffers, ahead);
    }

    /// <summary>The activation kernels the generated first layer calls, chosen at run time (the same bits).</summary>
    private void ApplyFirstActivation(Activation activation, Span<float> values)
    {
        switch (activation)
        {
            case Activation.Sigmoid: Kernels.Sigmoid.Apply(values); break;
            case Activation.Tanh: Kernels.Tanh.Apply(values); break;
            case Activation.Relu: Kernels.Relu.Apply(values); break;
            case Activation.LeakyRelu:
                // LeakyRelu<TSlope>.Apply's formula with the shape's slope, the value the generator bakes into TSlope.
                float slope = NetworkShape.LeakyReluSlope;
                for (int i = 0; i < values.Length; i++) if (!(values[i] > 0)) values[i] *= slope;
                break;
            case Activation.Linear: break;
            default: throw new InvalidOperationException($"A first layer with {activation} does not run sparse."); // excluded by FirstLayerRows.Applies
        }
    }

    /// <summary>One thread's masks and scratch for <see cref="TrySparseFirstLayer"/>, rented for a prediction call or an evaluation batch (a struct: nothing allocated).</summary>
    private readonly struct SparseBuffers : IDisposable
    {
        public readonly ulong[] Masks;
        public readonly ArraySegment<float> Scratch;

        public SparseBuffers(int inputSize, int units, int chunk)
        {
            Masks = ArrayPool<ulong>.Shared.Rent(chunk * SparseInputs.MaskLength(inputSize));
            Scratch = RentAligned(SparseInputs.ScratchLength(units));
        }

        public void Dispose()
        {
            ArrayPool<ulong>.Shared.Return(Masks);
            ReturnAligned(Scratch);
        }
    }
}
