using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace StaticNet.Generator.Tests.TestHelpers;

/// <summary>One run of <see cref="NetworkGenerator"/> over a compilation.</summary>
/// <param name="Driver">The driver after the run; run it again for incrementality tests.</param>
/// <param name="RunResult">What the generator produced, with tracked steps.</param>
/// <param name="InputCompilation">The compilation the generator saw.</param>
/// <param name="OutputCompilation">The input plus the generated sources.</param>
/// <param name="OutputDiagnostics">Every diagnostic of <paramref name="OutputCompilation"/> (compiler and generator alike).</param>
internal sealed record GeneratorRun(
    GeneratorDriver Driver,
    GeneratorDriverRunResult RunResult,
    Compilation InputCompilation,
    Compilation OutputCompilation,
    ImmutableArray<Diagnostic> OutputDiagnostics)
{
    /// <summary>The result of the only generator in the driver.</summary>
    public GeneratorRunResult Result => RunResult.Results.Single();

    /// <summary>Diagnostics the generator reported (not the compiler's).</summary>
    public ImmutableArray<Diagnostic> GeneratorDiagnostics => RunResult.Diagnostics;

    /// <summary>The generated files' text by hint name.</summary>
    public IReadOnlyDictionary<string, string> Sources =>
        Result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    /// <summary>The text of the only generated file; fails if there is not exactly one.</summary>
    public string SingleSource()
    {
        if (Result.Exception is not null) Assert.Fail($"The generator threw: {Result.Exception}");
        Assert.True(Result.GeneratedSources.Length == 1,
            $"Expected one generated file, got {Result.GeneratedSources.Length}: {string.Join(", ", Result.GeneratedSources.Select(s => s.HintName))}\n" +
            GeneratorDriverHelper.Format(RunResult.Diagnostics));
        return Result.GeneratedSources[0].SourceText.ToString();
    }
}

/// <summary>Builds in-memory compilations and runs the generator over them, as the compiler would.</summary>
internal static class GeneratorDriverHelper
{
    /// <summary>The newest language version of the driving compiler; under Roslyn 4.3.1 C# 11 (static abstract interface members) is "preview".</summary>
    public static readonly CSharpParseOptions ParseOptions =
#if ROSLYN431
        new CSharpParseOptions(LanguageVersion.Preview, DocumentationMode.Diagnose);
#else
        new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);
#endif

    /// <summary>
    /// Warnings are errors (as in this repository's builds) and nullable is on; missing XML comments
    /// (CS1591) are off so that test sources need no docs, but other doc errors, such as a broken
    /// <c>cref</c> in generated code, are reported.
    /// </summary>
    public static readonly CSharpCompilationOptions CompilationOptions =
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                generalDiagnosticOption: ReportDiagnostic.Error)
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS1591"] = ReportDiagnostic.Suppress });

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(LoadReferences);

    /// <summary>Every trusted platform assembly of the test host, plus StaticNet.dll.</summary>
    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        string tpa = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string
            ?? throw new InvalidOperationException("The host gives no TRUSTED_PLATFORM_ASSEMBLIES.");
        var paths = tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).ToList();
        paths.Add(typeof(NeuralNetwork).Assembly.Location);
        // One reference per assembly name: StaticNet.dll is also in the list when the test host loads it.
        return paths
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => (MetadataReference)MetadataReference.CreateFromFile(g.First()))
            .ToImmutableArray();
    }

    /// <summary>Parses <paramref name="source"/>; the path matters because generator diagnostics keep it instead of the tree.</summary>
    public static SyntaxTree Parse(string source, string path, CSharpParseOptions? options = null) =>
        CSharpSyntaxTree.ParseText(source, options ?? ParseOptions, path);

    /// <summary>A compilation of <paramref name="sources"/> named <c>Source0.cs</c>, <c>Source1.cs</c>, ...</summary>
    public static CSharpCompilation CreateCompilation(params string[] sources) => CreateCompilation(ParseOptions, sources);

    /// <summary>As <see cref="CreateCompilation(string[])"/>, with other parse options (an older language version, say).</summary>
    public static CSharpCompilation CreateCompilation(CSharpParseOptions options, params string[] sources) =>
        CSharpCompilation.Create("GeneratorTestAssembly",
            sources.Select((s, i) => Parse(s, $"Source{i}.cs", options)),
            References, CompilationOptions);

    /// <summary>A driver with only <see cref="NetworkGenerator"/>, tracking its steps.</summary>
    public static GeneratorDriver CreateDriver(CSharpParseOptions? options = null) =>
        CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            parseOptions: options ?? ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Compiles <paramref name="sources"/> and runs the generator over them once.</summary>
    public static GeneratorRun Run(params string[] sources) => Run(CreateDriver(), CreateCompilation(sources));

    /// <summary>Runs <paramref name="driver"/> (fresh or from an earlier run) over <paramref name="compilation"/>.</summary>
    public static GeneratorRun Run(GeneratorDriver driver, Compilation compilation)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        GeneratorDriverRunResult result = driver.GetRunResult();
        return new GeneratorRun(driver, result, compilation, output, output.GetDiagnostics().AddRange(result.Diagnostics));
    }

    /// <summary>
    /// Runs the generator and fails, listing them, on any warning or error in the output
    /// compilation or from the generator, or if the generator threw or generated nothing.
    /// </summary>
    public static GeneratorRun AssertCompilesCleanly(params string[] sources) => AssertCompilesCleanly(ParseOptions, sources);

    /// <summary>As <see cref="AssertCompilesCleanly(string[])"/>, with other parse options.</summary>
    public static GeneratorRun AssertCompilesCleanly(CSharpParseOptions options, params string[] sources)
    {
        GeneratorRun run = Run(CreateDriver(options), CreateCompilation(options, sources));
        if (run.Result.Exception is not null)
            Assert.Fail($"The generator threw: {run.Result.Exception}");
        var problems = run.OutputDiagnostics
            .Where(d => d.Severity is DiagnosticSeverity.Warning or DiagnosticSeverity.Error)
            .ToList();
        if (problems.Count > 0)
            Assert.Fail($"Expected a clean compilation, got {problems.Count} diagnostic(s):\n{Format(problems)}\n\n{FormatSources(run)}");
        Assert.NotEmpty(run.Result.GeneratedSources);
        return run;
    }

    /// <summary>One diagnostic per line, with the source line it points at.</summary>
    public static string Format(IEnumerable<Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Select(d =>
        {
            string line = d.Location.SourceTree is { } tree
                ? tree.GetText().Lines[d.Location.GetLineSpan().StartLinePosition.Line].ToString().Trim()
                : "";
            return $"  {d}{(line.Length > 0 ? $"\n      > {line}" : "")}";
        }));

    private static string FormatSources(GeneratorRun run) =>
        string.Join("\n", run.Result.GeneratedSources.Select(s => $"--- {s.HintName}\n{s.SourceText}"));
}
