// Shared source (src/Shared): the packed int8 weight layout that the runtime's kernel reads
// (src/StaticNet/Kernels/Dense/Int8Dense.cs) and the generator bakes (Weights/Int8Baker.cs). netstandard2.0 C#.
#if STATICNET_GENERATOR
namespace StaticNet.Generator.Model;
#else
namespace StaticNet.Kernels;
#endif

/// <summary>
/// Where each int8 weight sits for the <c>vpdpbusd</c> kernel: outputs padded to tiles of 32 (four
/// vectors of eight int32 sums), inputs padded to blocks of 16 (the zero-skip unit); a tile is one
/// contiguous stream of [input group of 4][32 outputs][4 inputs] bytes, so that one broadcast of four
/// input bytes feeds four <c>vpdpbusd</c> over 128 consecutive weight bytes. Padding weights are zero.
/// </summary>
internal static class Int8Layout
{
    /// <summary>The <c>__metadata__</c> "format" of an int8 dense stack's file: what Int8Network.Save writes and a Precision.Int8 class bakes.</summary>
    public const string FileFormat = "staticnet-int8";

    /// <summary>The "format" of an int8 network with convolutions: Int8Network.Save writes and Load reads it; a Precision.Int8 class bakes the file whole.</summary>
    public const string LayersFileFormat = "staticnet-int8-layers";

    /// <summary>Inputs per output at most (a Dense layer's inputs, a convolution's window values): beyond it an int32 sum of 255 x 127 products could overflow.</summary>
    public const int MaxInputs = 66_000;

    /// <summary>Window values from which a convolution runs in int8; smaller windows stay float32 (Float32Convolution says why).</summary>
    public const int MinimumConvolutionWindow = 32;

    /// <summary>Outputs per tile: four vectors of eight int32 sums.</summary>
    public const int TileOutputs = 32;

    /// <summary>Inputs per block (the zero-skip unit): four groups of four.</summary>
    public const int BlockInputs = 16;

    /// <summary>Bytes of one input group of a tile: 32 outputs x 4 inputs.</summary>
    public const int GroupBytes = TileOutputs * 4;

    public static int PaddedInputs(int inputs) => (inputs + BlockInputs - 1) / BlockInputs * BlockInputs;

    public static int PaddedOutputs(int outputs) => (outputs + TileOutputs - 1) / TileOutputs * TileOutputs;

    /// <summary>Where w[output, input] is in the packed layout.</summary>
    public static int Index(int output, int input, int paddedInputs) =>
        output / TileOutputs * TileOutputs * paddedInputs + input / 4 * GroupBytes + output % TileOutputs * 4 + input % 4;
}
