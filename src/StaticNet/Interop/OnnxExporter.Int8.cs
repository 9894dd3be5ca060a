using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using StaticNet.Quantization;

namespace StaticNet.Interop;

/// <summary>
/// ONNX export of an <see cref="Int8Network"/> with ONNX's integer operators, so that an ONNX runtime computes the int8
/// network's own arithmetic: the same input bytes (but at rounding ties, see <see cref="ToBytes(Int8Network, OnnxInt8Operators)"/>), the
/// same int32 sums, the same float32 rescale; or, with <see cref="OnnxInt8Operators.QLinear"/>, with ONNX Runtime's faster
/// <c>QLinearConv</c>, which requantizes between layers.
/// </summary>
public static partial class OnnxExporter
{
    /// <summary>
    /// Writes the int8 network as an ONNX model file, crash-safely (temporary file beside
    /// <paramref name="path"/>, flushed, renamed over it). The graph is described at <see cref="ToBytes(Int8Network, OnnxInt8Operators)"/>.
    /// </summary>
    /// <param name="model">The int8 network.</param>
    /// <param name="path">The <c>.onnx</c> file to create or replace.</param>
    /// <param name="operators">ONNX's integer operators (the default) or ONNX Runtime's faster QLinear ones.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="operators"/> is not a defined value.</exception>
    public static void Save(Int8Network model, string path, OnnxInt8Operators operators = OnnxInt8Operators.Integer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = ToBytes(model, operators);
        StaticNet.Serialization.AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Writes the int8 network as an ONNX model to <paramref name="stream"/> (left open).</summary>
    /// <param name="model">The int8 network.</param>
    /// <param name="stream">The destination.</param>
    /// <param name="operators">ONNX's integer operators (the default) or ONNX Runtime's faster QLinear ones.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="operators"/> is not a defined value.</exception>
    public static void Save(Int8Network model, Stream stream, OnnxInt8Operators operators = OnnxInt8Operators.Integer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToBytes(model, operators));
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
    /// <param name="operators">
    /// <see cref="OnnxInt8Operators.Integer"/> (the default): the graph above. <see cref="OnnxInt8Operators.QLinear"/>:
    /// an int8 layer whose output reaches the next int8 layer only through ReLU, max pooling, Flatten or Dropout is one
    /// <c>QLinearConv</c> node (a dense layer a 1×1 one between <c>Reshape</c> and <c>Flatten</c>: <c>QLinearMatMul</c>
    /// has no bias input) with the int8 weights, per-output-channel weight scales s_w[j], an int32 bias
    /// round(b[j] / (s_w[j]·s_x)), and the next layer's input scale and zero point as its output's, so uint8 bytes flow
    /// through the pooling and Flatten to the next int8 layer without a <c>QuantizeLinear</c>; ReLU is the saturation at
    /// the zero point, 0 (a ReLU layer whose next layer's zero point is not 0 keeps the integer form). The others keep
    /// the integer form. ONNX Runtime 1.31.1 runs this form 2.2-2.6 times as fast on the digit CNN, but the bytes between layers are rounded from
    /// the int32 sums once (with the bias rounded to an integer) rather than from the float32 outputs, so some come out
    /// one step apart and the outputs differ slightly from <see cref="Int8Network.Predict(float[,])"/>'s (docs/FORMATS.md
    /// gives the measured differences).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="operators"/> is not a defined value.</exception>
    public static byte[] ToBytes(Int8Network model, OnnxInt8Operators operators = OnnxInt8Operators.Integer)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (operators is not (OnnxInt8Operators.Integer or OnnxInt8Operators.QLinear))
            throw new ArgumentOutOfRangeException(nameof(operators), operators, "Expected OnnxInt8Operators.Integer or OnnxInt8Operators.QLinear.");
        var builder = new Int8GraphBuilder(model, operators);
        var metadata = new List<(string, string)> { ("staticnet.network", builder.Description), ("staticnet.precision", "int8") };
        if (operators == OnnxInt8Operators.QLinear) metadata.Add(("staticnet.int8_operators", "qlinear"));
        return ModelBytes($"StaticNet int8 network {builder.Description}",
            graph => WriteGraph(graph, nameof(Int8Network), builder.Description + " int8", builder, builder.InputShape, model.OutputSize), metadata);
    }

    /// <summary>
    /// The graph of an int8 network. A dense stack (no source layers kept) names its tensors <c>layer{l}.*</c>; a network
    /// with convolutions walks the source network's layers and names them by Keras's layer names, as the float32 export does.
    /// </summary>
    private sealed class Int8GraphBuilder : GraphBuilder
    {
        private readonly OnnxInt8Operators _operators;
        // The current tensor is uint8 bytes a QLinear node wrote with the next int8 layer's input scale and zero point.
        private bool _bytes;

        public Int8GraphBuilder(Int8Network model, OnnxInt8Operators operators)
            : base(model.SourceShape?.InputShape.Count ?? 1, model.LeakyReluSlope, FloatParameters(model))
        {
            _operators = operators;
            NetworkShape? shape = model.SourceShape;
            if (shape is null)
            {
                InputShape = new[] { model.InputSize };
                var parts = new List<string> { model.InputSize.ToString(CultureInfo.InvariantCulture) };
                for (int l = 0; l < model.Layers.Count; l++)
                {
                    QuantizedDenseLayer dense = model.Layers[l];
                    QuantizedDenseLayer? next = l + 1 < model.Layers.Count ? model.Layers[l + 1] : null;
                    AddDense(dense, $"layer{l}", QLinearTarget(dense.Activation, next?.InputZeroPoint, $"layer{l + 1}"));
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
                            AddConvolution(layer, convolution, layer.Name, QLinearTarget(convolution.Activation, shape, steps, l));
                            break;
                        case { Dense: { } dense }:
                            AddDense(dense, layer.Name, QLinearTarget(dense.Activation, shape, steps, l));
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

        /// <summary>
        /// In the QLinear form, the name of the int8 layer after layer <paramref name="l"/> when the layer's output reaches
        /// it only through max pooling, Flatten and Dropout (which move or pick bytes, so they commute with the rounding);
        /// otherwise null.
        /// </summary>
        private string? QLinearTarget(Activation activation, NetworkShape shape, Int8Network.Step?[] steps, int l)
        {
            for (int k = l + 1; k < steps.Length; k++)
            {
                if (steps[k] is { Convolution: { } c }) return QLinearTarget(activation, c.InputZeroPoint, shape.Layers[k].Name);
                if (steps[k] is { Dense: { } d }) return QLinearTarget(activation, d.InputZeroPoint, shape.Layers[k].Name);
                if (shape.Layers[k].Kind is not (LayerKind.MaxPooling2D or LayerKind.MaxPooling1D or LayerKind.Flatten or LayerKind.Dropout)) return null;
            }
            return null;
        }

        /// <summary>
        /// <paramref name="next"/> when the layer is written as a QLinear node: the QLinear form, a next int8 layer, and an
        /// activation the output bytes carry by themselves (linear; ReLU when the next zero point is 0, where saturation
        /// clamps). Quantized networks always have zero point 0 after a ReLU (their input ranges start at 0).
        /// </summary>
        private string? QLinearTarget(Activation activation, int? nextZeroPoint, string next) =>
            _operators == OnnxInt8Operators.QLinear && nextZeroPoint is { } z
                && (activation == Activation.Linear || activation == Activation.Relu && z == 0)
                ? next : null;

        private void AddDense(QuantizedDenseLayer dense, string p, string? next)
        {
            int inputs = dense.Inputs, units = dense.Units;
            string zeroPoint = Quantize(dense.InputScale, dense.InputZeroPoint, p);
            if (next is not null)
            {
                // A 1×1 QLinearConv on [batch, inputs, 1, 1]: QLinearMatMul has no bias input. W [units, inputs, 1, 1] is the layer's rows as they are.
                Initializer(p + ".image_shape", new long[] { 4 }, TensorProto.Int64, Int64Bytes(0, inputs, 1, 1));
                Node("Reshape", p + "/Reshape", p + ".input_image", new[] { _current, p + ".image_shape" });
                Initializer(p + ".weight", new long[] { units, inputs, 1, 1 }, TensorProto.Int8, SignedBytes(dense.QuantizedWeights));
                QLinearConv(dense, p, next);
                Node("Flatten", p + "/Flatten", p + ".output_bytes", new[] { _current }, a => IntAttribute(a, "axis", 1));
                return;
            }
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

        private void AddConvolution(LayerInfo layer, QuantizedConv2DLayer convolution, string p, string? next)
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
            if (next is not null)
            {
                // QLinearConv pads with x_zero_point too.
                QLinearConv(convolution.Kernel, p, next, WindowAttributes(layer));
                return;
            }
            // ConvInteger pads with the input's zero point ('same' padding), which stands for 0 as in the int8 network.
            Node("ConvInteger", p + "/ConvInteger", p + ".sums", new[] { _current, p + ".weight", zeroPoint }, WindowAttributes(layer));
            // One factor and bias per filter, broadcast over the positions of (batch, filters, height, width).
            Rescale(convolution.Kernel, twoD ? new long[] { filters, 1, 1 } : new long[] { filters, 1 }, p);
            Activate(layer, p);
        }

        /// <summary>
        /// QuantizeLinear of the current tensor with the layer's input scale and zero point (none when a QLinear node
        /// already wrote these bytes with them); returns the zero point's name.
        /// </summary>
        private string Quantize(float scale, int zeroPoint, string p)
        {
            Initializer(p + ".input_scale", Array.Empty<long>(), new[] { scale });
            Initializer(p + ".input_zero_point", Array.Empty<long>(), TensorProto.UInt8, new[] { (byte)zeroPoint });
            if (_bytes) _bytes = false;
            else Node("QuantizeLinear", p + "/QuantizeLinear", p + ".input_quantized", new[] { _current, p + ".input_scale", p + ".input_zero_point" });
            return p + ".input_zero_point";
        }

        /// <summary>
        /// QLinearConv of the current bytes with <paramref name="p"/>.weight (written by the caller): per-channel weight
        /// scales s_w[j] (zero points 0), the int32 bias round(b[j] / (s_w[j]·s_x)), and output bytes quantized with
        /// layer <paramref name="next"/>'s input scale and zero point (that layer's initializers).
        /// </summary>
        private void QLinearConv(QuantizedDenseLayer kernel, string p, string next, params Action<ProtobufWriter>[] attributes)
        {
            int units = kernel.Units;
            Initializer(p + ".weight_scale", new long[] { units }, kernel.WeightScales.ToArray());
            Initializer(p + ".weight_zero_point", new long[] { units }, TensorProto.Int8, new byte[units]);
            var bias = new byte[4 * units];
            for (int j = 0; j < units; j++)
            {
                // The bias in units of the sums: the float32 factor s_w[j]·s_x the integer form multiplies them by.
                double b = Math.Round(kernel.Bias[j] / (double)kernel.OutputScales[j], MidpointRounding.ToEven);
                BinaryPrimitives.WriteInt32LittleEndian(bias.AsSpan(4 * j), (int)Math.Clamp(b, int.MinValue, int.MaxValue));
            }
            Initializer(p + ".bias", new long[] { units }, TensorProto.Int32, bias);
            Node("QLinearConv", p + "/QLinearConv", p + ".qlinearconv", new[]
            {
                _current, p + ".input_scale", p + ".input_zero_point", p + ".weight", p + ".weight_scale", p + ".weight_zero_point",
                next + ".input_scale", next + ".input_zero_point", p + ".bias",
            }, attributes);
            _bytes = true;
        }

        private static byte[] Int64Bytes(params long[] values)
        {
            var bytes = new byte[8 * values.Length];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8 * i), values[i]);
            return bytes;
        }

        private static byte[] SignedBytes(ReadOnlySpan<sbyte> values)
        {
            var bytes = new byte[values.Length];
            for (int i = 0; i < values.Length; i++) bytes[i] = (byte)values[i];
            return bytes;
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
