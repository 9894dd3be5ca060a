using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticNet.Generator.Tests.TestHelpers;
using Xunit;

namespace StaticNet.Generator.Tests;

/// <summary>Declarations at the edges of what the generator supports: unusual names, containers and language versions.</summary>
public class EdgeCaseTests
{
    [Theory]
    [InlineData("namespace @event.@class;\n[Network(2, 1)] public partial class KeywordNamespaceNet { }", "event.class.KeywordNamespaceNet.g.cs")]
    [InlineData("namespace N;\npublic partial class @struct { [Network(2, 1)] public partial class InKeywordType { } }", "N.struct+InKeywordType.g.cs")]
    [InlineData("namespace N;\npublic partial interface IHost { [Network(2, 1)] public partial class InInterface { } }", "N.IHost+InInterface.g.cs")]
    [InlineData("namespace N;\npublic partial record Host(int X) { [Network(2, 1)] public partial class InRecord { } }", "N.Host+InRecord.g.cs")]
    [InlineData("namespace N;\npublic partial record struct Host(int X) { [Network(2, 1)] public partial class InRecordStruct { } }", "N.Host+InRecordStruct.g.cs")]
    [InlineData("namespace N;\ninternal static partial class Host { [Network(2, 1)] private partial class InStatic { } }", "N.Host+InStatic.g.cs")]
    [InlineData("namespace StaticNet.Models;\n[Network(2, 1)] public partial class InsideStaticNetNamespace { }", "StaticNet.Models.InsideStaticNetNamespace.g.cs")]
    [InlineData("namespace N.System;\n[Network(2, 1)] public partial class UnderASystemNamespace { }", "N.System.UnderASystemNamespace.g.cs")]
    public void UnusualNamesAndContainers_CompileCleanly(string declaration, string hintName)
    {
        GeneratorRun run = GeneratorDriverHelper.AssertCompilesCleanly("using StaticNet;\n" + declaration);
        Assert.Equal(hintName, Assert.Single(run.Result.GeneratedSources).HintName);
    }

    [Fact]
    public void GeneratedCode_CompilesWithCSharp12()
    {
        // C# 12 is the default of net8.0, the oldest framework StaticNet targets: the emitter must not use newer syntax.
#if ROSLYN431
        var csharp12 = GeneratorDriverHelper.ParseOptions; // Roslyn 4.3.1 knows no C# 12: its newest, C# 11 as "preview"
#else
        var csharp12 = new CSharpParseOptions(LanguageVersion.CSharp12, DocumentationMode.Diagnose);
#endif
        GeneratorDriverHelper.AssertCompilesCleanly(csharp12, """
            using StaticNet;
            namespace Old
            {
                [Network(784, 128, 64, 10, Hidden = Activation.Relu, Output = Activation.Softmax)]
                public partial class MnistNet { }

                [Network(6, 12, 1, Activations = new[] { Activation.LeakyRelu, Activation.Sigmoid }, LeakyReluSlope = 0.05f)]
                public partial class LeakyNet { }

                [Network(4, 20000, 1)]
                public partial class WideNet { }
            }
            """);
    }

    [Fact]
    public void UserCodeCanUseTheGeneratedMembers()
    {
        // The generated API as user code sees it: constants, both constructors and Predict.
        GeneratorDriverHelper.AssertCompilesCleanly("""
            using System;
            using StaticNet;

            namespace App;

            [Network(784, 25, 15, 1, Activation = Activation.Sigmoid)]
            public partial class DigitNet
            {
                public static float Score(ReadOnlySpan<float> pixels)
                {
                    var net = new DigitNet(seed: 42);
                    NeuralNetwork asBase = new DigitNet();
                    Span<float> output = stackalloc float[OutputSize];
                    net.Predict(pixels, output);
                    return output[0] + InputSize + LayerCount + ParameterCount + asBase.NetworkShape.LayerCount;
                }
            }
            """);
    }

    [Fact]
    public void SlopeLiterals_RoundTripThroughTheEmitter()
    {
        // The smallest denormal and the largest float must survive float -> "R" text -> C# literal.
        GeneratorRun run = GeneratorDriverHelper.AssertCompilesCleanly("""
            using StaticNet;
            [Network(2, 1, Activation = Activation.LeakyRelu, LeakyReluSlope = float.Epsilon)] public partial class TinySlope { }
            [Network(2, 1, Activation = Activation.LeakyRelu, LeakyReluSlope = float.MaxValue)] public partial class HugeSlope { }
            """);
        Assert.Contains("public static float Value => 1E-45f;", run.Sources["TinySlope.g.cs"]);
        Assert.Contains("public static float Value => 3.4028235E+38f;", run.Sources["HugeSlope.g.cs"]);
    }

    // ------------------------------------------------------------------ known generator bugs
    // Each test states the behaviour after the fix proposed in the report; unskip it with the fix.

    [Fact]
    public void KeywordClassName_CompilesCleanly()
    {
        GeneratorDriverHelper.AssertCompilesCleanly("""
            namespace N;
            [StaticNet.Network(2, 1)] public partial class @class { }
            """);
    }

#if !ROSLYN431 // file-local types arrived with C# 11 in Roslyn 4.4; Roslyn 4.3 has no 'file' modifier
    [Fact]
    public void FileLocalClass_IsReported()
    {
        GeneratorRun run = GeneratorDriverHelper.Run("""
            namespace N;
            [StaticNet.Network(2, 1)] file partial class FileNet { }
            """);
        Assert.Null(run.Result.Exception);
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id.StartsWith("SN") && d.Severity == DiagnosticSeverity.Error);
        Assert.Empty(run.Result.GeneratedSources);
    }
#endif

    [Theory]
    [InlineData("InputSize")]
    [InlineData("Predict")]
    [InlineData("StaticNetLayout")]
    public void ClassNamedLikeAGeneratedMember_IsReported(string name)
    {
        GeneratorRun run = GeneratorDriverHelper.Run($"[StaticNet.Network(2, 1)] public partial class {name};");
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "SN0009");
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Fact]
    public void HintNameCollision_DoesNotDropEveryNetwork()
    {
        // The source is already in error (CS0101), but the generator must not throw and drop the other networks' code.
        GeneratorRun run = GeneratorDriverHelper.Run("""
            namespace A { public partial class B { [StaticNet.Network(2, 1)] public partial class C { } } }
            namespace A.B { [StaticNet.Network(2, 1)] public partial class C { } }
            namespace Other { [StaticNet.Network(3, 1)] public partial class D { } }
            """);
        Assert.Null(run.Result.Exception);
        Assert.Contains("Other.D.g.cs", run.Sources.Keys);
    }

    [Fact]
    public void UserMemberHidingParameters_DoesNotBreakTheGeneratedCode()
    {
        GeneratorDriverHelper.AssertCompilesCleanly("""
            [StaticNet.Network(2, 1)]
            public partial class HidingNet
            {
                public new int Parameters => 0;
            }
            """);
    }
}
