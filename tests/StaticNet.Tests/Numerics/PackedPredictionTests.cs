using System;
using System.IO;
using System.Linq;
using System.Runtime.Intrinsics;
using System.Threading.Tasks;
using StaticNet.Interop;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Numerics;

/// <summary>
/// One-sample prediction's packed copy of the large Dense layers (NeuralNetwork.PackedPrediction.cs): made after
/// <see cref="NeuralNetwork.PackAfterCalls"/> calls at the same weights, the same bits as the parameters themselves, and
/// never used after any write, whether the model makes it (training, loading, SetParameters) or a caller makes it
/// through the <see cref="NeuralNetwork.Parameters"/> span.
/// </summary>
public class PackedPredictionTests
{
    private static readonly bool Packs = Vector512.IsHardwareAccelerated;

    private static float[] Input(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 784).Select(_ => (float)random.NextDouble() + 0.01f).ToArray();
    }

    private static float[] PredictOnce(NeuralNetwork model, float[] x)
    {
        var y = new float[model.NetworkShape.OutputSize];
        model.Predict(x, y);
        return y;
    }

    /// <summary>What a model with the same parameters predicts from the parameters themselves (its span handed out, so it never packs).</summary>
    private static float[] Unpacked(NeuralNetwork model, float[] x)
    {
        var twin = new MnistNet(0);
        var values = new float[model.NetworkShape.ParameterCount];
        model.CopyParametersTo(values);
        values.CopyTo(twin.Parameters);
        Assert.False(twin.PredictsPacked);
        return PredictOnce(twin, x);
    }

    private static void WarmUp(NeuralNetwork model, float[] x)
    {
        for (int i = 0; i < NeuralNetwork.PackAfterCalls; i++) PredictOnce(model, x);
    }

    private static void AssertSameBits(float[] expected, float[] actual) =>
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));

    [Fact]
    public void TheCopyIsMadeAfterPackAfterCalls_AndGivesTheSameBits()
    {
        var model = new MnistNet(3);
        float[] x = Input(1);
        float[] first = PredictOnce(model, x);
        for (int i = 1; i < NeuralNetwork.PackAfterCalls - 1; i++) PredictOnce(model, x);
        Assert.Equal(0, model.PackedCopies);
        for (int i = 0; i < 10; i++) AssertSameBits(first, PredictOnce(model, x));
        Assert.Equal(Packs ? 1 : 0, model.PackedCopies);
        Assert.Equal(Packs, model.PredictsPacked);
        AssertSameBits(Unpacked(model, x), PredictOnce(model, x));
        // A digit-like input (zero blocks: the listed-blocks path) too.
        float[] sparse = x.Select((v, i) => i / 16 % 4 == 0 ? v : 0f).ToArray();
        AssertSameBits(Unpacked(model, sparse), PredictOnce(model, sparse));
    }

    [Fact]
    public void ADenseLayerAfterAConvolution_ReadsItsPackedRows_WithTheSameBits()
    {
        var model = new ConvThenDenseNet(15);
        var random = new Random(8);
        float[] image = Enumerable.Range(0, 256).Select(_ => (float)random.NextDouble() + 0.5f).ToArray();
        float[] before = PredictOnce(model, image);
        for (int i = 0; i < NeuralNetwork.PackAfterCalls; i++) PredictOnce(model, image);
        Assert.Equal(Packs ? 1 : 0, model.PackedCopies);
        AssertSameBits(before, PredictOnce(model, image));
        // The copy is what it read: retired by a write, the next call reads the new weights (all of the Dense layer's doubled).
        var values = new float[model.NetworkShape.ParameterCount];
        model.CopyParametersTo(values);
        LayerInfo dense = model.NetworkShape.Layers[2];
        for (int i = 0; i < dense.WeightCount; i++) values[dense.ParameterOffset + i] *= 2;
        model.SetParameters(values);
        Assert.NotEqual(before, PredictOnce(model, image));
    }

    [Fact]
    public void SmallNetworks_KeepNoCopy_TheCoursesDigitNetPacksItsFirstLayer()
    {
        var tiny = new SmallNet(1);    // 16-8-2: no layer large enough to stream from L2
        for (int i = 0; i < 2 * NeuralNetwork.PackAfterCalls; i++) PredictOnce(tiny, new float[16]);
        Assert.Equal(0, tiny.PackedCopies);
        var digit = new DigitNet(1);   // 784-25-15-1: 19,600 first-layer weights, three groups of eight rows and one row after
        float[] x = Input(2);
        float[] before = PredictOnce(digit, x);
        WarmUp(digit, x);
        Assert.Equal(Packs ? 1 : 0, digit.PackedCopies);
        AssertSameBits(before, PredictOnce(digit, x));
    }

    [Fact]
    public void Training_RetiresTheCopy_AndTheNextPredictionsReadTheTrainedWeights()
    {
        var model = new MnistNet(4);
        float[] x = Input(3);
        WarmUp(model, x);
        float[] before = PredictOnce(model, x);
        var random = new Random(5);
        var images = new float[64, 784];
        for (int s = 0; s < 64; s++) for (int k = 0; k < 784; k++) images[s, k] = (float)random.NextDouble();
        var labels = Enumerable.Range(0, 64).Select(i => (float)(i % 10)).ToArray();
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.01f));
        model.Fit(images, labels, epochs: 1, batchSize: 32, verbose: 0);
        Assert.False(model.PredictsPacked);
        float[] after = PredictOnce(model, x);
        Assert.NotEqual(before, after);
        AssertSameBits(Unpacked(model, x), after);
        // Packed again at the trained weights, the same bits.
        WarmUp(model, x);
        Assert.Equal(Packs, model.PredictsPacked);
        AssertSameBits(after, PredictOnce(model, x));
    }

    [Fact]
    public void SetParameters_LoadWeights_AndSafetensorsLoad_RetireTheCopy()
    {
        var model = new MnistNet(6);
        var other = new MnistNet(7);
        float[] x = Input(4);
        float[] expected = PredictOnce(other, x);
        var values = new float[other.NetworkShape.ParameterCount];
        other.CopyParametersTo(values);

        WarmUp(model, x);
        model.SetParameters(values);
        AssertSameBits(expected, PredictOnce(model, x));

        var source = new MnistNet(8);
        float[] fromFile = PredictOnce(source, x);
        using var weights = new MemoryStream();
        source.SaveWeights(weights);
        WarmUp(model, x);
        Assert.Equal(Packs, model.PredictsPacked);
        weights.Position = 0;
        model.LoadWeights(weights);
        AssertSameBits(fromFile, PredictOnce(model, x));

        string path = Path.Combine(Path.GetTempPath(), $"packed-{Guid.NewGuid():N}.safetensors");
        try
        {
            Safetensors.Save(other, path);
            WarmUp(model, x);
            Assert.Equal(Packs, model.PredictsPacked);
            Safetensors.Load(model, path);
            AssertSameBits(expected, PredictOnce(model, x));
        }
        finally { File.Delete(path); }
        Assert.False(model.PredictsPacked && model.PackedCopies == 0);
    }

    [Fact]
    public void WritesThroughTheParametersSpan_AreSeen_BeforeAndAfterTheCopy()
    {
        float[] x = Input(5);
        // Handed out after the copy was made: the copy is dropped for good.
        var model = new MnistNet(9);
        WarmUp(model, x);
        Assert.Equal(Packs, model.PredictsPacked);
        Span<float> parameters = model.Parameters;
        float[] before = PredictOnce(model, x);
        parameters[model.NetworkShape.Layers[0].ParameterOffset] += 100f;   // input 0 of unit 0
        float[] after = PredictOnce(model, x);
        Assert.NotEqual(before, after);
        WarmUp(model, x);
        WarmUp(model, x);
        Assert.False(model.PredictsPacked);
        parameters[model.NetworkShape.Layers[0].ParameterOffset + 1] -= 50f;
        AssertSameBits(Unpacked(model, x), PredictOnce(model, x));

        // Handed out before any copy: none is made, so a later write through the same span is seen.
        var fresh = new MnistNet(10);
        Span<float> held = fresh.Parameters;
        WarmUp(fresh, x);
        WarmUp(fresh, x);
        Assert.Equal(0, fresh.PackedCopies);
        float[] unchanged = PredictOnce(fresh, x);
        held[fresh.NetworkShape.Layers[0].ParameterOffset + 783] += 100f;
        Assert.NotEqual(unchanged, PredictOnce(fresh, x));
    }

    [Fact]
    public void SetParameters_AndCopyParametersTo_RefuseWrongLengths_AndNameThem()
    {
        var model = new MnistNet(13);
        int n = model.NetworkShape.ParameterCount;
        var e1 = Assert.Throws<ArgumentException>(() => model.SetParameters(new float[n - 1]));
        Assert.Contains($"Expected {n} parameters; got {n - 1}", e1.Message);
        Assert.Throws<ArgumentException>(() => model.SetParameters(new float[n + 1]));
        var e2 = Assert.Throws<ArgumentException>(() => model.CopyParametersTo(new float[10]));
        Assert.Contains($"{n} parameters", e2.Message);
        // A longer destination is fine, and the round trip is exact.
        var copy = new float[n + 5];
        model.CopyParametersTo(copy);
        var other = new MnistNet(14);
        other.SetParameters(copy.AsSpan(0, n));
        var back = new float[n];
        other.CopyParametersTo(back);
        Assert.Equal(copy.AsSpan(0, n).ToArray(), back);
    }

    [Fact]
    public void ManyThreads_PredictingWhileTheCopyIsMade_GetTheSameBits()
    {
        var model = new MnistNet(11);
        float[] x = Input(6);
        float[] expected = Unpacked(model, x);
        var failures = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            var y = new float[10];
            for (int i = 0; i < 4 * NeuralNetwork.PackAfterCalls; i++)
            {
                model.Predict(x, y);
                if (!y.Select(BitConverter.SingleToInt32Bits).SequenceEqual(expected.Select(BitConverter.SingleToInt32Bits)))
                    System.Threading.Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
        Assert.Equal(Packs ? 1 : 0, model.PackedCopies);
    }

    [Fact]
    public void OneSamplePrediction_AllocatesNothing_OnceTheCopyIsMade()
    {
        var model = new MnistNet(12);
        float[] x = Input(7);
        var y = new float[10];
        WarmUp(model, x);
        model.Predict(x, y);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) model.Predict(x, y);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(Packs, model.PredictsPacked);
    }
}

/// <summary>A convolution first (no transposed first layer), then a Dense layer over 784 features that packs.</summary>
[Sequential(16, 16, 1)]
[Conv2D(4, 3)]
[Flatten]
[Dense(64, Activation = Activation.Relu)]
[Dense(10, Activation = Activation.Softmax)]
public partial class ConvThenDenseNet;

/// <summary>A network too small for a packed copy.</summary>
[Network(16, 8, 2, Hidden = Activation.Relu, Output = Activation.Softmax)]
public partial class SmallNet;
