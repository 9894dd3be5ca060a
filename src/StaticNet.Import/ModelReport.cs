using System.Collections.Generic;

namespace StaticNet.Import;

/// <summary>
/// What <see cref="ModelImport.Inspect"/> found in a model file: every step of the architecture,
/// the problems that keep StaticNet from compiling it, and the model when there are none.
/// </summary>
public sealed class ModelReport
{
    internal ModelReport(string path, string format, string producer, IReadOnlyList<ModelStep> steps, IReadOnlyList<string> problems, ImportedModel? model)
    {
        Path = path;
        Format = format;
        Producer = producer;
        Steps = steps;
        Problems = problems;
        Model = model;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>For example <c>ONNX (IR 7, opset 13)</c> or <c>Keras 3 (.keras)</c>.</summary>
    public string Format { get; }

    /// <summary>The producer recorded in the file (for example <c>pytorch 1.13.0</c>), or empty.</summary>
    public string Producer { get; }

    /// <summary>The nodes or layers, in the order data flows through them.</summary>
    public IReadOnlyList<ModelStep> Steps { get; }

    /// <summary>Why StaticNet cannot compile the model, one sentence each; empty when it can.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>The imported model, or null when there are problems.</summary>
    public ImportedModel? Model { get; }

    /// <summary>True when the file holds a network StaticNet can compile.</summary>
    public bool CanCompile => Problems.Count == 0 && Model is { HasArchitecture: true };
}
