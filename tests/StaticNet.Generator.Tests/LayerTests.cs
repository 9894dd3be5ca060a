using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Tests.TestHelpers;
using Xunit;

namespace StaticNet.Generator.Tests;

/// <summary>
/// [Sequential] and its layer attributes: snapshots of the generated code for every layer kind (each compiled without a
/// warning against the runtime's kernels), and the diagnostics (SN0025 to SN0028) at the offending layer, with the shapes
/// the generator computed.
/// </summary>
public class LayerTests
{
    private static void VerifyNetwork(string source, string snapshot, string hintName)
    {
        GeneratorRun run = GeneratorDriverHelper.AssertCompilesCleanly(source);
        Assert.Equal(hintName, run.Result.GeneratedSources[0].HintName);
        Snapshot.Verify(run.SingleSource(), snapshot);
    }

    [Fact]
    public void DigitCnn_Conv2DPoolingFlattenDenseDropout()
    {
        VerifyNetwork("""
            using StaticNet;

            namespace Course.Vision;

            [Sequential(28, 28, 1)]          // height, width, channels
            [Conv2D(16, 3, Activation = Activation.Relu)]
            [MaxPooling2D(2)]
            [Conv2D(32, 3, Activation = Activation.Relu)]
            [MaxPooling2D(2)]
            [Flatten]
            [Dense(64, Activation = Activation.Relu)]
            [Dropout(0.2f)]
            [Dense(10, Activation = Activation.Softmax)]
            public partial class DigitCnn { }
            """, "DigitCnn", "Course.Vision.DigitCnn.g.cs");
    }

    [Fact]
    public void AudioNet_Conv1DStridesSamePaddingPooling1DGlobalPooling()
    {
        VerifyNetwork("""
            using StaticNet;

            [Sequential(64, 2)]              // steps, channels
            [Conv1D(8, 5, Strides = 2, Padding = Padding.Same, Activation = Activation.LeakyRelu)]
            [AveragePooling1D(2)]
            [Conv1D(8, 3, UseBias = false, Activation = Activation.Tanh)]
            [MaxPooling1D(3, Strides = 2, Padding = Padding.Same)]
            [GlobalAveragePooling1D]
            [Dense(1, Activation = Activation.Sigmoid)]
            public partial class AudioNet { }
            """, "AudioNet", "AudioNet.g.cs");
    }

    [Fact]
    public void NormNet_BatchNormalizationAveragePoolingGlobalPooling()
    {
        VerifyNetwork("""
            using StaticNet;

            namespace Vision;

            [Sequential(16, 12, 3)]
            [Conv2D(8, 3, 2, UseBias = false)]
            [BatchNormalization(Momentum = 0.9f, Epsilon = 1e-5f)]
            [AveragePooling2D(2, Strides = 1)]
            [Dropout(0.1f)]
            [GlobalAveragePooling2D]
            [Dense(4, Activation = Activation.Softmax)]
            public partial class NormNet { }
            """, "NormNet", "Vision.NormNet.g.cs");
    }

    [Fact]
    public void GeneratedOffsets_AreTheRuntimeShapes()
    {
        // The layout constants of a generated CNN are the numbers NetworkShape computes at run time (the shared arithmetic).
        string generated = GeneratorDriverHelper.Run("""
            using StaticNet;
            [Sequential(10, 9, 2)]
            [Conv2D(3, 3, Padding = Padding.Same, Strides = 2)]
            [BatchNormalization]
            [Flatten]
            [Dense(4)]
            [Dropout(0.5f)]
            [Dense(2, Activation = Activation.Softmax)]
            public partial class OffsetNet { }
            """).SingleSource();
        var shape = new StaticNet.NetworkShape(new[] { 10, 9, 2 }, new[]
        {
            StaticNet.LayerInfo.Conv2D(3, 3, 3, 2, 2, StaticNet.Padding.Same), StaticNet.LayerInfo.BatchNormalization(), StaticNet.LayerInfo.Flatten(),
            StaticNet.LayerInfo.Dense(4), StaticNet.LayerInfo.Dropout(0.5f), StaticNet.LayerInfo.Dense(2, StaticNet.Activation.Softmax),
        });
        Assert.Contains($"public const int ParameterCount = {shape.ParameterCount};", generated);
        Assert.Contains($"public const int W1 = {shape.Layers[0].ParameterOffset};", generated);
        Assert.Contains($"public const int B1 = {shape.Layers[0].ParameterOffset + shape.Layers[0].WeightCount};", generated);
        Assert.Contains($"Gamma2 = {shape.Layers[1].ParameterOffset}, Beta2 = {shape.Layers[1].ParameterOffset + 3}, Mean2 = {shape.Layers[1].ParameterOffset + 6}", generated);
        Assert.Contains($"public const int W4 = {shape.Layers[3].ParameterOffset};", generated);
        for (int i = 0; i < shape.Layers.Count; i++)
            if (shape.Layers[i].Kind != StaticNet.LayerKind.Flatten)
                Assert.Contains($"public const int A{i + 1} = {shape.LayerActivationOffset(i)};", generated);
        // 'same' with strides 2: 10x9 -> 5x5, padding before = floor(max((5-1)*2 + 3 - 10, 0) / 2) = 0 rows, floor((8 + 3 - 9) / 2) = 1 column.
        Assert.Contains("public static int OutHeight => 5; public static int OutWidth => 5; public static int Filters => 3;", generated);
        Assert.Contains("public static int PadTop => 0; public static int PadLeft => 1;", generated);
    }

    // ------------------------------------------------------------------ diagnostics

    /// <summary>Checks that the generator reported only <paramref name="id"/>, once, at an attribute starting with <paramref name="at"/>, with the message parts; and generated nothing.</summary>
    private static void AssertReports(string source, string id, string at, params string[] messageParts)
    {
        GeneratorRun run = GeneratorDriverHelper.Run(source);
        Assert.Null(run.Result.Exception);
        Diagnostic[] reported = run.GeneratorDiagnostics.ToArray();
        Assert.True(reported.Length == 1 && reported[0].Id == id, $"Expected one {id}, got:\n{GeneratorDriverHelper.Format(reported)}");
        Diagnostic diagnostic = reported[0];
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        string located = diagnostic.Location.SourceTree is { } tree
            ? tree.GetText().ToString(diagnostic.Location.SourceSpan)
            : run.InputCompilation.SyntaxTrees.Single(t => t.FilePath == diagnostic.Location.GetLineSpan().Path).GetText().ToString(diagnostic.Location.SourceSpan);
        Assert.True(located.StartsWith(at, StringComparison.Ordinal), $"{id} should point at '{at}...' but points at '{located}'.");
        string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string part in messageParts)
            Assert.True(message.Contains(part, StringComparison.Ordinal), $"'{message}' should contain '{part}'.");
        Assert.DoesNotContain("{", message);
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Fact]
    public void SN0025_DenseAfterA3DOutputWithoutFlatten_ShowsTheShapes()
    {
        AssertReports("""
            using StaticNet;
            [Sequential(28, 28, 1)]
            [Conv2D(16, 3)]
            [Dense(10, Activation = Activation.Softmax)]
            public partial class NoFlatten { }
            """, "SN0025", "Dense(", "Layer 2 (Dense)", "(26, 26, 16)", "add Flatten", "Shapes so far: (28, 28, 1) -> Conv2D (26, 26, 16)");
    }

    [Fact]
    public void SN0025_KernelLargerThanItsInput()
    {
        AssertReports("""
            using StaticNet;
            [Sequential(4, 4, 1)]
            [Conv2D(2, 5)]
            [Flatten]
            [Dense(1)]
            public partial class BigKernel { }
            """, "SN0025", "Conv2D(", "kernel 5x5", "(4, 4, 1)", "padding 'valid'");
    }

    [Fact]
    public void SN0025_PoolThatLeavesNothing_AtThatPool()
    {
        AssertReports("""
            using StaticNet;
            [Sequential(6, 6, 1)]
            [Conv2D(2, 3)]
            [MaxPooling2D(2)]
            [MaxPooling2D(2)]
            [MaxPooling2D(3)]
            [Flatten]
            [Dense(1)]
            public partial class Shrinking { }
            """, "SN0025", "MaxPooling2D(3", "Layer 4 (MaxPooling2D)", "(1, 1, 2)",
            "(6, 6, 1) -> Conv2D (4, 4, 2) -> MaxPooling2D (2, 2, 2) -> MaxPooling2D (1, 1, 2)");
    }

    [Fact]
    public void SN0025_Conv2DOnA1DInput()
    {
        AssertReports("""
            using StaticNet;
            [Sequential(784)]
            [Conv2D(8, 3)]
            [Flatten]
            [Dense(1)]
            public partial class FlatInput { }
            """, "SN0025", "Conv2D(", "3-D input (height, width, channels)", "(784,)");
    }

    [Fact]
    public void SN0026_LayerAttributeOnAnotherPartialDeclaration()
    {
        AssertReports("""
            using StaticNet;
            [Sequential(4)]
            [Dense(1)]
            public partial class Split { }

            [Dense(3)]
            public partial class Split { }
            """, "SN0026", "Dense(3", "declaration without [Sequential]");
    }

    [Fact]
    public void SN0026_NetworkAndSequentialTogether()
    {
        GeneratorRun run = GeneratorDriverHelper.Run("""
            using StaticNet;
            [Sequential(4)]
            [Dense(1)]
            [Network(4, 1)]
            public partial class Both { }
            """);
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "SN0026" && d.GetMessage().Contains("both [Sequential] and [Network]"));
    }

    [Fact]
    public void SN0027_BatchNormalizationMomentumOutOfRange()
    {
        AssertReports("""
            using StaticNet;
            [Sequential(4)]
            [BatchNormalization(Momentum = 2f)]
            [Dense(1)]
            public partial class BadMomentum { }
            """, "SN0027", "BatchNormalization(", "Layer 1 (BatchNormalization)", "Momentum is 2");
    }

    [Fact]
    public void SN0027_ConvolutionStridesZero()
    {
        AssertReports("""
            using StaticNet;
            [Sequential(8, 8, 1)]
            [Conv2D(2, 3, Strides = 0)]
            [Flatten]
            [Dense(1)]
            public partial class ZeroStrides { }
            """, "SN0027", "Conv2D(", "Strides is 0");
    }

    [Fact]
    public void SN0027_InputShapeOfFourDimensions()
    {
        AssertReports("""
            using StaticNet;
            [Sequential(2, 8, 8, 1)]
            [Flatten]
            [Dense(1)]
            public partial class FourD { }
            """, "SN0027", "Sequential(", "4 dimensions");
    }

    [Fact]
    public void SN0028_LastLayerIsNotDense()
    {
        AssertReports("""
            using StaticNet;
            [Sequential(8, 8, 1)]
            [Conv2D(2, 3)]
            [GlobalAveragePooling2D]
            public partial class NoOutput { }
            """, "SN0028", "GlobalAveragePooling2D", "GlobalAveragePooling2D", "ends with a Dense layer");
    }

    [Fact]
    public void SN0028_NoLayers()
    {
        AssertReports("""
            using StaticNet;
            [Sequential(8)]
            public partial class Empty { }
            """, "SN0028", "Sequential(", "no layer attributes");
    }

    [Fact]
    public void SN0015_DropoutRateOutOfRange_AtTheDropout()
    {
        AssertReports("""
            using StaticNet;
            [Sequential(8)]
            [Dense(4)]
            [Dropout(1.5f)]
            [Dense(1)]
            public partial class BadRate { }
            """, "SN0015", "Dropout(", "1.5");
    }

    [Fact]
    public void SN0005_SoftmaxOnAHiddenLayer_AtThatLayer()
    {
        AssertReports("""
            using StaticNet;
            [Sequential(8)]
            [Dense(4, Activation = Activation.Softmax)]
            [Dense(1)]
            public partial class HiddenSoftmax { }
            """, "SN0005", "Dense(4", "Layer 1");
    }

    [Fact]
    public void BakedWeightsOnAConvolutionalNetwork_AreLookedFor_NotRefused()
    {
        // SN0029 (baking only for Dense stacks) is retired: the generator looks for the file (BakedWeightsTests bakes one).
        AssertReports("""
            using StaticNet;
            [Sequential(8, 8, 1, Weights = "cnn.safetensors")]
            [Conv2D(2, 3)]
            [Flatten]
            [Dense(1)]
            public partial class BakedCnn { }
            """, "SN0017", "Sequential(", "'cnn.safetensors'");
    }

    [Fact]
    public void SequentialDenseStack_GeneratesTheShorthandsCode_ButForTheShapeDeclaration()
    {
        string Body(string source)
        {
            string text = GeneratorDriverHelper.AssertCompilesCleanly(source).SingleSource();
            // Everything from the methods to the layout constants, without the header and the shape initializer.
            int start = text.IndexOf("public override void Predict", StringComparison.Ordinal);
            int end = text.IndexOf("public static readonly global::StaticNet.NetworkShape Shape", StringComparison.Ordinal);
            return text.Substring(start, end - start);
        }
        string sequential = Body("""
            using StaticNet;
            [Sequential(6)]
            [Dense(5, Activation = Activation.Relu)]
            [Dropout(0.25f)]
            [Dense(3, Activation = Activation.Softmax)]
            public partial class Twin { }
            """);
        string shorthand = Body("""
            using StaticNet;
            [Network(6, 5, 3, Hidden = Activation.Relu, Output = Activation.Softmax, DropoutPerLayer = new[] { 0.25f })]
            public partial class Twin { }
            """);
        Assert.Equal(shorthand, sequential);
    }
}
