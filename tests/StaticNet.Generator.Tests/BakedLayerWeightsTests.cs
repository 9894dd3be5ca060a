using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using StaticNet.Generator.Tests.TestHelpers;
using StaticNet.Interop;
using Xunit;

namespace StaticNet.Generator.Tests;

/// <summary>
/// <c>[Sequential(..., Weights = "file.safetensors")]</c> with convolutions, BatchNormalization, pooling, Flatten and
/// Dropout: the generator bakes PyTorch- and Keras-layout files with the runtime's own mapping (src/Shared/TensorMapping.cs),
/// so a baked network starts from exactly what <c>Safetensors.Load</c> of the same file gives.
/// </summary>
public class BakedLayerWeightsTests
{
    private const string Cnn = """
        using StaticNet;
        namespace Baked;
        [Sequential(8, 8, 2, Weights = "cnn.safetensors")]
        [Conv2D(3, 3, Activation = Activation.Relu)]
        [BatchNormalization]
        [MaxPooling2D(2)]
        [Flatten]
        [Dense(5, Activation = Activation.Tanh)]
        [Dropout(0.25f)]
        [Dense(3, Activation = Activation.Softmax)]
        public partial class BakedCnn { }
        """;

    private const string Conv1D = """
        using StaticNet;
        namespace Baked;
        [Sequential(12, 2, Weights = "conv1d.safetensors")]
        [Conv1D(4, 3, Padding = Padding.Same, Activation = Activation.Relu)]
        [BatchNormalization]
        [MaxPooling1D(2)]
        [Conv1D(3, 2, UseBias = false)]
        [Flatten]
        [Dense(1, Activation = Activation.Sigmoid)]
        public partial class BakedConv1D { }
        """;

    /// <summary>A small safetensors writer: F32 tensors, or raw bytes of another dtype (PyTorch's I64 step counter).</summary>
    private static byte[] SafetensorsFile(params (string Name, string DType, int[] Shape, byte[] Data)[] tensors)
    {
        var json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        var data = new List<byte>();
        foreach (var (name, dtype, shape, bytes) in tensors)
        {
            int begin = data.Count;
            data.AddRange(bytes);
            json.Append($",\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{begin},{data.Count}]}}");
        }
        json.Append('}');
        byte[] header = Encoding.UTF8.GetBytes(json.ToString());
        return BitConverter.GetBytes((ulong)header.Length).Concat(header).Concat(data).ToArray();
    }

    private static (string, string, int[], byte[]) F32(string name, int[] shape, params float[] values) =>
        (name, "F32", shape, values.SelectMany(BitConverter.GetBytes).ToArray());

    private sealed class Base64Text(string path, string text) : AdditionalText
    {
        public override string Path => path;
        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text, Encoding.UTF8);
    }

    private static AdditionalText Encoded(byte[] bytes, string name) =>
        new Base64Text($"/project/obj/staticnet/{name}.base64", "staticnet-weights-base64\n" + Convert.ToBase64String(bytes) + "\n");

    private static GeneratorRun Bake(string source, byte[] file, string name) =>
        GeneratorDriverHelper.Run(GeneratorDriverHelper.CreateDriver().AddAdditionalTexts(ImmutableArray.Create(Encoded(file, name))),
            GeneratorDriverHelper.CreateCompilation(source));

    private static void AssertClean(GeneratorRun run)
    {
        Assert.Null(run.Result.Exception);
        var problems = run.OutputDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, GeneratorDriverHelper.Format(problems));
    }

    private static uint[] Bits(float[] values) => values.Select(BitConverter.SingleToUInt32Bits).ToArray();

    [Fact]
    public void HandWrittenPyTorchFile_PutsEveryElementWhereTheLayoutSays()
    {
        // Conv2d(1, 2, 2) [module 0], ReLU [1], BatchNorm2d(2) [2], Flatten [3], Linear(8, 1) [4]: the names count every module.
        const string source = """
            using StaticNet;
            namespace Baked;
            [Sequential(3, 3, 1, Weights = "hand.safetensors")]
            [Conv2D(2, 2, Activation = Activation.Relu)]
            [BatchNormalization]
            [Flatten]
            [Dense(1)]
            public partial class HandNet { }
            """;
        float[] conv = Enumerable.Range(0, 8).Select(j => (float)j).ToArray();              // [o, i, y, x] = 4o + 2y + x
        float[] linear = Enumerable.Range(0, 8).Select(t => 10f + t).ToArray();             // column t = 4c + (2y + x): channels first
        byte[] file = SafetensorsFile(
            F32("0.weight", new[] { 2, 1, 2, 2 }, conv), F32("0.bias", new[] { 2 }, 100, 101),
            F32("2.weight", new[] { 2 }, 0.5f, 0.25f), F32("2.bias", new[] { 2 }, -1, -2),
            F32("2.running_mean", new[] { 2 }, 3, 4), F32("2.running_var", new[] { 2 }, 5, 6),
            ("2.num_batches_tracked", "I64", Array.Empty<int>(), BitConverter.GetBytes(7L)),   // in every state_dict(); skipped
            F32("4.weight", new[] { 1, 8 }, linear), F32("4.bias", new[] { 1 }, -0.5f));
        GeneratorRun run = Bake(source, file, "hand.safetensors");
        AssertClean(run);

        // By hand: the kernel stored [kh, kw, in, out], element ((y·2 + x)·1 + i)·2 + o; the Dense columns in (h, w, c)
        // order, column p·2 + c; BatchNormalization gamma, beta, mean, variance.
        float[] expected =
        {
            0, 4, 1, 5, 2, 6, 3, 7, 100, 101,
            0.5f, 0.25f, -1, -2, 3, 4, 5, 6,
            10, 14, 11, 15, 12, 16, 13, 17, -0.5f,
        };
        Assert.Equal(Bits(expected), Bits(BakedLoader.Parameters(run.OutputCompilation, "Baked.HandNet")));
        Snapshot.Verify(run.SingleSource(), "BakedHandNet");
    }

    public static TheoryData<string, string, string> Networks => new()
    {
        { Cnn, "Baked.BakedCnn", "cnn.safetensors" },
        { Conv1D, "Baked.BakedConv1D", "conv1d.safetensors" },
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void FileSavedByTheRuntime_InPyTorchLayout_BakesToTheSavedParameters(string source, string type, string file) =>
        RoundTrip(source, type, file, SafetensorsLayout.PyTorch);

    [Theory]
    [MemberData(nameof(Networks))]
    public void FileSavedByTheRuntime_InKerasLayout_BakesToTheSavedParameters(string source, string type, string file) =>
        RoundTrip(source, type, file, SafetensorsLayout.Keras);

    /// <summary>
    /// The network without Weights, compiled and run: random parameters (BatchNormalization's too), saved with
    /// Safetensors.Save; the network with Weights baked from that file starts from exactly those parameters.
    /// </summary>
    private static void RoundTrip(string source, string type, string file, SafetensorsLayout layout)
    {
        string plain = source.Replace($"Weights = \"{file}\"", "LeakyReluSlope = 0.2f");
        GeneratorRun unbaked = GeneratorDriverHelper.AssertCompilesCleanly(plain);
        (float[] saved, byte[] bytes, string[] names) = Load(unbaked.OutputCompilation, type, model =>
        {
            var random = new Random(5);
            Span<float> p = model.Parameters;
            for (int i = 0; i < p.Length; i++) p[i] = (float)(random.NextDouble() * 2 - 1);
            using var stream = new MemoryStream();
            Safetensors.Save(model, stream, layout);
            return (p.ToArray(), stream.ToArray(), Safetensors.ReadTensors(new MemoryStream(stream.ToArray())).Keys.ToArray());
        });
        Assert.Contains(names, n => n.EndsWith(layout == SafetensorsLayout.PyTorch ? ".running_var" : "/moving_variance", StringComparison.Ordinal));

        GeneratorRun baked = Bake(source, bytes, file);
        AssertClean(baked);
        Assert.Contains("Baked.CopyTo(base.InitialParameters)", baked.SingleSource());
        Assert.Equal(Bits(saved), Bits(BakedLoader.Parameters(baked.OutputCompilation, type)));
    }

    [Theory]
    [InlineData("missing", "it has no tensor '1.running_var' (expected shape [3])")]
    [InlineData("shape", "tensor '0.weight' has shape [3, 3, 2, 3] but the network needs [3, 2, 3, 3]")]
    [InlineData("keras", "tensor 'conv2d/kernel' has shape [3, 2, 3, 3] but the network needs [3, 3, 2, 3] (Keras layout)")]
    public void FilesThatDoNotFit_AreSN0019_NamingTheTensor(string kind, string message)
    {
        const string source = """
            using StaticNet;
            namespace Baked;
            [Sequential(6, 6, 2, Weights = "bad.safetensors")]
            [Conv2D(3, 3)]
            [BatchNormalization]
            [GlobalAveragePooling2D]
            [Dense(1)]
            public partial class BadNet { }
            """;
        float[] Zeros(int n) => new float[n];
        byte[] file = kind switch
        {
            "missing" => SafetensorsFile(F32("0.weight", new[] { 3, 2, 3, 3 }, Zeros(54)), F32("0.bias", new[] { 3 }, Zeros(3)),
                F32("1.weight", new[] { 3 }, Zeros(3)), F32("1.bias", new[] { 3 }, Zeros(3)), F32("1.running_mean", new[] { 3 }, Zeros(3)),
                F32("4.weight", new[] { 1, 3 }, Zeros(3)), F32("4.bias", new[] { 1 }, Zeros(1))),
            "shape" => SafetensorsFile(F32("0.weight", new[] { 3, 3, 2, 3 }, Zeros(54))),
            _ => SafetensorsFile(F32("conv2d/kernel", new[] { 3, 2, 3, 3 }, Zeros(54))),
        };
        GeneratorRun run = Bake(source, file, "bad.safetensors");
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SN0019", d.Id);
        Assert.Contains(message, d.GetMessage());
        Assert.Empty(run.Result.GeneratedSources);
    }

    private static T Load<T>(Compilation compilation, string typeName, Func<NeuralNetwork, T> use)
    {
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(stream);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var context = new System.Runtime.Loader.AssemblyLoadContext(typeName, isCollectible: true);
        try
        {
            stream.Position = 0;
            Type type = context.LoadFromStream(stream).GetType(typeName, throwOnError: true)!;
            return use((NeuralNetwork)Activator.CreateInstance(type, 7)!);
        }
        finally
        {
            context.Unload();
        }
    }
}
