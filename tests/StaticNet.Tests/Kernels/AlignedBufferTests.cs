using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// The parameter, gradient and optimizer-state buffers start on 64-byte boundaries, so that the
/// kernels' 512-bit loads of weight rows never span two cache lines.
/// </summary>
public class AlignedBufferTests
{
    // The absolute address without unsafe code: the byte offset from the null reference.
    private static long Address(ReadOnlySpan<float> span) =>
        Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref MemoryMarshal.GetReference(span));

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(109_386)]
    public void StartsOnA64ByteBoundary_HoldsLengthZeroedFloats(int length)
    {
        for (int i = 0; i < 20; i++)
        {
            var buffer = new AlignedBuffer(length);
            Assert.Equal(length, buffer.Length);
            Assert.Equal(length, buffer.Span.Length);
            Assert.Equal(0, Address(buffer.Span) % 64);
            Assert.True(buffer.Span.IndexOfAnyExcept(0f) < 0);
            buffer.Span.Fill(1f);   // every float of the span is writable
            Assert.Equal(1f, buffer.AsSpan(length - 1)[0]);
        }
    }

    [Fact]
    public void Empty_IsAnEmptySpan()
    {
        Assert.Equal(0, new AlignedBuffer(0).Span.Length);
        Assert.Equal(0, default(AlignedBuffer).Span.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedBuffer(-1));
    }

    [Fact]
    public void ModelBuffers_AreAligned()
    {
        for (int seed = 0; seed < 5; seed++)
        {
            var model = new MnistLikeNet(seed);
            model.Compile(Loss.SparseCategoricalCrossentropy, new Adam());
            var x = new float[40, 784];
            var y = new float[40];
            for (int s = 0; s < 40; s++) { x[s, s] = 1; y[s] = s % 10; }
            model.Fit(x, y, epochs: 1, batchSize: 32, verbose: 0);
            Assert.Equal(0, Address(model.Parameters) % 64);
            Assert.Equal(0, Address(model.Gradients) % 64);
        }
    }
}

[Network(784, 128, 64, 10, Hidden = Activation.Relu, Output = Activation.Softmax)]
public partial class MnistLikeNet { }
