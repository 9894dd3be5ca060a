// Shared source (src/Shared): how a file of an int8 network with convolutions (format staticnet-int8-layers) describes
// each layer in its __metadata__ "layers". The runtime writes and reads it (Int8Network.SavingLayers.cs); the generator
// compares it with a Precision.Int8 declaration (Weights/Int8Baker.cs). netstandard2.0 C#.
#if STATICNET_GENERATOR
namespace StaticNet.Generator.Model;
#else
namespace StaticNet.Quantization;
#endif

internal static class Int8LayerText
{
    /// <summary>The last word of a convolution's description: how its weights are stored.</summary>
    public const string Int8Storage = "int8", Float32Storage = "float32";

    /// <summary>The word after a convolution's activation when it has no bias (files written before it existed have biases).</summary>
    public const string NoBias = "NoBias";

    /// <summary>
    /// "Conv2D 32 3x3 1x1 Valid Relu" (filters, window, strides, padding, activation, then <see cref="NoBias"/> for a
    /// convolution without bias; the file adds the storage word), "MaxPooling2D 2x2 2x2 Valid", "Dense 10 Softmax"; kinds
    /// without settings ("Flatten", "BatchNormalization") by name. Windows and strides are (height, width), height 1 for
    /// 1-D layers; pooling strides as resolved (the pool size by default).
    /// </summary>
    public static string Describe(LayerKind kind, int units, int windowHeight, int windowWidth, int strideHeight, int strideWidth, Padding padding,
        Activation activation, bool useBias) => kind switch
    {
        LayerKind.Conv2D or LayerKind.Conv1D =>
            $"{kind} {units} {windowHeight}x{windowWidth} {strideHeight}x{strideWidth} {padding} {activation}{(useBias ? "" : " " + NoBias)}",
        LayerKind.MaxPooling2D or LayerKind.MaxPooling1D or LayerKind.AveragePooling2D or LayerKind.AveragePooling1D =>
            $"{kind} {windowHeight}x{windowWidth} {strideHeight}x{strideWidth} {padding}",
        LayerKind.Dense => $"Dense {units} {activation}",
        _ => kind.ToString(),
    };
}
