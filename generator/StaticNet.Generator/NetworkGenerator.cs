using System;
using System.Collections.Immutable;
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
    /// <summary>The attribute the generator looks for.</summary>
    public const string AttributeName = "StaticNet.NetworkAttribute";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(AttributeName,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: static (ctx, ct) => Parser.Parse(ctx, ct))
            .Where(static r => r is not null)
            .Select(static (r, _) => r!)
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
            .Select(static (pair, _) => Baker.Bake(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Bake);
        context.RegisterSourceOutput(baked, static (spc, result) =>
        {
            foreach (DiagnosticInfo info in result.Diagnostics) spc.ReportDiagnostic(info.ToDiagnostic());
            if (result.Diagnostics.Count == 0)
                spc.AddSource(result.Spec.HintName, Emitter.Emit(result.Spec, result.Parameters));
        });
    }
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
