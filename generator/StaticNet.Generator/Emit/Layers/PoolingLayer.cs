using StaticNet.Generator.Model;

namespace StaticNet.Generator.Emit.Layers;

/// <summary>MaxPooling and AveragePooling, 2-D and 1-D (height 1); Kernels/Pooling. No parameters.</summary>
internal sealed class PoolingLayer : LayerEmitter
{
    public PoolingLayer(NetworkPlan plan, int index, LayerSpec spec, LayerGeometry geometry, long parameterOffset, int activationOffset)
        : base(plan, index, spec, geometry, parameterOffset, activationOffset) { }

    private bool IsMax => Spec.Kind is LayerKind.MaxPooling2D or LayerKind.MaxPooling1D;
    private string Kernel => $"{Kernels}.{(IsMax ? "MaxPooling2D" : "AveragePooling2D")}";
    private string GeometryType => $"{Layout}.Pool{N}";

    protected override string Describe()
    {
        bool oneD = Spec.Kind is LayerKind.MaxPooling1D or LayerKind.AveragePooling1D;
        string window = oneD ? $"{Geometry.WindowWidth}" : $"{Geometry.WindowHeight}x{Geometry.WindowWidth}";
        bool defaultStrides = Geometry.StrideHeight == Geometry.WindowHeight && Geometry.StrideWidth == Geometry.WindowWidth;
        string strides = defaultStrides ? "" : oneD ? $", strides {Geometry.StrideWidth}" : $", strides {Geometry.StrideHeight}x{Geometry.StrideWidth}";
        return $"{Spec.Kind}({window}{strides}{(Spec.Padding == Padding.Same ? ", same" : "")})";
    }

    public override void Forward(SourceWriter w) => w.Line($"{Kernel}.ForwardBatch<{GeometryType}>({In}, a{N}, count);");

    public override void Predict(SourceWriter w, string input, string output) => w.Line($"{Kernel}.ForwardBatch<{GeometryType}>({input}, {output}, 1);");

    public override void Backward(SourceWriter w, string delta, string? previousDelta)
    {
        if (previousDelta is not null)
            w.Line($"{Kernel}.InputGradients<{GeometryType}, {PrevAct}>({In}, {delta}, count, {previousDelta});");
    }

    public override void LayoutMembers(SourceWriter w)
    {
        base.LayoutMembers(w);
        LayerGeometry g = Geometry;
        w.Line($"public readonly struct Pool{N} : {Kernels}.IPool2DGeometry");
        w.Line("{");
        w.Line($"    public static int InHeight => {g.InHeight}; public static int InWidth => {g.InWidth}; public static int Channels => {g.InChannels};");
        w.Line($"    public static int OutHeight => {g.OutHeight}; public static int OutWidth => {g.OutWidth};");
        w.Line($"    public static int PoolHeight => {g.WindowHeight}; public static int PoolWidth => {g.WindowWidth};");
        w.Line($"    public static int StrideHeight => {g.StrideHeight}; public static int StrideWidth => {g.StrideWidth};");
        w.Line($"    public static int PadTop => {g.PadTop}; public static int PadLeft => {g.PadLeft};");
        w.Line("}");
    }
}
