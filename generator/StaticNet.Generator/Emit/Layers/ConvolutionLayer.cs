using StaticNet.Generator.Model;

namespace StaticNet.Generator.Emit.Layers;

/// <summary>Conv2D and Conv1D (a 2-D convolution of height 1): kernel [kh, kw, in, filters], then biases; Kernels/Conv2D.</summary>
internal sealed class ConvolutionLayer : LayerEmitter
{
    public ConvolutionLayer(NetworkPlan plan, int index, LayerSpec spec, LayerGeometry geometry, long parameterOffset, int activationOffset)
        : base(plan, index, spec, geometry, parameterOffset, activationOffset) { }

    private string GeometryType => $"{Layout}.Conv{N}";
    private long KernelCount => Geometry.WeightCount;
    public override string ActivationKernel => Plan.ActivationKernel(Spec.Activation);

    protected override string Describe()
    {
        string window = Spec.Kind == LayerKind.Conv1D ? $"{Geometry.WindowWidth}" : $"{Geometry.WindowHeight}x{Geometry.WindowWidth}";
        string strides = Geometry.StrideHeight == 1 && Geometry.StrideWidth == 1 ? "" : Spec.Kind == LayerKind.Conv1D ? $", strides {Geometry.StrideWidth}" : $", strides {Geometry.StrideHeight}x{Geometry.StrideWidth}";
        return $"{Spec.Kind}({Spec.Units}, {window}{strides}{(Spec.Padding == Padding.Same ? ", same" : "")}{(Spec.UseBias ? "" : ", no bias")})";
    }

    private string KernelSlice(string buffer) => Slice(buffer, $"W{N}", KernelCount);
    private string Biases(string buffer) => Spec.UseBias ? Slice(buffer, $"B{N}", Spec.Units) : $"{ReadOnlySpan}.Empty";
    private string BiasGradients => Spec.UseBias ? Slice("gradients", $"B{N}", Spec.Units) : $"{Span}.Empty";

    public override void Forward(SourceWriter w) =>
        w.Line($"{Kernels}.Conv2D.ForwardBatch<{GeometryType}, {ActivationKernel}>({KernelSlice("parameters")}, {Biases("parameters")}, {In}, a{N}, count);");

    public override void Predict(SourceWriter w, string input, string output) =>
        w.Line($"{Kernels}.Conv2D.Forward<{GeometryType}, {ActivationKernel}>({KernelSlice("p")}, {Biases("p")}, {input}, {output});");

    public override void Backward(SourceWriter w, string delta, string? previousDelta)
    {
        w.Line($"{Kernels}.Conv2D.ParameterGradients<{GeometryType}>({delta}, {In}, count, {KernelSlice("gradients")}, {BiasGradients});");
        if (previousDelta is not null)
            w.Line($"{Kernels}.Conv2D.InputGradients<{GeometryType}, {PrevAct}>({KernelSlice("parameters")}, {delta}, {PrevOutputs}, count, {previousDelta});");
    }

    public override void LayoutMembers(SourceWriter w)
    {
        base.LayoutMembers(w);
        w.Line($"public const int W{N} = {ParameterOffset};");
        if (Spec.UseBias) w.Line($"public const int B{N} = {ParameterOffset + KernelCount};");
        LayerGeometry g = Geometry;
        w.Line($"public readonly struct Conv{N} : {Kernels}.IConv2DGeometry");
        w.Line("{");
        w.Line($"    public static int InHeight => {g.InHeight}; public static int InWidth => {g.InWidth}; public static int InChannels => {g.InChannels};");
        w.Line($"    public static int OutHeight => {g.OutHeight}; public static int OutWidth => {g.OutWidth}; public static int Filters => {g.OutChannels};");
        w.Line($"    public static int KernelHeight => {g.WindowHeight}; public static int KernelWidth => {g.WindowWidth};");
        w.Line($"    public static int StrideHeight => {g.StrideHeight}; public static int StrideWidth => {g.StrideWidth};");
        w.Line($"    public static int PadTop => {g.PadTop}; public static int PadLeft => {g.PadLeft};");
        w.Line("}");
    }
}
