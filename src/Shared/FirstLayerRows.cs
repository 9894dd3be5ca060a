// Shared source (src/Shared): which networks train their first layer split by rows between two threads. The
// generator emits the methods that mode calls exactly when the runtime may call them. netstandard2.0 C#.
#if STATICNET_GENERATOR
namespace StaticNet.Generator.Model;
#else
namespace StaticNet;
#endif

/// <summary>
/// Row-split training of the first layer: when a network starts with a hidden Dense layer, each training thread
/// computes that layer's outputs and weight gradients for its own range of the layer's units over the whole batch
/// (and updates those weights), instead of each thread taking half of the batch through the whole layer. The first
/// layer usually holds most of the weights (784-128-64-10: 92%); split by rows, each thread reads and updates only its
/// own half of them, which stays in its core's cache, and no second gradient of that layer needs adding.
/// </summary>
internal static class FirstLayerRows
{
    /// <summary>
    /// Whether a network whose first layer is <paramref name="kind"/> with <paramref name="activation"/>, in a list of
    /// <paramref name="layerCount"/> layers, trains by rows (and so gets the generated row-split methods): a Dense first
    /// layer that is not the output (the loss needs the output layer whole) and whose activation works value by value
    /// (not softmax), in a network without L2 (its penalty needs the whole gradient before any update) and without
    /// BatchNormalization (its statistics span the whole batch, so its steps run on one thread).
    /// </summary>
    public static bool Applies(LayerKind kind, Activation activation, int layerCount, bool hasL2, bool hasBatchNormalization) =>
        kind == LayerKind.Dense && layerCount >= 2 && activation != Activation.Softmax && !hasL2 && !hasBatchNormalization;

    /// <summary>Where the second thread's rows start in a first layer of <paramref name="units"/> units: half, rounded to a multiple of 4 (a weight-gradient tile).</summary>
    public static int Split(int units) => units / 2 & ~3;
}
