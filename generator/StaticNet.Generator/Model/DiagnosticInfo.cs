using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace StaticNet.Generator.Model;

/// <summary>
/// An equatable stand-in for a <see cref="Diagnostic"/>: a <see cref="Location"/> holds a syntax
/// tree, which must not travel through the cached pipeline, so this keeps the file path and spans.
/// </summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, string FilePath, TextSpan Span, LinePositionSpan LineSpan, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params object[] arguments)
    {
        location ??= Location.None;
        return new DiagnosticInfo(descriptor, location.SourceTree?.FilePath ?? "", location.SourceSpan,
            location.GetLineSpan().Span, arguments.Select(a => Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToEquatableArray());
    }

    public Diagnostic ToDiagnostic() => Diagnostic.Create(Descriptor,
        FilePath.Length == 0 ? Location.None : Location.Create(FilePath, Span, LineSpan),
        Arguments.Cast<object>().ToArray());
}
