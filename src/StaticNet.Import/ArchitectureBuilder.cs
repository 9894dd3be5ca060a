using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace StaticNet.Import;

/// <summary>
/// Turns the steps a reader finds (dense and convolution layers, pooling, batch normalization, biases,
/// activations, reshapes, no-ops) into StaticNet layers, checking each against the shape that reaches it
/// with Keras's rules (src/Shared/LayerGeometry.cs), and records every step and every problem for the
/// report. The ONNX and Keras readers both feed it, so both follow the same rules. Shapes here are
/// StaticNet's: channels-last, without the batch.
/// </summary>
internal sealed class ArchitectureBuilder
{
    private readonly List<ModelStep> _steps = new();
    private readonly List<string> _problems = new();
    private readonly List<LayerSpec> _layers = new();
    private List<long>? _dims;          // the current tensor's non-batch dimensions (-1 unknown), or null when unknown
    private int[]? _inputShape;         // the network's input: the shape that reached the first layer
    private bool _lastOpen;             // nothing but no-ops since the last dense or convolution layer: a bias or an activation may still join it
    // A channels-first Flatten (PyTorch's (c, h, w) order) whose values reach the next layer: (positions, channels).
    private (int Spatial, int Channels)? _permute;
    private float? _slope;
    private string? _slopeWhere;

    public IReadOnlyList<string> Problems => _problems;

    /// <summary>The current tensor's shape (non-batch, -1 unknown), or null.</summary>
    public IReadOnlyList<long>? Dims => _dims;

    public int LayerCount => _layers.Count;

    public void Input(string where, string op, IReadOnlyList<long>? nonBatchDims, string note = "")
    {
        _dims = nonBatchDims?.ToList();
        _steps.Add(new ModelStep(where, op, (nonBatchDims is null ? "input (shape not recorded)" : $"input {Shape(_dims!)}") + note, true));
    }

    /// <summary>The input is channels-first (PyTorch's NCHW or NCL): StaticNet takes the same values channels-last.</summary>
    public void ChannelsFirstInput()
    {
        if (_dims is null || _dims.Count < 2 || _layers.Count > 0) return;
        _dims = _dims.Skip(1).Append(_dims[0]).ToList();
    }

    /// <summary>
    /// Flatten, or a Reshape to [batch, n] (n = -1 when it is the product of the dimensions).
    /// <paramref name="channelsFirst"/>: the values come out in (c, h, w) order (PyTorch), so the next dense
    /// layer's columns are permuted into StaticNet's (h, w, c) order.
    /// </summary>
    public void Flatten(string where, string op, long target = -1, bool channelsFirst = false)
    {
        long product = _dims is null || _dims.Any(d => d < 0) ? -1 : _dims.Aggregate(1L, (a, d) => a * d);
        if (target > 0 && product > 0 && target != product)
        {
            Problem(where, op, $"reshapes {product} values per sample into {target}");
            return;
        }
        var before = _dims;
        _dims = new List<long> { target > 0 ? target : product };
        if (_layers.Count == 0)
        {
            // Before any layer: the input is read as one vector, in the file's order.
            _steps.Add(new ModelStep(where, op, $"flatten to {Shape(_dims)} (the network takes the flat input)", true));
        }
        else if (before is null || before.Count == 1)
        {
            _steps.Add(new ModelStep(where, op, $"flatten to {Shape(_dims)} (already flat: no-op)", true));
            return;
        }
        else
        {
            int channels = (int)before[^1];
            AddSpec(new LayerSpec(LayerKind.Flatten, "flatten", Array.Empty<float>(), Array.Empty<float>()), before);
            if (channelsFirst && channels > 1 && product / channels > 1)
                _permute = ((int)(product / channels), channels);
            _steps.Add(new ModelStep(where, op, $"Flatten {Shape(before)} -> {Shape(_dims)}{(_permute is null ? "" : " (PyTorch's (c, h, w) order: the next layer's inputs are reordered to StaticNet's (h, w, c))")}", true));
        }
        _lastOpen = false;
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
        if (_permute is var (spatial, channels) && spatial * channels == inputs)
        {
            // PyTorch's column t = c·positions + p is StaticNet's input p·channels + c.
            var permuted = new float[weights.Length];
            for (int o = 0; o < outputs; o++)
                for (int t = 0; t < inputs; t++)
                    permuted[o * inputs + (t % spatial) * channels + t / spatial] = weights[o * inputs + t];
            weights = permuted;
            detail += ", columns reordered from (c, h, w) to (h, w, c)";
        }
        _permute = null;
        var input = new List<long> { inputs };
        AddSpec(new LayerSpec(LayerKind.Dense, name, weights, bias ?? new float[outputs]) { Units = outputs }, input);
        _dims = new List<long> { outputs };
        _lastOpen = true;
        _steps.Add(new ModelStep(where, op, $"dense {inputs} -> {outputs}{detail}", true));
    }

    /// <summary>A convolution, pooling or batch-normalization layer: its shape rule is applied to the current tensor.</summary>
    public void Layer(string where, string op, LayerSpec spec, string detail)
    {
        if (_dims is null || _dims.Any(d => d < 0))
        {
            Problem(where, op, $"is a {spec.Kind} layer, but the shape of its input is not recorded in the file ({(_dims is null ? "no shape" : Shape(_dims))})");
            return;
        }
        if (_dims.Count is < 1 or > 3)
        {
            Problem(where, op, $"receives a tensor {Shape(_dims)}; StaticNet's tensors have 1 to 3 dimensions besides the batch");
            return;
        }
        int[] input = _dims.Select(d => (int)d).ToArray();
        LayerGeometry? g = LayerGeometry.Create(spec.Kind, input, spec.Units, spec.WindowHeight, spec.WindowWidth,
            spec.StrideHeight, spec.StrideWidth, spec.Padding, spec.UseBias, out string? error);
        if (g is null)
        {
            Problem(where, op, $"cannot take its input: {error}");
            return;
        }
        if (g.ParameterCount != spec.ParameterCount)
        {
            Problem(where, op, $"has {spec.ParameterCount} parameters, but a {spec.Kind} layer on {LayerGeometry.Format(input)} has {g.ParameterCount}");
            return;
        }
        if (spec.Kind == LayerKind.BatchNormalization && input.Length == 1 && _permute is var (spatial, channels) && spatial * channels == input[0])
        {
            // BatchNorm1d after a PyTorch Flatten: its features are in (c, h, w) order.
            float[] w = spec.Weights;
            var permuted = new float[w.Length];
            int n = input[0];
            for (int block = 0; block < 4; block++)
                for (int t = 0; t < n; t++)
                    permuted[block * n + (t % spatial) * channels + t / spatial] = w[block * n + t];
            spec.Weights = permuted;
            detail += ", features reordered from (c, h, w) to (h, w, c)";
        }
        else if (spec.Kind != LayerKind.BatchNormalization || input.Length > 1) _permute = null;
        AddSpec(spec, _dims);
        _dims = g.OutputShape.Select(d => (long)d).ToList();
        _lastOpen = spec.Kind is LayerKind.Conv2D or LayerKind.Conv1D;
        _steps.Add(new ModelStep(where, op, $"{spec.ToLayerInfo()} {LayerGeometry.Format(input)} -> {LayerGeometry.Format(g.OutputShape)}{detail}", true));
    }

    private void AddSpec(LayerSpec spec, List<long>? input)
    {
        if (_layers.Count == 0 && input is not null && input.All(d => d > 0)) _inputShape = input.Select(d => (int)d).ToArray();
        _layers.Add(spec);
    }

    /// <summary>An Add of a constant after a MatMul (or a Gemm, or a convolution): folded into that layer's bias.</summary>
    public void AddBias(string where, string op, float[] bias, string detail)
    {
        LayerSpec? last = _layers.Count > 0 ? _layers[^1] : null;
        if (!_lastOpen || last is null || last.HasActivation || last.Kind != LayerKind.Dense)
        {
            Problem(where, op, "adds a constant that does not follow a dense layer directly (only MatMul + Add or Gemm + Add fold into a dense layer)");
            return;
        }
        float[] b = last.Bias;
        if (bias.Length != 1 && bias.Length != b.Length)
        {
            Problem(where, op, $"adds {bias.Length} values to a layer of {b.Length} units");
            return;
        }
        for (int i = 0; i < b.Length; i++) b[i] += bias.Length == 1 ? bias[0] : bias[i];
        _steps.Add(new ModelStep(where, op, $"bias of {LastRef()}{detail}", true));
    }

    public void Activate(string where, string op, Activation activation, float slope = float.NaN)
    {
        // conv → max pool → f equals conv(f) → max pool for a non-decreasing f (max(f(a), f(b)) = f(max(a, b))),
        // PyTorch's classic F.relu(F.max_pool2d(conv(x), 2)).
        if (!_lastOpen && activation != Activation.Softmax && _layers.Count >= 2
            && _layers[^1].Kind is LayerKind.MaxPooling2D or LayerKind.MaxPooling1D
            && _layers[^2] is { Kind: LayerKind.Conv2D or LayerKind.Conv1D, HasActivation: false } conv)
        {
            if (!CheckSlope(where, op, activation, slope)) return;
            conv.Activation = activation;
            conv.HasActivation = true;
            _steps.Add(new ModelStep(where, op, $"activation {Name(activation)} of layer {_layers.Count - 2} ({conv.Kind}), before the max pooling (the same result: the activation is non-decreasing)", true));
            return;
        }
        if (_layers.Count == 0 || !_lastOpen)
        {
            Problem(where, op, _layers.Count == 0
                ? "is an activation before the first dense or convolution layer; StaticNet applies activations in dense and convolution layers only"
                : "is an activation that does not follow a dense or convolution layer directly (StaticNet has no activation layer of its own)");
            return;
        }
        LayerSpec last = _layers[^1];
        if (last.HasActivation)
        {
            Problem(where, op, $"is a second activation on {LastRef()} (already {Name(last.Activation)})");
            return;
        }
        if (activation == Activation.Softmax && last.Kind != LayerKind.Dense)
        {
            Problem(where, op, $"is a softmax after a {last.Kind} layer; StaticNet's softmax is for the output Dense layer");
            return;
        }
        if (!CheckSlope(where, op, activation, slope)) return;
        last.Activation = activation;
        last.HasActivation = true;
        _steps.Add(new ModelStep(where, op, activation == Activation.LeakyRelu
            ? $"activation leaky_relu (slope {F(slope)}) of {LastRef()}"
            : $"activation {Name(activation)} of {LastRef()}", true));
    }

    private bool CheckSlope(string where, string op, Activation activation, float slope)
    {
        if (activation != Activation.LeakyRelu) return true;
        if (_slope is float s && s != slope)
        {
            Problem(where, op, $"has leaky ReLU slope {F(slope)} but {_slopeWhere} has {F(s)}; a StaticNet network has one slope");
            return false;
        }
        _slope = slope;
        _slopeWhere = where;
        return true;
    }

    /// <summary>"dense layer 1" (counting Dense layers, as for Dense stacks) or "layer 0 (Conv2D)".</summary>
    private string LastRef() => _layers[^1].Kind == LayerKind.Dense
        ? $"dense layer {_layers.Count(l => l.Kind == LayerKind.Dense) - 1}"
        : $"layer {_layers.Count - 1} ({_layers[^1].Kind})";

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
        if (!_layers.Any(l => l.Kind == LayerKind.Dense) && _problems.Count == 0)
            _problems.Add("The file holds no dense layer.");
        ImportedModel? model = null;
        if (_problems.Count == 0)
        {
            int[] input = _inputShape ?? new[] { _layers[0].Weights.Length / Math.Max(_layers[0].Units, 1) };
            model = new ImportedModel(path, format, input, _layers.ToArray(), _slope ?? 0.2f, hasArchitecture);
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

    internal static string Name(Activation a) => a == Activation.LeakyRelu ? "leaky_relu" : a.ToString().ToLowerInvariant();
}
