using System;
using System.Linq;

namespace StaticNet.Generator.Model;

/// <summary>
/// Everything the emitter needs about one <c>[Network]</c> class, as plain values: no symbols,
/// syntax nodes or compilations, so that equal inputs give equal models and cached output.
/// </summary>
/// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
/// <param name="ClassName">The class's name as written (escaped if it is a keyword).</param>
/// <param name="ContainingTypes">Enclosing types, outermost first.</param>
/// <param name="Sizes">The input size, then each dense layer's size.</param>
/// <param name="Activations">One per dense layer.</param>
/// <param name="LeakyReluSlope">The slope of leaky ReLU for negative inputs.</param>
/// <param name="Dropout">One dropout rate per dense layer (0: none; always 0 for the output layer).</param>
/// <param name="L2">One L2 factor per dense layer (0: none).</param>
/// <param name="WeightsFile">The safetensors file to bake in (<c>Weights = "..."</c>), or null.</param>
/// <param name="WeightsLocation">Where to report problems with that file (set only with a file, so
/// that moving other networks' attributes does not change their models).</param>
internal sealed record NetworkSpec(
    string? Namespace,
    string ClassName,
    EquatableArray<ContainingType> ContainingTypes,
    EquatableArray<int> Sizes,
    EquatableArray<Activation> Activations,
    float LeakyReluSlope,
    EquatableArray<float> Dropout,
    EquatableArray<float> L2,
    string? WeightsFile = null,
    LocationInfo? WeightsLocation = null)
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
