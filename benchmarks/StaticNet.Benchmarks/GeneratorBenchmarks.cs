using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticNet.Generator;

namespace StaticNet.Benchmarks;

/// <summary>
/// What both compile-time benchmarks measure on their program: the generator alone, and the
/// generator with binding and emit. Subclasses set up the compilation (and any additional files).
/// </summary>
public abstract class CompileCostBase
{
    private protected CSharpCompilation _compilation = null!;
    private protected CSharpParseOptions _parseOptions = null!;
    private protected AdditionalText[] _files = [];

    /// <summary>Binding and emitting the program with the generator's output added.</summary>
    [Benchmark]
    public int CompileWithGenerator()
    {
        Driver().RunGeneratorsAndUpdateCompilation(_compilation, out Compilation output, out _);
        using var stream = new System.IO.MemoryStream();
        return output.Emit(stream).Success ? (int)stream.Length : -1;
    }

    /// <summary>The generator alone: parse the attribute (and any weights file) and write the source.</summary>
    [Benchmark(Baseline = true)]
    public int GeneratorOnly() =>
        Driver().RunGenerators(_compilation).GetRunResult().Results[0].GeneratedSources.Length;

    private protected GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(new[] { new NetworkGenerator().AsSourceGenerator() }, _files, _parseOptions);
}

/// <summary>
/// Compile-time cost: compiling a small program that declares one network, with and without the
/// generator, for networks from the course's size to 784-1024-1024-10. The generated source's
/// size is printed once per network (the "// generated:" line in the log).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MicroConfig))]
public class GeneratorCost : CompileCostBase
{

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
}

/// <summary>
/// Compile-time cost of baked-in weights (<c>[Network(..., Weights = "big.safetensors")]</c>): the same
/// program with and without them, for 784-512-256-10 (535,818 parameters) and 784-1024-192-10
/// (1,002,570). The file is handed to the generator as StaticNet.targets does: a base64 text copy.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MacroConfig))]
public class BakedWeightsCost : CompileCostBase
{

    [Params("784, 512, 256, 10", "784, 1024, 192, 10")]
    public string Sizes { get; set; } = "";

    [Params(false, true)]
    public bool Baked { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_compilation, _parseOptions, _files) = BakedProgram.Create(Sizes, Baked);
        GeneratorDriverRunResult run = Driver().RunGenerators(_compilation).GetRunResult();
        string generated = run.Results[0].GeneratedSources.Single().SourceText.ToString();
        Console.WriteLine($"// generated: {Sizes} baked={Baked}: {generated.Length} characters");
    }
}

/// <summary>
/// A program declaring one network, with or without baked weights from a random PyTorch-layout
/// safetensors file, for <see cref="BakedWeightsCost"/> (and for a Stopwatch run of it, which is what
/// docs/PERFORMANCE.md reports: <c>BakedProgram.Measure</c>).
/// </summary>
public static class BakedProgram
{
    public static (CSharpCompilation Compilation, CSharpParseOptions ParseOptions, AdditionalText[] Files) Create(string sizes, bool baked)
    {
        string source = $$"""
            using StaticNet;
            namespace Demo
            {
                [Network({{sizes}}, Hidden = Activation.Relu, Output = Activation.Softmax{{(baked ? ", Weights = \"big.safetensors\"" : "")}})]
                public partial class Net { }

                public static class Use
                {
                    public static float[,] Run(float[,] x) => new Net().Predict(x);
                }
            }
            """;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(System.IO.Path.PathSeparator)
            .Where(path => !path.EndsWith("StaticNet.dll", StringComparison.OrdinalIgnoreCase))
            .Select(path => MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(typeof(NeuralNetwork).Assembly.Location));
        var parseOptions = new CSharpParseOptions(LanguageVersion.Preview);
        var compilation = CSharpCompilation.Create("Demo",
            new[] { CSharpSyntaxTree.ParseText(source, parseOptions) },
            references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));
        AdditionalText[] files = baked
            ? [new Base64Copy("/project/obj/staticnet/big.safetensors.base64",
                "staticnet-weights-base64\n" + Convert.ToBase64String(File(sizes), Base64FormattingOptions.InsertLineBreaks) + "\n")]
            : [];
        return (compilation, parseOptions, files);
    }

    /// <summary>
    /// Median milliseconds of <paramref name="runs"/> generator runs and of generator + emit, without
    /// BenchmarkDotNet (for a busy machine: compare the baked and unbaked rows of the same call).
    /// </summary>
    public static (double Generator, double Compile) Measure(string sizes, bool baked, int runs)
    {
        var (compilation, parseOptions, files) = Create(sizes, baked);
        var generator = new List<double>();
        var compile = new List<double>();
        for (int r = 0; r < runs; r++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            CSharpGeneratorDriver.Create(new[] { new NetworkGenerator().AsSourceGenerator() }, files, parseOptions)
                .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
            generator.Add(clock.Elapsed.TotalMilliseconds);
            using var stream = new System.IO.MemoryStream();
            if (!output.Emit(stream).Success) throw new InvalidOperationException("the benchmark program does not compile");
            compile.Add(clock.Elapsed.TotalMilliseconds);
        }
        generator.Sort();
        compile.Sort();
        return (generator[runs / 2], compile[runs / 2]);
    }

    /// <summary>PyTorch nn.Sequential layout (Linear, ReLU, ..., Linear): "0.weight", "0.bias", "2.weight", ...</summary>
    private static byte[] File(string sizes)
    {
        int[] n = sizes.Split(',').Select(s => int.Parse(s.Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var random = new Random(1);
        var json = new System.Text.StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        var data = new System.IO.MemoryStream();
        for (int l = 0; l < n.Length - 1; l++)
        {
            foreach (var (name, count, shape) in new[] { ($"{2 * l}.weight", n[l] * n[l + 1], $"{n[l + 1]},{n[l]}"), ($"{2 * l}.bias", n[l + 1], $"{n[l + 1]}") })
            {
                long begin = data.Length;
                for (int i = 0; i < count; i++) data.Write(BitConverter.GetBytes((float)((random.NextDouble() * 2 - 1) * 0.08)));
                json.Append($",\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{shape}],\"data_offsets\":[{begin},{data.Length}]}}");
            }
        }
        json.Append('}');
        byte[] header = System.Text.Encoding.UTF8.GetBytes(json.ToString());
        return BitConverter.GetBytes((ulong)header.Length).Concat(header).Concat(data.ToArray()).ToArray();
    }

    private sealed class Base64Copy(string path, string text) : AdditionalText
    {
        public override string Path => path;

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(System.Threading.CancellationToken cancellationToken = default) =>
            Microsoft.CodeAnalysis.Text.SourceText.From(text, System.Text.Encoding.UTF8);
    }
}

/// <summary>
/// <c>--compile-cost</c>: the <see cref="BakedWeightsCost"/> table measured with a Stopwatch (median
/// of a few runs, no BenchmarkDotNet), for machines too busy for it; read the baked rows against the
/// unbaked ones printed in the same run.
/// </summary>
public static class BakedCompileCost
{
    public static void Print(int runs)
    {
        Console.WriteLine("| network | weights | generator | generator + compile |");
        Console.WriteLine("|---|---|---:|---:|");
        foreach (string sizes in new[] { "784, 512, 256, 10", "784, 1024, 192, 10" })
        {
            BakedProgram.Measure(sizes, true, 1); // warm-up (JIT of the compiler)
            foreach (bool baked in new[] { false, true })
            {
                var (generator, compile) = BakedProgram.Measure(sizes, baked, runs);
                Console.WriteLine($"| {sizes.Replace(", ", "-")} | {(baked ? "baked" : "none")} | {generator:F0} ms | {compile:F0} ms |");
            }
        }
    }
}
