using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticNet.Generator;

namespace StaticNet.Benchmarks;

/// <summary>
/// Compile-time cost: compiling a small program that declares one network, with and without the
/// generator, for networks from the course's size to 784-1024-1024-10. The generated source's
/// size is printed once per network (the "// generated:" line in the log).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MicroConfig))]
public class GeneratorCost
{
    private CSharpCompilation _compilation = null!;
    private CSharpParseOptions _parseOptions = null!;

    [Params("784, 25, 15, 1", "784, 128, 64, 10", "784, 1024, 1024, 10")]
    public string Sizes { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        string source = $$"""
            using StaticNet;
            namespace Demo
            {
                [Network({{Sizes}}, Hidden = Activation.Relu, Output = Activation.{{(Sizes.EndsWith(" 1") ? "Sigmoid" : "Softmax")}})]
                public partial class Net { }

                public static class Use
                {
                    public static float[,] Run(float[,] x) => new Net(1).Predict(x);
                }
            }
            """;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(System.IO.Path.PathSeparator)
            .Select(path => MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(typeof(NeuralNetwork).Assembly.Location));
        _parseOptions = new CSharpParseOptions(LanguageVersion.Preview);
        _compilation = CSharpCompilation.Create("Demo",
            new[] { CSharpSyntaxTree.ParseText(source, _parseOptions) },
            references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        GeneratorDriverRunResult run = Driver().RunGenerators(_compilation).GetRunResult();
        string generated = run.Results[0].GeneratedSources.Single().SourceText.ToString();
        Console.WriteLine($"// generated: {Sizes}: {generated.Length} characters, {generated.Split('\n').Length} lines");
    }

    /// <summary>Binding and emitting the program with the generator's output added.</summary>
    [Benchmark]
    public int CompileWithGenerator()
    {
        Driver().RunGeneratorsAndUpdateCompilation(_compilation, out Compilation output, out _);
        using var stream = new System.IO.MemoryStream();
        return output.Emit(stream).Success ? (int)stream.Length : -1;
    }

    /// <summary>The generator alone: parse the attribute and write the source.</summary>
    [Benchmark(Baseline = true)]
    public int GeneratorOnly() =>
        Driver().RunGenerators(_compilation).GetRunResult().Results[0].GeneratedSources.Length;

    private GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(new[] { new NetworkGenerator().AsSourceGenerator() }, parseOptions: _parseOptions);
}
