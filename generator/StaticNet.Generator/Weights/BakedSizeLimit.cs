using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Weights;

/// <summary>
/// SN0024: the metadata limit on baked weights. Baked data are string literals
/// (<see cref="BakedLiteral"/>) in the assembly's user-string heap: 4 bytes per float32 parameter, and for an
/// int8 class (<see cref="Int8Emitter"/>) one byte per packed weight plus 12 bytes per unit, or for one with
/// convolutions its whole file (estimated from the declaration). An
/// <c>ldstr</c> token holds a string's start offset in 24 bits: no string may start at or past
/// 2^24 bytes (16 MiB), or the compiler fails with CS8103 when it emits the assembly. Checked on the
/// declarations alone (no file needed), so the error comes before the compiler's.
/// </summary>
internal static class BakedSizeLimit
{
    /// <summary>
    /// Bytes of literals all baked networks of one assembly may hold together (4,000,000 float32 parameters),
    /// leaving 777,216 bytes of the 16 MiB for the program's other string literals.
    /// </summary>
    public const long MaxBytes = 16_000_000;

    private sealed record Baked(string Name, long Bytes, LocationInfo Location);

    public static void Register(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<NetworkSpec> specs)
    {
        IncrementalValueProvider<EquatableArray<DiagnosticInfo>> diagnostics = specs
            .Where(static spec => spec.WeightsFile is not null && spec.WeightsLocation is not null)
            .Select(static (spec, _) => new Baked(spec.ClassName, BakedBytes(spec), spec.WeightsLocation!))
            .Collect()
            .Select(static (all, _) => Check(all));
        context.RegisterSourceOutput(diagnostics, static (spc, list) =>
        {
            foreach (DiagnosticInfo info in list) spc.ReportDiagnostic(info.ToDiagnostic());
        });
    }

    private static EquatableArray<DiagnosticInfo> Check(ImmutableArray<Baked> all)
    {
        long total = all.Sum(b => b.Bytes);
        if (total <= MaxBytes) return EquatableArray<DiagnosticInfo>.Empty;
        string names = string.Join(", ", all.OrderBy(b => b.Name, System.StringComparer.Ordinal)
            .Select(b => $"{b.Name}: {b.Bytes.ToString("N0", CultureInfo.InvariantCulture)}"));
        return all.Select(b => b.Location.With(Diagnostics.BakedWeightsTooLarge,
                total.ToString("N0", CultureInfo.InvariantCulture), names,
                MaxBytes.ToString("N0", CultureInfo.InvariantCulture)))
            .ToEquatableArray();
    }

    /// <summary>The bytes of string literals a network's baked data take: what its emitter writes.</summary>
    internal static long BakedBytes(NetworkSpec spec)
    {
        if (spec.Precision != Precision.Int8) return 4L * spec.ParameterCount;
        // A network with convolutions bakes its whole file (one byte per byte).
        if (!spec.IsDenseStack) return Int8LayersBaker.EstimatedBytes(spec);
        // Per dense layer: the weights packed in the kernel's tiles (one byte each, padding included), then
        // 1 + 2 * units floats (input scale, rescale factors, biases) and units ints (zero-point corrections).
        int[] sizes = spec.DenseSizes();
        long bytes = 0;
        for (int l = 0; l + 1 < sizes.Length; l++)
            bytes += (long)Int8Baker.PaddedOutputs(sizes[l + 1]) * Int8Baker.PaddedInputs(sizes[l]) + 4L * (1 + 3L * sizes[l + 1]);
        return bytes;
    }
}
