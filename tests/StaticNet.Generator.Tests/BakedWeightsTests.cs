using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using StaticNet.Generator.Tests.TestHelpers;
using StaticNet.Generator.Weights;
using Xunit;

namespace StaticNet.Generator.Tests;

/// <summary>
/// <c>[Network(..., Weights = "file.safetensors")]</c>: the generator decodes the base64 copy that
/// StaticNet's build targets give the compiler and bakes the parameters into the class.
/// </summary>
public class BakedWeightsTests
{
    private const string Source = """
        using StaticNet;
        namespace Baked;
        [Network(3, 2, 1, Hidden = Activation.Tanh, Output = Activation.Sigmoid, Weights = "tiny.safetensors")]
        public partial class TinyNet { }
        """;

    /// <summary>A tiny PyTorch-layout file: 0.weight [2,3], 0.bias [2], 2.weight [1,2], 2.bias [1].</summary>
    private static byte[] TinyFile(Func<string, int[], float[]?>? overrideTensor = null, string? extraJson = null)
    {
        var tensors = new List<(string Name, int[] Shape, float[] Data)>
        {
            ("0.weight", new[] { 2, 3 }, new[] { 0.5f, -1f, 0.25f, 2f, 0f, -0.125f }),
            ("0.bias", new[] { 2 }, new[] { 0.1f, -0.2f }),
            ("2.weight", new[] { 1, 2 }, new[] { 1.5f, -3f }),
            ("2.bias", new[] { 1 }, new[] { 1e-5f }),
        };
        return SafetensorsFile(extraJson, tensors.Select(t => (t.Name, t.Shape, overrideTensor?.Invoke(t.Name, t.Shape) ?? t.Data)).ToArray());
    }

    private static byte[] SafetensorsFile(params (string Name, int[] Shape, float[] Data)[] tensors) => SafetensorsFile(null, tensors);

    private static byte[] SafetensorsFile(string? extraJson, params (string Name, int[] Shape, float[] Data)[] tensors)
    {
        var json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        var data = new List<byte>();
        foreach (var (name, shape, values) in tensors)
        {
            int begin = data.Count;
            foreach (float v in values) data.AddRange(BitConverter.GetBytes(v));
            json.Append($",\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{begin},{data.Count}]}}");
        }
        if (extraJson is not null) json.Append(',').Append(extraJson);
        json.Append('}');
        byte[] header = Encoding.UTF8.GetBytes(json.ToString());
        return BitConverter.GetBytes((ulong)header.Length).Concat(header).Concat(data).ToArray();
    }

    /// <summary>What StaticNet.targets hands the compiler: a base64 text copy in obj/.</summary>
    private sealed class Base64Text(string path, string text) : AdditionalText
    {
        public override string Path => path;
        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text, Encoding.UTF8);
    }

    private static AdditionalText Encoded(byte[] bytes, string name = "tiny.safetensors") =>
        new Base64Text($"/project/obj/staticnet/{name}.base64", "staticnet-weights-base64\n" + Convert.ToBase64String(bytes, Base64FormattingOptions.InsertLineBreaks) + "\n");

    private static GeneratorRun Run(Compilation compilation) => GeneratorDriverHelper.Run(GeneratorDriverHelper.CreateDriver(), compilation);

    private static GeneratorRun Run(params AdditionalText[] files) =>
        GeneratorDriverHelper.Run(GeneratorDriverHelper.CreateDriver().AddAdditionalTexts(files.ToImmutableArray()),
            GeneratorDriverHelper.CreateCompilation(Source));

    [Fact]
    public void BakedWeights_CompileCleanly_AndHoldTheFilesValuesInTheBuffersLayout()
    {
        GeneratorRun run = Run(Encoded(TinyFile()));
        Assert.Empty(run.OutputDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string source = run.SingleSource();
        // A string literal, two chars per float (bits 0-15, then 16-31), read in place at run time.
        Assert.Contains("MemoryMarshal.Cast<char, float>(bits)", source);
        // 0.5f = 0x3F000000, -1f = 0xBF800000, 0.25f = 0x3E800000: written by hand, not by the code under test.
        Assert.Contains("Bits0 => \"\\u0000\u3F00\\u0000\uBF80\\u0000\u3E80", source);
        Assert.DoesNotContain("Bits1", source);
        Assert.Contains("Baked.CopyTo(base.InitialParameters)", source);
        // Layer by layer, weights [out x in] then biases, exactly as written in the file.
        float[] expected = { 0.5f, -1f, 0.25f, 2f, 0f, -0.125f, 0.1f, -0.2f, 1.5f, -3f, 1e-5f };
        Assert.Equal(Bits(expected), Bits(BakedLoader.Parameters(run.OutputCompilation, "Baked.TinyNet")));
        Snapshot.Verify(source, "BakedTinyNet");
    }

    [Fact]
    public void EveryCodeUnit_SurvivesTheLiteral_InTheBuiltAssembly()
    {
        // 65,536 parameters (255 inputs, 256 outputs): float k's low half is k, so the low halves take every
        // UTF-16 code unit once, escaped or not (quotes, backslashes, new lines, surrogates, U+FFFF, ...); its
        // high half is k too, except where that would make the float infinite or NaN (refused as weights).
        const string source = """
            using StaticNet;
            namespace Baked;
            [Network(255, 256, Output = Activation.Linear, Weights = "all.safetensors")]
            public partial class EveryUnit
            {
                // What a big-endian host does: each float rebuilt from the values of its two chars.
                public static float[] ByValue()
                {
                    var values = new float[ParameterCount];
                    StaticNetLayout.Baked.CopyTo(values, inPlace: false);
                    return values;
                }
            }
            """;
        var values = new float[65536];
        for (int k = 0; k < values.Length; k++)
        {
            int high = (k & 0x7F80) == 0x7F80 ? k - 0x100 : k;
            values[k] = BitConverter.Int32BitsToSingle(high << 16 | k);
        }
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
        byte[] file = SafetensorsFile(("0.weight", new[] { 256, 255 }, values[..(256 * 255)]), ("0.bias", new[] { 256 }, values[(256 * 255)..]));
        GeneratorRun run = GeneratorDriverHelper.Run(
            GeneratorDriverHelper.CreateDriver().AddAdditionalTexts(ImmutableArray.Create(Encoded(file, "all.safetensors"))),
            GeneratorDriverHelper.CreateCompilation(source));
        Assert.Empty(run.OutputDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Equal(Bits(values), Bits(BakedLoader.Parameters(run.OutputCompilation, "Baked.EveryUnit")));
        Assert.Equal(Bits(values), Bits((float[])BakedLoader.Call(run.OutputCompilation, "Baked.EveryUnit", "ByValue")));
        // 65,536 floats: four literals of 16,384 (compilers before Roslyn 4.8 lex one long literal slowly).
        Assert.Contains("Bits3 => ", run.SingleSource());
        Assert.DoesNotContain("Bits4", run.SingleSource());
    }

    [Fact]
    public void TheLiteral_LexesBackToEveryCodeUnit_AndHoldsNoCharacterThatToolsMangle()
    {
        var units = new char[65536];
        for (int c = 0; c < units.Length; c++) units[c] = (char)c;
        var literal = new StringBuilder();
        BakedLiteral.Append(literal, new string(units));
        string text = literal.ToString();

        // The compiler reads exactly the original code units back.
        SyntaxTree tree = CSharpSyntaxTree.ParseText($"class C {{ const string S = {text}; }}");
        Assert.Empty(tree.GetDiagnostics());
        SyntaxToken token = tree.GetRoot().DescendantTokens().Single(t => t.IsKind(SyntaxKind.StringLiteralToken));
        Assert.Equal(new string(units), token.ValueText);

        // Raw in the text: no new-line character, no lone surrogate (the file is UTF-8), no control
        // character, BOM, U+FFFE/U+FFFF or bidirectional control; quotes and backslashes only as escapes.
        string inner = text.Substring(1, text.Length - 2);
        foreach (char c in inner)
        {
            Assert.False(c is '\r' or '\n' or '\u0085' or '\u2028' or '\u2029', $"raw new-line U+{(int)c:X4}");
            Assert.False(char.IsSurrogate(c) || char.IsControl(c) || c is '\uFEFF' or '\uFFFE' or '\uFFFF', $"raw U+{(int)c:X4}");
            Assert.False(c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'), $"raw bidi U+{(int)c:X4}");
        }
        Assert.DoesNotContain('"', inner);
        Assert.DoesNotMatch(@"\\(?!u[0-9A-F]{4})", inner);
        Assert.True(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)) == text, "the literal's text survives UTF-8");
        // Escaped (6 chars instead of 1), counted by hand: 32 + 33 controls, '"', '\\', U+2028, U+2029,
        // 2,048 surrogates, U+FEFF, U+FFFE, U+FFFF and 11 bidirectional controls: 2,132; the rest raw.
        Assert.Equal(2 + 65536 + 5 * 2132, text.Length);
    }

    [Fact]
    public void NetworksWithin4MillionParametersInAll_AreAccepted()
    {
        // Files are missing (SN0017), which is fine: the size rule looks at the declarations only.
        GeneratorRun one = Run(Declarations(("A", "3999, 1000")));                                      // 4,000,000
        Assert.DoesNotContain(one.GeneratorDiagnostics, d => d.Id == "SN0024");
        GeneratorRun three = Run(Declarations(("A", "1999, 1000"), ("B", "999, 1000"), ("C", "999, 1000")));  // 2,000,000 + 1,000,000 x 2
        Assert.DoesNotContain(three.GeneratorDiagnostics, d => d.Id == "SN0024");
        Assert.Equal(3, three.GeneratorDiagnostics.Count(d => d.Id == "SN0017"));
    }

    [Theory]
    [InlineData("3999, 1000, 1", "A: 16,004,004", "16,004,004")]                                      // one network, 1,001 parameters too many
    [InlineData("2099, 1000|2099, 1000|3, 1", "A: 8,400,000, B: 8,400,000, C: 16", "16,800,016")]    // several
    public void MoreThan4MillionParametersInAll_AreSN0024_AtEachAttribute(string sizes, string listed, string total)
    {
        // The literals of 16 MiB of floats would leave no string start below 2^24 for the last ones (CS8103 at emit).
        string[] each = sizes.Split('|');
        GeneratorRun run = Run(Declarations(each.Select((s, i) => (((char)('A' + i)).ToString(), s)).ToArray()));
        Diagnostic[] errors = run.GeneratorDiagnostics.Where(d => d.Id == "SN0024").ToArray();
        Assert.Equal(each.Length, errors.Length);
        Assert.All(errors, d =>
        {
            Assert.Equal(DiagnosticSeverity.Error, d.Severity);
            Assert.Contains($"({listed} bytes) need {total} bytes of string literals, more than 16,000,000", d.GetMessage());
            Assert.StartsWith("Network(", run.InputCompilation.SyntaxTrees.Single().GetText().ToString(d.Location.SourceSpan));
        });
    }

    /// <summary>
    /// An int8 class bakes one byte per packed weight (the kernel pads inputs to 16 and units to 32) and 12 bytes per
    /// unit, not 4 bytes per parameter: 3,000-3,000 (9,003,000 parameters, 36 MB as float32) fits; 4,000-4,000
    /// (16,000,000 weight bytes + 4 x (1 + 3 x 4,000)) does not; counted by hand.
    /// </summary>
    [Fact]
    public void Int8Classes_CountTheirInt8Bytes_NotFourBytesAParameter()
    {
        GeneratorRun int8 = Run(Declarations(int8: true, ("A", "3000, 3000")));
        Assert.DoesNotContain(int8.GeneratorDiagnostics, d => d.Id == "SN0024");
        Assert.Contains(int8.GeneratorDiagnostics, d => d.Id == "SN0017");   // the file is missing; the size rule ran anyway
        GeneratorRun float32 = Run(Declarations(("A", "3000, 3000")));
        Assert.Contains("(A: 36,012,000 bytes) need 36,012,000 bytes", Assert.Single(float32.GeneratorDiagnostics, d => d.Id == "SN0024").GetMessage());
        GeneratorRun tooBig = Run(Declarations(int8: true, ("A", "4000, 4000")));
        Assert.Contains("(A: 16,048,004 bytes) need 16,048,004 bytes", Assert.Single(tooBig.GeneratorDiagnostics, d => d.Id == "SN0024").GetMessage());
        // Padding counts: 4,001 inputs take 4,016 bytes a row (blocks of 16) and 4,001 units 4,032 rows (tiles of 32).
        GeneratorRun padded = Run(Declarations(int8: true, ("A", "4001, 4001")));
        // 4,032 x 4,016 + 4 x (1 + 3 x 4,001) = 16,192,512 + 48,016 (unpadded it would be 16,056,017).
        Assert.Contains("(A: 16,240,528 bytes)", Assert.Single(padded.GeneratorDiagnostics, d => d.Id == "SN0024").GetMessage());
    }

    private static Compilation Declarations(params (string Name, string Sizes)[] networks) => Declarations(false, networks);

    private static Compilation Declarations(bool int8, params (string Name, string Sizes)[] networks) =>
        GeneratorDriverHelper.CreateCompilation("using StaticNet;\nnamespace Big;\n" + string.Concat(networks.Select(n =>
            $"[Network({n.Sizes}, Output = Activation.Linear{(int8 ? ", Precision = Precision.Int8" : "")}, Weights = \"{n.Name}.safetensors\")]\npublic partial class {n.Name} {{ }}\n")));

    private static uint[] Bits(float[] values) => values.Select(BitConverter.SingleToUInt32Bits).ToArray();

    [Fact]
    public void MissingFile_IsSN0017_NamingTheFileAndTheAvailableOnes()
    {
        GeneratorRun run = Run(Encoded(TinyFile(), "other.safetensors"));
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SN0017", d.Id);
        Assert.Contains("'tiny.safetensors'", d.GetMessage());
        Assert.Contains("other.safetensors", d.GetMessage());
        Assert.StartsWith("Network(", run.InputCompilation.SyntaxTrees.Single().GetText().ToString(d.Location.SourceSpan));
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Theory]
    [InlineData("shape", "tensor '0.weight' has shape [3, 2] but the network needs [2, 3]")]
    [InlineData("missing", "it has no tensor '2.bias'")]
    [InlineData("extra", "it has a tensor '4.weight' that the network has no place for")]
    public void WrongShapes_AreSN0019_NamingTheTensor(string kind, string message)
    {
        byte[] file = kind switch
        {
            "shape" => TinyFile((name, shape) => { if (name == "0.weight") { shape[0] = 3; shape[1] = 2; } return null; }),
            "missing" => RemoveTensor(TinyFile(), "2.bias"),
            _ => TinyFile(extraJson: "\"4.weight\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}"),
        };
        GeneratorRun run = Run(Encoded(file));
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SN0019", d.Id);
        Assert.Contains(message, d.GetMessage());
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("json")]
    [InlineData("nan")]
    [InlineData("base64")]
    public void BadFiles_AreSN0018_AndNeverCrashTheGenerator(string kind)
    {
        byte[] good = TinyFile();
        AdditionalText file = kind switch
        {
            "truncated" => Encoded(good.Take(good.Length - 5).ToArray()),
            "json" => Encoded(good.Select((b, i) => i == 9 ? (byte)'[' : b).ToArray()),
            "nan" => Encoded(TinyFile((name, _) => name == "2.bias" ? new[] { float.NaN } : null)),
            _ => new Base64Text("/project/obj/staticnet/tiny.safetensors.base64", "staticnet-weights-base64\n!!not base64!!"),
        };
        GeneratorRun run = Run(file);
        Assert.Null(run.Result.Exception);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SN0018", d.Id);
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Fact]
    public void ChangedWeights_RegenerateTheSource_UnrelatedEdits_AreCached()
    {
        Compilation compilation = GeneratorDriverHelper.CreateCompilation(Source);
        AdditionalText original = Encoded(TinyFile());
        GeneratorRun first = GeneratorDriverHelper.Run(GeneratorDriverHelper.CreateDriver().AddAdditionalTexts(ImmutableArray.Create(original)), compilation);
        Assert.All(first.Result.TrackedSteps[TrackingNames.Bake].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.New, o.Reason));

        // An unrelated edit: the bake step is served from the cache.
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { }", GeneratorDriverHelper.ParseOptions));
        GeneratorRun second = GeneratorDriverHelper.Run(first.Driver, edited);
        Assert.All(second.Result.TrackedSteps[TrackingNames.Bake].SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));

        // New bytes in the file: the bake step runs again and the source changes.
        GeneratorDriver changed = second.Driver.ReplaceAdditionalText(original, Encoded(TinyFile((name, _) => name == "2.bias" ? new[] { 42f } : null)));
        GeneratorRun third = GeneratorDriverHelper.Run(changed, edited);
        Assert.Contains(third.Result.TrackedSteps[TrackingNames.Bake].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        // 42f = 0x42280000: chars U+0000 (escaped) and U+4228.
        Assert.Contains("\\u0000\u4228\"", third.SingleSource());
        Assert.DoesNotContain("\\u0000\u4228\"", first.SingleSource());
    }

    private static byte[] RemoveTensor(byte[] file, string name)
    {
        int headerLength = (int)BitConverter.ToUInt64(file, 0);
        string json = Encoding.UTF8.GetString(file, 8, headerLength);
        int start = json.IndexOf($",\"{name}\":", StringComparison.Ordinal);
        int end = json.IndexOf('}', json.IndexOf("data_offsets", start, StringComparison.Ordinal)) + 1;
        byte[] header = Encoding.UTF8.GetBytes(json.Remove(start, end - start));
        return BitConverter.GetBytes((ulong)header.Length).Concat(header).Concat(file.Skip(8 + headerLength)).ToArray();
    }
}

/// <summary>Builds a test compilation, loads it (collectibly) and reads a baked network's starting parameters.</summary>
internal static class BakedLoader
{
    public static float[] Parameters(Compilation compilation, string typeName) =>
        Load(compilation, typeName, type => ((NeuralNetwork)Activator.CreateInstance(type, 7)!).Parameters.ToArray());

    /// <summary>Calls the public static method <paramref name="method"/> (no arguments) of the type.</summary>
    public static object Call(Compilation compilation, string typeName, string method) =>
        Load(compilation, typeName, type => type.GetMethod(method)!.Invoke(null, null)!);

    private static T Load<T>(Compilation compilation, string typeName, Func<Type, T> use)
    {
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(stream);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var context = new System.Runtime.Loader.AssemblyLoadContext(typeName, isCollectible: true);
        try
        {
            stream.Position = 0;
            return use(context.LoadFromStream(stream).GetType(typeName, throwOnError: true)!);
        }
        finally
        {
            context.Unload();
        }
    }
}
