using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using StaticNet.Import;

namespace StaticNet.Tool;

/// <summary>
/// <c>staticnet inspect FILE</c> and <c>staticnet import FILE --class NAME [--namespace NS] [--out DIR]</c>.
/// Errors are one line <c>error: ...</c> on standard error and exit code 1; import writes nothing
/// unless everything succeeds.
/// </summary>
internal static class Cli
{
    private const string Usage =
        "usage:\n" +
        "  staticnet inspect <model file>\n" +
        "  staticnet import <model file> --class <Name> [--namespace <Namespace>] [--out <folder>]\n" +
        "model files: ONNX (.onnx), Keras 3 (.keras, .weights.h5), Keras 2 (.h5)";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        try
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                output.WriteLine(Usage);
                return args.Length == 0 ? 1 : 0;
            }
            return args[0] switch
            {
                "inspect" => Inspect(Parse(args, allowed: Array.Empty<string>()), output),
                "import" => Import(Parse(args, allowed: new[] { "--class", "--namespace", "--out" }), output),
                _ => throw new UsageException($"unknown command '{args[0]}'; expected inspect or import"),
            };
        }
        catch (Exception e) when (e is UsageException or IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            // One line: multi-line messages (several problems) are joined.
            error.WriteLine("error: " + string.Join(" ", e.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)));
            return 1;
        }
    }

    private sealed class UsageException(string message) : Exception(message);

    private sealed record Arguments(string File, Dictionary<string, string> Options);

    private static Arguments Parse(string[] args, string[] allowed)
    {
        string? file = null;
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                if (!allowed.Contains(args[i]))
                    throw new UsageException($"unknown option '{args[i]}' for {args[0]}{(allowed.Length > 0 ? $" (options: {string.Join(", ", allowed)})" : "")}");
                if (i + 1 >= args.Length)
                    throw new UsageException($"option '{args[i]}' needs a value");
                options[args[i]] = args[++i];
            }
            else if (file is null) file = args[i];
            else throw new UsageException($"unexpected argument '{args[i]}'; {args[0]} takes one model file");
        }
        if (file is null) throw new UsageException($"{args[0]} needs a model file");
        if (!File.Exists(file)) throw new UsageException($"no such file: {file}");
        return new Arguments(file, options);
    }

    private static int Inspect(Arguments a, TextWriter output)
    {
        ModelReport report = ModelImport.Inspect(a.File);
        output.WriteLine($"{report.Path}: {report.Format}{(report.Producer.Length > 0 ? $", produced by {report.Producer}" : "")}");
        int width = report.Steps.Count == 0 ? 0 : report.Steps.Max(s => s.Location.Length + s.Operator.Length + 3);
        foreach (ModelStep step in report.Steps)
            output.WriteLine($"  {(step.Supported ? " " : "!")} {(step.Location + " (" + step.Operator + ")").PadRight(width)}  {step.Description}");
        if (report.Model is ImportedModel model)
        {
            if (model.HasArchitecture && !model.IsDenseStack) WriteLayerTable(model, output);
            output.WriteLine($"network: {(model.HasArchitecture ? model.ToShape().ToString() : model.ToString())}, {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters");
            if (model.InputShape.Count > 1)
                output.WriteLine($"the network takes {ModelImport.DescribeInput(model)}");
            output.WriteLine(model.HasArchitecture
                ? "StaticNet can compile it: staticnet import " + a.File + " --class <Name>"
                : "weights only (no activations recorded): declare the network and call ModelImport.LoadWeights(model, path)");
        }
        else
        {
            output.WriteLine("StaticNet cannot compile it:");
            foreach (string problem in report.Problems) output.WriteLine("  - " + problem);
        }
        return 0;
    }

    /// <summary>Keras's summary columns: layer (type), output shape, parameters.</summary>
    private static void WriteLayerTable(ImportedModel model, TextWriter output)
    {
        NetworkShape shape = model.ToShape();
        var rows = shape.Layers.Select(l => ($"{l.Name} ({l.Kind})", "(None, " + string.Join(", ", l.OutputShape) + ")", l.ParameterCount.ToString("N0", CultureInfo.InvariantCulture), l.ToString())).ToList();
        int w1 = Math.Max(12, rows.Max(r => r.Item1.Length)), w2 = Math.Max(12, rows.Max(r => r.Item2.Length)), w3 = Math.Max(7, rows.Max(r => r.Item3.Length));
        output.WriteLine($"  {"Layer (type)".PadRight(w1)}  {"Output Shape".PadRight(w2)}  {"Param #".PadLeft(w3)}  Settings");
        output.WriteLine($"  {"input".PadRight(w1)}  {("(None, " + string.Join(", ", model.InputShape) + ")").PadRight(w2)}  {"".PadLeft(w3)}");
        foreach (var (name, outShape, count, settings) in rows)
            output.WriteLine($"  {name.PadRight(w1)}  {outShape.PadRight(w2)}  {count.PadLeft(w3)}  {settings}");
    }

    private static int Import(Arguments a, TextWriter output)
    {
        if (!a.Options.TryGetValue("--class", out string? className))
            throw new UsageException("import needs --class <Name>, the C# class to declare");
        a.Options.TryGetValue("--namespace", out string? ns);
        string outDir = a.Options.TryGetValue("--out", out string? o) ? o : ".";
        ImportedModel model = ModelImport.Read(a.File);
        string weightsName = className + ".safetensors";
        string source = ModelImport.Declaration(model, className, ns, weightsName);

        // Both files are written beside their targets first and moved only when both are complete.
        Directory.CreateDirectory(outDir);
        string csPath = Path.Combine(outDir, className + ".cs"), weightsPath = Path.Combine(outDir, weightsName);
        string suffix = $".{Environment.ProcessId}.tmp";
        try
        {
            File.WriteAllText(csPath + suffix, source);
            using (var stream = new FileStream(weightsPath + suffix, FileMode.Create, FileAccess.Write))
            {
                ModelImport.SaveSafetensors(model, stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(weightsPath + suffix, weightsPath, overwrite: true);
            File.Move(csPath + suffix, csPath, overwrite: true);
        }
        finally
        {
            File.Delete(csPath + suffix);
            File.Delete(weightsPath + suffix);
        }
        NetworkShape shape = model.ToShape();
        output.WriteLine($"imported {a.File}: {shape}, {shape.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters");
        output.WriteLine($"wrote {csPath}");
        output.WriteLine($"wrote {weightsPath}");
        if (model.InputShape.Count > 1)
            output.WriteLine($"the network takes {ModelImport.DescribeInput(model)}");
        output.WriteLine("add to the project file (the weights are baked in at compile time; Weights = \"" + weightsName + "\" is in the .cs):");
        output.WriteLine("  <ItemGroup>");
        output.WriteLine($"    <AdditionalFiles Include=\"{weightsName}\" />");
        output.WriteLine("  </ItemGroup>");
        return 0;
    }
}
