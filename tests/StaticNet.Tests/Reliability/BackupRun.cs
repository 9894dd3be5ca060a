using System;
using System.Collections.Generic;
using StaticNet;

// Compiled into the tests and into the child process (tests/StaticNet.CrashChild, "backup" mode):
// the one training program the BackupAndRestore kill test runs, kills and runs again unchanged.
namespace StaticNet.Tests.Reliability;

/// <summary>The network of the BackupAndRestore kill test: dropout, so the masks' generator must be restored too.</summary>
[Network(12, 24, 12, 3, Hidden = Activation.Relu, Output = Activation.Softmax, Dropout = 0.2f)]
public partial class BackupNet;

/// <summary>The user's program: the same model, data and Fit call every time it runs.</summary>
public static class BackupRun
{
    public const int Epochs = 12, Samples = 240;

    /// <summary>Three classes from 12 features (a seeded System.Random: the same in every process).</summary>
    public static (float[,] X, int[] Y) Data()
    {
        var random = new Random(77);
        var x = new float[Samples, 12];
        var y = new int[Samples];
        for (int s = 0; s < Samples; s++)
        {
            double score = 0;
            for (int f = 0; f < 12; f++)
            {
                x[s, f] = (float)(random.NextDouble() * 2 - 1);
                score += x[s, f] * (f % 3 == 0 ? 1 : -0.4);
            }
            y[s] = score < -0.4 ? 0 : score < 0.4 ? 1 : 2;
        }
        return (x, y);
    }

    public static Optimizer CreateOptimizer(string name) => name switch
    {
        "adam-decay" => new Adam(new ExponentialDecay(0.01, decaySteps: 20, decayRate: 0.8)),
        "sgd-momentum" => new Sgd(0.05f, momentum: 0.9f),
        "rmsprop" => new RmsProp(0.005f, centered: true),
        _ => throw new ArgumentException($"unknown optimizer {name}", nameof(name)),
    };

    /// <summary>Builds, compiles and fits the model with a BackupAndRestore in <paramref name="backupDirectory"/> (plus <paramref name="more"/> callbacks after it).</summary>
    public static (BackupNet Model, History History) Run(string backupDirectory, string optimizer, params Callback[] more)
    {
        var (x, y) = Data();
        var model = new BackupNet(seed: 2024);
        model.Compile(Loss.SparseCategoricalCrossentropy, CreateOptimizer(optimizer), Metric.Accuracy);
        var callbacks = new List<Callback> { new BackupAndRestore(backupDirectory) };
        callbacks.AddRange(more);
        History history = model.Fit(x, y, epochs: Epochs, batchSize: 16, validationSplit: 0.2, shuffle: true, verbose: 0, callbacks: callbacks);
        return (model, history);
    }
}
