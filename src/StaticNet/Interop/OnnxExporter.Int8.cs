using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using StaticNet.Quantization;

namespace StaticNet.Interop;

/// <summary>
/// ONNX export of an <see cref="Int8Network"/> with ONNX's integer operators, so that an ONNX runtime computes the int8
/// network's own arithmetic: the same input bytes (but at rounding ties, see <see cref="ToBytes(Int8Network)"/>), the
/// same int32 sums, the same float32 rescale.
/// </summary>
public static partial class OnnxExporter
{
    /// <summary>
    /// Writes the int8 network as an ONNX model file, crash-safely (temporary file beside
    /// <paramref name="path"/>, flushed, renamed over it). The graph is described at <see cref="ToBytes(Int8Network)"/>.
    /// </summary>
    /// <param name="model">The int8 network.</param>
    /// <param name="path">The <c>.onnx</c> file to create or replace.</param>
    public static void Save(Int8Network model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = ToBytes(model);
        StaticNet.Serialization.AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Writes the int8 network as an ONNX model to <paramref name="stream"/> (left open).</summary>
    /// <param name="model">The int8 network.</param>
    /// <param name="stream">The destination.</param>
    public static void Save(Int8Network model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToBytes(model));
    }

    /// <summary>
    /// The serialized ONNX <c>ModelProto</c> of an int8 network (IR 8, opset 13): input <c>input</c> and output
    /// <c>output</c> as for a float32 network, and for each int8 layer (dense, or a convolution of at least 32 window
    /// values) <c>QuantizeLinear</c>(x, s_x, z as uint8) → <c>MatMulInteger</c> or <c>ConvInteger</c> (uint8 inputs,
    /// int8 weights, the input's zero point, weight zero point 0) → <c>Cast</c> to float → <c>Mul</c> by the
    /// per-output-channel factor s_w[j]·s_x (the float32 product the int8 network multiplies by) → <c>Add</c> of the
    /// bias → the activation node. The layers the int8 network runs in float32 export as for a float32 network (small-window
    /// convolutions as <c>Conv</c>, pooling, Flatten), BatchNormalization as the int8 network holds it,
    /// <c>Sub</c>, <c>Mul</c>, <c>Add</c>: y = (x − center) · scale + offset per channel.
    /// </summary>
    /// <remarks>
    /// ONNX's <c>QuantizeLinear</c> rounds x / s_x to nearest, halves to even, where <see cref="Int8Network"/> rounds
    /// x · (1 / s_x) + z halves up: an input within about one float32 step of a half between two bytes can get the
    /// neighbouring byte in ONNX Runtime. Everything after the bytes is the same integer and float32 arithmetic.
    /// </remarks>
    /// <param name="model">The int8 network.</param>
    public static byte[] ToBytes(Int8Network model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var builder = new Int8GraphBuilder(model);
        var modelProto = new ProtobufWriter();
        modelProto.WriteInt64(ModelProto.IrVersion, IrVersion);
        modelProto.WriteString(ModelProto.ProducerName, "StaticNet");
        modelProto.WriteString(ModelProto.ProducerVersion, ProducerVersion());
        modelProto.WriteString(ModelProto.DocString, $"StaticNet int8 network {builder.Description}");
        modelProto.WriteMessage(ModelProto.Graph, graph =>
            WriteGraph(graph, nameof(Int8Network), builder.Description + " int8", builder, builder.InputShape, model.OutputSize));
        modelProto.WriteMessage(ModelProto.OpsetImport, opset =>
        {
            opset.WriteString(OperatorSetIdProto.Domain, "");
            opset.WriteInt64(OperatorSetIdProto.Version, OpsetVersion);
        });
        foreach (var (key, value) in new[] { ("staticnet.network", builder.Description), ("staticnet.precision", "int8") })
            modelProto.WriteMessage(ModelProto.MetadataProps, entry =>
            {
                entry.WriteString(StringStringEntryProto.Key, key);
                entry.WriteString(StringStringEntryProto.Value, value);
            });
        return modelProto.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The graph of an int8 network. A dense stack (no source layers kept) names its tensors <c>layer{l}.*</c>; a network
    /// with convolutions walks the source network's layers and names them by Keras's layer names, as the float32 export does.
    /// </summary>
    private sealed class Int8GraphBuilder : GraphBuilder
    {
        public Int8GraphBuilder(Int8Network model)
            : base(model.SourceShape?.InputShape.Count ?? 1, model.LeakyReluSlope, FloatParameters(model))
        {
            NetworkShape? shape = model.SourceShape;
            if (shape is null)
            {
                InputShape = new[] { model.InputSize };
                var parts = new List<string> { model.InputSize.ToString(CultureInfo.InvariantCulture) };
                for (int l = 0; l < model.Layers.Count; l++)
                {
                    QuantizedDenseLayer dense = model.Layers[l];
                    AddDense(dense, $"layer{l}");
                    parts.Add($"{dense.Units.ToString(CultureInfo.InvariantCulture)}({dense.Activation.ToString().ToLowerInvariant()})");
                }
                Description = string.Join("-", parts);
            }
            else
            {
                InputShape = shape.InputShape.ToArray();
                Description = shape.ToString();
                Int8Network.Step?[] steps = model.StepsByLayer();
                for (int l = 0; l < shape.Layers.Count; l++)
                {
                    LayerInfo layer = shape.Layers[l];
                    switch (steps[l])
                    {
                        case { Convolution: { } convolution }:
                            AddConvolution(layer, convolution, layer.Name);
                            break;
                        case { Dense: { } dense }:
                            AddDense(dense, layer.Name);
                            break;
                        case { Other: { Kind: LayerKind.BatchNormalization } normalization }:
                            AddNormalization(normalization, layer.Name);
                            break;
                        default:
                            // Float32 convolutions (their weights are in FloatParameters), pooling, Flatten, Dropout: as in a float32 network.
                            Add(layer, layer.Name);
                            break;
                    }
                }
            }
            Nodes[^1].Output = OutputName;   // the last layer is Dense: its Add or its activation
        }

        /// <summary>The input's shape without the batch (channels-last, as the int8 network takes it).</summary>
        public int[] InputShape { get; }

        /// <summary>The network in NetworkShape's notation (784-128(relu)-..., or the layers).</summary>
        public string Description { get; }

        /// <summary>
        /// The source network's parameter layout holding the weights of the convolutions the int8 network keeps in
        /// float32 (so that <see cref="GraphBuilder.Add"/> writes them as for a float32 network); zeros elsewhere.
        /// </summary>
        private static float[] FloatParameters(Int8Network model)
        {
            NetworkShape? shape = model.SourceShape;
            if (shape is null) return Array.Empty<float>();
            var parameters = new float[shape.ParameterCount];
            Int8Network.Step?[] steps = model.StepsByLayer();
            for (int l = 0; l < steps.Length; l++)
            {
                if (steps[l]?.FloatConvolution is not { } convolution) continue;
                LayerInfo layer = shape.Layers[l];
                convolution.Kernel.CopyTo(parameters.AsSpan(layer.ParameterOffset, layer.WeightCount));
                if (layer.UseBias) convolution.Bias.CopyTo(parameters.AsSpan(layer.ParameterOffset + layer.WeightCount, layer.Units));
            }
            return parameters;
        }

        private void AddDense(QuantizedDenseLayer dense, string p)
        {
            int inputs = dense.Inputs, units = dense.Units;
            string zeroPoint = Quantize(dense.InputScale, dense.InputZeroPoint, p);
            // MatMulInteger multiplies [batch, inputs] by [inputs, units]: the transpose of the layer's [units, inputs] rows.
            ReadOnlySpan<sbyte> q = dense.QuantizedWeights;
            var weights = new byte[q.Length];
            for (int j = 0; j < units; j++)
                for (int i = 0; i < inputs; i++)
                    weights[i * units + j] = (byte)q[j * inputs + i];
            Initializer(p + ".weight", new long[] { inputs, units }, TensorProto.Int8, weights);
            // No weight zero point: the weights are symmetric (0 stands for 0).
            Node("MatMulInteger", p + "/MatMulInteger", p + ".sums", new[] { _current, p + ".weight", zeroPoint });
            Rescale(dense, new long[] { units }, p);
            Activate(dense.Activation, dense: true, p + " (Dense)", p);
        }

        private void AddConvolution(LayerInfo layer, QuantizedConv2DLayer convolution, string p)
        {
            ToChannelsFirst(p);
            string zeroPoint = Quantize(convolution.InputScale, convolution.InputZeroPoint, p);
            // The int8 rows [filters][kh, kw, cin] → ONNX W [filters, cin, kh, kw] ([filters, cin, k] in 1-D).
            var (kh, kw) = convolution.Window;
            int cin = convolution.InputShape.Channels, filters = convolution.Filters;
            ReadOnlySpan<sbyte> q = convolution.QuantizedWeights;
            var weights = new byte[q.Length];
            for (int o = 0; o < filters; o++)
                for (int i = 0; i < cin; i++)
                    for (int y = 0; y < kh; y++)
                        for (int x = 0; x < kw; x++)
                            weights[((o * cin + i) * kh + y) * kw + x] = (byte)q[((o * kh + y) * kw + x) * cin + i];
            bool twoD = layer.Kind == LayerKind.Conv2D;
            Initializer(p + ".weight", twoD ? new long[] { filters, cin, kh, kw } : new long[] { filters, cin, kw }, TensorProto.Int8, weights);
            // ConvInteger pads with the input's zero point ('same' padding), which stands for 0 as in the int8 network.
            Node("ConvInteger", p + "/ConvInteger", p + ".sums", new[] { _current, p + ".weight", zeroPoint }, WindowAttributes(layer));
            // One factor and bias per filter, broadcast over the positions of (batch, filters, height, width).
            Rescale(convolution.Kernel, twoD ? new long[] { filters, 1, 1 } : new long[] { filters, 1 }, p);
            Activate(layer, p);
        }

        /// <summary>QuantizeLinear of the current tensor with the layer's input scale and zero point; returns the zero point's name.</summary>
        private string Quantize(float scale, int zeroPoint, string p)
        {
            Initializer(p + ".input_scale", Array.Empty<long>(), new[] { scale });
            Initializer(p + ".input_zero_point", Array.Empty<long>(), TensorProto.UInt8, new[] { (byte)zeroPoint });
            Node("QuantizeLinear", p + "/QuantizeLinear", p + ".input_quantized", new[] { _current, p + ".input_scale", p + ".input_zero_point" });
            return p + ".input_zero_point";
        }

        /// <summary>The int32 sums to floats, times s_w[j]·s_x, plus the bias: the int8 network's float32 rescale, step for step.</summary>
        private void Rescale(QuantizedDenseLayer kernel, long[] dims, string p)
        {
            int units = kernel.Units;
            Node("Cast", p + "/Cast", p + ".sums_float", new[] { _current }, a => IntAttribute(a, "to", TensorProto.Float));
            Initializer(p + ".output_scale", dims, kernel.OutputScales.AsMemory(0, units));
            Node("Mul", p + "/Mul", p + ".scaled", new[] { _current, p + ".output_scale" });
            Initializer(p + ".bias", dims, kernel.Bias.ToArray());
            Node("Add", p + "/Add", p + ".linear", new[] { _current, p + ".bias" });
        }

        /// <summary>
        /// BatchNormalization as the int8 network runs it (and a loaded one holds it: no gamma or variance),
        /// y = (x − center) · scale + offset per channel, in the same three float32 operations.
        /// </summary>
        private void AddNormalization(Float32Layer normalization, string p)
        {
            int channels = normalization.Center.Length;
            // Channels are the last axis in StaticNet's layout, axis 1 after a convolution's Transpose.
            long[] dims = _channelsFirst && _rank > 1 ? new long[] { channels }.Concat(Enumerable.Repeat(1L, _rank - 1)).ToArray() : new long[] { channels };
            Initializer(p + ".center", dims, normalization.Center.ToArray());
            Node("Sub", p + "/Sub", p + ".centered", new[] { _current, p + ".center" });
            Initializer(p + ".scale", dims, normalization.Scale.ToArray());
            Node("Mul", p + "/Mul", p + ".scaled", new[] { _current, p + ".scale" });
            Initializer(p + ".offset", dims, normalization.Offset.ToArray());
            Node("Add", p + "/Add", p + ".normalized", new[] { _current, p + ".offset" });
        }
    }
}
