using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticNet.Generator.Model;
using StaticNet.Generator.Tests.TestHelpers;
using Xunit;

namespace StaticNet.Generator.Tests;

/// <summary>
/// Declarations that once left an error inside the generated file or made the generator throw
/// (issue 9): the generator must either complete the class correctly or say why in one SN
/// diagnostic, and a problem with one network must never cost the others their code.
/// </summary>
public class HardeningTests
{
    // ------------------------------------------------------------------ hint names

    [Fact]
    public void NamesDifferingOnlyInCase_AllGenerateAndCompile()
    {
        // Net and NET are two classes; hint names are compared without regard to case (CS8785 before).
        GeneratorRun run = GeneratorDriverHelper.AssertCompilesCleanly("""
            namespace N
            {
                [StaticNet.Network(2, 1)] public partial class Net { }
                [StaticNet.Network(3, 1)] public partial class NET { }
                [StaticNet.Network(4, 1)] public partial class nEt { }
            }
            namespace Other { [StaticNet.Network(5, 1)] public partial class D { } }
            """);
        string[] hints = run.Result.GeneratedSources.Select(s => s.HintName).ToArray();
        Assert.Equal(4, hints.Length);
        Assert.Equal(4, hints.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Contains("Other.D.g.cs", hints);
        Assert.Contains("public const int InputSize = 3;", run.Sources.Single(s => s.Value.Contains("class NET ")).Value);
    }

    [Fact]
    public void NamesDifferingOnlyInCase_HintNamesAreStable()
    {
        // The suffix depends only on the class's own name, so adding or removing a network does not rename the others' files.
        const string Both = """
            namespace N
            {
                [StaticNet.Network(2, 1)] public partial class Net { }
                [StaticNet.Network(3, 1)] public partial class NET { }
            }
            """;
        string[] first = GeneratorDriverHelper.Run(Both).Result.GeneratedSources.Select(s => s.HintName).OrderBy(h => h, StringComparer.Ordinal).ToArray();
        string[] again = GeneratorDriverHelper.Run(Both).Result.GeneratedSources.Select(s => s.HintName).OrderBy(h => h, StringComparer.Ordinal).ToArray();
        Assert.Equal(first, again);
        // Alone, a class keeps its plain name.
        Assert.Equal("N.Net.g.cs", GeneratorDriverHelper.AssertCompilesCleanly("namespace N { [StaticNet.Network(2, 1)] public partial class Net { } }").Result.GeneratedSources.Single().HintName);
    }

    [Fact]
    public void UniqueHintName_IsCaseInsensitivelyUniqueAndKeepsPlainNamesPlain()
    {
        var all = new[] { "N.Net.g.cs", "N.NET.g.cs", "N.Other.g.cs" };
        string net = NetworkGenerator.UniqueHintName("N.Net.g.cs", all);
        string upper = NetworkGenerator.UniqueHintName("N.NET.g.cs", all);
        Assert.NotEqual(net, upper, StringComparer.OrdinalIgnoreCase);
        Assert.EndsWith(".g.cs", net);
        Assert.StartsWith("N.Net-", net);
        Assert.Equal("N.Other.g.cs", NetworkGenerator.UniqueHintName("N.Other.g.cs", all));
    }

    // ------------------------------------------------------------------ a failure stays with its network

    [Fact]
    public void AnExceptionWhileGenerating_BecomesADiagnosticForThatNetworkOnly()
    {
        var reported = new List<Diagnostic>();
        var added = new List<string>();
        NetworkGenerator.Guarded("App.Broken", reported.Add, () => throw new InvalidOperationException("boom"));
        NetworkGenerator.Guarded("App.Fine", reported.Add, () => added.Add("App.Fine.g.cs"));
        Diagnostic d = Assert.Single(reported);
        Assert.Equal("SN0023", d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        string message = d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("'App.Broken'", message);
        Assert.Contains("InvalidOperationException: boom", message);
        Assert.Equal(new[] { "App.Fine.g.cs" }, added);
    }

    [Fact]
    public void Cancellation_IsNotTurnedIntoADiagnostic()
    {
        var reported = new List<Diagnostic>();
        Assert.Throws<OperationCanceledException>(() =>
            NetworkGenerator.Guarded("App.Net", reported.Add, () => throw new OperationCanceledException()));
        Assert.Empty(reported);
    }

    // ------------------------------------------------------------------ [GeneratedCode] on the user's part

    [Fact]
    public void UserPartWithGeneratedCodeAttribute_CompilesCleanly()
    {
        // The generated part carried a second [GeneratedCode] (CS0579 inside the generated file).
        GeneratorDriverHelper.AssertCompilesCleanly("""
            namespace App
            {
                [StaticNet.Network(4, 2, 1)]
                [System.CodeDom.Compiler.GeneratedCode("MyTool", "1.0")]
                public partial class ToolNet { }
            }
            """);
    }

    [Fact]
    public void UserMethodNamedNameof_DoesNotCaptureTheGeneratedArgumentNames()
    {
        // The generated Predict wrote nameof(input), which a member named nameof turns into a call (CS1503 inside the generated file).
        GeneratorDriverHelper.AssertCompilesCleanly("""
            namespace App
            {
                [StaticNet.Network(4, 2, 1)]
                public partial class NameofNet { public static string nameof(object value) => ""; }
            }
            """);
    }

    // ------------------------------------------------------------------ const sizes from holder classes

    public static readonly TheoryData<string> HolderNames = new()
    {
        "Shape", "Sizes", "Layers", "Config", "Dims", "Input", "Output", "Hidden", "Model", "Settings", "Constants", "Units", "Width",
    };

    [Theory]
    [MemberData(nameof(HolderNames))]
    public void ConstSizesFromACommonlyNamedClass_Compile(string holder)
    {
        // NeuralNetwork.Shape hid a user class Shape in the attribute's scope (CS0120); Output likewise.
        GeneratorRun run = GeneratorDriverHelper.AssertCompilesCleanly($$"""
            using StaticNet;
            static class {{holder}} { public const int In = 784; public const int Mid = 128; public const int Out = 10; }
            namespace App
            {
                [Network({{holder}}.In, {{holder}}.Mid, {{holder}}.Out, Output = Activation.Softmax)]
                public partial class HolderNet { }
            }
            """);
        Assert.Contains("public const int InputSize = 784;", run.SingleSource());
    }

    [Theory]
    [InlineData("Parameters", "global::Parameters.In")]
    [InlineData("Metrics", "global::Metrics.In")]
    [InlineData("Seed", "global::Seed.In")]
    [InlineData("Fit", "global::Fit.In")]
    public void ConstSizesFromAClassHiddenByAnInheritedMember_AreReported(string holder, string qualified)
    {
        GeneratorRun run = GeneratorDriverHelper.Run($$"""
            static class {{holder}} { public const int In = 4; }
            namespace App
            {
                [StaticNet.Network({{holder}}.In, 2, 1)]
                public partial class HiddenNet { }
            }
            """);
        Assert.Null(run.Result.Exception);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SN0022", d.Id);
        string message = d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"'{holder}'", message);
        Assert.Contains(qualified, message);
        Assert.StartsWith("StaticNet.Network(", TextAt(run, d));
        Assert.Empty(run.Result.GeneratedSources);
    }

    [Fact]
    public void HiddenHolderClass_WithExplicitBase_IsReportedBesidesTheCompilerError()
    {
        // With ': NeuralNetwork' written by the user the compiler already fails to bind (CS0120); the generator says why.
        GeneratorRun run = GeneratorDriverHelper.Run("""
            namespace App
            {
                public static class Parameters { public const int In = 4; }
                [StaticNet.Network(Parameters.In, 2, 1)]
                public partial class HiddenNet : StaticNet.NeuralNetwork { }
            }
            """);
        Assert.Null(run.Result.Exception);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SN0022", d.Id);
        Assert.Contains("global::App.Parameters.In", d.GetMessage());
        Assert.Contains(run.OutputDiagnostics, x => x.Id == "CS0120");
    }

    [Fact]
    public void QualifiedHolderClass_Compiles()
    {
        // The fix the diagnostic suggests works.
        GeneratorDriverHelper.AssertCompilesCleanly("""
            static class Parameters { public const int In = 4; }
            namespace App
            {
                [StaticNet.Network(global::Parameters.In, 2, 1)]
                public partial class QualifiedNet { }
            }
            """);
    }

    [Fact]
    public void OwnConstantsAndLocalNames_AreNotReported()
    {
        // A const of the class itself, and names that are not members of NeuralNetwork, are fine.
        GeneratorDriverHelper.AssertCompilesCleanly("""
            namespace App
            {
                static class Layers { public const int Out = 1; }
                [StaticNet.Network(Inputs, Layers.Out)]
                public partial class OwnNet { private const int Inputs = 3; }
            }
            """);
    }

    internal static string TextAt(GeneratorRun run, Diagnostic diagnostic)
    {
        FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
        SyntaxTree tree = run.InputCompilation.SyntaxTrees.Single(t => t.FilePath == span.Path);
        return tree.GetText().ToString(diagnostic.Location.SourceSpan);
    }
}
