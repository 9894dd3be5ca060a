using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Weights;

/// <summary>
/// SN0030: the metadata limit on baked weights. Each network's parameters are one string literal
/// (<see cref="BakedLiteral"/>) in the assembly's user-string heap, and an <c>ldstr</c> token holds
/// a string's start offset in 24 bits: a string may be of any length, but none may start at or past
/// 2^24 bytes (16 MiB), or the compiler fails with CS8103 at emit. The order the strings are stored
/// in is the compiler's, so the rule assumes the worst: the smallest network stored last, everything
/// else before it. Checked on the declarations alone (no file needed), before the compiler's emit.
/// </summary>
internal static class BakedSizeLimit
{
    /// <summary>
    /// Parameters (4 bytes each) that may precede the last baked literal: 16,000,000 bytes, leaving
    /// 777,216 bytes of the 16 MiB for the program's other string literals.
    /// </summary>
    public const long MaxParametersBeforeLast = 4_000_000;

    private sealed record Baked(string Name, long Parameters, LocationInfo Location);

    public static void Register(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<NetworkSpec> specs)
    {
        IncrementalValueProvider<EquatableArray<DiagnosticInfo>> diagnostics = specs
            .Where(static spec => spec.WeightsFile is not null && spec.WeightsLocation is not null)
            .Select(static (spec, _) => new Baked(spec.ClassName, ParameterCount(spec), spec.WeightsLocation!))
            .Collect()
            .Select(static (all, _) => Check(all));
        context.RegisterSourceOutput(diagnostics, static (spc, list) =>
        {
            foreach (DiagnosticInfo info in list) spc.ReportDiagnostic(info.ToDiagnostic());
        });
    }

    private static EquatableArray<DiagnosticInfo> Check(ImmutableArray<Baked> all)
    {
        if (all.Length < 2) return EquatableArray<DiagnosticInfo>.Empty;
        long besidesSmallest = all.Sum(b => b.Parameters) - all.Min(b => b.Parameters);
        if (besidesSmallest <= MaxParametersBeforeLast) return EquatableArray<DiagnosticInfo>.Empty;
        string names = string.Join(", ", all.OrderBy(b => b.Name, System.StringComparer.Ordinal)
            .Select(b => $"{b.Name}: {b.Parameters.ToString("N0", CultureInfo.InvariantCulture)}"));
        return all.Select(b => b.Location.With(Diagnostics.BakedWeightsTooLarge,
                besidesSmallest.ToString("N0", CultureInfo.InvariantCulture), names,
                MaxParametersBeforeLast.ToString("N0", CultureInfo.InvariantCulture)))
            .ToEquatableArray();
    }

    private static long ParameterCount(NetworkSpec spec)
    {
        long count = 0;
        for (int l = 0; l + 1 < spec.Sizes.Count; l++) count += ((long)spec.Sizes[l] + 1) * spec.Sizes[l + 1];
        return count;
    }
}
