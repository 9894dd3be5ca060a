using System;
using System.ComponentModel;
using StaticNet.Quantization;

namespace StaticNet.Kernels;

/// <summary>
/// One int8 dense layer for generated code (classes declared with <c>Precision = Precision.Int8</c>):
/// the same steps and arithmetic as <see cref="Int8Network"/>'s layers, on weights and rescale data
/// the generator baked into the assembly. Not meant to be called by hand.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Int8DenseLayer
{
    /// <summary>A layer's inputs rounded up to the kernel's block of 16 (the packed weights' row length).</summary>
    public static int PaddedInputs(int inputs) => Int8Dense.PaddedInputs(inputs);

    /// <summary>A layer's units rounded up to the kernel's tile of 32.</summary>
    public static int PaddedOutputs(int units) => Int8Dense.PaddedOutputs(units);

    /// <summary>
    /// A copy of packed int8 weights in 64-byte-aligned memory (pinned, so it stays aligned), made once per layer:
    /// the kernel reads the weights in 32- and 64-byte loads, and from an address 12 or 16 bytes past a cache line
    /// (where string literals and arrays start) half of those loads span two lines. On this project's machine the
    /// 784 x 128 layer took 1.46 us from such an address and 0.85 us aligned.
    /// </summary>
    public static ArraySegment<sbyte> Aligned(ReadOnlySpan<sbyte> packed)
    {
        sbyte[] buffer = GC.AllocateUninitializedArray<sbyte>(packed.Length + 63, pinned: true);
        int offset = (int)((64 - (long)System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(buffer, 0) % 64) % 64);
        packed.CopyTo(buffer.AsSpan(offset));
        return new ArraySegment<sbyte>(buffer, offset, packed.Length);
    }

    /// <summary>
    /// output = activation(rescale(packed · quantize(input))): the input is quantized to bytes with
    /// 1 / s_x and z, the integer sums run on the packed int8 weights, and
    /// output[j] = (acc[j] − compensation[j]) · outputScales[j] + bias[j] goes through the activation
    /// in float32. <paramref name="x"/> and <paramref name="acc"/> are scratch of at least the padded sizes.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<sbyte> packed,
        float inverseInputScale, int inputZeroPoint, ReadOnlySpan<int> compensation, ReadOnlySpan<float> outputScales, ReadOnlySpan<float> bias,
        Activation activation, float leakyReluSlope, Span<byte> x, Span<int> acc)
    {
        PreActivations(Int8Path.Auto, input, output, packed, inverseInputScale, inputZeroPoint, compensation, outputScales, bias, x, acc);
        Int8Network.ApplyActivation(activation, leakyReluSlope, output);
    }

    /// <summary>
    /// The layer before its activation, on kernel path <paramref name="path"/>: the one place the
    /// quantize, multiply-accumulate and rescale steps are written, for <see cref="Int8Network"/> and
    /// generated classes alike.
    /// </summary>
    internal static void PreActivations(Int8Path path, ReadOnlySpan<float> input, Span<float> z, ReadOnlySpan<sbyte> packed,
        float inverseInputScale, int inputZeroPoint, ReadOnlySpan<int> compensation, ReadOnlySpan<float> outputScales, ReadOnlySpan<float> bias,
        Span<byte> x, Span<int> acc)
    {
        int inputs = input.Length, units = z.Length;
        int paddedInputs = Int8Dense.PaddedInputs(inputs), paddedOutputs = Int8Dense.PaddedOutputs(units);
        if (x.Length < paddedInputs) throw new ArgumentException($"Expected room for {paddedInputs} input bytes; got {x.Length}.", nameof(x));
        ActivationQuantizer.Quantize(input, inverseInputScale, inputZeroPoint, x);
        // Padding bytes meet zero weights; cleared so that they count as zero blocks.
        x.Slice(inputs, paddedInputs - inputs).Clear();
        Int8Dense.MultiplyAccumulate(path, packed, x.Slice(0, paddedInputs), acc, paddedInputs, paddedOutputs);
        ActivationQuantizer.Dequantize(acc, compensation, outputScales, bias, z);
    }
}
