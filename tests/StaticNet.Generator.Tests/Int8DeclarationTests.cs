using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using StaticNet.Generator.Tests.TestHelpers;
using StaticNet.Quantization;
using Xunit;

namespace StaticNet.Generator.Tests;

/// <summary>
/// <c>Precision = Precision.Int8</c>: the generator bakes a file written by <c>Int8Network.Save</c>
/// (Fixtures/tiny_int8.safetensors, a 5-4-3 tanh/softmax network; tools/make-int8-fixture) into a
/// prediction-only <c>Int8Model</c>, or reports what is wrong at the attribute.
/// </summary>
public class Int8DeclarationTests
{
    private const string Source = """
        using StaticNet;
        namespace Int8;
        [Network(5, 4, 3, Hidden = Activation.Tanh, Output = Activation.Softmax, Precision = Precision.Int8, Weights = "tiny_int8.safetensors")]
        public partial class TinyInt8Net { }
        """;

    private static string FixturePath([CallerFilePath] string path = "") =>
        Path.Combine(Path.GetDirectoryName(path)!, "Fixtures", "tiny_int8.safetensors");

    private static byte[] TinyInt8File() => File.ReadAllBytes(FixturePath());

    private sealed class Base64Text(string path, string text) : AdditionalText
    {
        public override string Path => path;
        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text, Encoding.UTF8);
    }

    private static AdditionalText Encoded(byte[] bytes, string name = "tiny_int8.safetensors") =>
        new Base64Text($"/project/obj/staticnet/{name}.base64", "staticnet-weights-base64\n" + Convert.ToBase64String(bytes) + "\n");

    private static GeneratorRun Run(string source, params AdditionalText[] files) =>
        GeneratorDriverHelper.Run(GeneratorDriverHelper.CreateDriver().AddAdditionalTexts(files.ToImmutableArray()),
            GeneratorDriverHelper.CreateCompilation(source));

    [Fact]
    public void Int8Class_CompilesCleanly_AndPredictsTheLoadedNetworksBits()
    {
        GeneratorRun run = Run(Source, Encoded(TinyInt8File()));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.OutputCompilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string source = run.SingleSource();
        Assert.Contains(": global::StaticNet.Quantization.Int8Model", source);
        Snapshot.Verify(source, "TinyInt8Net");

        Int8Network loaded = Int8Network.Load(FixturePath());
        var random = new Random(3);
        var x = new float[64, 5];
        for (int s = 0; s < 64; s++) for (int i = 0; i < 5; i++) x[s, i] = (float)(random.NextDouble() * 6 - 3);
        float[,] expected = loaded.Predict(x);
        float[,] actual = Load(run.OutputCompilation, "Int8.TinyInt8Net", model => model.Predict(x));
        for (int s = 0; s < 64; s++)
            for (int k = 0; k < 3; k++)
                Assert.Equal(BitConverter.SingleToInt32Bits(expected[s, k]), BitConverter.SingleToInt32Bits(actual[s, k]));
    }

    [Fact]
    public void SequentialInt8Class_WithDropout_IsTheSameNetwork()
    {
        const string source = """
            using StaticNet;
            namespace Int8;
            [Sequential(5, Precision = Precision.Int8, Weights = "tiny_int8.safetensors")]
            [Dense(4, Activation = Activation.Tanh)]
            [Dropout(0.5f)]
            [Dense(3, Activation = Activation.Softmax)]
            public partial class SequentialInt8 { }
            """;
        GeneratorRun run = Run(source, Encoded(TinyInt8File()));
        Assert.Empty(run.GeneratorDiagnostics);
        var x = new float[1, 5] { { 0.5f, -1f, 2f, 0f, 1.25f } };
        float[,] expected = Int8Network.Load(FixturePath()).Predict(x);
        float[,] actual = Load(run.OutputCompilation, "Int8.SequentialInt8", model => model.Predict(x));
        for (int k = 0; k < 3; k++) Assert.Equal(BitConverter.SingleToInt32Bits(expected[0, k]), BitConverter.SingleToInt32Bits(actual[0, k]));
    }

    [Theory]
    [InlineData("Precision = Precision.Int8", "SN0030", "needs Weights")]
    [InlineData("Precision = (Precision)7, Weights = \"tiny_int8.safetensors\"", "SN0030", "Precision = 7 is not a defined")]
    public void BadPrecisionSettings_AreSN0030(string settings, string id, string message)
    {
        string source = $$"""
            using StaticNet;
            namespace Int8;
            [Network(5, 4, 3, Hidden = Activation.Tanh, Output = Activation.Softmax, {{settings}})]
            public partial class Bad { }
            """;
        GeneratorRun run = Run(source, Encoded(TinyInt8File()));
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, d.Id);
        Assert.Contains(message, d.GetMessage());
        Assert.StartsWith("Network(", run.InputCompilation.SyntaxTrees.Single().GetText().ToString(d.Location.SourceSpan));
        Assert.Empty(run.Result.GeneratedSources);
    }

    private const string CnnSource = """
        using StaticNet;
        namespace Int8;
        [Sequential(6, 6, 2, Precision = Precision.Int8, Weights = "tiny_int8_cnn.safetensors")]
        [Conv2D(4, 2, Activation = Activation.Relu)]
        [BatchNormalization]
        [Conv2D(5, 3, Padding = Padding.Same, Activation = Activation.LeakyRelu)]
        [MaxPooling2D(2)]
        [Flatten]
        [Dense(3, Activation = Activation.Softmax)]
        public partial class TinyInt8Cnn { }
        """;

    private static string CnnFixturePath([CallerFilePath] string path = "") =>
        Path.Combine(Path.GetDirectoryName(path)!, "Fixtures", "tiny_int8_cnn.safetensors");

    private static AdditionalText CnnFile(byte[]? bytes = null) => Encoded(bytes ?? File.ReadAllBytes(CnnFixturePath()), "tiny_int8_cnn.safetensors");

    [Fact]
    public void CnnClass_CompilesCleanly_AndPredictsTheLoadedNetworksBits()
    {
        // The fixture (tools/make-int8-fixture) has a float32 first convolution (8-value windows) and an int8 second one.
        Int8Network loaded = Int8Network.Load(CnnFixturePath());
        Assert.Single(loaded.Convolutions);
        GeneratorRun run = Run(CnnSource, CnnFile());
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.OutputCompilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string source = run.SingleSource();
        Assert.Contains(": global::StaticNet.Quantization.Int8Model", source);
        Snapshot.Verify(source, "TinyInt8Cnn");

        var random = new Random(5);
        var x = new float[40, 72];
        for (int s = 0; s < 40; s++) for (int i = 0; i < 72; i++) x[s, i] = (float)(random.NextDouble() * 3 - 1);
        float[,] expected = loaded.Predict(x);
        (int inputs, int outputs, float[,] actual) = Load(run.OutputCompilation, "Int8.TinyInt8Cnn", model => (model.InputSize, model.OutputSize, model.Predict(x)));
        Assert.Equal((72, 3), (inputs, outputs));
        for (int s = 0; s < 40; s++)
            for (int k = 0; k < 3; k++)
                Assert.Equal(BitConverter.SingleToInt32Bits(expected[s, k]), BitConverter.SingleToInt32Bits(actual[s, k]));
    }

    [Theory]
    [InlineData("[Conv2D(4, 2, Activation = Activation.Relu)]", "[Conv2D(6, 2, Activation = Activation.Relu)]",
        "layer 0 is 'Conv2D 4 2x2 1x1 Valid Relu' in the file but 'Conv2D 6 2x2 1x1 Valid Relu' in the declaration")]
    [InlineData("Padding = Padding.Same, Activation = Activation.LeakyRelu", "Activation = Activation.LeakyRelu",
        "layer 2 is 'Conv2D 5 3x3 1x1 Same LeakyRelu' in the file but 'Conv2D 5 3x3 1x1 Valid LeakyRelu' in the declaration")]
    [InlineData("[Conv2D(4, 2, Activation = Activation.Relu)]", "[Conv2D(4, 2, UseBias = false, Activation = Activation.Relu)]",
        "layer 0 is 'Conv2D 4 2x2 1x1 Valid Relu' in the file but 'Conv2D 4 2x2 1x1 Valid Relu NoBias' in the declaration")]
    [InlineData("[MaxPooling2D(2)]", "[AveragePooling2D(2)]", "layer 3 is 'MaxPooling2D 2x2 2x2 Valid' in the file but 'AveragePooling2D 2x2 2x2 Valid' in the declaration")]
    [InlineData("[BatchNormalization]\n", "", "it holds 6 layers (Conv2D 4 2x2 1x1 Valid Relu float32; BatchNormalization; ")]
    [InlineData("[Sequential(6, 6, 2,", "[Sequential(6, 6, 3,", "its input shape is (6, 6, 2) but the network declares (6, 6, 3)")]
    [InlineData("Precision = Precision.Int8,", "LeakyReluSlope = 0.1f, Precision = Precision.Int8,", "its leaky ReLU slope is 0.2 but the declaration's LeakyReluSlope is 0.1")]
    public void CnnDeclarationThatDiffersFromTheFile_IsSN0033(string from, string to, string message)
    {
        string source = CnnSource.Replace(from, to);
        Assert.NotEqual(CnnSource, source);
        GeneratorRun run = Run(source, CnnFile());
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SN0033", d.Id);
        Assert.Contains(message, d.GetMessage());
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Fact]
    public void DenseStackFile_ForACnnDeclaration_IsSN0033()
    {
        GeneratorRun run = Run(CnnSource.Replace("tiny_int8_cnn.safetensors", "tiny_int8.safetensors"), Encoded(TinyInt8File()));
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SN0033", d.Id);
        Assert.Contains("it holds a dense stack (format \"staticnet-int8\")", d.GetMessage());
    }

    [Theory]
    [InlineData("2.weight_scale", 0, "tensor '2.weight_scale' holds 0 at 0; expected a finite positive number")]
    [InlineData("1.scale", float.NaN, "tensor '1.scale' holds NaN at 0")]
    [InlineData("0.kernel", float.PositiveInfinity, "tensor '0.kernel' holds ")]
    public void CnnFileWithABadValue_IsSN0018(string tensor, float value, string message)
    {
        // The fixture with the first value of one F32 tensor overwritten: the class would fail when loading its file, so the compiler stops it.
        byte[] file = File.ReadAllBytes(CnnFixturePath());
        int headerLength = (int)BitConverter.ToUInt64(file, 0);
        string json = Encoding.UTF8.GetString(file, 8, headerLength);
        int at = json.IndexOf($"\"{tensor}\"", StringComparison.Ordinal);
        Assert.True(at >= 0, tensor);
        int offsets = json.IndexOf("\"data_offsets\":[", at, StringComparison.Ordinal) + "\"data_offsets\":[".Length;
        int begin = int.Parse(json.Substring(offsets, json.IndexOf(',', offsets) - offsets));
        BitConverter.GetBytes(value).CopyTo(file, 8 + headerLength + begin);
        GeneratorRun run = Run(CnnSource, CnnFile(file));
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SN0018", d.Id);
        Assert.Contains(message, d.GetMessage());
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Fact]
    public void LayerWithTooManyInputsPerOutput_IsSN0031()
    {
        const string source = """
            using StaticNet;
            namespace Int8;
            [Sequential(70000, Precision = Precision.Int8, Weights = "tiny_int8.safetensors")]
            [Dense(2, Activation = Activation.Softmax)]
            public partial class Wide { }
            """;
        GeneratorRun run = Run(source, Encoded(TinyInt8File()));
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SN0031", d.Id);
        Assert.Contains("at most 66,000 inputs per output", d.GetMessage());
        Assert.Contains("layer 0 (Dense) has 70,000", d.GetMessage());
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Fact]
    public void FloatFile_IsSN0032()
    {
        // A float32 PyTorch-layout file (what Safetensors.Save writes) for the same sizes.
        var json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        var data = new System.Collections.Generic.List<byte>();
        foreach (var (name, count, shape) in new[] { ("0.weight", 20, "4,5"), ("0.bias", 4, "4"), ("2.weight", 12, "3,4"), ("2.bias", 3, "3") })
        {
            json.Append($",\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{shape}],\"data_offsets\":[{data.Count},{data.Count + 4 * count}]}}");
            for (int i = 0; i < count; i++) data.AddRange(BitConverter.GetBytes(0.1f * i));
        }
        byte[] header = Encoding.UTF8.GetBytes(json.Append('}').ToString());
        byte[] file = BitConverter.GetBytes((ulong)header.Length).Concat(header).Concat(data).ToArray();
        GeneratorRun run = Run(Source, Encoded(file));
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SN0032", d.Id);
        Assert.Contains("'tiny_int8.safetensors'", d.GetMessage());
        Assert.Contains("float32 weights", d.GetMessage());
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Fact]
    public void FileOfANetworkWithConvolutions_ForADenseStack_IsSN0032()
    {
        // The header of what Int8Network.Save writes for a network with convolutions (format staticnet-int8-layers).
        byte[] header = Encoding.UTF8.GetBytes("{\"__metadata__\":{\"format\":\"staticnet-int8-layers\",\"input_shape\":\"5\",\"layers\":\"Dense 3 Softmax\"}," +
            "\"0.weight\":{\"dtype\":\"I8\",\"shape\":[3,5],\"data_offsets\":[0,15]}}");
        byte[] file = BitConverter.GetBytes((ulong)header.Length).Concat(header).Concat(new byte[15]).ToArray();
        GeneratorRun run = Run(Source, Encoded(file));
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SN0032", d.Id);
        Assert.Contains("\"staticnet-int8-layers\"", d.GetMessage());
        Assert.Contains("the file of a network with convolutions or pooling, but this declaration is a dense stack", d.GetMessage());
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Theory]
    [InlineData("[Network(5, 6, 3, Hidden = Activation.Tanh, Output = Activation.Softmax,", "tensor '0.weight' has shape [4, 5] but the network needs [6, 5]")]
    [InlineData("[Network(5, 4, 3, Hidden = Activation.Relu, Output = Activation.Softmax,", "layer 0 has activation Tanh in the file but Relu in the declaration")]
    [InlineData("[Network(5, 4, 4, 3, Hidden = Activation.Tanh, Output = Activation.Softmax,", "it holds 2 dense layers (Tanh, Softmax) but the network declares 3")]
    public void DeclarationThatDiffersFromTheFile_IsSN0033(string attribute, string message)
    {
        string source = Source.Replace("[Network(5, 4, 3, Hidden = Activation.Tanh, Output = Activation.Softmax,", attribute);
        Assert.NotEqual(Source, source);
        GeneratorRun run = Run(source, Encoded(TinyInt8File()));
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SN0033", d.Id);
        Assert.Contains(message, d.GetMessage());
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Fact]
    public void LeakyReluSlopeThatDiffersFromTheFile_IsSN0033()
    {
        // The tiny file relabelled as LeakyRelu/Softmax (slope 0.2 in its metadata): the header rewritten, the data kept.
        byte[] file = TinyInt8File();
        int length = (int)BitConverter.ToUInt64(file, 0);
        string json = Encoding.UTF8.GetString(file, 8, length).TrimEnd();
        string relabelled = json.Replace("\"Tanh,Softmax\"", "\"LeakyRelu,Softmax\"");
        Assert.NotEqual(json, relabelled);
        byte[] header = Encoding.UTF8.GetBytes(relabelled);
        byte[] leaky = BitConverter.GetBytes((ulong)header.Length).Concat(header).Concat(file.Skip(8 + length)).ToArray();
        string declared = Source.Replace("Hidden = Activation.Tanh", "Hidden = Activation.LeakyRelu");

        GeneratorRun same = Run(declared, Encoded(leaky));
        Assert.Empty(same.GeneratorDiagnostics);
        GeneratorRun other = Run(declared.Replace("Precision = ", "LeakyReluSlope = 0.3f, Precision = "), Encoded(leaky));
        Diagnostic d = Assert.Single(other.GeneratorDiagnostics);
        Assert.Equal("SN0033", d.Id);
        Assert.Contains("its leaky ReLU slope is 0.2 but the declaration's LeakyReluSlope is 0.3", d.GetMessage());
    }

    [Fact]
    public void MissingFile_IsSN0017_AndCorruptFile_IsSN0018()
    {
        GeneratorRun missing = Run(Source);
        Assert.Equal("SN0017", Assert.Single(missing.GeneratorDiagnostics).Id);
        byte[] cut = TinyInt8File()[..^10];
        GeneratorRun corrupt = Run(Source, Encoded(cut));
        Diagnostic d = Assert.Single(corrupt.GeneratorDiagnostics);
        Assert.Equal("SN0018", d.Id);
        Assert.Contains("data offsets", d.GetMessage());
    }

    [Fact]
    public void PrecisionIsPartOfTheModel_AndAnUnrelatedEditIsServedFromTheCache()
    {
        string text = Source + "\npublic static class Unrelated { public static int Value => 1; }\n";
        GeneratorRun first = Run(text, Encoded(TinyInt8File()));
        SyntaxTree tree = first.InputCompilation.SyntaxTrees.Single();
        SyntaxTree unrelated = tree.WithChangedText(SourceText.From(text.Replace("Value => 1", "Value => 2"), tree.GetText().Encoding));
        GeneratorRun second = GeneratorDriverHelper.Run(first.Driver, first.InputCompilation.ReplaceSyntaxTree(tree, unrelated));
        foreach (string step in new[] { TrackingNames.Spec, TrackingNames.Bake })
            Assert.All(second.Result.TrackedSteps[step].SelectMany(s => s.Outputs),
                o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));

        // The float32 declaration of the same sizes is a different model.
        SyntaxTree float32 = tree.WithChangedText(SourceText.From(text.Replace("Precision = Precision.Int8, ", ""), tree.GetText().Encoding));
        GeneratorRun third = GeneratorDriverHelper.Run(first.Driver, first.InputCompilation.ReplaceSyntaxTree(tree, float32));
        Assert.Contains(third.Result.TrackedSteps[TrackingNames.Spec].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
    }

    /// <summary>Builds the compilation, loads it collectibly and runs <paramref name="use"/> on a new instance of the int8 class.</summary>
    private static T Load<T>(Compilation compilation, string typeName, Func<Int8Model, T> use)
    {
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(stream);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var context = new System.Runtime.Loader.AssemblyLoadContext(typeName, isCollectible: true);
        try
        {
            stream.Position = 0;
            Type type = context.LoadFromStream(stream).GetType(typeName, throwOnError: true)!;
            return use((Int8Model)Activator.CreateInstance(type)!);
        }
        finally
        {
            context.Unload();
        }
    }
}
