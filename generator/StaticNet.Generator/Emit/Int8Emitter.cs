using System.Globalization;
using System.Linq;
using System.Text;
using StaticNet.Generator.Model;
using StaticNet.Generator.Weights;

namespace StaticNet.Generator.Emit;

/// <summary>
/// Writes a <c>Precision = Precision.Int8</c> class: a prediction-only <c>StaticNet.Quantization.Int8Model</c> whose
/// Forward calls the int8 kernel once per Dense layer on baked data. The packed int8 weights, the rescale factors,
/// biases and zero-point corrections are string literals read in place (MemoryMarshal.Cast): stored as int8 in the
/// assembly, no copy and no allocation at run time. Sizes are constants.
/// </summary>
internal static class Int8Emitter
{
    private const string Data = "StaticNetInt8";
    private const string Chars = "global::System.ReadOnlySpan<char>";
    private const string Cast = "global::System.Runtime.InteropServices.MemoryMarshal.Cast";

    public static string Emit(NetworkSpec spec, EquatableArray<Int8LayerData> layers)
    {
        SourceWriter w = OpenFile(spec);

        string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        int inputSize = layers[0].Inputs, outputSize = layers[layers.Count - 1].Units;
        int maxPaddedInputs = layers.Max(l => Int8Baker.PaddedInputs(l.Inputs)), maxPaddedOutputs = layers.Max(l => Int8Baker.PaddedOutputs(l.Units));
        int weightBytes = layers.Sum(l => l.Inputs * l.Units);
        string shape = string.Join("-", new[] { inputSize }.Concat(layers.Select(l => l.Units)));
        string activations = string.Join(", ", layers.Select(l => l.Activation.ToString()));
        w.Line($"/// <remarks>Int8 dense network {shape} ({activations}): {weightBytes.ToString("N0", CultureInfo.InvariantCulture)} int8 weights baked in from {Escape(spec.WeightsFile ?? "")}; prediction only.</remarks>");
        w.Open($"partial class {spec.ClassName} : global::StaticNet.Quantization.Int8Model");
        w.Line($"/// <summary>The network with its baked int8 weights (copied once per process, at the first prediction, to 64-byte-aligned memory, where the kernel reads them fastest); no file is read.</summary>");
        w.Line($"public {spec.ClassName}() : base({I(inputSize)}, {I(outputSize)}, {I(maxPaddedInputs)}, {I(maxPaddedOutputs)}) {{ }}");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open("protected override void Forward(global::System.ReadOnlySpan<float> input, global::System.Span<float> output, " +
               "global::System.Span<byte> x, global::System.Span<int> acc, global::System.Span<float> z)");
        string slope = spec.LeakyReluSlope.ToString("R", CultureInfo.InvariantCulture) + "f";
        for (int l = 0; l < layers.Count; l++)
        {
            Int8LayerData layer = layers[l];
            // Each layer reads its input (z) into bytes before it writes its output (z again): one buffer serves all.
            string input = l == 0 ? "input" : $"z.Slice(0, {I(layers[l - 1].Units)})";
            string output = l == layers.Count - 1 ? "output" : $"z.Slice(0, {I(layer.Units)})";
            w.Line($"// Layer {l}: Dense({I(layer.Units)}, {layer.Activation}), {I(layer.Inputs)} inputs, input zero point {I(layer.ZeroPoint)}.");
            w.Line($"global::StaticNet.Kernels.Int8DenseLayer.Forward({input}, {output}, {Data}.AlignedWeights{l}, {Data}.Floats{l}[0], {I(layer.ZeroPoint)},");
            w.Line($"    {Data}.Compensation{l}, {Data}.Floats{l}.Slice(1, {I(layer.Units)}), {Data}.Floats{l}.Slice({I(1 + layer.Units)}, {I(layer.Units)}),");
            w.Line($"    global::StaticNet.Activation.{layer.Activation}, {slope}, x, acc);");
        }
        w.Close();
        w.Line();

        w.Line($"/// <summary>The baked data from {Escape(spec.WeightsFile ?? "")}: string literals whose chars are the values' little-endian bytes.</summary>");
        w.Open($"private static class {Data}");
        var literal = new StringBuilder();
        for (int l = 0; l < layers.Count; l++)
        {
            Int8LayerData layer = layers[l];
            w.Line($"// Layer {l}: Weights, int8 in the kernel's tiled layout ({I(Int8Baker.PaddedOutputs(layer.Units))} x {I(Int8Baker.PaddedInputs(layer.Inputs))}, two per char);");
            w.Line($"// Floats: 1 / input scale, then the {I(layer.Units)} rescale factors s_w[j] * s_x, then the {I(layer.Units)} biases; Compensation: z * sum_i q[j, i].");
            w.Line($"public static global::System.ReadOnlySpan<sbyte> Weights{l} => {Cast}<char, sbyte>(WeightBits{l});");
            w.Line($"public static readonly global::System.ArraySegment<sbyte> AlignedWeights{l} = global::StaticNet.Kernels.Int8DenseLayer.Aligned(Weights{l});");
            w.Line($"public static global::System.ReadOnlySpan<float> Floats{l} => {Cast}<char, float>(FloatBits{l});");
            w.Line($"public static global::System.ReadOnlySpan<int> Compensation{l} => {Cast}<char, int>(CompensationBits{l});");
            StringLiteral(w, literal, $"WeightBits{l}", layer.Packed);
            StringLiteral(w, literal, $"FloatBits{l}", layer.Floats);
            StringLiteral(w, literal, $"CompensationBits{l}", layer.Compensation);
        }
        w.Close();
        w.Close();

        return CloseFile(w, spec);
    }

    /// <summary>
    /// Writes a <c>Precision = Precision.Int8</c> class with convolutions: the checked file (<see cref="Int8LayersBaker"/>)
    /// as one constant string, loaded once per process by <c>Int8Network.Load</c> (the runtime's layers, so the same bits
    /// as the loaded file), behind the same <c>Int8Model</c> API as a dense stack's class.
    /// </summary>
    public static string EmitFile(NetworkSpec spec, Int8FileData file)
    {
        SourceWriter w = OpenFile(spec);

        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        LayerGeometry[] geometries = spec.Geometries();
        string shape = string.Join(", ", spec.InputShape.Select(d => I(d)));
        string layers = string.Join(", ", spec.Layers.Select(l => l.Kind.ToString()));
        w.Line($"/// <remarks>Int8 network with input ({shape}) and layers {layers}: the {file.Length.ToString("N0", CultureInfo.InvariantCulture)}-byte file {Escape(spec.WeightsFile ?? "")} baked in; prediction only.</remarks>");
        w.Open($"partial class {spec.ClassName} : global::StaticNet.Quantization.Int8Model");
        w.Line("/// <summary>The network with its baked file (read once per process, at the first prediction); no file is read.</summary>");
        // The layers keep their own scratch memory: the base class's is not used (one value each).
        w.Line($"public {spec.ClassName}() : base({I(geometries[0].InputSize)}, {I(geometries[geometries.Length - 1].OutputSize)}, 1, 1) {{ }}");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("protected override void Forward(global::System.ReadOnlySpan<float> input, global::System.Span<float> output, " +
               "global::System.Span<byte> x, global::System.Span<int> acc, global::System.Span<float> z) =>");
        w.Line($"    {Data}.Network.Predict(input, output);");
        w.Line();
        w.Line($"/// <summary>The file {Escape(spec.WeightsFile ?? "")} as it was written by Int8Network.Save: a string literal whose chars are its bytes, two per char.</summary>");
        w.Open($"private static class {Data}");
        w.Line("public static readonly global::StaticNet.Quantization.Int8Network Network = global::StaticNet.Quantization.Int8Network.Load(");
        w.Line($"    new global::System.IO.MemoryStream(global::System.Runtime.InteropServices.MemoryMarshal.AsBytes(FileBits).Slice(0, {I(file.Length)}).ToArray(), writable: false));");
        StringLiteral(w, new StringBuilder(), "FileBits", file.Bits);
        w.Close();
        w.Close();

        return CloseFile(w, spec);
    }

    /// <summary>The file's header and the class's namespace and enclosing types, opened.</summary>
    private static SourceWriter OpenFile(NetworkSpec spec)
    {
        var w = new SourceWriter();
        w.Line("// <auto-generated/>");
        w.Line($"// Generated by StaticNet.Generator {Emitter.Version} from [{spec.AttributeName}(..., Precision = Precision.Int8)] on {spec.DisplayName}. Do not edit.");
        w.Line("#nullable enable");
        w.Line();
        if (spec.Namespace is not null) w.Open($"namespace {spec.Namespace}");
        foreach (ContainingType outer in spec.ContainingTypes) w.Open($"partial {outer.Keyword} {outer.Name}");
        return w;
    }

    /// <summary>Closes what <see cref="OpenFile"/> opened; the file's text.</summary>
    private static string CloseFile(SourceWriter w, NetworkSpec spec)
    {
        foreach (ContainingType _ in spec.ContainingTypes) w.Close();
        if (spec.Namespace is not null) w.Close();
        return w.ToString();
    }

    /// <summary>A property over one constant string, in pieces of at most 2 · ChunkFloats chars (old compilers lex long literals slowly).</summary>
    private static void StringLiteral(SourceWriter w, StringBuilder literal, string name, string bits)
    {
        const int chunk = 2 * BakedLiteral.ChunkFloats;
        w.Line($"private static {Chars} {name} =>");
        for (int start = 0; start < bits.Length; start += chunk)
        {
            literal.Clear().Append("    ");
            BakedLiteral.Append(literal, bits, start, System.Math.Min(chunk, bits.Length - start));
            literal.Append(start + chunk < bits.Length ? " +" : ";");
            w.Line(literal.ToString());
        }
    }

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
