using System;
using System.IO;
using System.Runtime.InteropServices;

namespace StaticNet.Interop;

/// <summary>
/// Exports a network as an <a href="https://onnx.ai">ONNX</a> model that ONNX Runtime, OpenCV's
/// DNN module, Netron and any other ONNX consumer can run or show. The protobuf is written by hand
/// (no package): IR version 8, opset 13 of the default domain, producer "StaticNet".
/// </summary>
/// <remarks>
/// The graph takes <c>input</c>, float [batch, inputs] with a dynamic <c>batch</c> dimension, and
/// gives <c>output</c>, float [batch, outputs]. Each dense layer <c>l</c> is a <c>Gemm</c> node
/// (<c>transB = 1</c>, initializers <c>layer{l}.weight</c> [outputs, inputs] and
/// <c>layer{l}.bias</c> [outputs]) followed by its activation node: <c>Sigmoid</c>, <c>Tanh</c>,
/// <c>Relu</c>, <c>LeakyRelu</c> (<c>alpha</c> = the network's slope) or <c>Softmax</c>
/// (<c>axis = 1</c>); a linear layer has none. Details in docs/FORMATS.md, section "ONNX export".
/// </remarks>
public static class OnnxExporter
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
        float[] parameters = model.Parameters.ToArray();   // a snapshot: the model could be trained meanwhile

        var modelProto = new ProtobufWriter();
        modelProto.WriteInt64(ModelProto.IrVersion, IrVersion);
        modelProto.WriteString(ModelProto.ProducerName, "StaticNet");
        modelProto.WriteString(ModelProto.ProducerVersion, ProducerVersion());
        modelProto.WriteString(ModelProto.DocString, $"StaticNet network {shape}");
        modelProto.WriteMessage(ModelProto.Graph, graph => WriteGraph(graph, model.GetType().Name, shape, parameters));
        modelProto.WriteMessage(ModelProto.OpsetImport, opset =>
        {
            opset.WriteString(OperatorSetIdProto.Domain, "");
            opset.WriteInt64(OperatorSetIdProto.Version, OpsetVersion);
        });
        modelProto.WriteMessage(ModelProto.MetadataProps, entry =>
        {
            entry.WriteString(StringStringEntryProto.Key, "staticnet.network");
            entry.WriteString(StringStringEntryProto.Value, shape.ToString());
        });
        return modelProto.WrittenSpan.ToArray();
    }

    private static void WriteGraph(ProtobufWriter graph, string name, NetworkShape shape, float[] parameters)
    {
        string current = InputName;
        for (int l = 0; l < shape.LayerCount; l++)
        {
            bool last = l == shape.LayerCount - 1;
            Activation activation = shape.Activations[l];
            string weight = $"layer{l}.weight", bias = $"layer{l}.bias";
            string linear = last && activation == Activation.Linear ? OutputName : $"layer{l}.linear";
            string input = current;
            graph.WriteMessage(GraphProto.Node, node =>
            {
                node.WriteString(NodeProto.Input, input);
                node.WriteString(NodeProto.Input, weight);
                node.WriteString(NodeProto.Input, bias);
                node.WriteString(NodeProto.Output, linear);
                node.WriteString(NodeProto.Name, $"layer{l}/Gemm");
                node.WriteString(NodeProto.OpType, "Gemm");
                node.WriteMessage(NodeProto.Attribute, a => IntAttribute(a, "transB", 1));
            });
            current = linear;
            if (activation == Activation.Linear) continue;

            string opType = activation switch
            {
                Activation.Sigmoid => "Sigmoid",
                Activation.Tanh => "Tanh",
                Activation.Relu => "Relu",
                Activation.LeakyRelu => "LeakyRelu",
                Activation.Softmax => "Softmax",
                _ => throw new NotSupportedException($"Activation {activation} has no ONNX export."),
            };
            string activated = last ? OutputName : $"layer{l}.{opType.ToLowerInvariant()}";
            string from = current;
            graph.WriteMessage(GraphProto.Node, node =>
            {
                node.WriteString(NodeProto.Input, from);
                node.WriteString(NodeProto.Output, activated);
                node.WriteString(NodeProto.Name, $"layer{l}/{opType}");
                node.WriteString(NodeProto.OpType, opType);
                if (activation == Activation.LeakyRelu)
                    node.WriteMessage(NodeProto.Attribute, a => FloatAttribute(a, "alpha", shape.LeakyReluSlope));
                else if (activation == Activation.Softmax)
                    node.WriteMessage(NodeProto.Attribute, a => IntAttribute(a, "axis", 1));
            });
            current = activated;
        }

        graph.WriteString(GraphProto.Name, name);
        for (int l = 0; l < shape.LayerCount; l++)
        {
            int fanIn = shape.FanIn(l), fanOut = shape.FanOut(l), layer = l;
            graph.WriteMessage(GraphProto.Initializer, t =>
                FloatTensor(t, $"layer{layer}.weight", new long[] { fanOut, fanIn }, parameters.AsSpan(shape.WeightOffset(layer), fanIn * fanOut)));
            graph.WriteMessage(GraphProto.Initializer, t =>
                FloatTensor(t, $"layer{layer}.bias", new long[] { fanOut }, parameters.AsSpan(shape.BiasOffset(layer), fanOut)));
        }
        graph.WriteString(GraphProto.DocString, shape.ToString());
        graph.WriteMessage(GraphProto.Input, v => ValueInfo(v, InputName, shape.InputSize));
        graph.WriteMessage(GraphProto.Output, v => ValueInfo(v, OutputName, shape.OutputSize));
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

    private static void ValueInfo(ProtobufWriter valueInfo, string name, int features)
    {
        valueInfo.WriteString(ValueInfoProto.Name, name);
        valueInfo.WriteMessage(ValueInfoProto.Type, type =>
            type.WriteMessage(TypeProto.TensorType, tensorType =>
            {
                tensorType.WriteInt64(TypeProto.ElemType, TensorProto.Float);
                tensorType.WriteMessage(TypeProto.Shape, tensorShape =>
                {
                    tensorShape.WriteMessage(TensorShapeProto.Dim, dim => dim.WriteString(TensorShapeProto.DimParam, BatchDimension));
                    tensorShape.WriteMessage(TensorShapeProto.Dim, dim => dim.WriteInt64(TensorShapeProto.DimValue, features));
                });
            }));
    }

    private static void IntAttribute(ProtobufWriter attribute, string name, long value)
    {
        attribute.WriteString(AttributeProto.Name, name);
        attribute.WriteInt64(AttributeProto.I, value);
        attribute.WriteInt64(AttributeProto.Type, AttributeProto.TypeInt);
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
        public const int Name = 1, F = 2, I = 3, Type = 20;
        public const int TypeFloat = 1, TypeInt = 2;
    }

    private static class TensorProto
    {
        public const int Dims = 1, DataType = 2, Name = 8, RawData = 9;
        public const int Float = 1;
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
