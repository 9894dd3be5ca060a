using StaticNet.Generator.Model;

namespace StaticNet.Generator.Emit.Layers;

/// <summary>
/// BatchNormalization over the last axis: gamma, beta (trained), moving mean and variance (state), each one per
/// channel. Training normalizes with the batch's statistics (a{n}, and the normalized input norm{n} for the
/// backward pass); inference with the moving ones. Kernels/BatchNormalization.
/// </summary>
internal sealed class BatchNormalizationLayer : LayerEmitter
{
    public BatchNormalizationLayer(NetworkPlan plan, int index, LayerSpec spec, LayerGeometry geometry, long parameterOffset, int activationOffset)
        : base(plan, index, spec, geometry, parameterOffset, activationOffset) { }

    private int Channels => Geometry.OutChannels;
    private string Sizes => $"{Plan.SizeType(Geometry.OutputSize / Channels)}, {Plan.SizeType(Channels)}";
    private string Epsilon => Literal(Spec.Epsilon);

    protected override string Describe() => "BatchNormalization";

    private string Part(string buffer, string name) => Slice(buffer, name + N, Channels);

    public override void DeclareBlocks(SourceWriter w, string spanType)
    {
        base.DeclareBlocks(w, spanType);
        w.Line($"{spanType} norm{N} = activations.Slice(count * {Layout}.Norm{N}, count * {Geometry.OutputSize});");
    }

    public override void Forward(SourceWriter w)
    {
        w.Line("if (dropoutKey != 0)");
        w.Line($"    {Kernels}.BatchNormalization.ForwardTraining<{Sizes}>({Part("parameters", "Gamma")}, {Part("parameters", "Beta")}, {Epsilon}, {In}, norm{N}, a{N}, count);");
        w.Line("else");
        w.Line($"    {Kernels}.BatchNormalization.ForwardInference<{Sizes}>({Part("parameters", "Gamma")}, {Part("parameters", "Beta")}, {Part("parameters", "Mean")}, {Part("parameters", "Variance")}, {Epsilon}, {In}, a{N}, count);");
    }

    public override void Predict(SourceWriter w, string input, string output) =>
        w.Line($"{Kernels}.BatchNormalization.ForwardInference<{Sizes}>({Part("p", "Gamma")}, {Part("p", "Beta")}, {Part("p", "Mean")}, {Part("p", "Variance")}, {Epsilon}, {input}, {output}, 1);");

    public override void Backward(SourceWriter w, string delta, string? previousDelta)
    {
        // The backward pass of training mode (NeuralNetwork.ComputeGradients asks for training with BatchNormalization).
        w.Line($"{Kernels}.BatchNormalization.Backward<{Sizes}, {PrevAct}>({Part("parameters", "Gamma")}, {Epsilon}, {In}, norm{N}, {delta}, count, {previousDelta}, {Part("gradients", "Gamma")}, {Part("gradients", "Beta")});");
        w.Line($"gradients.Slice({Layout}.Mean{N}, {2 * Channels}).Clear(); // the moving statistics are not trained by gradient");
    }

    public override void UpdateState(SourceWriter w) =>
        w.Line($"{Kernels}.BatchNormalization.UpdateMovingStatistics<{Sizes}>({In}, count, {Literal(Spec.Momentum)}, {Part("parameters", "Mean")}, {Part("parameters", "Variance")});");

    public override void LayoutMembers(SourceWriter w)
    {
        base.LayoutMembers(w);
        w.Line($"public const int Norm{N} = {ActivationOffset + Geometry.OutputSize};");
        long o = ParameterOffset;
        w.Line($"public const int Gamma{N} = {o}, Beta{N} = {o + Channels}, Mean{N} = {o + 2 * Channels}, Variance{N} = {o + 3 * Channels};");
    }
}
