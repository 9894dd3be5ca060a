using StaticNet.Generator.Model;

namespace StaticNet.Generator.Emit.Layers;

/// <summary>GlobalAveragePooling2D and 1D: the mean of each channel over all positions; Kernels/Pooling.</summary>
internal sealed class GlobalPoolingLayer : LayerEmitter
{
    public GlobalPoolingLayer(NetworkPlan plan, int index, LayerSpec spec, LayerGeometry geometry, long parameterOffset, int activationOffset)
        : base(plan, index, spec, geometry, parameterOffset, activationOffset) { }

    private string Sizes => $"{Plan.SizeType(Geometry.InputSize / Geometry.InChannels)}, {Plan.SizeType(Geometry.InChannels)}";

    public override void Forward(SourceWriter w) => w.Line($"{Kernels}.GlobalAveragePooling.ForwardBatch<{Sizes}>({In}, a{N}, count);");

    public override void Predict(SourceWriter w, string input, string output) => w.Line($"{Kernels}.GlobalAveragePooling.ForwardBatch<{Sizes}>({input}, {output}, 1);");

    public override void Backward(SourceWriter w, string delta, string? previousDelta)
    {
        if (previousDelta is not null)
            w.Line($"{Kernels}.GlobalAveragePooling.InputGradients<{Sizes}, {PrevAct}>({In}, {delta}, count, {previousDelta});");
    }
}
