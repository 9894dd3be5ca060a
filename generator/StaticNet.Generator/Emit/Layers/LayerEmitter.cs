using System.Globalization;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Emit.Layers;

/// <summary>
/// The code of one layer in each generated method. A subclass per layer kind holds all of that kind's
/// emission; <see cref="NetworkPlan"/> wires the layers together (which span each reads, which delta it writes).
/// </summary>
/// <remarks>
/// Conventions of the generated code: the batch forward pass writes layer n's training values to the
/// spans <c>a{n}</c> (and <c>m{n}</c>, <c>norm{n}</c>) at the per-sample offsets <c>StaticNetLayout.A{n}</c>...;
/// the backward pass gives each layer dL/dz of its output (after its activation's derivative, for layers with
/// one) and the layer writes dL/dz of the layer that produced its input (<see cref="Source"/>), applying that
/// layer's activation derivative (its <c>TPrevAct</c>).
/// </remarks>
internal abstract class LayerEmitter
{
    protected const string Span = "global::System.Span<float>";
    protected const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    protected const string Kernels = "global::StaticNet.Kernels";
    protected const string Layout = "StaticNetLayout";

    protected LayerEmitter(NetworkPlan plan, int index, LayerSpec spec, LayerGeometry geometry, long parameterOffset, int activationOffset)
    {
        Plan = plan;
        Index = index;
        Spec = spec;
        Geometry = geometry;
        ParameterOffset = parameterOffset;
        ActivationOffset = activationOffset;
    }

    public NetworkPlan Plan { get; }
    public int Index { get; }
    public LayerSpec Spec { get; }
    public LayerGeometry Geometry { get; }
    public long ParameterOffset { get; }
    public int ActivationOffset { get; }

    /// <summary>The number in generated names (1-based, as Keras's summary counts).</summary>
    public int N => Index + 1;
    public bool IsOutput => Index == Plan.Layers.Count - 1;

    /// <summary>The layer that produced this one's input, looking through Flatten; null for the network's input.</summary>
    public LayerEmitter? Source { get; set; }

    /// <summary>The span this layer reads in the batch methods.</summary>
    public string In { get; set; } = "inputs";

    /// <summary>The span later layers read as this layer's output in the batch methods.</summary>
    public virtual string Out => $"a{N}";

    /// <summary>Whether the output is the input's memory in one-sample prediction (no buffer of its own).</summary>
    public virtual bool PassesInputThrough => false;

    /// <summary>The activation kernel type whose derivative turns dL/d(output) into dL/dz (Linear for layers without one).</summary>
    public virtual string ActivationKernel => $"{Kernels}.Linear";

    /// <summary>One line per layer in the generated code: kind, shapes and settings.</summary>
    public string Comment
    {
        get
        {
            string act = Spec.Activation == Activation.Linear && Spec.Kind is not (LayerKind.Dense or LayerKind.Conv2D or LayerKind.Conv1D) ? "" : ", " + ActivationFacts.KerasName(Spec.Activation);
            return $"Layer {N}{(IsOutput ? " (output)" : "")}: {Describe()} {LayerGeometry.Format(Geometry.InputShape)} -> {LayerGeometry.Format(Geometry.OutputShape)}{act}";
        }
    }

    /// <summary>The kind and its main settings, e.g. <c>Conv2D 3x3</c>.</summary>
    protected virtual string Describe() => Spec.Kind.ToString();

    /// <summary>Declares this layer's training-value spans (<c>a{n}</c>, ...) over <c>activations</c>.</summary>
    public virtual void DeclareBlocks(SourceWriter w, string spanType)
    {
        if (Geometry.TrainingBlock > 0)
            w.Line($"{spanType} a{N} = activations.Slice(count * {Layout}.A{N}, count * {Geometry.OutputSize});");
    }

    /// <summary>The batch forward pass (<c>dropoutKey != 0</c>: training).</summary>
    public abstract void Forward(SourceWriter w);

    /// <summary>One sample from <paramref name="input"/> to <paramref name="output"/> (inference).</summary>
    public abstract void Predict(SourceWriter w, string input, string output);

    /// <summary>
    /// The backward pass: <paramref name="delta"/> is dL/dz of this layer; writes this layer's parameter gradients and,
    /// when <paramref name="previousDelta"/> is not null, dL/dz of <see cref="Source"/> into it.
    /// </summary>
    public abstract void Backward(SourceWriter w, string delta, string? previousDelta);

    /// <summary>Whether the layer's backward pass writes its source's delta into the same span as its own (Dropout).</summary>
    public virtual bool BackwardInPlace => false;

    /// <summary>Constants and types of this layer in the StaticNetLayout class.</summary>
    public virtual void LayoutMembers(SourceWriter w)
    {
        if (Geometry.TrainingBlock > 0)
            w.Line($"public const int A{N} = {ActivationOffset};");
    }

    /// <summary>Code after a training step (BatchNormalization's moving statistics); nothing for most kinds.</summary>
    public virtual void UpdateState(SourceWriter w) { }

    /// <summary>The source's activation kernel (its derivative applied to the delta this layer writes) and outputs.</summary>
    protected string PrevAct => Source?.ActivationKernel ?? $"{Kernels}.Linear";
    protected string PrevOutputs => Source?.Out ?? "inputs";

    protected string Slice(string buffer, string offset, long length) => $"{buffer}.Slice({Layout}.{offset}, {length})";

    protected static string Literal(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";
}
