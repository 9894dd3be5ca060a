using System;
using System.Linq;
using StaticNet;
using StaticNet.Tests.Numerics;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Tests.Layers;

/// <summary>
/// Finite-difference checks of the generated backward pass of [Sequential] networks: every trained parameter's
/// gradient (which also checks each layer's input gradient, through the parameters of the layers before it)
/// against central differences of the training-mode loss (<see cref="NeuralNetwork.ComputeGradients"/> with
/// training: true: BatchNormalization on the batch's statistics, Dropout with a fixed mask).
/// </summary>
/// <remarks>
/// Steps and tolerance as <see cref="GradientCheckTests"/> (h = 5e-3; |analytic − numeric| ≤ 5e-5 + 5e-3·|numeric|).
/// Max pooling and ReLU have kinks: where the differences at h and h/2 disagree beyond the tolerance the loss is
/// not smooth within ±h and the parameter is skipped; each test bounds how many may be.
/// </remarks>
public sealed class LayerGradientTests(ITestOutputHelper output)
{
    public static TheoryData<string> Networks => new() { "PoolNormNet", "MaxGlobalNet", "Sequence1DNet", "InputNormNet", "SequentialTwin" };

    internal static NeuralNetwork Create(string name, int seed) => name switch
    {
        "PoolNormNet" => new PoolNormNet(seed),
        "MaxGlobalNet" => new MaxGlobalNet(seed),
        "Sequence1DNet" => new Sequence1DNet(seed),
        "InputNormNet" => new InputNormNet(seed),
        "SequentialTwin" => new SequentialTwin(seed),
        _ => LayerTestNetworks.Create(name, seed),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void ParameterGradients_MatchFiniteDifferences(string network) => Check(Create(network, 7), output);

    /// <summary>Runs the check on <paramref name="model"/> with 5 random samples and random targets fitting its output.</summary>
    internal static void Check(NeuralNetwork model, ITestOutputHelper output, double maxSkippedFraction = 0.1)
    {
        NetworkShape shape = model.NetworkShape;
        const int count = 5;
        float[] x = TestData.Uniform(3, count * shape.InputSize, -1, 1);
        Loss loss;
        float[] y;
        if (shape.OutputActivation == Activation.Softmax)
        {
            loss = new SparseCategoricalCrossentropy();
            y = Enumerable.Range(0, count).Select(i => (float)(i % shape.OutputSize)).ToArray();
        }
        else if (shape.OutputActivation == Activation.Sigmoid)
        {
            loss = new BinaryCrossentropy();
            y = Enumerable.Range(0, count * shape.OutputSize).Select(i => (float)(i % 2)).ToArray();
        }
        else
        {
            loss = new MeanSquaredError();
            y = TestData.Uniform(5, count * shape.OutputSize, -1, 1);
        }
        model.Compile(loss, new Sgd(0.01f));
        // Non-trivial BatchNormalization parameters and moving statistics (the moving ones must not matter in training).
        foreach (LayerInfo layer in shape.Layers.Where(l => l.Kind == LayerKind.BatchNormalization))
        {
            float[] values = TestData.Uniform(11 + layer.ParameterOffset, layer.ParameterCount, 0.5, 1.5);
            values.AsSpan().CopyTo(model.Parameters.Slice(layer.ParameterOffset, layer.ParameterCount));
        }
        // Small non-zero biases, so that bias gradients are not all alike.
        foreach (LayerInfo layer in shape.Layers.Where(l => l.BiasCount > 0 && l.Kind != LayerKind.BatchNormalization))
            TestData.Uniform(17 + layer.ParameterOffset, layer.BiasCount, -0.2, 0.2).AsSpan()
                .CopyTo(model.Parameters.Slice(layer.ParameterOffset + layer.WeightCount, layer.BiasCount));

        var analytic = new float[shape.ParameterCount];
        model.ComputeGradients(x, y, count, analytic, training: true);
        var scratch = new float[shape.ParameterCount];
        double Loss() => model.ComputeGradients(x, y, count, scratch, training: true);
        double Numeric(int i, double h)
        {
            float original = model.Parameters[i];
            float plus = (float)(original + h), minus = (float)(original - h);
            model.Parameters[i] = plus;
            double lossPlus = Loss();
            model.Parameters[i] = minus;
            double lossMinus = Loss();
            model.Parameters[i] = original;
            return (lossPlus - lossMinus) / ((double)plus - minus);
        }

        int checkedCount = 0, skipped = 0, trainable = 0;
        double worst = 0;
        foreach (LayerInfo layer in shape.Layers)
        {
            for (int k = 0; k < layer.ParameterCount; k++)
            {
                int i = layer.ParameterOffset + k;
                if (k >= layer.WeightCount + layer.BiasCount)
                {
                    // BatchNormalization's moving statistics: no gradient.
                    Assert.True(analytic[i] == 0, $"{layer.Name}: state value {k - layer.WeightCount - layer.BiasCount} has gradient {analytic[i]}");
                    continue;
                }
                trainable++;
                double numeric = Numeric(i, GradientCheckTests.H), half = Numeric(i, GradientCheckTests.H / 2);
                double tolerance = GradientCheckTests.AbsTol + GradientCheckTests.RelTol * Math.Abs(numeric);
                if (Math.Abs(numeric - half) > 2 * tolerance)
                {
                    skipped++;
                    continue;
                }
                checkedCount++;
                double error = Math.Abs(analytic[i] - numeric);
                worst = Math.Max(worst, error / tolerance);
                Assert.True(error <= tolerance,
                    $"{shape}: {layer.Name} parameter {k} (buffer {i}): analytic {analytic[i]:G6}, numeric {numeric:G6}");
            }
        }
        output.WriteLine($"{model.GetType().Name}: checked {checkedCount} of {trainable} trained parameters (skipped at kinks: {skipped}); worst error {worst:P0} of the tolerance");
        Assert.True(skipped <= maxSkippedFraction * trainable, $"{skipped} of {trainable} parameters skipped at kinks");
        Assert.True(checkedCount > 0);
    }
}

/// <summary>Networks of the layer tests that other files add (convolutions).</summary>
internal static partial class LayerTestNetworks
{
    public static NeuralNetwork Create(string name, int seed) => CreateMore(name, seed) ?? throw new ArgumentException(name);

    static partial void CreateMoreCore(string name, int seed, ref NeuralNetwork? result);

    private static NeuralNetwork? CreateMore(string name, int seed)
    {
        NeuralNetwork? result = null;
        CreateMoreCore(name, seed, ref result);
        return result;
    }
}
