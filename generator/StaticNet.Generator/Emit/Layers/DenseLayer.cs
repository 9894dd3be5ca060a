using StaticNet.Generator.Model;

namespace StaticNet.Generator.Emit.Layers;

/// <summary>Dense: weights [units x inputs] row-major, then biases; the kernels in Kernels/Dense.</summary>
internal sealed class DenseLayer : LayerEmitter
{
    public DenseLayer(NetworkPlan plan, int index, LayerSpec spec, LayerGeometry geometry, long parameterOffset, int activationOffset)
        : base(plan, index, spec, geometry, parameterOffset, activationOffset) { }

    private int Inputs => Geometry.InputSize;
    private int Units => Geometry.OutputSize;
    private string Sizes => $"{Plan.SizeType(Inputs)}, {Plan.SizeType(Units)}";
    private long WeightCount => Geometry.WeightCount;

    public override string ActivationKernel => Plan.ActivationKernel(Spec.Activation);

    protected override string Describe() => $"Dense({Units})";

    private string Weights(string buffer) => Slice(buffer, $"W{N}", WeightCount);
    private string Biases(string buffer) => Slice(buffer, $"B{N}", Units);

    public override void Forward(SourceWriter w)
    {
        if (!IsOutput)
        {
            w.Line($"{Kernels}.Dense.ForwardBatch<{Sizes}, {ActivationKernel}>({Weights("parameters")}, {Biases("parameters")}, {In}, a{N}, count);");
            return;
        }
        // The loss needs the output layer's weighted sums (logits) for a stable value and gradient.
        w.Line($"{Kernels}.Dense.ForwardBatch<{Sizes}, {Kernels}.Linear>({Weights("parameters")}, {Biases("parameters")}, {In}, outputLogits, count);");
        w.Line($"outputLogits.Slice(0, count * {Units}).CopyTo(a{N});");
        if (Spec.Activation == Activation.Softmax)
            w.Line($"{Kernels}.Softmax.ApplyRows(a{N}, {Units});");
        else if (Spec.Activation != Activation.Linear)
            w.Line($"{ActivationKernel}.Apply(a{N});");
    }

    public override void Predict(SourceWriter w, string input, string output)
    {
        // Softmax layers run linear here and normalize after.
        string act = Spec.Activation == Activation.Softmax ? $"{Kernels}.Linear" : ActivationKernel;
        // The network's first layer reads its input straight from the caller: mostly zeros (an image) may take the sparse kernel.
        string transposed = Index == 0 ? ", firstLayerTransposed" : "";
        w.Line($"{Kernels}.Dense.Forward<{Sizes}, {act}>({Weights("p")}, {Biases("p")}, {input}, {output}, packed, {Layout}.W{N}{transposed});");
        if (Spec.Activation == Activation.Softmax)
            w.Line($"{Kernels}.Softmax.ApplyRows({output}, {Units});");
    }

    public override void Backward(SourceWriter w, string delta, string? previousDelta)
    {
        w.Line($"{Kernels}.Dense.ParameterGradients<{Sizes}>({delta}, {In}, count, {Weights("gradients")}, {Biases("gradients")});");
        if (previousDelta is not null)
            w.Line($"{Kernels}.Dense.InputGradients<{Sizes}, {PrevAct}>({Weights("parameters")}, {delta}, {PrevOutputs}, count, {previousDelta});");
    }

    /// <summary>Row-split training: this (first) layer's outputs [rowStart, rowEnd) into <c>outputs</c>.</summary>
    public void ForwardRows(SourceWriter w) =>
        w.Line($"{Kernels}.Dense.ForwardBatchRows<{Sizes}, {ActivationKernel}>({Weights("parameters")}, {Biases("parameters")}, inputs, outputs, count, rowStart, rowEnd);");

    /// <summary>Row-split training: this (first) layer's gradients of the outputs [rowStart, rowEnd) from <c>firstLayerDelta</c>.</summary>
    public void GradientRows(SourceWriter w) =>
        w.Line($"{Kernels}.Dense.ParameterGradientRows<{Sizes}>(firstLayerDelta, inputs, count, {Weights("gradients")}, {Biases("gradients")}, rowStart, rowEnd);");

    public override void LayoutMembers(SourceWriter w)
    {
        base.LayoutMembers(w);
        w.Line($"public const int W{N} = {ParameterOffset};");
        w.Line($"public const int B{N} = {ParameterOffset + WeightCount};");
    }
}
