// Shared source (src/Shared): the public StaticNet.Precision in the runtime, an internal copy in the
// generator (which reads the attribute's enum argument as this integer). netstandard2.0 C#.
#if STATICNET_GENERATOR
namespace StaticNet.Generator.Model;
#else
namespace StaticNet;
#endif

/// <summary>The number format a declared network computes in (<c>Precision = ...</c> on <c>[Network]</c> and <c>[Sequential]</c>).</summary>
#if STATICNET_GENERATOR
internal
#else
public
#endif
enum Precision
{
    /// <summary>32-bit floats: a trainable network (the default).</summary>
    Float32 = 0,
    /// <summary>
    /// Int8 weights baked in from a file written by <c>Int8Network.Save</c> (<c>Weights = "..."</c>):
    /// a prediction-only <c>Int8Model</c>, Dense layers only.
    /// </summary>
    Int8 = 1,
}
