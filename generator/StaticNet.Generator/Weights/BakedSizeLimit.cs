using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Weights;

/// <summary>
/// SN0024: the metadata limit on baked weights. Baked parameters are string literals
/// (<see cref="BakedLiteral"/>, 4 bytes per parameter) in the assembly's user-string heap, and an
/// <c>ldstr</c> token holds a string's start offset in 24 bits: no string may start at or past
/// 2^24 bytes (16 MiB), or the compiler fails with CS8103 when it emits the assembly. Checked on the
/// declarations alone (no file needed), so the error comes before the compiler's.
/// </summary>
internal static class BakedSizeLimit
{
    /// <summary>
    /// Parameters all baked networks of one assembly may hold together: 16,000,000 bytes, leaving
    /// 777,216 bytes of the 16 MiB for the program's other string literals.
    /// </summary>
    public const long MaxParameters = 4_000_000;

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
        long total = all.Sum(b => b.Parameters);
        if (total <= MaxParameters) return EquatableArray<DiagnosticInfo>.Empty;
        string names = string.Join(", ", all.OrderBy(b => b.Name, System.StringComparer.Ordinal)
            .Select(b => $"{b.Name}: {b.Parameters.ToString("N0", CultureInfo.InvariantCulture)}"));
        return all.Select(b => b.Location.With(Diagnostics.BakedWeightsTooLarge,
                total.ToString("N0", CultureInfo.InvariantCulture), names,
                MaxParameters.ToString("N0", CultureInfo.InvariantCulture)))
            .ToEquatableArray();
    }

    private static long ParameterCount(NetworkSpec spec)
    {
        return spec.ParameterCount;
    }
}
