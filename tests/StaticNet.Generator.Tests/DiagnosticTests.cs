using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticNet.Generator.Tests.TestHelpers;
using Xunit;

namespace StaticNet.Generator.Tests;

/// <summary>One test (or theory) per diagnostic of <see cref="Diagnostics"/>, SN0001 to SN0022 (SN0017 to SN0019 in <see cref="BakedWeightsTests"/>).</summary>
public class DiagnosticTests
{
    /// <summary>
    /// Runs the generator over <paramref name="source"/> and checks that it reported only
    /// <paramref name="id"/> (<paramref name="count"/> times), as an error on the attribute, with
    /// a message containing each of <paramref name="messageParts"/>; that it did not throw; and that
    /// it generated nothing.
    /// </summary>
    private static Diagnostic[] AssertReports(string source, string id, int count, params string[] messageParts) =>
        AssertReports(GeneratorDriverHelper.ParseOptions, new[] { source }, id, count, messageParts);

    private static Diagnostic[] AssertReports(CSharpParseOptions options, string[] sources, string id, int count, params string[] messageParts)
    {
        GeneratorRun run = GeneratorDriverHelper.Run(GeneratorDriverHelper.CreateDriver(options), GeneratorDriverHelper.CreateCompilation(options, sources));
        Assert.Null(run.Result.Exception);

        Diagnostic[] reported = run.GeneratorDiagnostics.ToArray();
        string all = GeneratorDriverHelper.Format(reported);
        Assert.True(reported.Length == count && reported.All(d => d.Id == id),
            $"Expected {count} x {id}, got {reported.Length}:\n{all}");
        // Nothing else (the compiler included) reports an SN id.
        Assert.Equal(count, run.OutputDiagnostics.Count(d => d.Id.StartsWith("SN", StringComparison.Ordinal)));

        foreach (Diagnostic diagnostic in reported)
        {
            Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
            Assert.Equal(DiagnosticSeverity.Error, diagnostic.Descriptor.DefaultSeverity);
            Assert.Equal("StaticNet", diagnostic.Descriptor.Category);

            string located = TextAt(run, diagnostic);
            Assert.True(located.StartsWith("Network(", StringComparison.Ordinal) || located == "Network",
                $"{id} should point at the [Network] attribute but points at '{located}'.");

            string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            foreach (string part in messageParts)
                Assert.True(message.Contains(part, StringComparison.Ordinal), $"'{message}' should contain '{part}'.");
            Assert.DoesNotContain("{", message); // every placeholder was filled
        }

        Assert.Empty(run.Result.GeneratedSources);
        return reported;
    }

    private static Diagnostic AssertReports(string source, string id, params string[] messageParts) =>
        AssertReports(source, id, 1, messageParts).Single();

    /// <summary>
    /// The source text a diagnostic points at. Generator diagnostics carry a file path and span
    /// rather than a tree, so the tree is found by its path.
    /// </summary>
    private static string TextAt(GeneratorRun run, Diagnostic diagnostic)
    {
        FileLinePositionSpan lineSpan = diagnostic.Location.GetLineSpan();
        Assert.False(string.IsNullOrEmpty(lineSpan.Path), $"{diagnostic.Id} has no location: {diagnostic}");
        SyntaxTree tree = run.InputCompilation.SyntaxTrees.Single(t => t.FilePath == lineSpan.Path);
        Microsoft.CodeAnalysis.Text.SourceText text = tree.GetText();
        string byLines = text.ToString(text.Lines.GetTextSpan(lineSpan.Span));
        string bySpan = text.ToString(diagnostic.Location.SourceSpan);
        Assert.Equal(bySpan, byLines); // the span and the line positions agree
        return bySpan;
    }

    // ------------------------------------------------------------------ SN0001

    [Fact]
    public void SN0001_ClassNotPartial()
    {
        AssertReports("""
            using StaticNet;
            [Network(4, 2, 1)]
            public class PlainNet { }
            """, "SN0001", "'PlainNet'", "partial");
    }

    [Fact]
    public void SN0001_OnePartOfTheClassNotPartial_IsACompilerError_NotACrash()
    {
        // A class with partial and non-partial declarations is CS0260; the generator must not add its own code.
        GeneratorRun run = GeneratorDriverHelper.Run("""
            using StaticNet;
            [Network(4, 2, 1)]
            public partial class HalfNet { }
            public class HalfNet { }
            """);
        Assert.Null(run.Result.Exception);
        Assert.Empty(run.Result.GeneratedSources);
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "SN0001");
    }

    // ------------------------------------------------------------------ SN0002

    [Theory]
    [InlineData("[Network(10)]", "got 1")]
    [InlineData("[Network]", "got 0")]
    [InlineData("[Network()]", "got 0")]
    [InlineData("[Network(null)]", "got 0")]
    public void SN0002_FewerThanTwoSizes(string attribute, string got)
    {
        AssertReports($$"""
            using StaticNet;
            {{attribute}}
            public partial class TinyNet { }
            """, "SN0002", got);
    }

    // ------------------------------------------------------------------ SN0003

    [Fact]
    public void SN0003_SizeZero()
    {
        AssertReports("""
            using StaticNet;
            [Network(4, 0, 1)]
            public partial class ZeroNet { }
            """, "SN0003", "Layer size 1 ", " is 0;");
    }

    [Fact]
    public void SN0003_SizeNegative_EachBadSizeReported()
    {
        Diagnostic[] reported = AssertReports("""
            using StaticNet;
            [Network(-3, 2, -1)]
            public partial class NegativeNet { }
            """, "SN0003", 2);
        string[] messages = reported.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Contains(messages, m => m.Contains("Layer size 0 ") && m.Contains("is -3"));
        Assert.Contains(messages, m => m.Contains("Layer size 2 ") && m.Contains("is -1"));
    }

    // ------------------------------------------------------------------ SN0004

    [Theory]
    [InlineData("new[] { Activation.Relu }", 1)]
    [InlineData("new[] { Activation.Relu, Activation.Relu, Activation.Sigmoid }", 3)]
    [InlineData("new Activation[0]", 0)]
    public void SN0004_ActivationsOfTheWrongLength(string activations, int given)
    {
        AssertReports($$"""
            using StaticNet;
            [Network(4, 3, 2, Activations = {{activations}})]
            public partial class CountNet { }
            """, "SN0004", $"Activations has {given} entries", "has 2 dense layers");
    }

    // ------------------------------------------------------------------ SN0005

    [Theory]
    [InlineData("Hidden = Activation.Softmax", 2, "Layer 1 ")]
    [InlineData("Activations = new[] { Activation.Relu, Activation.Softmax, Activation.Softmax }", 1, "Layer 2 ")]
    public void SN0005_SoftmaxOnAHiddenLayer(string arguments, int count, string layer)
    {
        Diagnostic[] reported = AssertReports($$"""
            using StaticNet;
            [Network(4, 8, 8, 3, {{arguments}})]
            public partial class SoftHiddenNet { }
            """, "SN0005", count, "hidden layer", "Softmax");
        Assert.Contains(reported, d => d.GetMessage().StartsWith(layer, StringComparison.Ordinal));
    }

    [Fact]
    public void SN0005_ActivationSoftmax_AppliesToEveryHiddenLayer()
    {
        Diagnostic[] reported = AssertReports("""
            using StaticNet;
            [Network(4, 8, 8, 3, Activation = Activation.Softmax)]
            public partial class AllSoftNet { }
            """, "SN0005", 2);
        Assert.StartsWith("Layer 1 ", reported[0].GetMessage());
        Assert.StartsWith("Layer 2 ", reported[1].GetMessage());
    }

    // ------------------------------------------------------------------ SN0006

    [Theory]
    [InlineData("Output = Activation.Softmax")]
    [InlineData("Activations = new[] { Activation.Relu, Activation.Softmax }")]
    public void SN0006_SoftmaxOnAOneUnitOutput(string arguments)
    {
        AssertReports($$"""
            using StaticNet;
            [Network(4, 3, 1, {{arguments}})]
            public partial class OneSoftNet { }
            """, "SN0006", "single output unit", "Sigmoid");
    }

    // ------------------------------------------------------------------ SN0007

    [Fact]
    public void SN0007_GenericClass()
    {
        AssertReports("""
            using StaticNet;
            [Network(4, 2, 1)]
            public partial class GenericNet<T> { }
            """, "SN0007", "'GenericNet' is generic");
    }

    [Fact]
    public void SN0007_NestedInAGenericType()
    {
        AssertReports("""
            using StaticNet;
            public partial class Container<T>
            {
                [Network(4, 2, 1)]
                public partial class InnerNet { }
            }
            """, "SN0007", "'Container' is generic");
    }

    // ------------------------------------------------------------------ SN0008

    [Fact]
    public void SN0008_ContainingTypeNotPartial()
    {
        AssertReports("""
            using StaticNet;
            public class Host
            {
                [Network(4, 2, 1)]
                public partial class InnerNet { }
            }
            """, "SN0008", "'Host'", "'InnerNet'");
    }

    [Fact]
    public void SN0008_OuterOfTwoContainingTypesNotPartial()
    {
        AssertReports("""
            using StaticNet;
            public class Outer
            {
                public partial class Middle
                {
                    [Network(4, 2, 1)]
                    public partial class InnerNet { }
                }
            }
            """, "SN0008", "'Outer'", "'InnerNet'");
    }

    // ------------------------------------------------------------------ SN0009

    [Theory]
    [InlineData("public int InputSize;", "a field named 'InputSize'")]
    [InlineData("public static int OutputSize() => 1;", "a method named 'OutputSize'")]
    [InlineData("private class StaticNetLayout { }", "a nested type named 'StaticNetLayout'")]
    [InlineData("public void Predict(ReadOnlySpan<float> x, Span<float> y) { }", "Predict(ReadOnlySpan<float>, Span<float>)")]
    [InlineData("public ClashNet() : this(1) { }", "a parameterless constructor")]
    [InlineData("public ClashNet(int seed) { }", "a constructor taking one int (the seed)")]
    public void SN0009_NameClashesWithGeneratedMembers(string member, string what)
    {
        AssertReports($$"""
            using System;
            using StaticNet;
            [Network(4, 2, 1)]
            public partial class ClashNet
            {
                {{member}}
                private ClashNet(string unused) : this(0) { }
            }
            """, "SN0009", "'ClashNet'", what);
    }

    public static readonly TheoryData<string, string> ClashingMembers = new()
    {
        // Every kind of member named like a generated one: CS0102 inside the generated file before.
        { "public int Predict { get; set; }", "a property named 'Predict'" },
        { "public int Predict;", "a field named 'Predict'" },
        { "public event Action? Predict;", "an event named 'Predict'" },
        { "public class Predict { }", "a nested type named 'Predict'" },
        { "public delegate void Predict();", "a nested type named 'Predict'" },
        { "public enum ForwardBatch { A }", "a nested type named 'ForwardBatch'" },
        { "public static int BackwardBatch => 0;", "a property named 'BackwardBatch'" },
        { "public int InputSize { get; }", "a property named 'InputSize'" },
        { "public event Action? ParameterCount;", "an event named 'ParameterCount'" },
        { "public struct LayerCount { }", "a nested type named 'LayerCount'" },
        { "public void OutputSize(int x) { }", "a method named 'OutputSize'" },
        { "public const int StaticNetLayout = 1;", "a field named 'StaticNetLayout'" },
        // Methods whose signature equals a generated one (the return type and parameter names do not matter).
        { "public int Predict(ReadOnlySpan<float> a, Span<float> b) => 0;", "a method Predict(ReadOnlySpan<float>, Span<float>)" },
        { "protected void ForwardBatch(ReadOnlySpan<float> p, ReadOnlySpan<float> i, int c, Span<float> a, Span<float> o, ulong k) { }", "a method ForwardBatch(ReadOnlySpan<float>, ReadOnlySpan<float>, int, Span<float>, Span<float>, ulong)" },
        { "void BackwardBatch(ReadOnlySpan<float> p, ReadOnlySpan<float> i, int c, ReadOnlySpan<float> a, ReadOnlySpan<float> d, Span<float> s, Span<float> g, ulong k) { }", "a method BackwardBatch(" },
    };

    [Theory]
    [MemberData(nameof(ClashingMembers))]
    public void SN0009_EveryKindOfClashingMember(string member, string what)
    {
        AssertReports($$"""
            using System;
            using StaticNet;
            [Network(4, 2, 1)]
            public partial class ClashNet
            {
                {{member}}
            }
            """, "SN0009", "'ClashNet'", what);
    }

    [Theory]
    [InlineData("public void Predict(ReadOnlySpan<float> x, Span<float> y, int extra) { }")]
    [InlineData("public void Predict<T>(ReadOnlySpan<float> x, Span<float> y) { }")]
    [InlineData("public void Predict(float[] x, float[] y) { }")]
    [InlineData("public void ForwardBatch(int x) { }")]
    [InlineData("public static void BackwardBatch(string s) { }")]
    [InlineData("public OverloadNet(ref int seed) : this(seed, 0) { }")]
    [InlineData("public OverloadNet(long seed) : this((int)seed) { }")]
    public void SN0009_NotReportedForOverloadsThatDoNotClash(string member)
    {
        GeneratorDriverHelper.AssertCompilesCleanly($$"""
            using System;
            using StaticNet;
            [Network(4, 2, 1)]
            public partial class OverloadNet
            {
                {{member}}
                private OverloadNet(int a, int b) : this(a + b) { }
            }
            """);
    }

    // ------------------------------------------------------------------ SN0010

    [Theory]
    [InlineData("public class Base { }\n[Network(4, 2, 1)]\npublic partial class KindNet : Base { }", "derives from 'Base'")]
    [InlineData("[Network(4, 2, 1)]\npublic partial record KindNet;", "records cannot derive")]
    [InlineData("[Network(4, 2, 1)]\npublic static partial class KindNet { }", "static class")]
    [InlineData("[Network(4, 2, 1)]\npublic abstract partial class KindNet { }", "abstract class")]
    public void SN0010_UnsupportedKindOfClass(string declaration, string reason)
    {
        AssertReports($$"""
            using StaticNet;
            {{declaration}}
            """, "SN0010", "'KindNet' cannot be a [Network] class", reason);
    }

    [Fact]
    public void SN0010_NotReportedForNeuralNetworkAsBase()
    {
        GeneratorDriverHelper.AssertCompilesCleanly("""
            using StaticNet;
            [Network(4, 2, 1)]
            public partial class ExplicitBaseNet : NeuralNetwork { }
            """);
    }

    // ------------------------------------------------------------------ SN0011

    [Theory]
    [InlineData("Hidden = Activation.Tanh", "combined with Hidden;")]
    [InlineData("Output = Activation.Sigmoid", "combined with Output;")]
    [InlineData("Activation = Activation.Relu, Hidden = Activation.Tanh", "combined with Activation, Hidden;")]
    public void SN0011_ActivationsCombinedWithOtherSettings(string other, string message)
    {
        AssertReports($$"""
            using StaticNet;
            [Network(4, 3, 1, Activations = new[] { Activation.Relu, Activation.Sigmoid }, {{other}})]
            public partial class ConflictNet { }
            """, "SN0011", message);
    }

    [Theory]
    [InlineData("Dropout = 0.1f, DropoutPerLayer = new[] { 0.1f }", "DropoutPerLayer sets every layer and cannot be combined with Dropout;")]
    [InlineData("L2 = 0.1f, L2PerLayer = new[] { 0.1f, 0f }", "L2PerLayer sets every layer and cannot be combined with L2;")]
    public void SN0011_PerLayerValuesCombinedWithTheSingleValue(string arguments, string message)
    {
        AssertReports($$"""
            using StaticNet;
            [Network(4, 3, 1, {{arguments}})]
            public partial class ConflictNet { }
            """, "SN0011", message);
    }

    // ------------------------------------------------------------------ SN0012

    [Theory]
    [InlineData("-1f", "got -1")]
    [InlineData("float.NaN", "got NaN")]
    [InlineData("float.PositiveInfinity", "got Infinity")]
    public void SN0012_InvalidLeakySlope(string slope, string message)
    {
        AssertReports($$"""
            using StaticNet;
            [Network(4, 3, 1, Hidden = Activation.LeakyRelu, LeakyReluSlope = {{slope}})]
            public partial class SlopeNet { }
            """, "SN0012", message);
    }

    [Fact]
    public void SN0012_ZeroSlopeIsValid()
    {
        GeneratorDriverHelper.AssertCompilesCleanly("""
            using StaticNet;
            [Network(4, 3, 1, Hidden = Activation.LeakyRelu, LeakyReluSlope = 0f)]
            public partial class ZeroSlopeNet { }
            """);
    }

    // ------------------------------------------------------------------ SN0013

    [Theory]
    [InlineData("Activation = (Activation)42", "Activation is 42")]
    [InlineData("Hidden = (Activation)(-1)", "Hidden is -1")]
    [InlineData("Output = (Activation)6", "Output is 6")]
    [InlineData("Activations = new[] { Activation.Relu, (Activation)99 }", "Activations[1] is 99")]
    public void SN0013_UndefinedActivation(string arguments, string message)
    {
        AssertReports($$"""
            using StaticNet;
            [Network(4, 3, 2, {{arguments}})]
            public partial class UndefinedNet { }
            """, "SN0013", message, "not a member of StaticNet.Activation");
    }

    // ------------------------------------------------------------------ SN0014

    [Fact]
    public void SN0014_TooManyParameters()
    {
        // 100000 x 100000 + 100000 + 100000 x 10 + 10 weights and biases.
        AssertReports("""
            using StaticNet;
            [Network(100000, 100000, 10)]
            public partial class HugeNet { }
            """, "SN0014", "has 10001100010 parameters", $"at most {Array.MaxLength}");
    }

    [Fact]
    public void SN0014_NotReportedAtTheLimit()
    {
        // 1 x 1073741795 + 1073741795 = 2147483590 parameters: one below Array.MaxLength.
        GeneratorRun run = GeneratorDriverHelper.Run("""
            [StaticNet.Network(1, 1073741795)] public partial class EdgeNet { }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Contains("public const int ParameterCount = 2147483590;", run.SingleSource());
    }

    // ------------------------------------------------------------------ SN0015

    [Theory]
    [InlineData("DropoutPerLayer = new[] { 0.5f, 1.5f }", "DropoutPerLayer[1] is 1.5;", "dropout rate")]
    [InlineData("DropoutPerLayer = new[] { -0.5f, 0f }", "DropoutPerLayer[0] is -0.5;", "dropout rate")]
    [InlineData("L2PerLayer = new[] { 0f, float.NaN, 0f }", "L2PerLayer[1] is NaN;", "L2 factor")]
    [InlineData("L2PerLayer = new[] { 0f, 0f, float.NegativeInfinity }", "L2PerLayer[2] is -Infinity;", "L2 factor")]
    public void SN0015_InvalidPerLayerValue(string arguments, string message, string rule)
    {
        AssertReports($$"""
            using StaticNet;
            [Network(4, 8, 8, 1, {{arguments}})]
            public partial class RateNet { }
            """, "SN0015", message, rule);
    }

    public static readonly TheoryData<string, string, string, int> InvalidSingleValues = new()
    {
        // The last value is how many layers the setting applies to (2 hidden layers, 3 dense layers):
        // an invalid single value is still reported once, not once per layer.
        { "Dropout = 1f", "Dropout is 1;", "dropout rate", 2 },
        { "Dropout = -0.1f", "Dropout is -0.1;", "dropout rate", 2 },
        { "Dropout = float.NaN", "Dropout is NaN;", "dropout rate", 2 },
        { "L2 = -1f", "L2 is -1;", "L2 factor", 3 },
        { "L2 = float.PositiveInfinity", "L2 is Infinity;", "L2 factor", 3 },
    };

    [Theory]
    [MemberData(nameof(InvalidSingleValues))]
    public void SN0015_InvalidSingleValue_ReportedOnce(string arguments, string message, string rule, int layers)
    {
        _ = layers;
        AssertReports($$"""
            using StaticNet;
            [Network(4, 8, 8, 1, {{arguments}})]
            public partial class RateNet { }
            """, "SN0015", 1, message, rule);
    }

    // ------------------------------------------------------------------ SN0016

    [Theory]
    [InlineData("DropoutPerLayer = new[] { 0.5f }", "DropoutPerLayer has 1 entries but the network has 2 hidden layers; give one per hidden layer")]
    [InlineData("DropoutPerLayer = new[] { 0.5f, 0.5f, 0.5f }", "DropoutPerLayer has 3 entries but the network has 2 hidden layers")]
    [InlineData("L2PerLayer = new[] { 0.1f, 0.1f }", "L2PerLayer has 2 entries but the network has 3 dense layers; give one per dense layer")]
    public void SN0016_WrongNumberOfPerLayerValues(string arguments, string message)
    {
        AssertReports($$"""
            using StaticNet;
            [Network(4, 8, 8, 1, {{arguments}})]
            public partial class PerLayerNet { }
            """, "SN0016", message);
    }

    // ------------------------------------------------------------------ SN0020

    [Theory]
    [InlineData(LanguageVersion.CSharp10, "C# 10")]
    [InlineData(LanguageVersion.CSharp9, "C# 9")]
    [InlineData(LanguageVersion.CSharp7_3, "C# 7.3")]
    public void SN0020_LanguageVersionBefore11(LanguageVersion version, string named)
    {
        // Before the fix the generated file failed with CS8706 (static abstract interface members need C# 11).
        var options = new CSharpParseOptions(version, DocumentationMode.Diagnose);
        AssertReports(options, new[] { """
            namespace App
            {
                using StaticNet;
                [Network(4, 2, 1)]
                public partial class OldNet { }
            }
            """ }, "SN0020", 1, named, "C# 11", "<LangVersion>11</LangVersion>");
    }

    // ------------------------------------------------------------------ SN0021

    private const string TwiceNet = """
        namespace Twice
        {
            using StaticNet;
            [Network(4, 2, 1)]
            public partial class TwiceNet { }
        }
        """;

    [Fact]
    public void SN0021_NetworkOnTwoPartialDeclarations_InTwoFiles()
    {
        AssertReports(GeneratorDriverHelper.ParseOptions, new[] { TwiceNet, TwiceNet }, "SN0021", 1, "'TwiceNet'", "Source0.cs");
    }

    [Fact]
    public void SN0021_NetworkOnTwoPartialDeclarations_InOneFile()
    {
        // The newer compiler gave the generator both attributes for each declaration: it generated twice and threw (CS8785).
        AssertReports(TwiceNet + "\n" + TwiceNet, "SN0021", 1, "'TwiceNet'");
    }

    [Fact]
    public void SN0021_NetworkTwiceOnOneDeclaration()
    {
        AssertReports("""
            using StaticNet;
            [Network(4, 2, 1)]
            [Network(4, 3, 1)]
            public partial class TwiceNet { }
            """, "SN0021", 1, "'TwiceNet'");
    }

    [Fact]
    public void SN0021_ThreeDeclarations_EachExtraOneReported()
    {
        AssertReports(GeneratorDriverHelper.ParseOptions, new[] { TwiceNet, TwiceNet + "\n" + TwiceNet }, "SN0021", 2, "'TwiceNet'");
    }

    // ------------------------------------------------------------------ no diagnostics

    [Fact]
    public void ValidNetworks_ProduceNoDiagnostics()
    {
        GeneratorRun run = GeneratorDriverHelper.AssertCompilesCleanly("""
            using StaticNet;

            namespace Valid;

            [Network(784, 25, 15, 1, Activation = Activation.Sigmoid)]
            public partial class A { }

            [Network(784, 128, 64, 10, Hidden = Activation.Relu, Output = Activation.Softmax)]
            public partial class B { }

            [Network(8, 16, 1, Hidden = Activation.Tanh, Output = Activation.Linear)]
            public partial class C { }

            [Network(8, 16, 16, 1, Activations = new[] { Activation.Relu, Activation.LeakyRelu, Activation.Sigmoid }, LeakyReluSlope = 0.01f)]
            public sealed partial class D
            {
                public D(string name) : this(7) { Name = name; }
                public string Name { get; } = "";
                public void Predict(float[] input, float[] output) => Predict((System.ReadOnlySpan<float>)input, output);
            }

            [Network(2, 1)]
            internal partial class E { }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Equal(5, run.Result.GeneratedSources.Length);
    }

    [Fact]
    public void UnboundArguments_AreLeftToTheCompiler()
    {
        // The compiler reports the unknown constant; the generator adds nothing and does not throw.
        GeneratorRun run = GeneratorDriverHelper.Run("""
            using StaticNet;
            [Network(4, NoSuchConstant, 1)]
            public partial class BrokenNet { }
            """);
        Assert.Null(run.Result.Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Result.GeneratedSources);
        Assert.Contains(run.OutputDiagnostics, d => d.Id == "CS0103");
    }
}
