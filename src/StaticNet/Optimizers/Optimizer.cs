using System;

namespace StaticNet;

/// <summary>
/// Updates the parameter buffer from the gradient buffer, one vectorized sweep per step. An
/// optimizer keeps per-parameter state (momentum, moment estimates) for the one model it is
/// compiled with, as in Keras.
/// </summary>
public abstract class Optimizer
{
    private float _learningRate;

    private protected Optimizer(float learningRate) => LearningRate = learningRate;

    /// <summary>The step size. Settable between epochs (learning-rate schedules).</summary>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            if (!float.IsFinite(value) || value <= 0)
                throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "The learning rate must be a positive finite number.");
            _learningRate = value;
        }
    }

    /// <summary>Steps taken so far (Keras's <c>optimizer.iterations</c>).</summary>
    public long Iterations { get; private set; }

    /// <summary>The number of parameters this optimizer was built for, or 0 before <see cref="NeuralNetwork.Compile"/>.</summary>
    public int ParameterCount { get; private set; }

    /// <summary>Allocates the state for <paramref name="parameterCount"/> parameters and resets it.</summary>
    internal void Build(int parameterCount)
    {
        ParameterCount = parameterCount;
        Iterations = 0;
        BuildState(parameterCount);
    }

    /// <summary>Applies one step: parameters -= f(gradients).</summary>
    internal void Apply(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (parameters.Length != ParameterCount || gradients.Length != ParameterCount)
            throw new ArgumentException($"Expected {ParameterCount} parameters and gradients; got {parameters.Length} and {gradients.Length}.");
        Iterations++;
        Step(parameters, gradients, Iterations);
    }

    /// <summary>Allocates and zeroes the state arrays.</summary>
    private protected abstract void BuildState(int parameterCount);

    /// <summary>One update; <paramref name="step"/> counts from 1.</summary>
    private protected abstract void Step(Span<float> parameters, ReadOnlySpan<float> gradients, long step);

    private protected static void CheckRange(float value, float min, float max, string name, bool minExclusive = false)
    {
        bool ok = float.IsFinite(value) && (minExclusive ? value > min : value >= min) && value <= max;
        if (!ok)
            throw new ArgumentOutOfRangeException(name, value, $"Expected {name} in {(minExclusive ? "(" : "[")}{min}, {max}]; got {value}.");
    }
}
