using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Linq;
using StaticNet.Serialization;
using StaticNet.Tests.Networks;
using Xunit;
using static StaticNet.Tests.Serialization.SerializationData;

namespace StaticNet.Tests.Serialization;

/// <summary>Weights files (version 2) and checkpoints (version 3) of networks of any layers: round trips, layout, mismatch messages, old files.</summary>
public class LayerListFormatTests
{
    public static TheoryData<string> LayerNetworks => new() { "FormatCnn", "FormatConv1DNet", "FormatStridedNet", "FormatPool1DNet" };

    internal static NeuralNetwork Create(string name, int seed) => name switch
    {
        "FormatCnn" => new FormatCnn(seed),
        "FormatConv1DNet" => new FormatConv1DNet(seed),
        "FormatStridedNet" => new FormatStridedNet(seed),
        "FormatPool1DNet" => new FormatPool1DNet(seed),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Samples in [-1, 1) and labels that depend on them, for any input size and output count.</summary>
    internal static (float[,] X, float[,] Y) Data(NeuralNetwork model, int samples = 24, int seed = 5)
    {
        var random = new Random(seed);
        int inputs = model.NetworkShape.InputSize, outputs = model.NetworkShape.OutputSize;
        var x = new float[samples, inputs];
        var y = new float[samples, outputs];
        for (int s = 0; s < samples; s++)
        {
            float sum = 0;
            for (int i = 0; i < inputs; i++) { x[s, i] = (float)(random.NextDouble() * 2 - 1); sum += x[s, i] * (i % 3 - 1); }
            if (outputs == 1 || model.NetworkShape.OutputActivation != Activation.Softmax)
                for (int o = 0; o < outputs; o++) y[s, o] = sum > 0 ? 1 : 0;
            else
                y[s, (int)Math.Clamp((sum + 2) / 4 * outputs, 0, outputs - 1)] = 1;
        }
        return (x, y);
    }

    internal static NeuralNetwork Trained(string name, int epochs, int seed = 1)
    {
        NeuralNetwork model = Create(name, seed);
        Loss loss = model.NetworkShape.OutputActivation == Activation.Softmax ? Loss.CategoricalCrossentropy
            : model.NetworkShape.OutputActivation == Activation.Sigmoid ? Loss.BinaryCrossentropy : Loss.MeanSquaredError;
        model.Compile(loss, new Adam(learningRate: 0.01f));
        var (x, y) = Data(model);
        if (epochs > 0) model.Fit(x, y, epochs: epochs, batchSize: 8, verbose: 0);
        return model;
    }

    [Theory]
    [MemberData(nameof(LayerNetworks))]
    public void WeightsRoundTrip_IsBitIdentical_WithBatchNormStatistics(string name)
    {
        NeuralNetwork source = Trained(name, epochs: 1);   // moving statistics away from 0 and 1
        byte[] file = WeightsBytes(source);
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(4)));
        NeuralNetwork target = Create(name, seed: 99);
        Assert.False(source.Parameters.SequenceEqual(target.Parameters));
        target.LoadWeights(new MemoryStream(file));
        AssertBitIdentical(source.Parameters, target.Parameters);
        var (x, _) = Data(source);
        Assert.Equal(source.Predict(x), target.Predict(x));
    }

    [Theory]
    [MemberData(nameof(LayerNetworks))]
    public void CheckpointResume_EqualsAnUninterruptedRun(string name)
    {
        NeuralNetwork uninterrupted = Trained(name, epochs: 3);
        NeuralNetwork first = Trained(name, epochs: 2);
        byte[] checkpoint = CheckpointBytes(first);
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(checkpoint.AsSpan(4)));
        NeuralNetwork resumed = Trained(name, epochs: 0, seed: 7);
        CheckpointInfo info = resumed.LoadCheckpoint(new MemoryStream(checkpoint));
        Assert.Equal(2, info.Epoch);
        var (x, y) = Data(resumed);
        resumed.Fit(x, y, epochs: 3, initialEpoch: info.Epoch, batchSize: 8, verbose: 0);
        AssertBitIdentical(uninterrupted.Parameters, resumed.Parameters);
    }

    [Fact]
    public void Layout_OfAStridedConvolution_IsAsDocumentedInFormatsMd()
    {
        var model = new FormatStridedNet(seed: 2);
        byte[] file = WeightsBytes(model);
        NetworkShape shape = model.NetworkShape;
        // Input rank 3 (7, 5, 3), slope 0.1, 3 layers.
        Assert.Equal("03" + "07000000" + "05000000" + "03000000", Convert.ToHexString(file, 6, 13));
        Assert.Equal(0.1f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(19)));
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(23)));
        int conv = FormatLayout.RecordOffset(shape, 0);
        Assert.Equal(27, conv);
        // Conv2D (1), leaky_relu (4), same (1), bias (1), 4 filters, window 3x2, strides 2x2, L2 0.001.
        Assert.Equal("01040101" + "04000000" + "03000000" + "02000000" + "02000000" + "02000000", Convert.ToHexString(file, conv, 24));
        Assert.Equal(0.001f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(conv + FormatLayout.L2)));
        Assert.Equal(5, file[FormatLayout.RecordOffset(shape, 1)]);   // GlobalAveragePooling2D
        Assert.Equal(shape.ParameterCount, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(FormatLayout.ParameterCountOffset(shape))));
        Assert.Equal(FormatLayout.ParametersEnd(shape) + 4, file.Length);
        Assert.Equal(Crc32.Append(0, file.AsSpan(0, file.Length - 4)), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(file.Length - 4)));
    }

    [Fact]
    public void BatchNormalizationRecord_HoldsMomentumAndEpsilon()
    {
        var model = new FormatConv1DNet(seed: 2);
        byte[] file = WeightsBytes(model);
        int bn = FormatLayout.RecordOffset(model.NetworkShape, 3);
        Assert.Equal(11, file[bn]);
        Assert.Equal(0.8f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(bn + FormatLayout.Momentum)));
        Assert.Equal(0.01f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(bn + FormatLayout.Epsilon)));
        int conv = FormatLayout.RecordOffset(model.NetworkShape, 0);
        Assert.Equal(new byte[] { 2, 2, 0, 0 }, file[conv..(conv + 4)]);   // Conv1D, tanh, valid, no bias
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(conv + FormatLayout.WindowHeight)));
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(conv + FormatLayout.WindowWidth)));
    }

    private static string Mismatch(NeuralNetwork saved, NeuralNetwork target)
    {
        float[] before = target.Parameters.ToArray();
        var e = Assert.Throws<InvalidDataException>(() => target.LoadWeights(new MemoryStream(WeightsBytes(saved))));
        Assert.Equal(before, target.Parameters.ToArray());
        return e.Message;
    }

    [Fact]
    public void Mismatch_NamesTheDifferingLayer_WithItsSettingsAndShapes()
    {
        string message = Mismatch(new FormatCnn(1), new FormatCnnWide(1));
        Assert.StartsWith("The weights file is for another network: layer 1 is conv2d Conv2D(3, 3x3, relu) -> (4, 4, 3) in the file, " +
                          "conv2d Conv2D(5, 3x3, relu) -> (4, 4, 5) here.", message);
        Assert.Contains("The file's network is (6, 6, 2)-Conv2D(3, 3x3, relu)-BatchNormalization", message);

        message = Mismatch(new FormatCnn(1), new FormatCnnAverage(1));
        Assert.Contains("layer 3 is max_pooling2d MaxPooling2D(2x2) -> (2, 2, 3) in the file, average_pooling2d AveragePooling2D(2x2) -> (2, 2, 3) here.", message);
        Assert.DoesNotContain("layer 1 ", message);

        message = Mismatch(new FormatCnnMomentum(1), new FormatCnn(1));
        Assert.Contains("layer 2 is batch_normalization BatchNormalization(momentum 0.9, epsilon 0.001) -> (4, 4, 3) in the file, " +
                        "batch_normalization BatchNormalization(momentum 0.99, epsilon 0.001) -> (4, 4, 3) here", message);
    }

    [Fact]
    public void Mismatch_BetweenADenseStackAndACnn_NamesInputAndLayers()
    {
        string message = Mismatch(new ResumeNet(1), new FormatCnn(1));
        Assert.Contains("the input is (6) in the file, (6, 6, 2) here", message);
        Assert.Contains("layer 1 is dense Dense(10, relu) -> (10) in the file, conv2d Conv2D(3, 3x3, relu) -> (4, 4, 3) here", message);
        Assert.Contains("layer 4 is flatten Flatten() -> (12) in the file; this network has 2 layers", Mismatch(new FormatCnn(1), new ResumeNet(1)));
    }

    [Fact]
    public void Mismatch_InL2Only_SaysSo()
    {
        // FormatStridedNet's convolution has L2 0.001; the same network declared at run time without it.
        var saved = new FormatStridedNet(1);
        var shape = new NetworkShape(new[] { 7, 5, 3 }, new[]
        {
            LayerInfo.Conv2D(4, 3, 2, 2, 2, Padding.Same, Activation.LeakyRelu),
            LayerInfo.GlobalAveragePooling2D(),
            LayerInfo.Dense(2, Activation.Sigmoid),
        }, leakyReluSlope: 0.1f);
        Assert.NotEqual(shape, saved.NetworkShape);
        Assert.Equal(shape.Layers.Select(l => l.ToString()), saved.NetworkShape.Layers.Select(l => l.ToString()));
        Assert.Equal(saved.NetworkShape, new NetworkShape(new[] { 7, 5, 3 }, new[]
        {
            LayerInfo.Conv2D(4, 3, 2, 2, 2, Padding.Same, Activation.LeakyRelu, l2: 0.001f),
            LayerInfo.GlobalAveragePooling2D(),
            LayerInfo.Dense(2, Activation.Sigmoid),
        }, leakyReluSlope: 0.1f));
        string message = ShapeMismatchMessage(saved.NetworkShape, shape);
        Assert.Contains("with L2 0.001 in the file", message);
        Assert.Contains("with L2 0 here", message);
    }

    /// <summary>The message LoadWeights gives for a file of <paramref name="file"/> loaded into a network of <paramref name="declared"/>.</summary>
    private static string ShapeMismatchMessage(NetworkShape file, NetworkShape declared) => ShapeMismatch.Describe("weights", file, declared);

    // ------------------------------------------------------------------ files written before the layer-list format

    private static float[][] Predictions(string fixture) =>
        File.ReadAllLines(Fixture(fixture)).Where(l => l.Length > 0)
            .Select(l => l.Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();

    private static float[,] FirstSamples(int count)
    {
        var (x, _) = Classification();
        var rows = new float[count, 6];
        for (int s = 0; s < count; s++) for (int f = 0; f < 6; f++) rows[s, f] = x[s, f];
        return rows;
    }

    private static void AssertPredictions(float[][] expected, float[,] actual)
    {
        Assert.Equal(expected.Length, actual.GetLength(0));
        for (int s = 0; s < expected.Length; s++)
            for (int o = 0; o < expected[s].Length; o++)
                Assert.True(Math.Abs(expected[s][o] - actual[s, o]) <= 1e-6f, $"sample {s} output {o}: expected {expected[s][o]:R}, got {actual[s, o]:R}");
    }

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    [Fact]
    public void Version1WeightsFile_WrittenBeforeTheLayerList_StillLoads_AndPredictsTheSame()
    {
        byte[] file = File.ReadAllBytes(Fixture("v1_resume_dropout_net.weights"));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(4)));
        var model = new ResumeDropoutNet(seed: 1);
        model.LoadWeights(Fixture("v1_resume_dropout_net.weights"));
        AssertPredictions(Predictions("v1_resume_dropout_net.predictions.txt"), model.Predict(FirstSamples(5)));
        // Saved again, it is a version 2 file with the same parameters.
        byte[] again = WeightsBytes(model);
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(again.AsSpan(4)));
        var copy = new ResumeDropoutNet(seed: 2);
        copy.LoadWeights(new MemoryStream(again));
        AssertBitIdentical(model.Parameters, copy.Parameters);
        // Its shape section is still checked: another network is refused with both shapes named.
        var e = Assert.Throws<InvalidDataException>(() => new ResumeNet(1).LoadWeights(Fixture("v1_resume_dropout_net.weights")));
        Assert.Contains("6-10(relu)+dropout(0.25)-3(softmax)", e.Message);
    }

    [Fact]
    public void Version2Checkpoint_WrittenBeforeTheLayerList_StillLoads_AndResumesExactly()
    {
        byte[] file = File.ReadAllBytes(Fixture("v2_resume_net.checkpoint"));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(4)));
        var model = new ResumeNet(seed: 3);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.01f), Metric.Accuracy);
        CheckpointInfo info = model.LoadCheckpoint(Fixture("v2_resume_net.checkpoint"));
        Assert.Equal(2, info.Epoch);
        Assert.Equal(14, info.Iterations);   // 7 batches of 8 in each of 2 epochs
        AssertPredictions(Predictions("v2_resume_net.predictions.txt"), model.Predict(FirstSamples(5)));

        // It was saved by SerializationData.Trained(new Adam(0.01f), epochs: 2, seed: 12): resuming equals training on.
        ResumeNet uninterrupted = SerializationData.Trained(new Adam(learningRate: 0.01f), epochs: 3, seed: 12);
        var (x, y) = Classification();
        model.Fit(x, y, epochs: 3, initialEpoch: info.Epoch, batchSize: 8, verbose: 0);
        AssertBitIdentical(uninterrupted.Parameters, model.Parameters);

        // LoadWeights takes its parameters too.
        var weightsOnly = new ResumeNet(seed: 4);
        weightsOnly.LoadWeights(Fixture("v2_resume_net.checkpoint"));
        AssertPredictions(Predictions("v2_resume_net.predictions.txt"), weightsOnly.Predict(FirstSamples(5)));
    }
}
