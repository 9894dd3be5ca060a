using StaticNet.Generator.Model;

namespace StaticNet.Generator.Emit.Layers;

/// <summary>Flatten: channels-last values are already in flattened order, so the output is the input's memory.</summary>
internal sealed class FlattenLayer : LayerEmitter
{
    public FlattenLayer(NetworkPlan plan, int index, LayerSpec spec, LayerGeometry geometry, long parameterOffset, int activationOffset)
        : base(plan, index, spec, geometry, parameterOffset, activationOffset) { }

    public override string Out => In;
    public override bool PassesInputThrough => true;

    // As its source: the layer after Flatten applies the source's activation derivative.
    public override string ActivationKernel => Source?.ActivationKernel ?? $"{Kernels}.Linear";

    public override void Forward(SourceWriter w) => w.Line("// (the values stay where they are)");

    public override void Predict(SourceWriter w, string input, string output) => w.Line("// (the values stay where they are)");

    public override void Backward(SourceWriter w, string delta, string? previousDelta) { }
}
