using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Parse;
using StaticNet.Generator.Weights;

namespace StaticNet.Generator;

/// <summary>
/// Generates the layer code of every <c>[StaticNet.Network]</c> class. Pipeline: find the
/// attribute (<see cref="Parser"/> turns it into an equatable <see cref="NetworkSpec"/> or
/// diagnostics), then report the diagnostics and emit the source (<see cref="Emitter"/>). Each
/// step's output is a value-equal model, so unrelated edits are served from the cache.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    /// <summary>The attributes the generator looks for: the Dense-stack shorthand and the layer-by-layer form.</summary>
    public const string AttributeName = "StaticNet.NetworkAttribute", SequentialAttributeName = "StaticNet.SequentialAttribute";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> results = Find(context, AttributeName)
            .Collect()
            .Combine(Find(context, SequentialAttributeName).Collect())
            .SelectMany(static (pair, _) => pair.Left.AddRange(pair.Right))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = results
            .Select(static (r, _) => r.Diagnostics)
            .Where(static d => d.Count > 0)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (spc, list) =>
        {
            foreach (DiagnosticInfo info in list) spc.ReportDiagnostic(info.ToDiagnostic());
        });

        IncrementalValuesProvider<NetworkSpec> specs = results
            .Where(static r => r.Spec is not null)
            .Select(static (r, _) => r.Spec!)
            .WithTrackingName(TrackingNames.Spec);
        BakedSizeLimit.Register(context, specs);
        // Networks that bake in weights read them from AdditionalFiles; keyed on the files' bytes.
        IncrementalValueProvider<ImmutableArray<WeightsFile>> weightFiles = context.AdditionalTextsProvider
            .Where(static file => file.Path.EndsWith(".safetensors" + WeightsFile.Suffix, StringComparison.OrdinalIgnoreCase))
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, ct) => WeightsFile.Read(pair.Left, pair.Right, ct))
            .WithTrackingName(TrackingNames.WeightsFiles)
            .Collect();
        IncrementalValuesProvider<BakeResult> baked = specs
            .Combine(weightFiles)
            .Select(static (pair, _) => BakeGuarded(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Bake);
        // Every network's hint name, so that names equal but for case get a suffix (the compiler compares
        // hint names without regard to case). Changes only when a network is added, removed or renamed.
        IncrementalValueProvider<EquatableArray<string>> hintNames = specs
            .Select(static (spec, _) => spec.HintName)
            .Collect()
            .Select(static (names, _) => names.ToEquatableArray());
        context.RegisterSourceOutput(baked.Combine(hintNames), static (spc, pair) =>
        {
            BakeResult result = pair.Left;
            foreach (DiagnosticInfo info in result.Diagnostics) spc.ReportDiagnostic(info.ToDiagnostic());
            if (result.Diagnostics.Count == 0)
                Guarded(result.Spec.DisplayName, spc.ReportDiagnostic,
                    () => spc.AddSource(UniqueHintName(result.Spec.HintName, pair.Right), result.Spec.Precision == Precision.Int8
                        ? result.Int8File is { } file ? Int8Emitter.EmitFile(result.Spec, file) : Int8Emitter.Emit(result.Spec, result.Int8)
                        : Emitter.Emit(result.Spec, result.Parameters)));
        });
    }

    private static IncrementalValuesProvider<ParseResult> Find(IncrementalGeneratorInitializationContext context, string attribute) =>
        context.SyntaxProvider
            .ForAttributeWithMetadataName(attribute,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: static (ctx, ct) => ParseGuarded(ctx, ct))
            .Where(static r => r is not null)
            .Select(static (r, _) => r!);

    /// <summary>
    /// <paramref name="hintName"/>, or, if another network's hint name differs from it only in letter
    /// case, it with a suffix from a hash of its exact text: unique without regard to case, and the
    /// same whatever other networks there are. '-' cannot occur in a C# name, so no class gets it.
    /// </summary>
    internal static string UniqueHintName(string hintName, IEnumerable<string> allHintNames)
    {
        if (!allHintNames.Any(other => !string.Equals(other, hintName, StringComparison.Ordinal) &&
                                       string.Equals(other, hintName, StringComparison.OrdinalIgnoreCase)))
            return hintName;
        uint hash = 2166136261; // FNV-1a over the UTF-16 code units: stable across runs and platforms
        foreach (char c in hintName) hash = (hash ^ c) * 16777619;
        const string extension = ".g.cs";
        string stem = hintName.EndsWith(extension, StringComparison.Ordinal) ? hintName.Substring(0, hintName.Length - extension.Length) : hintName;
        return $"{stem}-{hash:x8}{extension}";
    }

    /// <summary>
    /// Runs one network's generation step: an unexpected exception becomes SN0023 for that network
    /// (a throw out of the generator would cost every network in the project its code); cancellation propagates.
    /// </summary>
    internal static void Guarded(string network, Action<Diagnostic> report, Action generate)
    {
        try
        {
            generate();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            report(Diagnostic.Create(Diagnostics.GeneratorFailed, Location.None, network, Describe(e)));
        }
    }

    private static ParseResult? ParseGuarded(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            return Parser.Parse(context, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            string name = context.TargetSymbol.ToDisplayString();
            return new ParseResult(null, new[] { DiagnosticInfo.Create(Diagnostics.GeneratorFailed, context.TargetNode.GetLocation(), name, Describe(e)) }.ToEquatableArray());
        }
    }

    private static BakeResult BakeGuarded(NetworkSpec spec, ImmutableArray<WeightsFile> files)
    {
        try
        {
            return Baker.Bake(spec, files);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            DiagnosticInfo info = spec.WeightsLocation?.With(Diagnostics.GeneratorFailed, spec.DisplayName, Describe(e))
                ?? DiagnosticInfo.Create(Diagnostics.GeneratorFailed, null, spec.DisplayName, Describe(e));
            return new BakeResult(spec, EquatableArray<float>.Empty, new[] { info }.ToEquatableArray());
        }
    }

    private static string Describe(Exception e) => $"{e.GetType().Name}: {e.Message}";
}

/// <summary>Names of the pipeline steps, for incrementality tests.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Diagnostics = nameof(Diagnostics);
    public const string Spec = nameof(Spec);
    public const string WeightsFiles = nameof(WeightsFiles);
    public const string Bake = nameof(Bake);
}
