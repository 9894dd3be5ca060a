using System.Collections.Generic;
using System.Linq;
using StaticNet.Generator.Emit.Layers;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Emit;

/// <summary>
/// The layers of one network as emitters, wired together: each layer's input span and source, the parameter
/// and training-value offsets (the runtime's own arithmetic, src/Shared), and the size types the code uses.
/// </summary>
internal sealed class NetworkPlan
{
    private const string Kernels = "global::StaticNet.Kernels";
    private readonly SortedSet<int> _sizes = new();

    public NetworkPlan(NetworkSpec spec)
    {
        Spec = spec;
        LayerGeometry[] geometries = spec.Geometries();
        NetworkLayout layout = NetworkLayout.Create(geometries)!;
        Layout = layout;
        var layers = new List<LayerEmitter>();
        Layers = layers;
        int denseIndex = -1;
        LayerEmitter? source = null;
        string input = "inputs";
        for (int i = 0; i < geometries.Length; i++)
        {
            LayerSpec s = spec.Layers[i];
            LayerGeometry g = geometries[i];
            long p = layout.ParameterOffsets[i];
            int a = layout.ActivationOffsets[i];
            if (s.Kind == LayerKind.Dense) denseIndex++;
            LayerEmitter layer = s.Kind switch
            {
                LayerKind.Dense => new DenseLayer(this, i, s, g, p, a),
                LayerKind.Conv2D or LayerKind.Conv1D => new ConvolutionLayer(this, i, s, g, p, a),
                LayerKind.MaxPooling2D or LayerKind.AveragePooling2D or LayerKind.MaxPooling1D or LayerKind.AveragePooling1D => new PoolingLayer(this, i, s, g, p, a),
                LayerKind.GlobalAveragePooling2D or LayerKind.GlobalAveragePooling1D => new GlobalPoolingLayer(this, i, s, g, p, a),
                LayerKind.Flatten => new FlattenLayer(this, i, s, g, p, a),
                LayerKind.Dropout => new DropoutLayer(this, i, s, g, p, a,
                    // After a Dense layer: its dense index (the masks of [Network]'s dropout since the first version); else apart from those.
                    i > 0 && spec.Layers[i - 1].Kind == LayerKind.Dense ? denseIndex : 1000 + i),
                LayerKind.BatchNormalization => new BatchNormalizationLayer(this, i, s, g, p, a),
                _ => throw new System.InvalidOperationException($"no emitter for {s.Kind}"),
            };
            layer.Source = source;
            layer.In = input;
            layers.Add(layer);
            input = layer.Out;
            if (s.Kind != LayerKind.Flatten) source = layer;
        }
    }

    public NetworkSpec Spec { get; }
    public IReadOnlyList<LayerEmitter> Layers { get; }
    public NetworkLayout Layout { get; }
    public LayerEmitter Output => Layers[Layers.Count - 1];
    public int InputSize => LayerGeometry.Product(Spec.InputShape.ToArray());
    public int OutputSize => Output.Geometry.OutputSize;
    public bool HasBatchNormalization => Layers.Any(l => l.Spec.Kind == LayerKind.BatchNormalization);
    public bool NeedsSlopeType => Layers.Any(l => l.Spec.Activation == Activation.LeakyRelu);

    /// <summary>The largest output one-sample prediction keeps in a buffer of its own (layers that pass their input through keep none).</summary>
    public int MaxPredictBuffer => Layers.Where(l => !l.IsOutput && !l.PassesInputThrough).Select(l => l.Geometry.OutputSize).DefaultIfEmpty(0).Max();

    /// <summary>The <c>StaticNetLayout.N{size}</c> type of a size (recorded, so that the layout declares it).</summary>
    public string SizeType(int size)
    {
        _sizes.Add(size);
        return $"StaticNetLayout.N{size}";
    }

    public IEnumerable<int> UsedSizes => _sizes;

    public string ActivationKernel(Activation activation) => activation switch
    {
        Activation.Sigmoid => $"{Kernels}.Sigmoid",
        Activation.Tanh => $"{Kernels}.Tanh",
        Activation.Relu => $"{Kernels}.Relu",
        Activation.LeakyRelu => $"{Kernels}.LeakyRelu<StaticNetLayout.LeakySlope>",
        _ => $"{Kernels}.Linear",
    };

    /// <summary>For example <c>784-128(relu)-10(softmax)</c> for a dense stack, or the layers in Keras's words.</summary>
    public string Describe()
    {
        if (Spec.IsDenseStack)
            return Spec.InputShape[0] + string.Concat(Spec.Layers.Where(l => l.Kind == LayerKind.Dense).Select(l => $"-{l.Units}({ActivationFacts.KerasName(l.Activation)})"));
        return LayerGeometry.Format(Spec.InputShape.ToArray()) + " -> " + string.Join(" -> ", Layers.Select(l => $"{l.Spec.Kind} {LayerGeometry.Format(l.Geometry.OutputShape)}"));
    }
}
