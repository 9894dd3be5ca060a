using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Model;
using StaticNet.Generator.Tests.TestHelpers;
using Xunit;

namespace StaticNet.Generator.Tests;

/// <summary>
/// The pipeline must serve unchanged networks from its cache: its models are plain values and
/// equal inputs give equal models.
/// </summary>
public class IncrementalTests
{
    private const string Networks = """
        using StaticNet;

        namespace Incremental;

        [Network(784, 25, 15, 1, Activation = Activation.Sigmoid)]
        public partial class DigitNet { }

        [Network(4, 8, 3, Output = Activation.Softmax)]
        public partial class IrisNet { }

        [Network(10)]
        public partial class BrokenNet { }
        """;

    private static readonly string[] TrackedNames = { TrackingNames.Parse, TrackingNames.Diagnostics, TrackingNames.Spec };

    /// <summary>Every output reason of the tracked step <paramref name="name"/>; fails if the step did not run.</summary>
    private static IncrementalStepRunReason[] Reasons(GeneratorRun run, string name)
    {
        Assert.True(run.Result.TrackedSteps.TryGetValue(name, out ImmutableArray<IncrementalGeneratorRunStep> steps),
            $"No tracked step '{name}'; tracked: {string.Join(", ", run.Result.TrackedSteps.Keys)}");
        IncrementalStepRunReason[] reasons = steps.SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.NotEmpty(reasons);
        return reasons;
    }

    /// <summary>Every output reason of the source output step (the one that calls the emitter).</summary>
    private static IncrementalStepRunReason[] SourceOutputReasons(GeneratorRun run)
    {
        Assert.True(run.Result.TrackedOutputSteps.TryGetValue(WellKnownGeneratorOutputs.SourceOutput, out ImmutableArray<IncrementalGeneratorRunStep> steps),
            $"No tracked output step; tracked: {string.Join(", ", run.Result.TrackedOutputSteps.Keys)}");
        return steps.SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
    }

    private static void AssertAllFromCache(IEnumerable<IncrementalStepRunReason> reasons, string step)
    {
        IncrementalStepRunReason[] all = reasons.ToArray();
        Assert.True(all.All(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged),
            $"Step '{step}' recomputed: {string.Join(", ", all)}");
    }

    [Fact]
    public void FirstRun_EveryStepIsNew()
    {
        // The baseline the other tests compare against: on a fresh driver nothing comes from the cache.
        GeneratorRun run = GeneratorDriverHelper.Run(Networks);
        Assert.Null(run.Result.Exception);
        foreach (string name in TrackedNames)
            Assert.All(Reasons(run, name), r => Assert.Equal(IncrementalStepRunReason.New, r));
        Assert.Equal(2, Reasons(run, TrackingNames.Spec).Length);
        Assert.Single(Reasons(run, TrackingNames.Diagnostics));
        Assert.Equal(2, run.Result.GeneratedSources.Length);
    }

    [Fact]
    public void SameCompilationAgain_EverythingIsCached()
    {
        GeneratorRun first = GeneratorDriverHelper.Run(Networks);
        GeneratorRun second = GeneratorDriverHelper.Run(first.Driver, first.InputCompilation);

        foreach (string name in TrackedNames)
            AssertAllFromCache(Reasons(second, name), name);
        AssertAllFromCache(SourceOutputReasons(second), WellKnownGeneratorOutputs.SourceOutput);
        Assert.Equal(first.Sources, second.Sources);
    }

    [Fact]
    public void UnrelatedSyntaxTreeAdded_SpecsAndSourcesAreCached()
    {
        GeneratorRun first = GeneratorDriverHelper.Run(Networks);
        Compilation changed = first.InputCompilation.AddSyntaxTrees(
            GeneratorDriverHelper.Parse("class Unrelated { }", "Unrelated.cs"));
        GeneratorRun second = GeneratorDriverHelper.Run(first.Driver, changed);

        Assert.Null(second.Result.Exception);
        AssertAllFromCache(Reasons(second, TrackingNames.Parse), TrackingNames.Parse);
        AssertAllFromCache(Reasons(second, TrackingNames.Diagnostics), TrackingNames.Diagnostics);
        AssertAllFromCache(Reasons(second, TrackingNames.Spec), TrackingNames.Spec);
        AssertAllFromCache(SourceOutputReasons(second), WellKnownGeneratorOutputs.SourceOutput);
        Assert.Equal(first.Sources, second.Sources);
    }

    [Fact]
    public void UnrelatedEditInTheSameFile_SpecsAreUnchanged()
    {
        // An edit below the networks (so the diagnostic's position does not move) re-parses the
        // file, but the models compare equal, so the emitter does not run again.
        GeneratorRun first = GeneratorDriverHelper.Run(Networks);
        SyntaxTree tree = first.InputCompilation.SyntaxTrees.Single();
        SyntaxTree edited = tree.WithChangedText(tree.GetText().Replace(tree.GetText().Length, 0, "\npublic class Later { }\n"));
        GeneratorRun second = GeneratorDriverHelper.Run(first.Driver, first.InputCompilation.ReplaceSyntaxTree(tree, edited));

        AssertAllFromCache(Reasons(second, TrackingNames.Spec), TrackingNames.Spec);
        AssertAllFromCache(Reasons(second, TrackingNames.Diagnostics), TrackingNames.Diagnostics);
        AssertAllFromCache(SourceOutputReasons(second), WellKnownGeneratorOutputs.SourceOutput);
    }

    [Fact]
    public void LayerSizeChanged_SpecIsModifiedAndSourceChanges()
    {
        GeneratorRun first = GeneratorDriverHelper.Run(Networks);
        SyntaxTree tree = first.InputCompilation.SyntaxTrees.Single();
        string text = tree.GetText().ToString();
        Assert.Contains("[Network(784, 25, 15, 1,", text);
        SyntaxTree edited = tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(
            text.Replace("[Network(784, 25, 15, 1,", "[Network(784, 30, 15, 1,"), tree.GetText().Encoding));
        GeneratorRun second = GeneratorDriverHelper.Run(first.Driver, first.InputCompilation.ReplaceSyntaxTree(tree, edited));

        IncrementalStepRunReason[] spec = Reasons(second, TrackingNames.Spec);
        Assert.Equal(2, spec.Length);
        Assert.Equal(1, spec.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, spec.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        // Recomputed: Modified, or New under Roslyn 4.3, whose driver reports a changed source output so.
        Assert.Contains(SourceOutputReasons(second), r => r is IncrementalStepRunReason.Modified or IncrementalStepRunReason.New);

        const string Digit = "Incremental.DigitNet.g.cs", Iris = "Incremental.IrisNet.g.cs";
        Assert.NotEqual(first.Sources[Digit], second.Sources[Digit]);
        Assert.Contains("public const int W2 = 23550;", second.Sources[Digit]); // 784 x 30 + 30
        Assert.Equal(first.Sources[Iris], second.Sources[Iris]);
    }

    [Fact]
    public void SequentialLayerChanged_OnlyThatSpecIsModified_AndAnUnrelatedEditIsCached()
    {
        const string Source = """
            using StaticNet;
            namespace Incremental;
            [Sequential(12, 12, 1)]
            [Conv2D(4, 3, Activation = Activation.Relu)]
            [MaxPooling2D(2)]
            [Flatten]
            [Dense(3, Activation = Activation.Softmax)]
            public partial class SmallCnn { }

            [Network(4, 3, 2)]
            public partial class Other { }

            public static class Unrelated { public static int Value => 1; }
            """;
        GeneratorRun first = GeneratorDriverHelper.Run(Source);
        SyntaxTree tree = first.InputCompilation.SyntaxTrees.Single();
        string text = tree.GetText().ToString();

        // An edit elsewhere in the file: both specs come from the cache and the sources are the same.
        SyntaxTree unrelated = tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(text.Replace("Value => 1", "Value => 2"), tree.GetText().Encoding));
        GeneratorRun second = GeneratorDriverHelper.Run(first.Driver, first.InputCompilation.ReplaceSyntaxTree(tree, unrelated));
        Assert.All(Reasons(second, TrackingNames.Spec), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.Equal(first.Sources["Incremental.SmallCnn.g.cs"], second.Sources["Incremental.SmallCnn.g.cs"]);

        // A layer's filters change: that spec is modified, the other is not.
        SyntaxTree edited = tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(text.Replace("[Conv2D(4, 3,", "[Conv2D(6, 3,"), tree.GetText().Encoding));
        GeneratorRun third = GeneratorDriverHelper.Run(first.Driver, first.InputCompilation.ReplaceSyntaxTree(tree, edited));
        IncrementalStepRunReason[] spec = Reasons(third, TrackingNames.Spec);
        Assert.Equal(1, spec.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, spec.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Contains("Filters => 6", third.Sources["Incremental.SmallCnn.g.cs"]);
        Assert.Equal(first.Sources["Incremental.Other.g.cs"], third.Sources["Incremental.Other.g.cs"]);
    }

    [Fact]
    public void NetworkAdded_OnlyTheNewSpecIsNew()
    {
        GeneratorRun first = GeneratorDriverHelper.Run(Networks);
        Compilation changed = first.InputCompilation.AddSyntaxTrees(GeneratorDriverHelper.Parse(
            "[StaticNet.Network(3, 1)] public partial class AddedNet { }", "Added.cs"));
        GeneratorRun second = GeneratorDriverHelper.Run(first.Driver, changed);

        IncrementalStepRunReason[] spec = Reasons(second, TrackingNames.Spec);
        Assert.Equal(1, spec.Count(r => r == IncrementalStepRunReason.New));
        Assert.Equal(2, spec.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Equal(3, second.Result.GeneratedSources.Length);
    }

    // ------------------------------------------------------------------ the model is plain values

    private static readonly Type[] ForbiddenTypes =
    {
        typeof(ISymbol), typeof(Compilation), typeof(SyntaxNode), typeof(SemanticModel),
        typeof(SyntaxTree), typeof(Location), typeof(AttributeData), typeof(SyntaxReference),
    };

    /// <summary>
    /// Walks instance fields and properties from <paramref name="root"/>: into the model's own
    /// types (anything outside System.* and Roslyn) and into the element types of arrays and
    /// generic types such as <see cref="EquatableArray{T}"/>. Returns one line per field whose type
    /// is a Roslyn object that would pin a compilation, or <see cref="object"/> (unknowable).
    /// </summary>
    internal static List<string> FindNonValueMembers(Type root)
    {
        var problems = new List<string>();
        var visited = new HashSet<Type>();

        void Check(Type type, string path)
        {
            if (type == typeof(object))
            {
                problems.Add($"{path}: object (could hold anything)");
                return;
            }
            foreach (Type forbidden in ForbiddenTypes)
                if (forbidden.IsAssignableFrom(type))
                    problems.Add($"{path}: {type} is a {forbidden.Name}");
            if (!visited.Add(type)) return;

            if (type.IsArray || type.IsPointer || type.IsByRef)
                Check(type.GetElementType()!, path + "[]");
            if (type.IsGenericType)
                foreach (Type argument in type.GetGenericArguments())
                    Check(argument, $"{path}<{argument.Name}>");

            string ns = type.Namespace ?? "";
            bool isModelType = !type.IsPrimitive && !type.IsEnum && type != typeof(string) &&
                !ns.StartsWith("System", StringComparison.Ordinal) &&
                !ns.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal);
            if (!isModelType) return;

            const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
            for (Type? t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
            {
                foreach (FieldInfo field in t.GetFields(Instance))
                    Check(field.FieldType, $"{path}.{field.Name}");
                foreach (PropertyInfo property in t.GetProperties(Instance))
                    if (property.GetIndexParameters().Length == 0)
                        Check(property.PropertyType, $"{path}.{property.Name}");
            }
        }

        Check(root, root.Name);
        return problems;
    }

    [Theory]
    [InlineData(typeof(ParseResult))]
    [InlineData(typeof(NetworkSpec))]
    [InlineData(typeof(DiagnosticInfo))]
    public void PipelineModels_HoldNoSymbolsSyntaxOrCompilations(Type model)
    {
        List<string> problems = FindNonValueMembers(model);
        Assert.True(problems.Count == 0, "The model must be plain values:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void ModelWalker_FindsASymbolHiddenInAnEquatableArray()
    {
        // Proves the walk above can fail: a symbol two levels down, inside an EquatableArray.
        List<string> problems = FindNonValueMembers(typeof(LeakyModel));
        Assert.Contains(problems, p => p.Contains("Symbol") && p.Contains(nameof(ISymbol)));
        Assert.Contains(problems, p => p.Contains("Node") && p.Contains(nameof(SyntaxNode)));
        Assert.Contains(problems, p => p.Contains("Boxed") && p.Contains("object"));
    }

    [Theory]
    [InlineData(typeof(ParseResult))]
    [InlineData(typeof(NetworkSpec))]
    [InlineData(typeof(ContainingType))]
    [InlineData(typeof(LayerSpec))]
    [InlineData(typeof(DiagnosticInfo))]
    [InlineData(typeof(EquatableArray<int>))]
    public void PipelineModels_AreEquatable(Type model)
    {
        Type equatable = typeof(IEquatable<>).MakeGenericType(model);
        Assert.True(equatable.IsAssignableFrom(model), $"{model} does not implement IEquatable<{model.Name}>.");
    }

    [Fact]
    public void EqualSpecsFromSeparateParses_AreEqual()
    {
        // Two independent compilations of the same code must give equal (not just similar) models.
        NetworkSpec a = ParseSpec(), b = ParseSpec();
        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, a with { InputShape = new[] { 785 }.ToEquatableArray() });
        Assert.NotEqual(a, a with { Layers = a.Layers.Select((l, i) => i == 0 ? l with { Units = 26 } : l).ToEquatableArray() });

        static NetworkSpec ParseSpec()
        {
            GeneratorRun run = GeneratorDriverHelper.Run(Networks);
            return (NetworkSpec)run.Result.TrackedSteps[TrackingNames.Spec]
                .SelectMany(s => s.Outputs).Select(o => o.Value).OfType<NetworkSpec>()
                .Single(s => s.ClassName == "DigitNet");
        }
    }

    private sealed record LeakyModel(EquatableArray<LeakyItem> Items, object Boxed);

    private sealed record LeakyItem(ISymbol Symbol, ImmutableArray<SyntaxNode> Node);
}
