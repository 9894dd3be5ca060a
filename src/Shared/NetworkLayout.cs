// Shared source (src/Shared): where each layer's parameters and training values live, computed once for the
// runtime (NetworkShape) and the generator (the generated code's constant offsets). netstandard2.0 C#.
using System.Collections.Generic;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Model;
#else
namespace StaticNet;
#endif

/// <summary>
/// The buffers of a layer list. Parameters: each layer's weights, biases and state in layer order (see
/// <see cref="LayerGeometry.WeightCount"/>). Training values, per sample: each layer's
/// <see cref="LayerGeometry.TrainingBlock"/> in layer order, so the output layer's outputs come last. Backward
/// deltas: two buffers of <see cref="MaxDeltaSize"/> values per sample, used in turn.
/// </summary>
internal sealed class NetworkLayout
{
    private NetworkLayout(long[] parameterOffsets, long parameterCount, int[] activationOffsets, int activationsPerSample, int maxDeltaSize)
    {
        ParameterOffsets = parameterOffsets;
        ParameterCount = parameterCount;
        ActivationOffsets = activationOffsets;
        ActivationsPerSample = activationsPerSample;
        MaxDeltaSize = maxDeltaSize;
    }

    /// <summary>Where each layer's parameters start.</summary>
    public long[] ParameterOffsets { get; }

    public long ParameterCount { get; }

    /// <summary>Where each layer's training block starts, per sample (multiply by the batch size).</summary>
    public int[] ActivationOffsets { get; }

    public int ActivationsPerSample { get; }

    /// <summary>The largest input of any layer but the first (and of a first BatchNormalization): dL/d(input) of those layers.</summary>
    public int MaxDeltaSize { get; }

    /// <summary>The layout, or null when a sample's training values would not fit one buffer.</summary>
    public static NetworkLayout? Create(IReadOnlyList<LayerGeometry> layers)
    {
        var parameterOffsets = new long[layers.Count];
        var activationOffsets = new int[layers.Count];
        long parameters = 0, activations = 0;
        int maxDelta = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            parameterOffsets[i] = parameters;
            parameters += layers[i].ParameterCount;
            activationOffsets[i] = (int)System.Math.Min(activations, int.MaxValue);
            activations += layers[i].TrainingBlock;
            // BatchNormalization's backward pass writes its input's delta even as the first layer.
            if ((i > 0 || layers[i].Kind == LayerKind.BatchNormalization) && layers[i].InputSize > maxDelta) maxDelta = layers[i].InputSize;
        }
        if (activations > int.MaxValue) return null;
        return new NetworkLayout(parameterOffsets, parameters, activationOffsets, (int)activations, maxDelta);
    }
}
