// Shared source (src/Shared): the parameter limit both the generator (SN0014) and the runtime enforce.
// The offsets of a layer list are NetworkLayout's. netstandard2.0 C#.
using System.Collections.Generic;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Model;
#else
namespace StaticNet;
#endif

/// <summary>The parameter buffer's limit, and the parameter count of the <c>[Network]</c> shorthand's Dense stack.</summary>
internal static class ParameterLayout
{
    /// <summary>The runtime's <c>Array.MaxLength</c>: the most floats one buffer can hold.</summary>
    public const long MaxParameters = 0x7FFFFFC7;

    /// <summary>Weights and biases of the Dense layers of sizes (the input size, then each layer's), in long so that no size overflows it.</summary>
    public static long DenseParameters(IReadOnlyList<int> sizes)
    {
        long total = 0;
        for (int l = 0; l + 1 < sizes.Count; l++) total += ((long)sizes[l] + 1) * sizes[l + 1];
        return total;
    }
}
