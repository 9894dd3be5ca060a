using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// An activation as a type, so that generated code selects it at compile time (no switch and no
/// virtual call per element). Derivatives are taken from the activation's output, so training
/// keeps one buffer per layer.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IActivationKernel
{
    /// <summary>Replaces each value z by f(z).</summary>
    static abstract void Apply(Span<float> values);

    /// <summary>Multiplies each gradient by f'(z), computed from the output y = f(z).</summary>
    static abstract void MultiplyDerivative(ReadOnlySpan<float> outputs, Span<float> gradients);
}

/// <summary>f(z) = z.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Linear : IActivationKernel
{
    /// <inheritdoc/>
    public static void Apply(Span<float> values) { }

    /// <inheritdoc/>
    public static void MultiplyDerivative(ReadOnlySpan<float> outputs, Span<float> gradients) { }
}

/// <summary>f(z) = 1 / (1 + e^-z); f' = y (1 - y).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Sigmoid : IActivationKernel
{
    /// <inheritdoc/>
    public static void Apply(Span<float> values) => TensorPrimitives.Sigmoid(values, values);

    /// <inheritdoc/>
    public static void MultiplyDerivative(ReadOnlySpan<float> outputs, Span<float> gradients)
    {
        ActivationMath.CheckSameLength(outputs, gradients);
        ref float y = ref MemoryMarshal.GetReference(outputs);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        int n = gradients.Length, i = 0;
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var yv = Vector256.LoadUnsafe(ref y, (nuint)i);
            var gv = Vector256.LoadUnsafe(ref g, (nuint)i);
            (gv * yv * (Vector256<float>.One - yv)).StoreUnsafe(ref g, (nuint)i);
        }
        for (; i < n; i++)
        {
            float yi = Unsafe.Add(ref y, i);
            Unsafe.Add(ref g, i) *= yi * (1f - yi);
        }
    }
}

/// <summary>f(z) = tanh z; f' = 1 - y².</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Tanh : IActivationKernel
{
    /// <inheritdoc/>
    public static void Apply(Span<float> values) => TensorPrimitives.Tanh(values, values);

    /// <inheritdoc/>
    public static void MultiplyDerivative(ReadOnlySpan<float> outputs, Span<float> gradients)
    {
        ActivationMath.CheckSameLength(outputs, gradients);
        ref float y = ref MemoryMarshal.GetReference(outputs);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        int n = gradients.Length, i = 0;
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var yv = Vector256.LoadUnsafe(ref y, (nuint)i);
            var gv = Vector256.LoadUnsafe(ref g, (nuint)i);
            (gv * (Vector256<float>.One - yv * yv)).StoreUnsafe(ref g, (nuint)i);
        }
        for (; i < n; i++)
        {
            float yi = Unsafe.Add(ref y, i);
            Unsafe.Add(ref g, i) *= 1f - yi * yi;
        }
    }
}

/// <summary>f(z) = max(0, z); f' = 1 where y &gt; 0, else 0.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Relu : IActivationKernel
{
    /// <inheritdoc/>
    public static void Apply(Span<float> values) => TensorPrimitives.Max(values, 0f, values);

    /// <inheritdoc/>
    public static void MultiplyDerivative(ReadOnlySpan<float> outputs, Span<float> gradients) =>
        LeakyRelu<ZeroSlope>.MultiplyDerivative(outputs, gradients);

    private readonly struct ZeroSlope : IFloatConstant
    {
        public static float Value => 0f;
    }
}

/// <summary>f(z) = z for z &gt; 0, else slope * z (slope &gt;= 0); f' = 1 where y &gt; 0, else slope.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct LeakyRelu<TSlope> : IActivationKernel where TSlope : IFloatConstant
{
    /// <inheritdoc/>
    public static void Apply(Span<float> values)
    {
        ref float v = ref MemoryMarshal.GetReference(values);
        int n = values.Length, i = 0;
        var slope = Vector256.Create(TSlope.Value);
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var x = Vector256.LoadUnsafe(ref v, (nuint)i);
            Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, x * slope).StoreUnsafe(ref v, (nuint)i);
        }
        for (; i < n; i++)
        {
            float x = Unsafe.Add(ref v, i);
            Unsafe.Add(ref v, i) = x > 0 ? x : x * TSlope.Value;
        }
    }

    /// <inheritdoc/>
    public static void MultiplyDerivative(ReadOnlySpan<float> outputs, Span<float> gradients)
    {
        ActivationMath.CheckSameLength(outputs, gradients);
        ref float y = ref MemoryMarshal.GetReference(outputs);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        int n = gradients.Length, i = 0;
        var slope = Vector256.Create(TSlope.Value);
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var yv = Vector256.LoadUnsafe(ref y, (nuint)i);
            var gv = Vector256.LoadUnsafe(ref g, (nuint)i);
            Vector256.ConditionalSelect(Vector256.GreaterThan(yv, Vector256<float>.Zero), gv, gv * slope).StoreUnsafe(ref g, (nuint)i);
        }
        for (; i < n; i++)
        {
            if (!(Unsafe.Add(ref y, i) > 0)) Unsafe.Add(ref g, i) *= TSlope.Value;
        }
    }
}

/// <summary>
/// Row-wise softmax for the output layer. Its derivative is applied by the losses (fused with
/// cross-entropy, or as a Jacobian-vector product otherwise), never by the backward pass.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Softmax
{
    /// <summary>Replaces each row of <paramref name="values"/> (rows of <paramref name="width"/>) by its softmax, stably (max subtracted first).</summary>
    public static void ApplyRows(Span<float> values, int width)
    {
        if (width <= 0 || values.Length % width != 0)
            throw new ArgumentException($"Expected a length that is a multiple of {width}; got {values.Length}.", nameof(values));
        for (int start = 0; start < values.Length; start += width)
        {
            Span<float> row = values.Slice(start, width);
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, row);
            TensorPrimitives.Exp(row, row);
            TensorPrimitives.Multiply(row, 1f / TensorPrimitives.Sum(row), row);
        }
    }
}

internal static class ActivationMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckSameLength(ReadOnlySpan<float> outputs, Span<float> gradients)
    {
        if (outputs.Length != gradients.Length)
            throw new ArgumentException($"Expected {gradients.Length} outputs to match the gradients; got {outputs.Length}.", nameof(outputs));
    }
}
