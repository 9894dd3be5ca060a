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
        var json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        var data = new List<byte>();
        foreach (var (name, shape, original) in tensors)
        {
            float[] values = overrideTensor?.Invoke(name, shape) ?? original;
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

    private static GeneratorRun Run(params AdditionalText[] files) =>
        GeneratorDriverHelper.Run(GeneratorDriverHelper.CreateDriver().AddAdditionalTexts(files.ToImmutableArray()),
            GeneratorDriverHelper.CreateCompilation(Source));

    [Fact]
    public void BakedWeights_CompileCleanly_AndHoldTheFilesValuesInTheBuffersLayout()
    {
        GeneratorRun run = Run(Encoded(TinyFile()));
        Assert.Empty(run.OutputDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string source = run.SingleSource();
        // Layer by layer, weights [out x in] then biases, exactly as written in the file.
        Assert.Contains("public static global::System.ReadOnlySpan<float> Baked => new float[11]", source);
        Assert.Contains("0.5f, -1f, 0.25f, 2f, 0f, -0.125f, 0.1f, -0.2f,", source);
        Assert.Contains("1.5f, -3f, 1E-05f,", source);
        Assert.Contains("Baked.CopyTo(base.Parameters)", source);
        Snapshot.Verify(source, "BakedTinyNet");
    }

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
        Assert.Contains("42f", third.SingleSource());
        Assert.DoesNotContain("42f", first.SingleSource());
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
