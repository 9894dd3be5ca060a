using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Parse;

/// <summary>
/// Turns one <c>[Network]</c> attribute on a class into a <see cref="NetworkSpec"/> or into
/// diagnostics. Every rule of the attribute lives here; the emitter trusts the model.
/// </summary>
internal static class Parser
{
    /// <summary>Matches the runtime's <c>Array.MaxLength</c>: the largest float buffer .NET allocates.</summary>
    private const long MaxParameters = 0x7FFFFFC7;

    /// <summary>Names the generated code declares on the user's class (constructors and the Predict overload are checked by signature).</summary>
    private static readonly string[] ReservedNames =
        { "InputSize", "OutputSize", "LayerCount", "ParameterCount", "StaticNetLayout", "ForwardBatch", "BackwardBatch" };

    public static ParseResult? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.Attributes.IsEmpty)
            return null;
        AttributeData attribute = context.Attributes[0];

        // [Network] repeated on several partial declarations is already a compiler error (CS0579);
        // generate once, from the first, so that hint names stay unique.
        AttributeData? first = type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute.AttributeClass));
        if (first is not null && first.ApplicationSyntaxReference?.GetSyntax(cancellationToken) != attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken))
            return null;

        // A look-alike StaticNet.NetworkAttribute declared in user code (CS0436) may have other
        // property types; only the package's attribute is read.
        if (attribute.AttributeClass?.ContainingAssembly?.Name != "StaticNet")
            return null;

        // Arguments the compiler could not bind are its own errors to report.
        if (attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error) ||
            attribute.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error))
            return null;

        Location? location = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation()
            ?? context.TargetNode.GetLocation();
        var diagnostics = new List<DiagnosticInfo>();
        void Report(DiagnosticDescriptor descriptor, params object[] args) =>
            diagnostics.Add(DiagnosticInfo.Create(descriptor, location, args));

        CheckType(type, context.SemanticModel.Compilation, Report);
        ImmutableArray<ContainingType> containing = ReadContainingTypes(type, Report);
        int[]? sizes = ReadSizes(attribute, Report);
        ActivationKind[]? activations = sizes is null ? null : ReadActivations(attribute, sizes, Report);
        float slope = ReadSlope(attribute, Report);
        float[]? dropout = sizes is null ? null : ReadPerLayer(attribute, "Dropout", "DropoutPerLayer", sizes.Length - 2, hiddenOnly: true, Report);
        float[]? l2 = sizes is null ? null : ReadPerLayer(attribute, "L2", "L2PerLayer", sizes.Length - 1, hiddenOnly: false, Report);
        CheckNameClashes(type, Report);

        if (diagnostics.Count > 0 || sizes is null || activations is null || dropout is null || l2 is null)
            return new ParseResult(null, diagnostics.ToEquatableArray());

        string? weights = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Weights").Value.Value as string;
        if (string.IsNullOrWhiteSpace(weights)) weights = null;
        string? ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
        var spec = new NetworkSpec(ns, Escape(type.Name), new EquatableArray<ContainingType>(containing),
            sizes.ToEquatableArray(), activations.ToEquatableArray(), slope, dropout.ToEquatableArray(), l2.ToEquatableArray(),
            weights, weights is null || location is null ? null : LocationInfo.From(location));
        return new ParseResult(spec, EquatableArray<DiagnosticInfo>.Empty);
    }

    private delegate void Reporter(DiagnosticDescriptor descriptor, params object[] args);

    private static void CheckType(INamedTypeSymbol type, Compilation compilation, Reporter report)
    {
        if (HasPrimaryConstructor(type))
            report(Diagnostics.UnsupportedTypeKind, type.Name, "a class with a primary constructor needs every constructor to call it, and the generated ones cannot; declare an ordinary constructor instead");
        if (NamesABaseClass(type, compilation) is { } named)
            report(Diagnostics.UnsupportedTypeKind, type.Name,
                $"it derives from '{named}', but the generated part derives from StaticNet.NeuralNetwork; remove the base class");
        if (type.IsRecord)
            report(Diagnostics.UnsupportedTypeKind, type.Name, "records cannot derive from StaticNet.NeuralNetwork; use a partial class");
        else if (type.IsStatic)
            report(Diagnostics.UnsupportedTypeKind, type.Name, "a static class cannot be instantiated; remove the static modifier");
        else if (type.IsAbstract)
            report(Diagnostics.UnsupportedTypeKind, type.Name, "an abstract class cannot be instantiated; remove the abstract modifier");
        else if (IsFileLocal(type))
            report(Diagnostics.UnsupportedTypeKind, type.Name, "a file-local type cannot be completed by generated code in another file; remove the file modifier");

        if (!IsPartialEverywhere(type))
            report(Diagnostics.NotPartial, type.Name);
        if (type.TypeParameters.Length > 0)
            report(Diagnostics.GenericType, type.Name);
    }

    private static ImmutableArray<ContainingType> ReadContainingTypes(INamedTypeSymbol type, Reporter report)
    {
        var result = ImmutableArray.CreateBuilder<ContainingType>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.TypeParameters.Length > 0)
                report(Diagnostics.GenericType, outer.Name);
            if (!IsPartialEverywhere(outer))
                report(Diagnostics.ContainingTypeNotPartial, outer.Name, type.Name);
            string keyword = outer.TypeKind switch
            {
                TypeKind.Struct => outer.IsRecord ? "record struct" : "struct",
                TypeKind.Interface => "interface",
                _ => outer.IsRecord ? "record" : "class",
            };
            result.Insert(0, new ContainingType(keyword, Escape(outer.Name)));
        }
        return result.ToImmutable();
    }

    /// <summary>A primary constructor is declared by the type declaration itself (Roslyn 4.3 has no ParameterList on classes).</summary>
    private static bool HasPrimaryConstructor(INamedTypeSymbol type) =>
        type.InstanceConstructors.Any(c => !c.IsImplicitlyDeclared && c.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax));

    /// <summary>
    /// The first base class a declaration of the type names other than StaticNet.NeuralNetwork,
    /// <c>object</c> included (whose symbol looks like no base class at all), or null.
    /// </summary>
    private static string? NamesABaseClass(INamedTypeSymbol type, Compilation compilation)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is not TypeDeclarationSyntax { BaseList: { } bases } declaration) continue;
            SemanticModel model = compilation.GetSemanticModel(declaration.SyntaxTree);
            foreach (BaseTypeSyntax entry in bases.Types)
            {
                if (model.GetTypeInfo(entry.Type).Type is INamedTypeSymbol { TypeKind: TypeKind.Class } named &&
                    named.ToDisplayString() != "StaticNet.NeuralNetwork")
                    return named.ToDisplayString();
            }
        }
        return null;
    }

    /// <summary>Whether the type or a containing type is declared <c>file</c> (Roslyn 4.3 has no IsFileLocal).</summary>
    private static bool IsFileLocal(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            if (t.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax d && d.Modifiers.Any(m => m.Text == "file")))
                return true;
        return false;
    }

    private static bool IsPartialEverywhere(INamedTypeSymbol type) =>
        type.DeclaringSyntaxReferences.Length > 0 &&
        type.DeclaringSyntaxReferences.All(r => r.GetSyntax() is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static int[]? ReadSizes(AttributeData attribute, Reporter report)
    {
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Kind != TypedConstantKind.Array)
            return null;
        TypedConstant array = attribute.ConstructorArguments[0];
        if (array.IsNull)
        {
            report(Diagnostics.TooFewSizes, 0);
            return null;
        }
        var sizes = new int[array.Values.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            if (array.Values[i].Value is not int size) return null;
            sizes[i] = size;
        }
        if (sizes.Length < 2)
        {
            report(Diagnostics.TooFewSizes, sizes.Length);
            return null;
        }
        bool ok = true;
        for (int i = 0; i < sizes.Length; i++)
        {
            if (sizes[i] <= 0)
            {
                report(Diagnostics.NonPositiveSize, i, sizes[i]);
                ok = false;
            }
        }
        if (!ok) return null;

        long parameters = 0;
        for (int i = 0; i + 1 < sizes.Length; i++)
            parameters += (long)sizes[i] * sizes[i + 1] + sizes[i + 1];
        if (parameters > MaxParameters)
        {
            report(Diagnostics.TooManyParameters, parameters, MaxParameters);
            return null;
        }
        return sizes;
    }

    private static ActivationKind[]? ReadActivations(AttributeData attribute, int[] sizes, Reporter report)
    {
        int layers = sizes.Length - 1;
        ActivationKind? all = null, hidden = null, output = null;
        ActivationKind[]? list = null;
        bool ok = true;
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "Activation": all = ReadActivation(named.Value, "Activation", report, ref ok); break;
                case "Hidden": hidden = ReadActivation(named.Value, "Hidden", report, ref ok); break;
                case "Output": output = ReadActivation(named.Value, "Output", report, ref ok); break;
                case "Activations":
                    if (named.Value.IsNull) break;
                    list = new ActivationKind[named.Value.Values.Length];
                    for (int i = 0; i < list.Length; i++)
                        list[i] = ReadActivation(named.Value.Values[i], $"Activations[{i}]", report, ref ok) ?? ActivationKind.Linear;
                    break;
            }
        }
        if (!ok) return null;

        ActivationKind[] result;
        if (list is not null)
        {
            var conflicting = new[] { ("Activation", all), ("Hidden", hidden), ("Output", output) }
                .Where(p => p.Item2.HasValue).Select(p => p.Item1).ToArray();
            if (conflicting.Length > 0)
            {
                report(Diagnostics.ConflictingSettings, "Activations", string.Join(", ", conflicting));
                return null;
            }
            if (list.Length != layers)
            {
                report(Diagnostics.WrongActivationCount, layers, list.Length);
                return null;
            }
            result = list;
        }
        else
        {
            // Default: ReLU hidden layers and a linear output, the usual modern multilayer perceptron.
            result = new ActivationKind[layers];
            for (int l = 0; l < layers; l++)
                result[l] = l == layers - 1 ? output ?? all ?? ActivationKind.Linear : hidden ?? all ?? ActivationKind.Relu;
        }

        for (int l = 0; l < layers - 1; l++)
        {
            if (result[l] == ActivationKind.Softmax)
            {
                report(Diagnostics.SoftmaxOnHiddenLayer, l + 1);
                ok = false;
            }
        }
        if (result[layers - 1] == ActivationKind.Softmax && sizes[layers] == 1)
        {
            report(Diagnostics.SoftmaxOnSingleOutput);
            ok = false;
        }
        return ok ? result : null;
    }

    private static ActivationKind? ReadActivation(TypedConstant value, string name, Reporter report, ref bool ok)
    {
        if (value.Value is not int raw) return null;
        if (raw < (int)ActivationKind.Linear || raw > (int)ActivationKind.Softmax)
        {
            report(Diagnostics.UndefinedActivation, name, raw);
            ok = false;
            return null;
        }
        return (ActivationKind)raw;
    }

    private static float ReadSlope(AttributeData attribute, Reporter report)
    {
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            if (named.Key == "LeakyReluSlope" && named.Value.Value is float slope)
            {
                if (float.IsNaN(slope) || float.IsInfinity(slope) || slope < 0)
                    report(Diagnostics.InvalidLeakySlope, slope.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return slope;
            }
        }
        return 0.2f;
    }

    /// <summary>
    /// Reads a setting given for every layer (<paramref name="single"/>) or per layer
    /// (<paramref name="perLayer"/>); returns one value per dense layer (dropout: 0 for the output).
    /// </summary>
    private static float[]? ReadPerLayer(AttributeData attribute, string single, string perLayer, int expected, bool hiddenOnly, Reporter report)
    {
        float? all = null;
        float[]? list = null;
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            if (named.Key == single && named.Value.Value is float value) all = value;
            else if (named.Key == perLayer && !named.Value.IsNull)
                list = named.Value.Values.Select(v => v.Value is float f ? f : float.NaN).ToArray();
        }
        if (all.HasValue && list is not null)
        {
            report(Diagnostics.ConflictingSettings, perLayer, single);
            return null;
        }
        if (list is not null && list.Length != expected)
        {
            string unit = hiddenOnly ? "hidden layer" : "dense layer";
            report(Diagnostics.WrongPerLayerCount, perLayer, list.Length, expected, unit + (expected == 1 ? "" : "s"), unit);
            return null;
        }
        var values = new float[expected];
        for (int i = 0; i < expected; i++) values[i] = list?[i] ?? all ?? 0f;
        // A single setting is checked once (not once per layer), even when no layer takes it.
        float[] toCheck = list ?? (all.HasValue ? new[] { all.Value } : System.Array.Empty<float>());
        bool ok = true;
        for (int i = 0; i < toCheck.Length; i++)
        {
            float v = toCheck[i];
            string name = list is null ? single : $"{perLayer}[{i}]";
            string text = v.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (hiddenOnly && !(v >= 0 && v < 1))
            {
                report(Diagnostics.InvalidRate, name, text, "a dropout rate must be at least 0 and below 1");
                ok = false;
            }
            else if (!hiddenOnly && !(v >= 0 && !float.IsInfinity(v)))
            {
                report(Diagnostics.InvalidRate, name, text, "an L2 factor must be a finite number of at least 0");
                ok = false;
            }
        }
        if (!ok) return null;
        // Dropout never follows the output layer; the model keeps one value per dense layer.
        return hiddenOnly ? values.Concat(new[] { 0f }).ToArray() : values;
    }

    private static void CheckNameClashes(INamedTypeSymbol type, Reporter report)
    {
        // A member cannot share its class's name, so a class named like a generated member clashes too.
        if (ReservedNames.Contains(type.Name) || type.Name == "Predict")
            report(Diagnostics.NameClash, type.Name, $"its own name '{type.Name}', which is also the name of a generated member");
        foreach (ISymbol member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared) continue;
            if (ReservedNames.Contains(member.Name))
                report(Diagnostics.NameClash, type.Name, $"a member named '{member.Name}'");
            else if (member is IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false } ctor &&
                     (ctor.Parameters.Length == 0 || (ctor.Parameters.Length == 1 && ctor.Parameters[0].Type.SpecialType == SpecialType.System_Int32)))
                report(Diagnostics.NameClash, type.Name, ctor.Parameters.Length == 0 ? "a parameterless constructor" : "a constructor taking one int (the seed)");
            else if (member is IMethodSymbol { Name: "Predict", Parameters.Length: 2 } predict &&
                     IsSpanOfFloat(predict.Parameters[0].Type, "ReadOnlySpan") && IsSpanOfFloat(predict.Parameters[1].Type, "Span"))
                report(Diagnostics.NameClash, type.Name, "Predict(ReadOnlySpan<float>, Span<float>)");
        }
    }

    private static bool IsSpanOfFloat(ITypeSymbol type, string name) =>
        type is INamedTypeSymbol { Name: var n, TypeArguments.Length: 1 } named && n == name &&
        named.ContainingNamespace.ToDisplayString() == "System" && named.TypeArguments[0].SpecialType == SpecialType.System_Single;

    private static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
