using System;
using System.Linq;
using StaticNet;
using StaticNet.Tests.Numerics;
using Xunit;

namespace StaticNet.Tests.Layers;

/// <summary>What works for Dense networks works for layer lists: shapes, prediction paths, training, BatchNormalization's statistics.</summary>
public sealed class LayerBehaviourTests
{
    [Fact]
    public void Shapes_FollowKerasRules()
    {
        NetworkShape shape = new TinyCnn(1).NetworkShape;
        string[] expected = { "(8, 8, 4)", "(4, 4, 4)", "(3, 3, 6)", "(1, 1, 6)", "(6,)", "(8,)", "(8,)", "(3,)" };
        Assert.Equal(expected, shape.Layers.Select(l => LayerGeometry.Format(l.OutputShape)).ToArray());
        Assert.Equal(new[] { "conv2d", "max_pooling2d", "conv2d_1", "average_pooling2d", "flatten", "dense", "dropout", "dense_1" },
            shape.Layers.Select(l => l.Name).ToArray());
        // Parameters: 3*3*1*4 + 4, 2*2*4*6 + 6, 6*8 + 8, 8*3 + 3.
        Assert.Equal(40 + 102 + 56 + 27, shape.ParameterCount);
        Assert.Equal(100, shape.InputSize);
        Assert.False(shape.IsDenseStack);
        Assert.Throws<InvalidOperationException>(() => shape.LayerSizes);

        // 'same' with strides 2 on 8: ceil(8 / 2) = 4 positions, padding 1 before (total max((4-1)*2 + 3 - 8, 0) = 1 -> 0 before, 1 after).
        NetworkShape strided = new StridedConvNet(1).NetworkShape;
        Assert.Equal(new[] { 4, 4, 4 }, strided.Layers[0].OutputShape);
        Assert.Equal(new[] { 3, 2, 5 }, strided.Layers[2].OutputShape);
        Assert.Equal(0, strided.Layers[0].BiasCount);
        Assert.Equal(4 * 4, strided.Layers[1].ParameterCount);
        Assert.Equal(8, strided.Layers[1].StateCount);
    }

    [Fact]
    public void PoolingStrides_DefaultToThePoolSize_SoThatBothSpellingsAreOneNetwork()
    {
        // Keras's strides=None is the pool size: [MaxPooling2D(2)] and [MaxPooling2D(2, Strides = 2)] are the same layer,
        // so a file saved by one loads into the other.
        Assert.Equal(LayerInfo.MaxPooling2D(2, 2, 2, 2), LayerInfo.MaxPooling2D(2, 2));
        Assert.Equal(LayerInfo.AveragePooling1D(3, 3), LayerInfo.AveragePooling1D(3));
        Assert.NotEqual(LayerInfo.MaxPooling2D(2, 2, 1, 1), LayerInfo.MaxPooling2D(2, 2));
        LayerInfo generated = new TinyCnn(1).NetworkShape.Layers[1];   // [MaxPooling2D(2)]
        Assert.Equal(LayerInfo.MaxPooling2D(2, 2, 2, 2), generated);
        Assert.Equal((2, 2), generated.Strides);
        Assert.Equal("MaxPooling2D(2x2)", generated.ToString());
        Assert.Equal("MaxPooling2D(2x2, strides 1x1)", LayerInfo.MaxPooling2D(2, 2, 1, 1).ToString());
    }

    [Fact]
    public void RuntimeShape_RejectsImpossibleLayers_ShowingTheShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => new NetworkShape(new[] { 5, 5, 1 },
            new[] { LayerInfo.Conv2D(2, 3, 3), LayerInfo.Conv2D(2, 4, 4), LayerInfo.Flatten(), LayerInfo.Dense(1) }));
        Assert.Contains("Layer 2", e.Message);
        Assert.Contains("(3, 3, 2)", e.Message);
        e = Assert.Throws<ArgumentException>(() => new NetworkShape(new[] { 4, 4, 2 }, new[] { LayerInfo.Dense(3) }));
        Assert.Contains("Flatten", e.Message);
        e = Assert.Throws<ArgumentException>(() => new NetworkShape(new[] { 4, 4, 2 }, new[] { LayerInfo.Flatten() }));
        Assert.Contains("must be Dense", e.Message);
    }

    [Fact]
    public void SequentialDenseStack_IsTheShorthandsNetwork()
    {
        var sequential = new SequentialTwin(5);
        var shorthand = new ShorthandTwin(5);
        Assert.Equal(shorthand.NetworkShape, sequential.NetworkShape);
        Assert.True(sequential.NetworkShape.IsDenseStack);
        Assert.Equal(shorthand.Parameters.ToArray(), sequential.Parameters.ToArray());
        float[] x = TestData.Uniform(2, 40 * 6, -1, 1);
        float[] y = Enumerable.Range(0, 40).Select(i => (float)(i % 3)).ToArray();
        foreach (NeuralNetwork model in new NeuralNetwork[] { sequential, shorthand })
        {
            model.Compile(new SparseCategoricalCrossentropy(), new Adam(0.01f));
            model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0);
        }
        // The same layers draw the same dropout masks from the same keys: the same bits.
        Assert.Equal(shorthand.Parameters.ToArray(), sequential.Parameters.ToArray());
    }

    [Theory]
    [InlineData("TinyCnn")]
    [InlineData("StridedConvNet")]
    [InlineData("AudioConvNet")]
    [InlineData("PoolNormNet")]
    public void PredictOneSample_MatchesBatch_AndAllocatesNothing(string name)
    {
        NeuralNetwork model = LayerGradientTests.Create(name, 3);
        NetworkShape shape = model.NetworkShape;
        const int samples = 70; // more than one chunk of PredictBatch
        float[] x = TestData.Uniform(4, samples * shape.InputSize, -1, 1);
        var batch = new float[samples * shape.OutputSize];
        model.PredictBatch(x, batch);
        var one = new float[shape.OutputSize];
        for (int s = 0; s < samples; s++)
        {
            model.Predict(x.AsSpan(s * shape.InputSize, shape.InputSize), one);
            for (int k = 0; k < one.Length; k++)
                Assert.True(Math.Abs(one[k] - batch[s * shape.OutputSize + k]) <= 1e-5f * (1 + Math.Abs(one[k])), $"{name} sample {s} output {k}: {one[k]} vs {batch[s * shape.OutputSize + k]}");
        }
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int s = 0; s < 20; s++) model.Predict(x.AsSpan(s * shape.InputSize, shape.InputSize), one);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, least);
        // Many samples on every core: the same bits as one PredictBatch.
        var matrix = new float[samples, shape.InputSize];
        Buffer.BlockCopy(x, 0, matrix, 0, x.Length * sizeof(float));
        float[,] parallel = model.Predict(matrix);
        for (int s = 0; s < samples; s++)
            for (int k = 0; k < shape.OutputSize; k++)
                Assert.Equal(batch[s * shape.OutputSize + k], parallel[s, k]);
    }

    [Fact]
    public void BatchNormalization_MovingStatisticsFollowEachTrainingBatch_AsKeras()
    {
        // BatchNormalization first: its input is the data, so the batch statistics are known here.
        var model = new InputNormNet(2);
        LayerInfo bn = model.NetworkShape.Layers[0];
        const int samples = 16;
        float[] x = TestData.Uniform(9, samples * 4, -2, 3);
        float[] y = Enumerable.Range(0, samples).Select(i => (float)(i % 2)).ToArray();
        model.Compile(new SparseCategoricalCrossentropy(), new Sgd(0.1f));
        model.Fit(x, y, epochs: 1, batchSize: samples, shuffle: false, verbose: 0);
        for (int c = 0; c < 4; c++)
        {
            double mean = Enumerable.Range(0, samples).Average(s => (double)x[s * 4 + c]);
            double variance = Enumerable.Range(0, samples).Average(s => Math.Pow(x[s * 4 + c] - mean, 2));
            // momentum 0.5, starting from mean 0 and variance 1.
            Assert.Equal(0.5 * 0 + 0.5 * mean, model.Parameters[bn.ParameterOffset + 8 + c], 5);
            Assert.Equal(0.5 * 1 + 0.5 * variance, model.Parameters[bn.ParameterOffset + 12 + c], 5);
        }
        // Evaluate and Predict use the moving statistics: changing them changes the prediction.
        var before = new float[2];
        model.Predict(x.AsSpan(0, 4), before);
        model.Parameters[bn.ParameterOffset + 8] += 1;
        var after = new float[2];
        model.Predict(x.AsSpan(0, 4), after);
        Assert.NotEqual(before[0], after[0]);
    }

    [Fact]
    public void TinyCnn_LearnsToTellBarsApart()
    {
        // Three classes of 10x10 images: a horizontal bar, a vertical bar, a diagonal; noise and random positions.
        var random = new Random(4);
        const int samples = 300;
        var x = new float[samples * 100];
        var y = new float[samples];
        for (int s = 0; s < samples; s++)
        {
            int label = s % 3, at = random.Next(1, 9);
            y[s] = label;
            for (int i = 0; i < 100; i++) x[s * 100 + i] = (float)(random.NextDouble() * 0.3);
            for (int t = 0; t < 10; t++)
            {
                int row = label == 0 ? at : t, column = label == 1 ? at : label == 0 ? t : t;
                if (label == 2) column = (t + at) % 10;
                x[s * 100 + row * 10 + column] = 1;
            }
        }
        var model = new TinyCnn(8);
        model.Compile(new SparseCategoricalCrossentropy(), new Adam(0.01f), Metric.Accuracy);
        History history = model.Fit(x, y, epochs: 15, batchSize: 16, verbose: 0, validationSplit: 0.2);
        Assert.True(history["val_accuracy"].Last() >= 0.9, $"validation accuracy {history["val_accuracy"].Last()}");
        Assert.True(history["loss"].Last() < history["loss"].First() / 3);
    }
}
