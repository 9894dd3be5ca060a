using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StaticNet.Kernels;
using StaticNet.Quantization;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Quantization;

/// <summary>The packed int8 weights the kernel streams start on a cache line (half of the loads span two lines otherwise).</summary>
public class Int8AlignmentTests
{
    private static long Address(ReadOnlySpan<sbyte> span) => (long)Unsafe.ByteOffset(ref Unsafe.NullRef<sbyte>(), ref MemoryMarshal.GetReference(span));

    [Theory]
    [InlineData(1)]
    [InlineData(512)]
    [InlineData(100_352)]
    public void Aligned_CopiesTheBytes_ToA64ByteBoundary(int length)
    {
        var source = new sbyte[length + 12];
        new Random(length).NextBytes(MemoryMarshal.AsBytes(source.AsSpan()));
        // From an address 12 bytes past a cache line at best, as a string literal's chars can be.
        ReadOnlySpan<sbyte> unaligned = source.AsSpan(12, length);
        ArraySegment<sbyte> aligned = Int8DenseLayer.Aligned(unaligned);
        Assert.Equal(0, Address(aligned) % 64);
        Assert.Equal(unaligned.ToArray(), aligned.ToArray());
    }

    [Fact]
    public void QuantizedLayers_KeepTheirPackedWeightsAligned()
    {
        var model = new MnistNet(seed: 1);
        var calibration = new float[8 * 784];
        for (int i = 0; i < calibration.Length; i++) calibration[i] = (i % 7) / 7f;
        Int8Network q = Int8Network.Quantize(model, calibration);
        foreach (QuantizedDenseLayer layer in q.Layers)
            Assert.Equal(0, Address(layer.Packed) % 64);
    }
}
