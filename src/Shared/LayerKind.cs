// Shared source (src/Shared): public StaticNet.LayerKind / StaticNet.Padding in the runtime, internal copies in the
// generator (STATICNET_GENERATOR), which reads layer attributes into these values. netstandard2.0 C#.
#if STATICNET_GENERATOR
namespace StaticNet.Generator.Model;
#else
namespace StaticNet;
#endif

/// <summary>The kinds of layer a network can have, named as Keras names them.</summary>
#if STATICNET_GENERATOR
internal
#else
public
#endif
enum LayerKind
{
    /// <summary>Fully connected: every output is a weighted sum of every input (Keras <c>Dense</c>).</summary>
    Dense = 0,
    /// <summary>2-D convolution over (height, width, channels) (Keras <c>Conv2D</c>).</summary>
    Conv2D = 1,
    /// <summary>1-D convolution over (steps, channels) (Keras <c>Conv1D</c>).</summary>
    Conv1D = 2,
    /// <summary>The largest value of each window of each channel (Keras <c>MaxPooling2D</c>).</summary>
    MaxPooling2D = 3,
    /// <summary>The mean of each window of each channel (Keras <c>AveragePooling2D</c>).</summary>
    AveragePooling2D = 4,
    /// <summary>The mean of each channel over all positions: (height, width, channels) to (channels).</summary>
    GlobalAveragePooling2D = 5,
    /// <summary><see cref="MaxPooling2D"/> over steps (Keras <c>MaxPooling1D</c>).</summary>
    MaxPooling1D = 6,
    /// <summary><see cref="AveragePooling2D"/> over steps (Keras <c>AveragePooling1D</c>).</summary>
    AveragePooling1D = 7,
    /// <summary>The mean of each channel over all steps: (steps, channels) to (channels).</summary>
    GlobalAveragePooling1D = 8,
    /// <summary>Reshapes to one dimension, in channels-last order (no arithmetic).</summary>
    Flatten = 9,
    /// <summary>Zeroes a random fraction of its inputs in training (Keras <c>Dropout</c>).</summary>
    Dropout = 10,
    /// <summary>Normalizes each channel (Keras <c>BatchNormalization</c>).</summary>
    BatchNormalization = 11,
}

/// <summary>How a convolution or pooling window treats the input's border (Keras's <c>padding</c>).</summary>
#if STATICNET_GENERATOR
internal
#else
public
#endif
enum Padding
{
    /// <summary>No padding: windows lie wholly inside the input (Keras <c>'valid'</c>).</summary>
    Valid = 0,
    /// <summary>Pad so that the output has ceil(input / stride) positions (Keras <c>'same'</c>).</summary>
    Same = 1,
}
