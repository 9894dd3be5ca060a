using System.Collections.Generic;
using System.Globalization;
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
internal static partial class Parser
{
    /// <summary>Members the generated code declares whatever their signature: any member of the user's class with one of these names clashes (CS0102).</summary>
    private static readonly string[] ReservedNames =
        { "InputSize", "OutputSize", "LayerCount", "ParameterCount", "StaticNetLayout" };

    /// <summary>Methods the generated code overrides: a user method with one of these names clashes only with the same signature; any other kind of member always.</summary>
    private static readonly string[] OverriddenMethods = { "Predict", "ForwardBatch", "BackwardBatch" };

    /// <summary>
    /// The generated code implements static abstract interface members (every size is a type argument, so
    /// the JIT compiles each layer for its sizes), which need C# 11. Older language versions get one
    /// diagnostic rather than code: C# 10 cannot express compile-time sizes at all, and projects for
    /// .NET 8 and later default to C# 12, so only an explicit &lt;LangVersion&gt; below 11 meets this.
    /// The number, not LanguageVersion.CSharp11, because Roslyn 4.3 predates that name.
    /// </summary>
    private const LanguageVersion MinimumLanguageVersion = (LanguageVersion)1100;

    public static ParseResult? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.Attributes.IsEmpty)
            return null;
        INamedTypeSymbol? attributeClass = context.Attributes[0].AttributeClass;

        // A look-alike StaticNet.NetworkAttribute declared in user code (CS0436) may have other
        // property types; only the package's attribute is read.
        if (attributeClass?.ContainingAssembly?.Name != "StaticNet")
            return null;

        // Every [Network] of the class in one order (file, then position) whatever the compiler: newer
        // compilers give each declaration the attributes of its whole file, older ones its own.
        Compilation compilation = context.SemanticModel.Compilation;
        AttributeData[] all = type.GetAttributes()
            .Where(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attributeClass) && a.ApplicationSyntaxReference is not null)
            .ToArray();
        if (all.Length > 1)
        {
            List<SyntaxTree> trees = compilation.SyntaxTrees.ToList();
            all = all.OrderBy(a => trees.IndexOf(a.ApplicationSyntaxReference!.SyntaxTree)).ThenBy(a => a.ApplicationSyntaxReference!.Span.Start).ToArray();
        }
        AttributeData[] own = all.Where(a => a.ApplicationSyntaxReference!.SyntaxTree == context.TargetNode.SyntaxTree &&
                                             context.TargetNode.Span.Contains(a.ApplicationSyntaxReference.Span)).ToArray();
        if (own.Length == 0)
            return null;
        if (all.Length > 1)
        {
            // Already CS0579 for the compiler; one SN0021 at each extra attribute, and no code for the class.
            var duplicates = own.Where(a => a != all[0])
                .Select(a => DiagnosticInfo.Create(Diagnostics.DuplicateNetworkAttribute, a.ApplicationSyntaxReference!.GetSyntax(cancellationToken).GetLocation(),
                    type.Name, Describe(all[0].ApplicationSyntaxReference!.GetSyntax(cancellationToken).GetLocation())))
                .ToArray();
            return duplicates.Length == 0 ? null : new ParseResult(null, duplicates.ToEquatableArray());
        }
        AttributeData attribute = own[0];
        var attributeSyntax = attribute.ApplicationSyntaxReference!.GetSyntax(cancellationToken) as AttributeSyntax;
        Location location = attributeSyntax?.GetLocation() ?? context.TargetNode.GetLocation();
        var diagnostics = new List<DiagnosticInfo>();
        void Report(DiagnosticDescriptor descriptor, params object[] args) =>
            diagnostics.Add(DiagnosticInfo.Create(descriptor, location, args));

        bool sequential = attributeClass.Name == "SequentialAttribute";
        // The layer attributes of a [Sequential] class, in the order written; each reports at its own location.
        AttributeData[] layerAttributes = sequential ? LayerAttributes(type, attributeClass, attribute, Report, diagnostics, cancellationToken) : System.Array.Empty<AttributeData>();
        if (sequential && type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.Name == "NetworkAttribute" && a.AttributeClass.ContainingAssembly?.Name == "StaticNet") is not null)
            Report(Diagnostics.LayerOutsideSequential, type.Name, "has both [Sequential] and [Network]; a class has one of them: [Network] declares Dense stacks, [Sequential] any layers");

        INamedTypeSymbol? baseClass = attributeClass.ContainingAssembly.GetTypeByMetadataName("StaticNet.NeuralNetwork");
        if (attributeSyntax is not null && baseClass is not null)
        {
            CheckHiddenNames(attributeSyntax, context.SemanticModel, type, baseClass, Report, cancellationToken);
            foreach (AttributeData layer in layerAttributes)
                if (layer.ApplicationSyntaxReference!.GetSyntax(cancellationToken) is AttributeSyntax layerSyntax)
                    CheckHiddenNames(layerSyntax, context.SemanticModel, type, baseClass,
                        (d, args) => diagnostics.Add(DiagnosticInfo.Create(d, layerSyntax.GetLocation(), args)), cancellationToken);
        }
        if (diagnostics.Count > 0)
            return new ParseResult(null, diagnostics.ToEquatableArray());

        // Arguments the compiler could not bind are its own errors to report.
        if (new[] { attribute }.Concat(layerAttributes).Any(a => a.ConstructorArguments.Any(c => c.Kind == TypedConstantKind.Error) ||
                                                             a.NamedArguments.Any(n => n.Value.Kind == TypedConstantKind.Error)))
            return null;

        if (context.TargetNode.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: var version } && version < MinimumLanguageVersion)
            Report(Diagnostics.LanguageVersionTooOld, "C# " + version.ToDisplayString().Replace(".0", ""));
        CheckType(type, context.SemanticModel.Compilation, Report);
        ImmutableArray<ContainingType> containing = ReadContainingTypes(type, Report);
        string? weights = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Weights").Value.Value as string;
        if (string.IsNullOrWhiteSpace(weights)) weights = null;
        string? ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
        Precision precision = ReadPrecision(attribute, weights, Report);
        if (sequential)
        {
            float sequentialSlope = ReadSlope(attribute, Report);
            (int[] Input, LayerSpec[] Layers)? read = ReadSequential(attribute, layerAttributes, location, Report, diagnostics, cancellationToken);
            CheckNameClashes(type, baseClass, Report);
            if (read is not null && precision == Precision.Int8) CheckInt8Layers(read.Value.Input, read.Value.Layers, Report);
            if (diagnostics.Count > 0 || read is null)
                return new ParseResult(null, diagnostics.ToEquatableArray());
            return new ParseResult(new NetworkSpec(ns, Escape(type.Name), new EquatableArray<ContainingType>(containing),
                read.Value.Input.ToEquatableArray(), read.Value.Layers.ToEquatableArray(), sequentialSlope, "Sequential",
                weights, weights is null ? null : LocationInfo.From(location), precision), EquatableArray<DiagnosticInfo>.Empty);
        }
        int[]? sizes = ReadSizes(attribute, Report);
        Activation[]? activations = sizes is null ? null : ReadActivations(attribute, sizes, Report);
        float slope = ReadSlope(attribute, Report);
        float[]? dropout = sizes is null ? null : ReadPerLayer(attribute, "Dropout", "DropoutPerLayer", sizes.Length - 2, hiddenOnly: true, Report);
        float[]? l2 = sizes is null ? null : ReadPerLayer(attribute, "L2", "L2PerLayer", sizes.Length - 1, hiddenOnly: false, Report);
        CheckNameClashes(type, baseClass, Report);

        if (diagnostics.Count > 0 || sizes is null || activations is null || dropout is null || l2 is null)
            return new ParseResult(null, diagnostics.ToEquatableArray());

        // The shorthand's layers: Dense ones, each hidden one followed by its Dropout when it has one.
        var layers = new List<LayerSpec>();
        for (int l = 0; l < activations.Length; l++)
        {
            layers.Add(new LayerSpec(LayerKind.Dense, Units: sizes[l + 1], Activation: activations[l], L2: l2[l]));
            if (dropout[l] > 0) layers.Add(new LayerSpec(LayerKind.Dropout, Rate: dropout[l], UseBias: false));
        }
        var spec = new NetworkSpec(ns, Escape(type.Name), new EquatableArray<ContainingType>(containing),
            new[] { sizes[0] }.ToEquatableArray(), layers.ToEquatableArray(), slope, "Network",
            weights, weights is null ? null : LocationInfo.From(location), precision);
        return new ParseResult(spec, EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>The <c>Precision</c> setting (Float32 when absent); Int8 needs a weights file to bake in.</summary>
    private static Precision ReadPrecision(AttributeData attribute, string? weights, Reporter report)
    {
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            if (named.Key != "Precision" || named.Value.Value is not int value) continue;
            if (value != (int)Precision.Float32 && value != (int)Precision.Int8)
            {
                report(Diagnostics.InvalidPrecision, $"Precision = {value} is not a defined StaticNet.Precision (Float32 or Int8)");
                return Precision.Float32;
            }
            var precision = (Precision)value;
            if (precision == Precision.Int8 && weights is null)
                report(Diagnostics.InvalidPrecision, "Precision = Precision.Int8 needs Weights = \"<file written by Int8Network.Save>\" (an AdditionalFiles item): int8 weights come from a trained, calibrated network and are baked into the class");
            return precision;
        }
        return Precision.Float32;
    }

    /// <summary>SN0031 for the first layer with more inputs per output than int8 sums can hold (every layer kind is supported).</summary>
    private static void CheckInt8Layers(int[] input, LayerSpec[] layers, Reporter report)
    {
        int[] shape = input;
        for (int i = 0; i < layers.Length; i++)
        {
            LayerGeometry? g = layers[i].Resolve(shape, out _);
            if (g is null) return;   // reported where the layers were read
            long fanIn = g.Kind == LayerKind.Dense ? g.InputSize
                : g.Kind is LayerKind.Conv2D or LayerKind.Conv1D ? (long)g.WindowHeight * g.WindowWidth * g.InChannels : 0;
            if (fanIn > Int8Layout.MaxInputs)
            {
                report(Diagnostics.Int8LayerNotSupported, $"layer {i} ({layers[i].Kind}) has {fanIn.ToString("N0", CultureInfo.InvariantCulture)}");
                return;
            }
            shape = g.OutputShape;
        }
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

        long parameters = ParameterLayout.DenseParameters(sizes);
        if (parameters > ParameterLayout.MaxParameters)
        {
            report(Diagnostics.TooManyParameters, parameters, ParameterLayout.MaxParameters);
            return null;
        }
        return sizes;
    }

    private static Activation[]? ReadActivations(AttributeData attribute, int[] sizes, Reporter report)
    {
        int layers = sizes.Length - 1;
        Activation? all = null, hidden = null, output = null;
        Activation[]? list = null;
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
                    list = new Activation[named.Value.Values.Length];
                    for (int i = 0; i < list.Length; i++)
                        list[i] = ReadActivation(named.Value.Values[i], $"Activations[{i}]", report, ref ok) ?? Activation.Linear;
                    break;
            }
        }
        if (!ok) return null;

        Activation[] result;
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
            result = new Activation[layers];
            for (int l = 0; l < layers; l++)
                result[l] = l == layers - 1 ? output ?? all ?? Activation.Linear : hidden ?? all ?? Activation.Relu;
        }

        for (int l = 0; l < layers - 1; l++)
        {
            if (result[l] == Activation.Softmax)
            {
                report(Diagnostics.SoftmaxOnHiddenLayer, l + 1);
                ok = false;
            }
        }
        if (result[layers - 1] == Activation.Softmax && sizes[layers] == 1)
        {
            report(Diagnostics.SoftmaxOnSingleOutput);
            ok = false;
        }
        return ok ? result : null;
    }

    private static Activation? ReadActivation(TypedConstant value, string name, Reporter report, ref bool ok)
    {
        if (value.Value is not int raw) return null;
        if (!ActivationFacts.IsDefined(raw))
        {
            report(Diagnostics.UndefinedActivation, name, raw);
            ok = false;
            return null;
        }
        return (Activation)raw;
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

    private static void CheckNameClashes(INamedTypeSymbol type, INamedTypeSymbol? baseClass, Reporter report)
    {
        // A member cannot share its class's name, so a class named like a generated member clashes too.
        if (ReservedNames.Contains(type.Name) || OverriddenMethods.Contains(type.Name))
            report(Diagnostics.NameClash, type.Name, $"its own name '{type.Name}', which is also the name of a generated member");
        foreach (ISymbol member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared) continue;
            if (member is IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false } ctor)
            {
                if (ctor.Parameters.Length == 0)
                    report(Diagnostics.NameClash, type.Name, "a parameterless constructor");
                else if (ctor.Parameters.Length == 1 && ctor.Parameters[0] is { RefKind: RefKind.None, Type.SpecialType: SpecialType.System_Int32 })
                    report(Diagnostics.NameClash, type.Name, "a constructor taking one int (the seed)");
                continue;
            }
            bool reserved = ReservedNames.Contains(member.Name);
            if (!reserved && !OverriddenMethods.Contains(member.Name)) continue;
            if (member is IMethodSymbol method)
            {
                // Property and event accessors are checked through their property or event.
                if (method.MethodKind != MethodKind.Ordinary) continue;
                if (reserved)
                    report(Diagnostics.NameClash, type.Name, $"a method named '{method.Name}'");
                else if (baseClass is not null && SameSignatureAsAbstract(method, baseClass))
                    report(Diagnostics.NameClash, type.Name, $"a method {method.Name}({string.Join(", ", method.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)))})");
                continue;
            }
            string kind = member switch
            {
                IFieldSymbol => "a field",
                IPropertySymbol => "a property",
                IEventSymbol => "an event",
                ITypeSymbol => "a nested type",
                _ => "a member",
            };
            report(Diagnostics.NameClash, type.Name, $"{kind} named '{member.Name}'");
        }
    }

    /// <summary>Whether <paramref name="method"/> has the signature of the abstract method of that name the generated code overrides (CS0111 otherwise).</summary>
    private static bool SameSignatureAsAbstract(IMethodSymbol method, INamedTypeSymbol baseClass) =>
        method.TypeParameters.Length == 0 &&
        baseClass.GetMembers(method.Name).OfType<IMethodSymbol>().Any(m => m.IsAbstract &&
            m.Parameters.Length == method.Parameters.Length &&
            m.Parameters.Zip(method.Parameters, (a, b) => a.RefKind == b.RefKind && SymbolEqualityComparer.Default.Equals(a.Type, b.Type)).All(same => same));

    /// <summary>
    /// Names in the attribute's arguments that mean something else once the class derives from
    /// NeuralNetwork: attribute arguments bind inside the class, where its inherited and generated
    /// members hide types of the same name outside (<c>Parameters.In</c> becomes CS0120).
    /// </summary>
    private static void CheckHiddenNames(AttributeSyntax attribute, SemanticModel model, INamedTypeSymbol type, INamedTypeSymbol baseClass,
        Reporter report, CancellationToken cancellationToken)
    {
        if (attribute.ArgumentList is null) return;
        var reported = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (AttributeArgumentSyntax argument in attribute.ArgumentList.Arguments)
        {
            foreach (IdentifierNameSyntax name in argument.Expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                // Only a name that starts a member access or stands alone is looked up in the class's scope.
                if (name.Parent is MemberAccessExpressionSyntax access && access.Name == name) continue;
                if (name.Parent is QualifiedNameSyntax qualified && qualified.Right == name) continue;
                if (name.Parent is AliasQualifiedNameSyntax) continue;
                string text = name.Identifier.ValueText;
                string? hidingMember = HidingMember(text, baseClass);
                if (hidingMember is null || reported.Contains(text)) continue;

                SymbolInfo info = model.GetSymbolInfo(name, cancellationToken);
                ISymbol? bound = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
                // The class's own member wins over the inherited one: nothing changes.
                if (bound is not null && SymbolEqualityComparer.Default.Equals(bound.ContainingType, type)) continue;
                ISymbol? meant = bound;
                if (bound is null || SymbolEqualityComparer.Default.Equals(bound.ContainingType, baseClass))
                {
                    // Already bound to the inherited member (the user wrote ': NeuralNetwork'): find the type it hides.
                    meant = model.LookupNamespacesAndTypes(name.SpanStart, name: text).FirstOrDefault();
                    if (bound is null && meant is null) continue;
                }

                // The whole member access the name starts, rewritten with the qualified name.
                ExpressionSyntax whole = name;
                while (whole.Parent is MemberAccessExpressionSyntax parent && parent.Expression == whole) whole = parent;
                string suggestion = meant is null
                    ? "with its namespace and type, as in global::MyApp.MyConstants." + text
                    : Qualified(meant) + whole.ToString().Substring(name.Span.End - whole.SpanStart);
                reported.Add(text);
                report(Diagnostics.HiddenName, text, hidingMember, suggestion);
            }
        }
    }

    /// <summary>How <paramref name="name"/> reads inside the network class if a member hides it there, or null.</summary>
    private static string? HidingMember(string name, INamedTypeSymbol baseClass)
    {
        if (ReservedNames.Contains(name)) return $"the generated member {name}";
        bool inherited = baseClass.GetMembers(name).Any(m => !m.IsImplicitlyDeclared && m is not IMethodSymbol { MethodKind: MethodKind.Constructor } &&
            m.DeclaredAccessibility is Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal);
        return inherited ? $"the inherited member StaticNet.NeuralNetwork.{name}" : null;
    }

    private static string Qualified(ISymbol symbol) => symbol is INamespaceOrTypeSymbol
        ? symbol.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)
        : symbol.ContainingType is { } container
            ? container.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + symbol.Name
            : symbol.Name;

    /// <summary>"File.cs(3,2)": where the first [Network] of a class is, for SN0021.</summary>
    private static string Describe(Location location)
    {
        FileLinePositionSpan span = location.GetLineSpan();
        return $"{System.IO.Path.GetFileName(span.Path)}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})";
    }

    private static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
