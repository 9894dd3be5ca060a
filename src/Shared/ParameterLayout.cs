// Shared source (src/Shared): compiled into the runtime (NetworkShape) and the generator (Parser, Emitter),
// which must compute the same offsets: the generated code's constant W1/B1/... offsets index the buffer
// the runtime allocates. netstandard2.0 C#.
using System.Collections.Generic;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Model;
#else
namespace StaticNet;
#endif

/// <summary>
/// The parameter buffer's and the training activations' layout. Parameters: for each dense layer in
/// order, its weights as a row-major [outputs x inputs] matrix (PyTorch's <c>nn.Linear.weight</c>),
/// then its biases [outputs]. Activations, per sample: each dense layer's outputs, followed for a
/// layer with dropout by its dropped outputs and its mask, each as large.
/// </summary>
internal static class ParameterLayout
{
    /// <summary>The runtime's <c>Array.MaxLength</c>: the most floats one buffer can hold.</summary>
    public const long MaxParameters = 0x7FFFFFC7;

    /// <summary>Weights and biases of a dense layer with <paramref name="fanIn"/> inputs and <paramref name="fanOut"/> outputs.</summary>
    public static long DenseParameters(int fanIn, int fanOut) => (long)fanIn * fanOut + fanOut;

    /// <summary>Where each dense layer's weights start, for layer sizes (the input size, then each layer's); <paramref name="total"/> is the parameter count.</summary>
    public static long[] WeightOffsets(IReadOnlyList<int> sizes, out long total)
    {
        var offsets = new long[sizes.Count - 1];
        long offset = 0;
        for (int l = 0; l < offsets.Length; l++)
        {
            offsets[l] = offset;
            offset += DenseParameters(sizes[l], sizes[l + 1]);
        }
        total = offset;
        return offsets;
    }

    /// <summary>Where a dense layer's biases start: after its weights.</summary>
    public static long BiasOffset(long weightOffset, int fanIn, int fanOut) => weightOffset + (long)fanIn * fanOut;

    /// <summary>Values per sample a dense layer keeps in training: its outputs, three blocks of them with dropout.</summary>
    public static int ActivationBlock(int fanOut, bool dropout) => checked(fanOut * (dropout ? 3 : 1));

    /// <summary>Where each dense layer's outputs start in the training activations, per sample; <paramref name="perSample"/> is the total.</summary>
    public static int[] ActivationOffsets(IReadOnlyList<int> sizes, IReadOnlyList<float> dropout, out int perSample)
    {
        var offsets = new int[sizes.Count - 1];
        int offset = 0;
        for (int l = 0; l < offsets.Length; l++)
        {
            offsets[l] = offset;
            offset = checked(offset + ActivationBlock(sizes[l + 1], dropout[l] > 0));
        }
        perSample = offset;
        return offsets;
    }

    /// <summary>The widest hidden layer (0 when there is none): the backward pass's two delta buffers each hold this many per sample.</summary>
    public static int MaxHiddenSize(IReadOnlyList<int> sizes)
    {
        int max = 0;
        for (int l = 1; l < sizes.Count - 1; l++)
            if (sizes[l] > max) max = sizes[l];
        return max;
    }
}
