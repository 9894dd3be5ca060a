using System;
using System.Linq;

namespace StaticNet.Generator.Model;

/// <summary>
/// Everything the emitter needs about one <c>[Network]</c> or <c>[Sequential]</c> class, as plain values: no
/// symbols, syntax nodes or compilations, so that equal inputs give equal models and cached output.
/// </summary>
/// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
/// <param name="ClassName">The class's name as written (escaped if it is a keyword).</param>
/// <param name="ContainingTypes">Enclosing types, outermost first.</param>
/// <param name="InputShape">The input's shape: (units), (steps, channels) or (height, width, channels).</param>
/// <param name="Layers">The layers in order; <c>[Network]</c>'s shorthand becomes Dense layers, each hidden one
/// followed by a Dropout layer when it has dropout.</param>
/// <param name="LeakyReluSlope">The slope of leaky ReLU for negative inputs.</param>
/// <param name="AttributeName">"Network" or "Sequential": the attribute that declared it, for the generated comments.</param>
/// <param name="WeightsFile">The safetensors file to bake in (<c>Weights = "..."</c>), or null.</param>
/// <param name="WeightsLocation">Where to report problems with that file (set only with a file, so
/// that moving other networks' attributes does not change their models).</param>
/// <param name="Precision">Int8: a prediction-only class with the int8 weights of <paramref name="WeightsFile"/> baked in.</param>
internal sealed record NetworkSpec(
    string? Namespace,
    string ClassName,
    EquatableArray<ContainingType> ContainingTypes,
    EquatableArray<int> InputShape,
    EquatableArray<LayerSpec> Layers,
    float LeakyReluSlope,
    string AttributeName = "Network",
    string? WeightsFile = null,
    LocationInfo? WeightsLocation = null,
    Precision Precision = Precision.Float32)
{
    /// <summary>The class's full name as written in C# (namespace and enclosing types), for messages.</summary>
    public string DisplayName => string.Join(".",
        new[] { Namespace }.Concat(ContainingTypes.Select(t => t.Name)).Append(ClassName).Where(s => s is not null));

    /// <summary>A file name unique per class: namespace, enclosing types and name.</summary>
    public string HintName
    {
        get
        {
            var name = new System.Text.StringBuilder();
            if (Namespace is not null) name.Append(Namespace).Append('.');
            // '+' after a type (as in metadata names) keeps A.B+C (C nested in type B) apart from A.B.C.
            foreach (var type in ContainingTypes) name.Append(type.Name).Append('+');
            name.Append(ClassName).Append(".g.cs");
            return name.ToString().Replace("@", "");
        }
    }

    /// <summary>Each layer's shapes and sizes (the parser has checked that every layer fits its input).</summary>
    public LayerGeometry[] Geometries()
    {
        var result = new LayerGeometry[Layers.Count];
        int[] shape = InputShape.ToArray();
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Layers[i].Resolve(shape, out string? error) ?? throw new System.InvalidOperationException(error);
            shape = result[i].OutputShape;
        }
        return result;
    }

    /// <summary>All parameters (weights, biases, state).</summary>
    public long ParameterCount => Geometries().Sum(g => g.ParameterCount);

    /// <summary>Dense layers on a 1-D input, each hidden one followed by at most one Dropout: what <c>[Network]</c> declares.</summary>
    public bool IsDenseStack
    {
        get
        {
            if (InputShape.Count != 1) return false;
            for (int i = 0; i < Layers.Count; i++)
            {
                LayerKind kind = Layers[i].Kind;
                if (kind == LayerKind.Dense) continue;
                if (kind == LayerKind.Dropout && i > 0 && Layers[i - 1].Kind == LayerKind.Dense) continue;
                return false;
            }
            return true;
        }
    }

    /// <summary>For a dense stack: the input size, then each dense layer's size.</summary>
    public int[] DenseSizes() => new[] { InputShape[0] }.Concat(Layers.Where(l => l.Kind == LayerKind.Dense).Select(l => l.Units)).ToArray();

    /// <summary>For a dense stack: each dense layer's activation.</summary>
    public Activation[] DenseActivations() => Layers.Where(l => l.Kind == LayerKind.Dense).Select(l => l.Activation).ToArray();

    /// <summary>For a dense stack: the dropout rate after each dense layer (0 for none).</summary>
    public float[] DenseDropout()
    {
        var rates = new System.Collections.Generic.List<float>();
        foreach (LayerSpec layer in Layers)
        {
            if (layer.Kind == LayerKind.Dense) rates.Add(0);
            else if (layer.Kind == LayerKind.Dropout && rates.Count > 0) rates[rates.Count - 1] = layer.Rate;
        }
        return rates.ToArray();
    }
}

/// <summary>
/// One layer's settings as the attribute gave them (window and strides as (height, width), (1, n) for 1-D layers;
/// pooling strides 0 mean the pool size). Shapes come from <see cref="Resolve"/>, the runtime's own rule.
/// </summary>
internal sealed record LayerSpec(
    LayerKind Kind,
    int Units = 0,
    Activation Activation = Activation.Linear,
    int WindowHeight = 1,
    int WindowWidth = 1,
    int StrideHeight = 1,
    int StrideWidth = 1,
    Padding Padding = Padding.Valid,
    bool UseBias = true,
    float Rate = 0,
    float Momentum = 0.99f,
    float Epsilon = 0.001f,
    float L2 = 0)
{
    public LayerGeometry? Resolve(int[] input, out string? error) =>
        LayerGeometry.Create(Kind, input, Units, WindowHeight, WindowWidth, StrideHeight, StrideWidth, Padding, UseBias, out error);
}

/// <summary>A source location as plain values (file path and spans), for diagnostics reported after parsing.</summary>
internal sealed record LocationInfo(string FilePath, Microsoft.CodeAnalysis.Text.TextSpan Span, Microsoft.CodeAnalysis.Text.LinePositionSpan LineSpan)
{
    public static LocationInfo From(Microsoft.CodeAnalysis.Location location) =>
        new(location.SourceTree?.FilePath ?? "", location.SourceSpan, location.GetLineSpan().Span);

    public DiagnosticInfo With(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, params object[] arguments) =>
        new(descriptor, FilePath, Span, LineSpan, arguments.Select(a => a?.ToString() ?? "").ToEquatableArray());
}

/// <summary>An enclosing type's declaration keyword (<c>class</c>, <c>record struct</c>, ...) and name.</summary>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>The parser's answer for one attribute: a model to emit (null when there were errors) and diagnostics.</summary>
internal sealed record ParseResult(NetworkSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
