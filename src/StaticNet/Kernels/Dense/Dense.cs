using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// The dense-layer kernels that generated code calls, one call per layer, with the layer's sizes
/// as <see cref="IConstant"/> type arguments and its activation as an
/// <see cref="IActivationKernel"/> type argument. Weights are row-major [TOut x TIn].
/// Each kernel checks its span lengths once on entry, so a wrong call throws instead of reading
/// or writing out of bounds; the loops inside run without bounds checks.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Dense
{
    /// <summary>One sample: y = f(W x + b).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward<TIn, TOut, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y)
        where TIn : IConstant where TOut : IConstant where TAct : IActivationKernel => Forward<TIn, TOut, TAct>(weights, bias, x, y, default, 0);

    /// <summary>
    /// One sample: y = f(W x + b), where <paramref name="packedParameters"/> is a network's packed copy of its parameters
    /// for one-sample prediction (see <see cref="NeuralNetwork.PredictionParameters"/>; empty for none), in which this
    /// layer's weights, if the layer packs, start at <paramref name="weightOffset"/> eight rows at a time. The same bits
    /// either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward<TIn, TOut, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y,
        ReadOnlySpan<float> packedParameters, int weightOffset)
        where TIn : IConstant where TOut : IConstant where TAct : IActivationKernel =>
        Forward<TIn, TOut, TAct>(weights, bias, x, y, packedParameters, weightOffset, default);

    /// <summary>
    /// One sample of a network's first layer: as <see cref="Forward{TIn, TOut, TAct}(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{float}, int)"/>,
    /// and where <paramref name="transposedWeights"/> holds the weights in the sparse kernel's layout (a network's copy
    /// for one-sample prediction; empty for none), an input that is mostly zeros (an image's background) adds the
    /// weight rows of its non-zero inputs only: a test digit's first layer in 1.1 us instead of 2.2-3.0 us. The same
    /// sums, in the same order.
    /// </summary>
    public static void Forward<TIn, TOut, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y,
        ReadOnlySpan<float> packedParameters, int weightOffset, ReadOnlySpan<float> transposedWeights)
        where TIn : IConstant where TOut : IConstant where TAct : IActivationKernel
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        Check(weights, (long)nIn * nOut, nameof(weights));
        Check(bias, nOut, nameof(bias));
        Check(x, nIn, nameof(x));
        Check(y, nOut, nameof(y));
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        if (!transposedWeights.IsEmpty && ForwardSparse(transposedWeights, bias, x, y, nIn, nOut))
        {
            TAct.Apply(y.Slice(0, nOut));
            return;
        }
        if (!packedParameters.IsEmpty && PackedRows.Applies(nIn, nOut))
            Tiled.ForwardOne<TIn, TOut>(ref w, ref MemoryMarshal.GetReference(packedParameters.Slice(weightOffset, nIn * nOut)), ref b, ref xr, ref yr);
        else if (Vector512.IsHardwareAccelerated && nIn >= Vector512<float>.Count)
            Tiled.ForwardOne<TIn, TOut>(ref w, ref b, ref xr, ref yr);
        else
            for (int j = 0; j < nOut; j++)
                Unsafe.Add(ref yr, j) = Simd.Dot(ref Unsafe.Add(ref w, j * nIn), ref xr, nIn) + Unsafe.Add(ref b, j);
        TAct.Apply(y.Slice(0, nOut));
    }

    /// <summary>
    /// One sample's weighted sums from the non-zero inputs (<see cref="SparseInputs"/>), when the layer is one it takes and
    /// at most <see cref="SparseInputs.MaxDensity"/> of the inputs are non-zero; false (nothing written) otherwise.
    /// The masks and the sums' scratch are on the stack (128 bytes and 4 KB at 784 x 128; layers of more than 1,024 units
    /// or 65,536 inputs, whose would be larger, keep the rows).
    /// </summary>
    private static bool ForwardSparse(ReadOnlySpan<float> transposed, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, int inputs, int outputs)
    {
        const int MaxStackFloats = 8 * 1024;
        int maskLength = SparseInputs.MaskLength(inputs), scratchLength = SparseInputs.ScratchLength(outputs, 1);
        if (!SparseInputs.AppliesToOneSample(inputs, outputs) || maskLength > 1024 || scratchLength > MaxStackFloats
            || transposed.Length < SparseInputs.TransposedLength(inputs, outputs)) return false;
        Span<ulong> masks = stackalloc ulong[maskLength];
        long nonZero = SparseInputs.Masks(x, inputs, 1, masks);
        if (nonZero > SparseInputs.MaxDensity(outputs) * inputs) return false;
        Span<float> scratch = stackalloc float[scratchLength];
        SparseInputs.Forward(transposed, bias, x, masks, y, 1, inputs, outputs, scratch);
        return true;
    }

    /// <summary>A batch of <paramref name="count"/> row-major samples: Y = f(X Wᵀ + b).</summary>
    public static void ForwardBatch<TIn, TOut, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, int count)
        where TIn : IConstant where TOut : IConstant where TAct : IActivationKernel
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        CheckCount(count);
        Check(weights, (long)nIn * nOut, nameof(weights));
        Check(bias, nOut, nameof(bias));
        Check(x, (long)count * nIn, nameof(x));
        Check(y, (long)count * nOut, nameof(y));
        WeightedSums<TIn, TOut>(weights, bias, x, y, count, 0, nOut);
        TAct.Apply(y.Slice(0, count * nOut));
    }

    /// <summary>
    /// <see cref="ForwardBatch"/> for the outputs [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) only: writes
    /// those columns of Y (the same bits as a full call gives them) and leaves the others as they are. Two threads
    /// that each compute their own rows share the work without either reading the other's weights.
    /// </summary>
    public static void ForwardBatchRows<TIn, TOut, TAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, int count, int rowStart, int rowEnd)
        where TIn : IConstant where TOut : IConstant where TAct : IActivationKernel
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        CheckCount(count);
        CheckRows(rowStart, rowEnd, nOut);
        Check(weights, (long)nIn * nOut, nameof(weights));
        Check(bias, nOut, nameof(bias));
        Check(x, (long)count * nIn, nameof(x));
        Check(y, (long)count * nOut, nameof(y));
        int rows = rowEnd - rowStart;
        if (rows == 0) return;
        WeightedSums<TIn, TOut>(weights, bias, x, y, count, rowStart, rowEnd);
        for (int s = 0; s < count; s++)
            TAct.Apply(y.Slice(s * nOut + rowStart, rows));
    }

    /// <summary>
    /// Weight and bias gradients of one layer for a batch: dW = Δᵀ X and db = Σ Δ over the batch,
    /// where Δ (count x TOut) is dLoss/dz of this layer and X (count x TIn) its input. Overwrites
    /// <paramref name="weightGradients"/> and <paramref name="biasGradients"/>.
    /// </summary>
    public static void ParameterGradients<TIn, TOut>(ReadOnlySpan<float> delta, ReadOnlySpan<float> x, int count, Span<float> weightGradients, Span<float> biasGradients)
        where TIn : IConstant where TOut : IConstant =>
        ParameterGradientRows<TIn, TOut>(delta, x, count, weightGradients, biasGradients, 0, TOut.Value);

    /// <summary>
    /// <see cref="ParameterGradients"/> for the outputs [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) only:
    /// overwrites those rows of dW and those biases' gradients (the same bits as a full call) and leaves the others.
    /// </summary>
    public static void ParameterGradientRows<TIn, TOut>(ReadOnlySpan<float> delta, ReadOnlySpan<float> x, int count, Span<float> weightGradients, Span<float> biasGradients, int rowStart, int rowEnd)
        where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        CheckCount(count);
        CheckRows(rowStart, rowEnd, nOut);
        Check(delta, (long)count * nOut, nameof(delta));
        Check(x, (long)count * nIn, nameof(x));
        Check(weightGradients, (long)nIn * nOut, nameof(weightGradients));
        Check(biasGradients, nOut, nameof(biasGradients));
        ref float d = ref MemoryMarshal.GetReference(delta);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float gw = ref MemoryMarshal.GetReference(weightGradients);
        ref float gb = ref MemoryMarshal.GetReference(biasGradients);
        int rows = rowEnd - rowStart;
        if (Vector512.IsHardwareAccelerated && nIn >= Vector512<float>.Count)
        {
            Tiled.WeightGradientRows<TIn, TOut>(ref d, ref xr, ref gw, count, rowStart, rowEnd);
            biasGradients.Slice(rowStart, rows).Clear();
            for (int s = 0; s < count; s++)
                Simd.Axpy(1f, ref Unsafe.Add(ref d, s * nOut + rowStart), ref Unsafe.Add(ref gb, rowStart), rows);
            return;
        }
        weightGradients.Slice(rowStart * nIn, rows * nIn).Clear();
        for (int j = rowStart; j < rowEnd; j++)
        {
            ref float row = ref Unsafe.Add(ref gw, j * nIn);
            float biasSum = 0;
            for (int s = 0; s < count; s++)
            {
                float ds = Unsafe.Add(ref d, s * nOut + j);
                biasSum += ds;
                if (ds != 0) Simd.Axpy(ds, ref Unsafe.Add(ref xr, s * nIn), ref row, nIn);
            }
            Unsafe.Add(ref gb, j) = biasSum;
        }
    }

    /// <summary>
    /// Propagates Δ (count x TOut) back through the weights to the previous layer:
    /// Δprev = (Δ W) ⊙ f'(previous activations), where <typeparamref name="TPrevAct"/> is the
    /// previous layer's activation and <paramref name="previousOutputs"/> its outputs.
    /// </summary>
    public static void InputGradients<TIn, TOut, TPrevAct>(ReadOnlySpan<float> weights, ReadOnlySpan<float> delta, ReadOnlySpan<float> previousOutputs, int count, Span<float> previousDelta)
        where TIn : IConstant where TOut : IConstant where TPrevAct : IActivationKernel
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        CheckCount(count);
        Check(weights, (long)nIn * nOut, nameof(weights));
        Check(delta, (long)count * nOut, nameof(delta));
        Check(previousOutputs, (long)count * nIn, nameof(previousOutputs));
        Check(previousDelta, (long)count * nIn, nameof(previousDelta));
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float d = ref MemoryMarshal.GetReference(delta);
        ref float pd = ref MemoryMarshal.GetReference(previousDelta);
        if (Vector512.IsHardwareAccelerated && nIn >= Vector512<float>.Count)
        {
            Tiled.InputGradients<TIn, TOut>(ref w, ref d, ref pd, count);
        }
        else
        {
            previousDelta.Slice(0, count * nIn).Clear();
            for (int s = 0; s < count; s++)
            {
                ref float row = ref Unsafe.Add(ref pd, s * nIn);
                for (int j = 0; j < nOut; j++)
                {
                    float ds = Unsafe.Add(ref d, s * nOut + j);
                    if (ds != 0) Simd.Axpy(ds, ref Unsafe.Add(ref w, j * nIn), ref row, nIn);
                }
            }
        }
        TPrevAct.MultiplyDerivative(previousOutputs.Slice(0, count * nIn), previousDelta.Slice(0, count * nIn));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Check(ReadOnlySpan<float> span, long required, string name)
    {
        if (span.Length < required) ThrowTooShort(name, required, span.Length);
    }

    /// <summary>Y[s, j] = Σ_k X[s, k]·W[j, k] + b[j] for the outputs [rowStart, rowEnd), spans already checked.</summary>
    private static void WeightedSums<TIn, TOut>(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, int count, int rowStart, int rowEnd)
        where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        if (Vector512.IsHardwareAccelerated && nIn >= Vector512<float>.Count)
        {
            Tiled.ForwardRows<TIn, TOut>(ref w, ref b, ref xr, ref yr, count, rowStart, rowEnd);
            return;
        }
        for (int s = 0; s < count; s++)
        {
            ref float xs = ref Unsafe.Add(ref xr, s * nIn);
            ref float ys = ref Unsafe.Add(ref yr, s * nOut);
            for (int j = rowStart; j < rowEnd; j++)
                Unsafe.Add(ref ys, j) = Simd.Dot(ref Unsafe.Add(ref w, j * nIn), ref xs, nIn) + Unsafe.Add(ref b, j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckRows(int rowStart, int rowEnd, int outputs)
    {
        if (rowStart < 0 || rowEnd < rowStart || rowEnd > outputs)
            throw new ArgumentOutOfRangeException(nameof(rowStart), $"The rows [{rowStart}, {rowEnd}) are not a range of the layer's {outputs} outputs.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckCount(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The sample count must not be negative.");
    }

    private static void ThrowTooShort(string name, long required, int actual) =>
        throw new ArgumentException($"Expected at least {required} values in '{name}'; got {actual}.", name);
}
