using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace StaticNet.Import;

/// <summary>
/// Turns the steps a reader finds (dense layers, biases, activations, reshapes, no-ops) into dense
/// layers, checking that they chain, and records every step and every problem for the report. The
/// ONNX and Keras readers both feed it, so both follow the same rules.
/// </summary>
internal sealed class ArchitectureBuilder
{
    private readonly List<ModelStep> _steps = new();
    private readonly List<string> _problems = new();
    private readonly List<ImportedLayer> _layers = new();
    private readonly List<bool> _hasActivation = new();
    private List<long>? _dims;          // the current tensor's non-batch dimensions (-1 unknown), or null when unknown
    private bool _lastDenseOpen;        // nothing but no-ops since the last dense layer: a bias or an activation may still join it
    private float? _slope;
    private string? _slopeWhere;

    public IReadOnlyList<string> Problems => _problems;

    public void Input(string where, string op, IReadOnlyList<long>? nonBatchDims)
    {
        _dims = nonBatchDims?.ToList();
        _steps.Add(new ModelStep(where, op, nonBatchDims is null ? "input (shape not recorded)" : $"input {Shape(_dims!)}", true));
    }

    /// <summary>Flatten, or a Reshape to [batch, n] (n = -1 when it is the product of the dimensions).</summary>
    public void Flatten(string where, string op, long target = -1)
    {
        long product = _dims is null || _dims.Any(d => d < 0) ? -1 : _dims.Aggregate(1L, (a, d) => a * d);
        if (target > 0 && product > 0 && target != product)
        {
            Problem(where, op, $"reshapes {product} values per sample into {target}");
            return;
        }
        _dims = new List<long> { target > 0 ? target : product };
        _steps.Add(new ModelStep(where, op, $"flatten to {Shape(_dims)}", true));
        _lastDenseOpen = false;
    }

    public void Dense(string where, string op, string name, float[] weights, float[]? bias, int inputs, int outputs, string detail)
    {
        if (_dims is { Count: 0 })
        {
            Problem(where, op, $"is a dense layer of {inputs} inputs applied to a tensor [batch] with no feature dimension");
            return;
        }
        if (_dims is not null)
        {
            long width = _dims[^1];
            bool flat = _dims.Take(_dims.Count - 1).All(d => d == 1);
            if (!flat)
            {
                Problem(where, op, $"is a dense layer of {inputs} inputs applied to a tensor {Shape(_dims)}, which is not [batch, n]: flatten first");
                return;
            }
            if (width >= 0 && width != inputs)
            {
                Problem(where, op, $"has {inputs} inputs but receives {width} values per sample");
                return;
            }
        }
        _layers.Add(new ImportedLayer(name, inputs, outputs, weights, bias ?? new float[outputs], Activation.Linear));
        _hasActivation.Add(false);
        _dims = new List<long> { outputs };
        _lastDenseOpen = true;
        _steps.Add(new ModelStep(where, op, $"dense {inputs} -> {outputs}{detail}", true));
    }

    /// <summary>An Add of a constant after a MatMul (or a Gemm): folded into that layer's bias.</summary>
    public void AddBias(string where, string op, float[] bias, string detail)
    {
        if (!_lastDenseOpen || _hasActivation[^1])
        {
            Problem(where, op, "adds a constant that does not follow a dense layer directly (only MatMul + Add or Gemm + Add fold into a dense layer)");
            return;
        }
        ImportedLayer layer = _layers[^1];
        float[] b = layer.BiasArray;
        if (bias.Length != 1 && bias.Length != b.Length)
        {
            Problem(where, op, $"adds {bias.Length} values to a layer of {b.Length} units");
            return;
        }
        for (int i = 0; i < b.Length; i++) b[i] += bias.Length == 1 ? bias[0] : bias[i];
        _steps.Add(new ModelStep(where, op, $"bias of dense layer {_layers.Count - 1}{detail}", true));
    }

    public void Activate(string where, string op, Activation activation, float slope = float.NaN)
    {
        if (_layers.Count == 0 || !_lastDenseOpen)
        {
            Problem(where, op, _layers.Count == 0
                ? "is an activation before the first dense layer; StaticNet applies activations after dense layers only"
                : "is an activation that does not follow a dense layer directly");
            return;
        }
        if (_hasActivation[^1])
        {
            Problem(where, op, $"is a second activation on dense layer {_layers.Count - 1} (already {_layers[^1].Activation.ToString().ToLowerInvariant()})");
            return;
        }
        if (activation == Activation.LeakyRelu)
        {
            if (_slope is float s && s != slope)
            {
                Problem(where, op, $"has leaky ReLU slope {F(slope)} but {_slopeWhere} has {F(s)}; a StaticNet network has one slope");
                return;
            }
            _slope = slope;
            _slopeWhere = where;
        }
        _layers[^1].Activation = activation;
        _hasActivation[^1] = true;
        _steps.Add(new ModelStep(where, op, activation == Activation.LeakyRelu
            ? $"activation leaky_relu (slope {F(slope)}) of dense layer {_layers.Count - 1}"
            : $"activation {activation.ToString().ToLowerInvariant()} of dense layer {_layers.Count - 1}", true));
    }

    /// <summary>Identity, Dropout at inference, InputLayer and the like: no effect on the output.</summary>
    public void PassThrough(string where, string op, string description) =>
        _steps.Add(new ModelStep(where, op, description, true));

    public void Problem(string where, string op, string message)
    {
        _steps.Add(new ModelStep(where, op, message, false));
        _problems.Add($"{where} ({op}) {message}.");
    }

    /// <summary>A problem that is not one step (no input, several outputs, ...).</summary>
    public void Problem(string message) => _problems.Add(message);

    public ModelReport Finish(string path, string format, string producer, bool hasArchitecture = true)
    {
        if (_layers.Count == 0 && _problems.Count == 0)
            _problems.Add("The file holds no dense layer.");
        ImportedModel? model = null;
        if (_problems.Count == 0)
        {
            model = new ImportedModel(path, format, _layers[0].Inputs, _layers.ToArray(), _slope ?? 0.2f, hasArchitecture);
            if (hasArchitecture)
            {
                try { model.ToShape(); }
                catch (ArgumentException e)
                {
                    _problems.Add($"StaticNet cannot compile {model}: {e.Message.Split(" (Parameter")[0]}");
                    model = null;
                }
            }
        }
        return new ModelReport(path, format, producer, _steps.ToArray(), _problems.ToArray(), model);
    }

    internal static string Shape(IEnumerable<long> nonBatchDims) =>
        "[batch, " + string.Join(", ", nonBatchDims.Select(d => d < 0 ? "?" : d.ToString(CultureInfo.InvariantCulture))) + "]";

    internal static string F(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
