using System.Collections.Generic;

namespace StaticNet;

/// <summary>What <see cref="NeuralNetwork.LoadCheckpoint(string)"/> restored, and where to resume.</summary>
public sealed class CheckpointInfo
{
    internal CheckpointInfo(int epoch, long iterations, float learningRate, string loss, IReadOnlyList<string> metrics, string optimizer, int seed)
    {
        Epoch = epoch;
        Iterations = iterations;
        LearningRate = learningRate;
        Loss = loss;
        Metrics = metrics;
        Optimizer = optimizer;
        Seed = seed;
    }

    /// <summary>The number of epochs completed when the checkpoint was saved: pass it to <c>Fit</c> as <c>initialEpoch</c>.</summary>
    public int Epoch { get; }

    /// <summary>The optimizer's step count (<see cref="StaticNet.Optimizer.Iterations"/>), restored.</summary>
    public long Iterations { get; }

    /// <summary>The learning rate at the time of saving, restored into the compiled optimizer.</summary>
    public float LearningRate { get; }

    /// <summary>The loss the checkpoint was trained with (Keras's name; <c>(fromLogits: true)</c> appended when set).</summary>
    public string Loss { get; }

    /// <summary>The names of the metrics compiled when the checkpoint was saved (informational: metrics do not affect training).</summary>
    public IReadOnlyList<string> Metrics { get; }

    /// <summary>The optimizer and its settings, for example <c>Adam(beta1: 0.9, beta2: 0.999, epsilon: 1E-07)</c>.</summary>
    public string Optimizer { get; }

    /// <summary>The <see cref="NeuralNetwork.Seed"/> of the model that saved the checkpoint.</summary>
    public int Seed { get; }
}
