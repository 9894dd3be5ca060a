using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace StaticNet.Interop;

/// <summary>
/// Exports a network as an <a href="https://onnx.ai">ONNX</a> model that ONNX Runtime, OpenCV's
/// DNN module, Netron and any other ONNX consumer can run or show. The protobuf is written by hand
/// (no package): IR version 8, opset 13 of the default domain, producer "StaticNet".
/// </summary>
/// <remarks>
/// The graph takes <c>input</c>, float [batch, ...] with StaticNet's input shape (channels-last:
/// [batch, height, width, channels], [batch, steps, channels] or [batch, inputs]) and a dynamic
/// <c>batch</c> dimension, and gives <c>output</c>, float [batch, outputs]. Each Dense layer is a
/// <c>Gemm</c> node (<c>transB = 1</c>, weight [outputs, inputs], bias [outputs]) followed by its
/// activation node: <c>Sigmoid</c>, <c>Tanh</c>, <c>Relu</c>, <c>LeakyRelu</c> (<c>alpha</c> = the
/// network's slope) or <c>Softmax</c> (<c>axis = 1</c>); a linear layer has none. Convolutions are
/// <c>Conv</c>, pooling <c>MaxPool</c>/<c>AveragePool</c> (<c>count_include_pad = 0</c>), global
/// pooling <c>GlobalAveragePool</c> + <c>Flatten</c>, BatchNormalization the inference
/// <c>BatchNormalization</c> with the moving statistics, Flatten <c>Flatten</c>; Dropout exports as
/// nothing. ONNX's Conv and pooling are channels-first: a <c>Transpose</c> converts before them and
/// back before a Flatten. Dense stacks name their tensors <c>layer{l}.weight</c>, <c>layer{l}.bias</c>;
/// other networks by Keras's layer names (<c>conv2d.weight</c>, <c>dense_1.bias</c>,
/// <c>batch_normalization.moving_mean</c>, ...). An <see cref="StaticNet.Quantization.Int8Network"/> exports with
/// ONNX's integer operators (<c>QuantizeLinear</c>, <c>MatMulInteger</c>, <c>ConvInteger</c>; see
/// <see cref="ToBytes(StaticNet.Quantization.Int8Network, OnnxInt8Operators)"/>; or, on request, ONNX Runtime's faster
/// <c>QLinearConv</c>). Details in docs/FORMATS.md, section "ONNX export".
/// </remarks>
public static partial class OnnxExporter
{
    /// <summary>The ONNX IR version written.</summary>
    public const int IrVersion = 8;

    /// <summary>The opset of the default ("ai.onnx") domain the graph uses.</summary>
    public const int OpsetVersion = 13;

    /// <summary>Name of the graph's input.</summary>
    public const string InputName = "input";

    /// <summary>Name of the graph's output.</summary>
    public const string OutputName = "output";

    /// <summary>Name of the graph's dynamic first dimension.</summary>
    public const string BatchDimension = "batch";

    // Protobuf sizes are 32-bit: stay well below 2 GiB for the whole model.
    private const long MaxWeightBytes = 2_000_000_000;

    /// <summary>
    /// Writes the network as an ONNX model file, crash-safely (temporary file beside
    /// <paramref name="path"/>, flushed, renamed over it).
    /// </summary>
    /// <param name="model">The network.</param>
    /// <param name="path">The <c>.onnx</c> file to create or replace.</param>
    /// <exception cref="NotSupportedException">The weights do not fit in one protobuf message (2 GB).</exception>
    public static void Save(NeuralNetwork model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = ToBytes(model);
        StaticNet.Serialization.AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Writes the network as an ONNX model to <paramref name="stream"/> (left open).</summary>
    /// <param name="model">The network.</param>
    /// <param name="stream">The destination.</param>
    /// <exception cref="NotSupportedException">The weights do not fit in one protobuf message (2 GB).</exception>
    public static void Save(NeuralNetwork model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToBytes(model));
    }

    /// <summary>The serialized ONNX <c>ModelProto</c> of the network.</summary>
    /// <param name="model">The network.</param>
    /// <exception cref="NotSupportedException">The weights do not fit in one protobuf message (2 GB).</exception>
    public static byte[] ToBytes(NeuralNetwork model)
    {
        ArgumentNullException.ThrowIfNull(model);
        NetworkShape shape = model.NetworkShape;
        if (4L * shape.ParameterCount > MaxWeightBytes)
            throw new NotSupportedException(
                $"The network has {shape.ParameterCount} parameters ({4L * shape.ParameterCount} bytes); an ONNX model without external data holds at most {MaxWeightBytes} bytes.");
        float[] parameters = model.ReadableParameters.ToArray();   // a snapshot: the model could be trained meanwhile

        return ModelBytes($"StaticNet network {shape}",
            graph => WriteGraph(graph, model.GetType().Name, shape.ToString(), new GraphBuilder(shape, parameters), shape.InputShape, shape.OutputSize),
            new[] { ("staticnet.network", shape.ToString()) });
    }

    /// <summary>The <c>ModelProto</c> around a graph: IR version, producer, doc string, the opset and the metadata entries.</summary>
    private static byte[] ModelBytes(string docString, Action<ProtobufWriter> writeGraph, IEnumerable<(string Key, string Value)> metadata)
    {
        var modelProto = new ProtobufWriter();
        modelProto.WriteInt64(ModelProto.IrVersion, IrVersion);
        modelProto.WriteString(ModelProto.ProducerName, "StaticNet");
        modelProto.WriteString(ModelProto.ProducerVersion, ProducerVersion());
        modelProto.WriteString(ModelProto.DocString, docString);
        modelProto.WriteMessage(ModelProto.Graph, writeGraph);
        modelProto.WriteMessage(ModelProto.OpsetImport, opset =>
        {
            opset.WriteString(OperatorSetIdProto.Domain, "");
            opset.WriteInt64(OperatorSetIdProto.Version, OpsetVersion);
        });
        foreach (var (key, value) in metadata)
            modelProto.WriteMessage(ModelProto.MetadataProps, entry =>
            {
                entry.WriteString(StringStringEntryProto.Key, key);
                entry.WriteString(StringStringEntryProto.Value, value);
            });
        return modelProto.WrittenSpan.ToArray();
    }

    private static void WriteGraph(ProtobufWriter graph, string name, string description, GraphBuilder builder, IReadOnlyList<int> inputShape, int outputSize)
    {
        foreach (OnnxNode n in builder.Nodes)
        {
            graph.WriteMessage(GraphProto.Node, node =>
            {
                foreach (string input in n.Inputs) node.WriteString(NodeProto.Input, input);
                node.WriteString(NodeProto.Output, n.Output);
                node.WriteString(NodeProto.Name, n.Name);
                node.WriteString(NodeProto.OpType, n.OpType);
                foreach (Action<ProtobufWriter> attribute in n.Attributes) node.WriteMessage(NodeProto.Attribute, attribute);
            });
        }

        graph.WriteString(GraphProto.Name, name);
        foreach (OnnxInitializer initializer in builder.Initializers)
            graph.WriteMessage(GraphProto.Initializer, t =>
            {
                if (initializer.Bytes is { } bytes) ByteTensor(t, initializer.Name, initializer.Dims, initializer.DataType, bytes);
                else FloatTensor(t, initializer.Name, initializer.Dims, initializer.Values.Span);
            });
        graph.WriteString(GraphProto.DocString, description);
        graph.WriteMessage(GraphProto.Input, v => ValueInfo(v, InputName, inputShape));
        graph.WriteMessage(GraphProto.Output, v => ValueInfo(v, OutputName, new[] { outputSize }));
    }

    private sealed record OnnxNode(string OpType, string Name, string[] Inputs, Action<ProtobufWriter>[] Attributes)
    {
        public string Output { get; set; } = "";
    }

    /// <summary>A float tensor (<see cref="Values"/>), or one of another type as little-endian bytes (<see cref="Bytes"/>: int8, uint8, int32, int64).</summary>
    private sealed record OnnxInitializer(string Name, long[] Dims, ReadOnlyMemory<float> Values, int DataType = TensorProto.Float, byte[]? Bytes = null);

    /// <summary>
    /// Turns the layer list into ONNX nodes and initializers. StaticNet's tensors are channels-last and the
    /// graph's input stays so; ONNX's Conv, pooling and BatchNormalization are channels-first, so a
    /// <c>Transpose</c> goes in before the first of them (and again after a Dense-bound stretch ends in Flatten).
    /// </summary>
    private class GraphBuilder
    {
        private readonly float _leakyReluSlope;
        private readonly float[] _parameters;
        protected string _current = InputName;
        protected int _rank;             // dimensions of the current tensor without the batch
        protected bool _channelsFirst;   // whether it is (channels, ...) rather than StaticNet's (..., channels)

        public GraphBuilder(NetworkShape shape, float[] parameters)
            : this(shape.InputShape.Count, shape.LeakyReluSlope, parameters)
        {
            int dense = 0;
            foreach (LayerInfo layer in shape.Layers)
            {
                // Dense stacks keep the names of the first exporter ("layer{l}" per Dense layer, Dropout not
                // counted), so their files stay byte for byte the same; other networks use Keras's layer names.
                string prefix = shape.IsDenseStack ? $"layer{dense}" : layer.Name;
                Add(layer, prefix);
                if (layer.Kind == LayerKind.Dense) dense++;
            }
            Nodes[^1].Output = OutputName;   // the last layer is Dense: its Gemm or its activation
        }

        /// <summary>An empty graph over an input of <paramref name="rank"/> dimensions (without the batch); a subclass adds the layers.</summary>
        protected GraphBuilder(int rank, float leakyReluSlope, float[] parameters)
        {
            _rank = rank;
            _leakyReluSlope = leakyReluSlope;
            _parameters = parameters;
        }

        public List<OnnxNode> Nodes { get; } = new();

        public List<OnnxInitializer> Initializers { get; } = new();

        /// <summary>Layer <paramref name="layer"/> from the float32 parameters, its tensors named <paramref name="p"/>.*.</summary>
        protected void Add(LayerInfo layer, string p)
        {
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                {
                    int units = layer.Units, inputs = layer.InputShape[0], offset = layer.ParameterOffset;
                    Initializer(p + ".weight", new long[] { units, inputs }, _parameters.AsMemory(offset, units * inputs));
                    Initializer(p + ".bias", new long[] { units }, _parameters.AsMemory(offset + units * inputs, units));
                    Node("Gemm", p + "/Gemm", p + ".linear", new[] { _current, p + ".weight", p + ".bias" }, a => IntAttribute(a, "transB", 1));
                    Activate(layer, p);
                    break;
                }
                case LayerKind.Conv2D:
                case LayerKind.Conv1D:
                {
                    ToChannelsFirst(p);
                    LayerGeometry g = layer.Geometry;
                    int kh = g.WindowHeight, kw = g.WindowWidth, cin = g.InChannels, cout = g.OutChannels;
                    // StaticNet (Keras) kernel [kh, kw, in, out] → ONNX W [out, in, kh, kw] ([out, in, k] in 1-D).
                    ReadOnlySpan<float> kernel = _parameters.AsSpan(layer.ParameterOffset, kh * kw * cin * cout);
                    var w = new float[kernel.Length];
                    for (int o = 0; o < cout; o++)
                        for (int i = 0; i < cin; i++)
                            for (int y = 0; y < kh; y++)
                                for (int x = 0; x < kw; x++)
                                    w[((o * cin + i) * kh + y) * kw + x] = kernel[((y * kw + x) * cin + i) * cout + o];
                    bool twoD = layer.Kind == LayerKind.Conv2D;
                    Initializer(p + ".weight", twoD ? new long[] { cout, cin, kh, kw } : new long[] { cout, cin, kw }, w);
                    var inputs = new List<string> { _current, p + ".weight" };
                    if (layer.UseBias)
                    {
                        Initializer(p + ".bias", new long[] { cout }, _parameters.AsMemory(layer.ParameterOffset + kernel.Length, cout));
                        inputs.Add(p + ".bias");
                    }
                    Node("Conv", p + "/Conv", p + ".conv", inputs.ToArray(), WindowAttributes(layer));
                    Activate(layer, p);
                    break;
                }
                case LayerKind.MaxPooling2D:
                case LayerKind.MaxPooling1D:
                    ToChannelsFirst(p);
                    // ONNX's MaxPool ignores padded positions, as Keras's 'same' does.
                    Node("MaxPool", p + "/MaxPool", p + ".maxpool", new[] { _current }, WindowAttributes(layer));
                    break;
                case LayerKind.AveragePooling2D:
                case LayerKind.AveragePooling1D:
                {
                    ToChannelsFirst(p);
                    // count_include_pad = 0: the mean of a border window is over its positions inside the input, as in StaticNet and Keras.
                    var attributes = new List<Action<ProtobufWriter>>(WindowAttributes(layer)) { a => IntAttribute(a, "count_include_pad", 0) };
                    Node("AveragePool", p + "/AveragePool", p + ".averagepool", new[] { _current }, attributes.ToArray());
                    break;
                }
                case LayerKind.GlobalAveragePooling2D:
                case LayerKind.GlobalAveragePooling1D:
                    ToChannelsFirst(p);
                    Node("GlobalAveragePool", p + "/GlobalAveragePool", p + ".globalaveragepool", new[] { _current });
                    // (N, C, 1, 1) or (N, C, 1) → (N, C): the channels, in order.
                    Node("Flatten", p + "/Flatten", p + ".flatten", new[] { _current }, a => IntAttribute(a, "axis", 1));
                    _rank = 1;
                    _channelsFirst = false;
                    break;
                case LayerKind.BatchNormalization:
                {
                    if (_rank > 1) ToChannelsFirst(p);   // ONNX normalizes over axis 1
                    int c = layer.InputShape[layer.InputShape.Count - 1], offset = layer.ParameterOffset;
                    string[] names = { p + ".gamma", p + ".beta", p + ".moving_mean", p + ".moving_variance" };
                    for (int k = 0; k < 4; k++) Initializer(names[k], new long[] { c }, _parameters.AsMemory(offset + k * c, c));
                    // Inference: the moving statistics (opset 13's BatchNormalization-9 has no training mode).
                    Node("BatchNormalization", p + "/BatchNormalization", p + ".batchnormalization",
                        new[] { _current, names[0], names[1], names[2], names[3] }, a => FloatAttribute(a, "epsilon", layer.Epsilon));
                    break;
                }
                case LayerKind.Flatten:
                    if (_rank == 1) break;   // already flat
                    // StaticNet flattens in (h, w, c) order and the Dense after it has its columns in that order.
                    // Transposing back to channels-last here (rather than permuting that Dense's columns) keeps
                    // every Dense initializer equal to StaticNet's weights, so the file's weights read the same
                    // as the network's Parameters; the cost is one Transpose of the (already pooled) tensor.
                    if (_channelsFirst) ToChannelsLast(p);
                    Node("Flatten", p + "/Flatten", p + ".flatten", new[] { _current }, a => IntAttribute(a, "axis", 1));
                    _rank = 1;
                    break;
                case LayerKind.Dropout:
                    break;   // a training-time operation: the identity in inference
                default:
                    throw new NotSupportedException($"Layer {layer.Name} ({layer.Kind}) has no ONNX export.");
            }
        }

        protected void Activate(LayerInfo layer, string p) => Activate(layer.Activation, layer.Kind == LayerKind.Dense, $"{layer.Name} ({layer.Kind})", p);

        /// <summary>The activation node after a layer's sums (none for a linear layer); softmax only after a dense layer (axis 1).</summary>
        protected void Activate(Activation activation, bool dense, string layerName, string p)
        {
            if (activation == Activation.Linear) return;
            string opType = activation switch
            {
                Activation.Sigmoid => "Sigmoid",
                Activation.Tanh => "Tanh",
                Activation.Relu => "Relu",
                Activation.LeakyRelu => "LeakyRelu",
                Activation.Softmax when dense => "Softmax",
                _ => throw new NotSupportedException($"Activation {activation} of layer {layerName} has no ONNX export."),
            };
            Action<ProtobufWriter>[] attributes = activation switch
            {
                Activation.LeakyRelu => new Action<ProtobufWriter>[] { a => FloatAttribute(a, "alpha", _leakyReluSlope) },
                Activation.Softmax => new Action<ProtobufWriter>[] { a => IntAttribute(a, "axis", 1) },
                _ => Array.Empty<Action<ProtobufWriter>>(),
            };
            Node(opType, $"{p}/{opType}", $"{p}.{opType.ToLowerInvariant()}", new[] { _current }, attributes);
        }

        // (N, H, W, C) → (N, C, H, W), or (N, steps, C) → (N, C, steps).
        protected void ToChannelsFirst(string p)
        {
            if (_channelsFirst) return;
            long[] perm = _rank == 3 ? new long[] { 0, 3, 1, 2 } : new long[] { 0, 2, 1 };
            Node("Transpose", p + "/ToChannelsFirst", p + ".channels_first", new[] { _current }, a => IntsAttribute(a, "perm", perm));
            _channelsFirst = true;
        }

        private void ToChannelsLast(string p)
        {
            long[] perm = _rank == 3 ? new long[] { 0, 2, 3, 1 } : new long[] { 0, 2, 1 };
            Node("Transpose", p + "/ToChannelsLast", p + ".channels_last", new[] { _current }, a => IntsAttribute(a, "perm", perm));
            _channelsFirst = false;
        }

        protected void Node(string opType, string name, string output, string[] inputs, params Action<ProtobufWriter>[] attributes)
        {
            Nodes.Add(new OnnxNode(opType, name, inputs, attributes) { Output = output });
            _current = output;
        }

        protected void Initializer(string name, long[] dims, ReadOnlyMemory<float> values) =>
            Initializers.Add(new OnnxInitializer(name, dims, values));

        /// <summary>An initializer of <paramref name="dataType"/> elements (<see cref="TensorProto.Int8"/>, <see cref="TensorProto.UInt8"/>, ...) as little-endian bytes.</summary>
        protected void Initializer(string name, long[] dims, int dataType, byte[] bytes) =>
            Initializers.Add(new OnnxInitializer(name, dims, ReadOnlyMemory<float>.Empty, dataType, bytes));

        /// <summary>
        /// kernel_shape, strides and pads of a convolution or pooling node. 'same' pads as Keras: the total is
        /// max((out − 1)·stride + window − in, 0), LayerGeometry's PadTop/PadLeft before and the rest
        /// (the odd one) after; 1-D layers give only the width's values.
        /// </summary>
        protected static Action<ProtobufWriter>[] WindowAttributes(LayerInfo layer)
        {
            LayerGeometry g = layer.Geometry;
            int bottom = PadAfter(g.InHeight, g.OutHeight, g.WindowHeight, g.StrideHeight, g.PadTop, layer.Padding);
            int right = PadAfter(g.InWidth, g.OutWidth, g.WindowWidth, g.StrideWidth, g.PadLeft, layer.Padding);
            bool twoD = layer.Kind is LayerKind.Conv2D or LayerKind.MaxPooling2D or LayerKind.AveragePooling2D;
            long[] kernel = twoD ? new long[] { g.WindowHeight, g.WindowWidth } : new long[] { g.WindowWidth };
            long[] strides = twoD ? new long[] { g.StrideHeight, g.StrideWidth } : new long[] { g.StrideWidth };
            long[] pads = twoD ? new long[] { g.PadTop, g.PadLeft, bottom, right } : new long[] { g.PadLeft, right };
            return new Action<ProtobufWriter>[]
            {
                a => IntsAttribute(a, "kernel_shape", kernel),
                a => IntsAttribute(a, "strides", strides),
                a => IntsAttribute(a, "pads", pads),
            };
        }

        private static int PadAfter(int input, int output, int window, int stride, int before, Padding padding) =>
            padding == Padding.Same ? Math.Max((output - 1) * stride + window - input, 0) - before : 0;
    }

    private static void FloatTensor(ProtobufWriter tensor, string name, long[] dims, ReadOnlySpan<float> values)
    {
        foreach (long d in dims) tensor.WriteInt64(TensorProto.Dims, d);
        tensor.WriteInt64(TensorProto.DataType, TensorProto.Float);
        tensor.WriteString(TensorProto.Name, name);
        if (BitConverter.IsLittleEndian)
        {
            tensor.WriteBytes(TensorProto.RawData, MemoryMarshal.AsBytes(values));   // raw_data is little-endian
        }
        else
        {
            var bytes = new byte[4 * values.Length];
            for (int i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
            tensor.WriteBytes(TensorProto.RawData, bytes);
        }
    }

    private static void ByteTensor(ProtobufWriter tensor, string name, long[] dims, int dataType, byte[] bytes)
    {
        foreach (long d in dims) tensor.WriteInt64(TensorProto.Dims, d);
        tensor.WriteInt64(TensorProto.DataType, dataType);
        tensor.WriteString(TensorProto.Name, name);
        tensor.WriteBytes(TensorProto.RawData, bytes);   // one-byte elements, or written little-endian
    }

    private static void ValueInfo(ProtobufWriter valueInfo, string name, IReadOnlyList<int> dims)
    {
        valueInfo.WriteString(ValueInfoProto.Name, name);
        valueInfo.WriteMessage(ValueInfoProto.Type, type =>
            type.WriteMessage(TypeProto.TensorType, tensorType =>
            {
                tensorType.WriteInt64(TypeProto.ElemType, TensorProto.Float);
                tensorType.WriteMessage(TypeProto.Shape, tensorShape =>
                {
                    tensorShape.WriteMessage(TensorShapeProto.Dim, dim => dim.WriteString(TensorShapeProto.DimParam, BatchDimension));
                    foreach (int d in dims)
                        tensorShape.WriteMessage(TensorShapeProto.Dim, dim => dim.WriteInt64(TensorShapeProto.DimValue, d));
                });
            }));
    }

    private static void IntAttribute(ProtobufWriter attribute, string name, long value)
    {
        attribute.WriteString(AttributeProto.Name, name);
        attribute.WriteInt64(AttributeProto.I, value);
        attribute.WriteInt64(AttributeProto.Type, AttributeProto.TypeInt);
    }

    private static void IntsAttribute(ProtobufWriter attribute, string name, long[] values)
    {
        attribute.WriteString(AttributeProto.Name, name);
        foreach (long value in values) attribute.WriteInt64(AttributeProto.Ints, value);
        attribute.WriteInt64(AttributeProto.Type, AttributeProto.TypeInts);
    }

    private static void FloatAttribute(ProtobufWriter attribute, string name, float value)
    {
        attribute.WriteString(AttributeProto.Name, name);
        attribute.WriteFloat(AttributeProto.F, value);
        attribute.WriteInt64(AttributeProto.Type, AttributeProto.TypeFloat);
    }

    private static string ProducerVersion() =>
        typeof(OnnxExporter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    // Field numbers of onnx/onnx.proto (IR version 8).
    private static class ModelProto
    {
        public const int IrVersion = 1, ProducerName = 2, ProducerVersion = 3, DocString = 6, Graph = 7, OpsetImport = 8, MetadataProps = 14;
    }

    private static class OperatorSetIdProto
    {
        public const int Domain = 1, Version = 2;
    }

    private static class StringStringEntryProto
    {
        public const int Key = 1, Value = 2;
    }

    private static class GraphProto
    {
        public const int Node = 1, Name = 2, Initializer = 5, DocString = 10, Input = 11, Output = 12;
    }

    private static class NodeProto
    {
        public const int Input = 1, Output = 2, Name = 3, OpType = 4, Attribute = 5;
    }

    private static class AttributeProto
    {
        public const int Name = 1, F = 2, I = 3, Ints = 8, Type = 20;
        public const int TypeFloat = 1, TypeInt = 2, TypeInts = 7;
    }

    private static class TensorProto
    {
        public const int Dims = 1, DataType = 2, Name = 8, RawData = 9;
        public const int Float = 1, UInt8 = 2, Int8 = 3, Int32 = 6, Int64 = 7;
    }

    private static class ValueInfoProto
    {
        public const int Name = 1, Type = 2;
    }

    private static class TypeProto
    {
        public const int TensorType = 1;   // TypeProto.tensor_type
        public const int ElemType = 1, Shape = 2;   // TypeProto.Tensor
    }

    private static class TensorShapeProto
    {
        public const int Dim = 1;
        public const int DimValue = 1, DimParam = 2;   // TensorShapeProto.Dimension
    }
}
