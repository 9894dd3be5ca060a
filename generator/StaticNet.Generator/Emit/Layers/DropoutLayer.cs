using StaticNet.Generator.Model;

namespace StaticNet.Generator.Emit.Layers;

/// <summary>
/// Dropout: in training the dropped values a{n} = x·m{n} (mask 0 or 1/(1−rate), from the step's key), outside
/// training the input itself; <c>x{n}</c> names whichever the next layer reads. Kernels/Dropout.
/// </summary>
internal sealed class DropoutLayer : LayerEmitter
{
    public DropoutLayer(NetworkPlan plan, int index, LayerSpec spec, LayerGeometry geometry, long parameterOffset, int activationOffset, int keyIndex)
        : base(plan, index, spec, geometry, parameterOffset, activationOffset) => KeyIndex = keyIndex;

    /// <summary>Which layer key the mask is drawn from (for the [Network] shorthand: the dense layer it follows, as before layer lists).</summary>
    public int KeyIndex { get; }

    public override string Out => $"x{N}";
    public override bool PassesInputThrough => true;
    public override bool BackwardInPlace => true;

    protected override string Describe() => $"Dropout({Literal(Spec.Rate).TrimEnd('f')})";

    public override void DeclareBlocks(SourceWriter w, string spanType)
    {
        base.DeclareBlocks(w, spanType);
        w.Line($"{spanType} m{N} = activations.Slice(count * {Layout}.M{N}, count * {Geometry.OutputSize});");
    }

    /// <summary>In the backward pass and after a step: which span the next layer read.</summary>
    public void Bind(SourceWriter w) => w.Line($"{ReadOnlySpan} x{N} = dropoutKey != 0 ? a{N} : {In};");

    public override void Forward(SourceWriter w)
    {
        // Training (a non-zero key) feeds the next layer the dropped values; inference the input.
        w.Line($"{ReadOnlySpan} x{N} = {In};");
        w.Open("if (dropoutKey != 0)");
        w.Line($"{Kernels}.Dropout.Apply({In}, a{N}, m{N}, {Literal(Spec.Rate)}, {Kernels}.Dropout.LayerKey(dropoutKey, {KeyIndex}));");
        w.Line($"x{N} = a{N};");
        w.Close();
    }

    public override void Predict(SourceWriter w, string input, string output) => w.Line("// (inference: every value passes)");

    public override void Backward(SourceWriter w, string delta, string? previousDelta)
    {
        if (previousDelta is null) return;
        w.Line($"if (dropoutKey != 0) {Kernels}.Dropout.Backward(m{N}, {delta});");
        if (PrevAct != $"{Kernels}.Linear")
            w.Line($"{PrevAct}.MultiplyDerivative({PrevOutputs}, {delta});");
    }

    public override void LayoutMembers(SourceWriter w)
    {
        base.LayoutMembers(w);
        w.Line($"public const int M{N} = {ActivationOffset + Geometry.OutputSize};");
    }
}
