using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Parse;

// [Sequential] and its layer attributes: each layer kind's reading lives in LayerReaders below; its shape rule is
// the runtime's own (src/Shared/LayerGeometry.cs), so a layer the generator accepts is one the runtime accepts.
internal static partial class Parser
{
    /// <summary>The layer attributes (class name → kind) read after [Sequential], in the order written.</summary>
    private static readonly Dictionary<string, LayerKind> LayerAttributeKinds = new()
    {
        ["DenseAttribute"] = LayerKind.Dense,
        ["Conv2DAttribute"] = LayerKind.Conv2D,
        ["Conv1DAttribute"] = LayerKind.Conv1D,
        ["MaxPooling2DAttribute"] = LayerKind.MaxPooling2D,
        ["AveragePooling2DAttribute"] = LayerKind.AveragePooling2D,
        ["GlobalAveragePooling2DAttribute"] = LayerKind.GlobalAveragePooling2D,
        ["MaxPooling1DAttribute"] = LayerKind.MaxPooling1D,
        ["AveragePooling1DAttribute"] = LayerKind.AveragePooling1D,
        ["GlobalAveragePooling1DAttribute"] = LayerKind.GlobalAveragePooling1D,
        ["FlattenAttribute"] = LayerKind.Flatten,
        ["DropoutAttribute"] = LayerKind.Dropout,
        ["BatchNormalizationAttribute"] = LayerKind.BatchNormalization,
    };

    private static bool IsLayerAttribute(AttributeData attribute, INamedTypeSymbol sequential) =>
        attribute.AttributeClass is { } c && LayerAttributeKinds.ContainsKey(c.Name) &&
        SymbolEqualityComparer.Default.Equals(c.ContainingAssembly, sequential.ContainingAssembly) &&
        c.ContainingNamespace.ToDisplayString() == "StaticNet";

    /// <summary>
    /// The layer attributes on the declaration that carries [Sequential], by position. Layer attributes on
    /// another partial declaration have no defined order relative to these: SN0026 at each.
    /// </summary>
    private static AttributeData[] LayerAttributes(INamedTypeSymbol type, INamedTypeSymbol sequentialClass, AttributeData sequential,
        Reporter report, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        SyntaxReference home = sequential.ApplicationSyntaxReference!;
        SyntaxNode? declaration = home.GetSyntax(cancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>();
        var own = new List<AttributeData>();
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (!IsLayerAttribute(attribute, sequentialClass) || attribute.ApplicationSyntaxReference is not { } reference) continue;
            SyntaxNode syntax = reference.GetSyntax(cancellationToken);
            if (declaration is not null && reference.SyntaxTree == home.SyntaxTree && declaration.Span.Contains(syntax.Span) &&
                syntax.FirstAncestorOrSelf<TypeDeclarationSyntax>() == declaration)
                own.Add(attribute);
            else
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.LayerOutsideSequential, syntax.GetLocation(), type.Name,
                    "has a layer attribute on a declaration without [Sequential]; put every layer attribute on the declaration that has [Sequential], in order"));
        }
        return own.OrderBy(a => a.ApplicationSyntaxReference!.Span.Start).ToArray();
    }

    /// <summary>Reads the input shape and each layer, applying the shape rules in order; null after any diagnostic.</summary>
    private static (int[] Input, LayerSpec[] Layers)? ReadSequential(AttributeData sequential, AttributeData[] layerAttributes, Location location,
        Reporter report, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        int before = diagnostics.Count;
        int[]? input = ReadInputShape(sequential, report);
        if (layerAttributes.Length == 0)
        {
            report(Diagnostics.SequentialOutput, "[Sequential] has no layer attributes after it; add the layers in order, ending with the output layer, e.g. [Dense(10, Activation = Activation.Softmax)]");
            return null;
        }
        var layers = new List<LayerSpec>();
        var trail = new List<string>();
        if (input is not null) trail.Add(LayerGeometry.Format(input));
        int[]? shape = input;
        long parameters = 0;
        var geometries = new List<LayerGeometry>();
        for (int i = 0; i < layerAttributes.Length; i++)
        {
            AttributeData attribute = layerAttributes[i];
            Location at = attribute.ApplicationSyntaxReference!.GetSyntax(cancellationToken).GetLocation();
            void ReportHere(DiagnosticDescriptor descriptor, params object[] args) => diagnostics.Add(DiagnosticInfo.Create(descriptor, at, args));
            LayerKind kind = LayerAttributeKinds[attribute.AttributeClass!.Name];
            bool isOutput = i == layerAttributes.Length - 1;
            LayerSpec? layer = ReadLayer(kind, attribute, i + 1, isOutput, ReportHere);
            if (isOutput && kind != LayerKind.Dense)
                ReportHere(Diagnostics.SequentialOutput, $"The last layer is {kind}, but a [Sequential] network ends with a Dense layer: the output layer, whose weighted sums the loss reads; add one with the output's size and activation");
            if (layer is null || shape is null) { shape = null; continue; }
            LayerGeometry? geometry = layer.Resolve(shape, out string? error);
            if (geometry is null)
            {
                ReportHere(Diagnostics.LayerDoesNotFit, i + 1, kind, error ?? "", string.Join(" -> ", trail));
                shape = null;
                continue;
            }
            trail.Add($"{kind} {LayerGeometry.Format(geometry.OutputShape)}");
            parameters += geometry.ParameterCount;
            geometries.Add(geometry);
            shape = geometry.OutputShape;
            layers.Add(layer);
        }
        if (diagnostics.Count > before || input is null || shape is null) return null;
        if (parameters > ParameterLayout.MaxParameters)
        {
            report(Diagnostics.TooManyParameters, parameters, ParameterLayout.MaxParameters);
            return null;
        }
        if (NetworkLayout.Create(geometries) is null)
        {
            report(Diagnostics.InvalidLayerSetting, "[Sequential]", "the layers' outputs are too large: one sample's training values do not fit one buffer");
            return null;
        }
        return (input, layers.ToArray());
    }

    private static int[]? ReadInputShape(AttributeData attribute, Reporter report)
    {
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Kind != TypedConstantKind.Array) return null;
        TypedConstant array = attribute.ConstructorArguments[0];
        int[] shape = array.IsNull ? new int[0] : array.Values.Select(v => v.Value is int d ? d : 0).ToArray();
        if (shape.Length is < 1 or > 3)
        {
            report(Diagnostics.InvalidLayerSetting, "[Sequential]", $"the input shape has {shape.Length} dimensions; give 1 (units), 2 (steps, channels) or 3 (height, width, channels), e.g. [Sequential(28, 28, 1)]");
            return null;
        }
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] <= 0)
            {
                report(Diagnostics.InvalidLayerSetting, "[Sequential]", $"input dimension {d} is {shape[d]}; every dimension must be at least 1");
                return null;
            }
        }
        return shape;
    }

    /// <summary>One layer attribute's settings, checked; null after a diagnostic.</summary>
    private static LayerSpec? ReadLayer(LayerKind kind, AttributeData attribute, int index, bool isOutput, Reporter report)
    {
        bool ok = true;
        int[] args = attribute.ConstructorArguments.Select(a => a.Value is int v ? v : 0).ToArray();
        float floatArg = attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is float f ? f : 0;
        T Named<T>(string name, T fallback) =>
            attribute.NamedArguments.FirstOrDefault(n => n.Key == name).Value is { Value: T value } ? value : fallback;
        string where = $"Layer {index} ({kind})";

        Activation activation = Activation.Linear;
        if (attribute.NamedArguments.Any(n => n.Key == "Activation"))
        {
            int raw = Named("Activation", 0);
            if (!ActivationFacts.IsDefined(raw)) { report(Diagnostics.UndefinedActivation, where + " Activation", raw); ok = false; }
            else activation = (Activation)raw;
        }
        int paddingRaw = Named("Padding", 0);
        if (paddingRaw is not (0 or 1)) { report(Diagnostics.InvalidLayerSetting, where, $"Padding is {paddingRaw}, which is not a member of StaticNet.Padding"); ok = false; }
        var padding = (Padding)paddingRaw;
        float l2 = Named("L2", 0f);
        if (!(l2 >= 0 && !float.IsInfinity(l2))) { report(Diagnostics.InvalidRate, where + " L2", l2.ToString(CultureInfo.InvariantCulture), "an L2 factor must be a finite number of at least 0"); ok = false; }
        if (activation == Activation.Softmax && !isOutput) { report(Diagnostics.SoftmaxOnHiddenLayer, index); ok = false; }
        int strides = Named("Strides", kind is LayerKind.Conv2D or LayerKind.Conv1D ? 1 : 0);
        if (strides < 0 || (strides == 0 && kind is LayerKind.Conv2D or LayerKind.Conv1D))
        {
            report(Diagnostics.InvalidLayerSetting, where, $"Strides is {strides}; it must be at least 1{(kind is LayerKind.Conv2D or LayerKind.Conv1D ? "" : " (or 0 for the pool size)")}");
            ok = false;
        }
        bool useBias = Named("UseBias", true);

        LayerSpec? spec = kind switch
        {
            LayerKind.Dense => new LayerSpec(kind, Units: args[0], Activation: activation, L2: l2),
            LayerKind.Conv2D => new LayerSpec(kind, Units: args[0], Activation: activation, WindowHeight: args[1], WindowWidth: args.Length > 2 ? args[2] : args[1],
                StrideHeight: strides, StrideWidth: strides, Padding: padding, UseBias: useBias, L2: l2),
            LayerKind.Conv1D => new LayerSpec(kind, Units: args[0], Activation: activation, WindowHeight: 1, WindowWidth: args[1],
                StrideHeight: 1, StrideWidth: strides, Padding: padding, UseBias: useBias, L2: l2),
            // Pooling strides 0 (Keras's strides=None) are the pool size, as the runtime's LayerInfo normalizes them.
            LayerKind.MaxPooling2D or LayerKind.AveragePooling2D => new LayerSpec(kind, WindowHeight: args.Length > 0 ? args[0] : 2,
                WindowWidth: args.Length > 1 ? args[1] : args.Length > 0 ? args[0] : 2,
                StrideHeight: strides == 0 ? (args.Length > 0 ? args[0] : 2) : strides,
                StrideWidth: strides == 0 ? (args.Length > 1 ? args[1] : args.Length > 0 ? args[0] : 2) : strides, Padding: padding, UseBias: false),
            LayerKind.MaxPooling1D or LayerKind.AveragePooling1D => new LayerSpec(kind, WindowHeight: 1, WindowWidth: args.Length > 0 ? args[0] : 2,
                StrideHeight: 1, StrideWidth: strides == 0 ? (args.Length > 0 ? args[0] : 2) : strides, Padding: padding, UseBias: false),
            LayerKind.Dropout => new LayerSpec(kind, Rate: floatArg, UseBias: false),
            LayerKind.BatchNormalization => new LayerSpec(kind, Momentum: Named("Momentum", 0.99f), Epsilon: Named("Epsilon", 0.001f), UseBias: false),
            _ => new LayerSpec(kind, UseBias: false),
        };
        if (kind == LayerKind.Dense && isOutput && activation == Activation.Softmax && args[0] == 1) { report(Diagnostics.SoftmaxOnSingleOutput); ok = false; }
        if (kind == LayerKind.Dropout && !(floatArg >= 0 && floatArg < 1))
        {
            report(Diagnostics.InvalidRate, where + " rate", floatArg.ToString(CultureInfo.InvariantCulture), "a dropout rate must be at least 0 and below 1");
            ok = false;
        }
        if (kind == LayerKind.BatchNormalization)
        {
            if (!(spec.Momentum >= 0 && spec.Momentum <= 1)) { report(Diagnostics.InvalidLayerSetting, where, $"Momentum is {spec.Momentum.ToString(CultureInfo.InvariantCulture)}; it must be in [0, 1] (Keras's meaning: the weight of the old moving value)"); ok = false; }
            if (!(spec.Epsilon > 0 && !float.IsInfinity(spec.Epsilon))) { report(Diagnostics.InvalidLayerSetting, where, $"Epsilon is {spec.Epsilon.ToString(CultureInfo.InvariantCulture)}; it must be a finite number above 0"); ok = false; }
        }
        return ok ? spec : null;
    }
}
