using System;
using System.Buffers;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

/// <summary>
/// The Conv2D-layer kernels that generated code calls, one call per layer, with the layer's sizes as an
/// <see cref="IConv2DGeometry"/> type argument and its activation as an <see cref="IActivationKernel"/>
/// type argument. Conv1D is the same layer with height 1. Tensors are channels-last (a sample is
/// InHeight x InWidth x InChannels, index (y * W + x) * C + c); the kernel is Keras's
/// [KernelHeight, KernelWidth, InChannels, Filters] row-major, so the innermost loops run over filters
/// (or, for input gradients, over channels) with vectors. Each kernel checks its span lengths once on
/// entry, so a wrong call throws instead of reading or writing out of bounds; the loops inside run
/// without bounds checks. A layer without bias passes an empty bias span.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Conv2D
{
    /// <summary>One sample: y = f(conv(x, kernel) + bias), y being OutHeight x OutWidth x Filters.</summary>
    public static void Forward<TGeom, TAct>(ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y)
        where TGeom : IConv2DGeometry where TAct : IActivationKernel
    {
        CheckGeometry<TGeom>();
        bool hasBias = CheckBias<TGeom>(bias, nameof(bias));
        Check(kernel, KernelSize<TGeom>(), nameof(kernel));
        Check(x, InSize<TGeom>(), nameof(x));
        Check(y, OutSize<TGeom>(), nameof(y));
        Conv2DForward.Sample<TGeom>(ref MemoryMarshal.GetReference(kernel), ref MemoryMarshal.GetReference(bias), hasBias,
            ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y));
        TAct.Apply(y.Slice(0, (int)OutSize<TGeom>()));
    }

    /// <summary>
    /// A batch of <paramref name="count"/> samples stored one after the other: each sample's outputs
    /// equal <see cref="Forward{TGeom, TAct}"/>'s for that sample, bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardBatch<TGeom, TAct>(ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, int count)
        where TGeom : IConv2DGeometry where TAct : IActivationKernel
    {
        CheckGeometry<TGeom>();
        CheckCount(count);
        bool hasBias = CheckBias<TGeom>(bias, nameof(bias));
        long inSize = InSize<TGeom>(), outSize = OutSize<TGeom>();
        Check(kernel, KernelSize<TGeom>(), nameof(kernel));
        Check(x, count * inSize, nameof(x));
        Check(y, count * outSize, nameof(y));
        ref float k = ref MemoryMarshal.GetReference(kernel);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float xr = ref MemoryMarshal.GetReference(x);
        for (int s = 0; s < count; s++)
        {
            Conv2DForward.Sample<TGeom>(ref k, ref b, hasBias, ref Unsafe.Add(ref xr, (nint)(s * inSize)), ref MemoryMarshal.GetReference(y.Slice((int)(s * outSize))));
            // Per sample, so that a sample's activation values do not depend on its place in the batch.
            TAct.Apply(y.Slice((int)(s * outSize), (int)outSize));
        }
    }

    /// <summary>
    /// Kernel and bias gradients for a batch: dK[ky, kx, ci, f] = Σ over samples and output positions of
    /// x[iy, ix, ci] Δ[oy, ox, f], and dBias[f] = Σ Δ[.., f], where Δ (count x OutHeight x OutWidth x Filters)
    /// is dLoss/dz of this layer and x its input. Overwrites both gradient spans;
    /// <paramref name="biasGradients"/> is empty when the layer has no bias.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ParameterGradients<TGeom>(ReadOnlySpan<float> delta, ReadOnlySpan<float> x, int count, Span<float> kernelGradients, Span<float> biasGradients)
        where TGeom : IConv2DGeometry
    {
        CheckGeometry<TGeom>();
        CheckCount(count);
        bool hasBias = CheckBias<TGeom>(biasGradients, nameof(biasGradients));
        long inSize = InSize<TGeom>(), outSize = OutSize<TGeom>();
        int filters = TGeom.Filters;
        Check(delta, count * outSize, nameof(delta));
        Check(x, count * inSize, nameof(x));
        Check(kernelGradients, KernelSize<TGeom>(), nameof(kernelGradients));
        kernelGradients.Slice(0, (int)KernelSize<TGeom>()).Clear();
        ref float d = ref MemoryMarshal.GetReference(delta);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float gk = ref MemoryMarshal.GetReference(kernelGradients);
        for (int s = 0; s < count; s++)
            Conv2DParameterGradients.Sample<TGeom>(ref Unsafe.Add(ref d, (nint)(s * outSize)), ref Unsafe.Add(ref xr, (nint)(s * inSize)), ref gk);
        if (hasBias)
        {
            biasGradients.Slice(0, filters).Clear();
            ref float gb = ref MemoryMarshal.GetReference(biasGradients);
            long positions = count * outSize / filters;
            for (long p = 0; p < positions; p++)
                Simd.Axpy(1f, ref Unsafe.Add(ref d, (nint)(p * filters)), ref gb, filters);
        }
    }

    /// <summary>
    /// Propagates Δ (count x OutHeight x OutWidth x Filters, dLoss/dz of this layer) back to the previous
    /// layer: Δprev = (dLoss/dx) ⊙ f'(previous outputs), where <typeparamref name="TPrevAct"/> is the previous
    /// layer's activation and <paramref name="previousOutputs"/> this layer's input. Overwrites
    /// <paramref name="previousDelta"/> (count x InHeight x InWidth x InChannels).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradients<TGeom, TPrevAct>(ReadOnlySpan<float> kernel, ReadOnlySpan<float> delta, ReadOnlySpan<float> previousOutputs, int count, Span<float> previousDelta)
        where TGeom : IConv2DGeometry where TPrevAct : IActivationKernel
    {
        CheckGeometry<TGeom>();
        CheckCount(count);
        long inSize = InSize<TGeom>(), outSize = OutSize<TGeom>(), kernelSize = KernelSize<TGeom>();
        Check(kernel, kernelSize, nameof(kernel));
        Check(delta, count * outSize, nameof(delta));
        Check(previousOutputs, count * inSize, nameof(previousOutputs));
        Check(previousDelta, count * inSize, nameof(previousDelta));
        int total = (int)(count * inSize);
        previousDelta.Slice(0, total).Clear();
        ref float k = ref MemoryMarshal.GetReference(kernel);
        ref float d = ref MemoryMarshal.GetReference(delta);
        ref float pd = ref MemoryMarshal.GetReference(previousDelta);
        // The vector path reads the kernel as [ky, kx, f, ci]: transposed once per call into pooled
        // scratch (its size is the kernel's, small next to the batch's work).
        float[]? rented = null;
        try
        {
            ref float kt = ref k;
            if (Conv2DInputGradients.UsesTransposed<TGeom>())
            {
                rented = ArrayPool<float>.Shared.Rent((int)kernelSize);
                kt = ref MemoryMarshal.GetArrayDataReference(rented);
                Conv2DInputGradients.Transpose<TGeom>(ref k, ref kt);
            }
            for (int s = 0; s < count; s++)
                Conv2DInputGradients.Sample<TGeom>(ref k, ref kt, ref Unsafe.Add(ref d, (nint)(s * outSize)), ref Unsafe.Add(ref pd, (nint)(s * inSize)));
        }
        finally
        {
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
        TPrevAct.MultiplyDerivative(previousOutputs.Slice(0, total), previousDelta.Slice(0, total));
    }

    private static long InSize<TGeom>() where TGeom : IConv2DGeometry => (long)TGeom.InHeight * TGeom.InWidth * TGeom.InChannels;

    private static long OutSize<TGeom>() where TGeom : IConv2DGeometry => (long)TGeom.OutHeight * TGeom.OutWidth * TGeom.Filters;

    private static long KernelSize<TGeom>() where TGeom : IConv2DGeometry =>
        (long)TGeom.KernelHeight * TGeom.KernelWidth * TGeom.InChannels * TGeom.Filters;

    /// <summary>Constant for each geometry, so the JIT folds it away; guards the index arithmetic (int, non-negative).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckGeometry<TGeom>() where TGeom : IConv2DGeometry
    {
        if (TGeom.InHeight < 1 || TGeom.InWidth < 1 || TGeom.InChannels < 1 || TGeom.OutHeight < 1 || TGeom.OutWidth < 1
            || TGeom.Filters < 1 || TGeom.KernelHeight < 1 || TGeom.KernelWidth < 1 || TGeom.StrideHeight < 1
            || TGeom.StrideWidth < 1 || TGeom.PadTop < 0 || TGeom.PadLeft < 0)
            ThrowBadGeometry("sizes and strides must be at least 1 and pads at least 0");
        if (KernelSize<TGeom>() > int.MaxValue || InSize<TGeom>() > int.MaxValue || OutSize<TGeom>() > int.MaxValue)
            ThrowBadGeometry("a sample or the kernel has more than int.MaxValue values");
    }

    /// <summary>True when the layer has a bias: the span is empty (no bias) or holds at least Filters values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool CheckBias<TGeom>(ReadOnlySpan<float> bias, string name) where TGeom : IConv2DGeometry
    {
        if (bias.IsEmpty) return false;
        Check(bias, TGeom.Filters, name);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Check(ReadOnlySpan<float> span, long required, string name)
    {
        if (span.Length < required) ThrowTooShort(name, required, span.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckCount(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The sample count must not be negative.");
    }

    private static void ThrowTooShort(string name, long required, int actual) =>
        throw new ArgumentException($"Expected at least {required} values in '{name}'; got {actual}.", name);

    private static void ThrowBadGeometry(string why) =>
        throw new ArgumentException($"The Conv2D geometry (type argument TGeom) is invalid: {why}.", "TGeom");
}
