using System;
using System.Collections.Generic;
using System.IO;

namespace StaticNet.Import.Onnx;

// The parts of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto) a dense network
// needs, read field by field; field numbers are onnx.proto's. Unknown fields are skipped.

internal sealed class OnnxModel
{
    public long IrVersion;
    public string ProducerName = "", ProducerVersion = "";
    public long DefaultOpset = -1;   // the "" / "ai.onnx" domain's version
    public OnnxGraph Graph = new();

    public static OnnxModel Parse(ReadOnlySpan<byte> data)
    {
        var model = new OnnxModel();
        bool sawGraph = false;
        var r = new ProtobufReader(data, "ModelProto");
        while (r.Next(out int field, out int wire))
        {
            switch (field, wire)
            {
                case (1, ProtobufReader.Varint): model.IrVersion = r.ReadInt64(); break;
                case (2, ProtobufReader.LengthDelimited): model.ProducerName = r.ReadString(); break;
                case (3, ProtobufReader.LengthDelimited): model.ProducerVersion = r.ReadString(); break;
                case (7, ProtobufReader.LengthDelimited): model.Graph = OnnxGraph.Parse(r.ReadBytes()); sawGraph = true; break;
                case (8, ProtobufReader.LengthDelimited):
                    var (domain, version) = ParseOpset(r.ReadBytes());
                    if (domain is "" or "ai.onnx") model.DefaultOpset = version;
                    break;
                default: r.Skip(wire); break;
            }
        }
        if (!sawGraph)
            throw new InvalidDataException("The file is not an ONNX model: it has no graph (ModelProto field 7).");
        return model;
    }

    private static (string Domain, long Version) ParseOpset(ReadOnlySpan<byte> data)
    {
        string domain = "";
        long version = 0;
        var r = new ProtobufReader(data, "OperatorSetIdProto");
        while (r.Next(out int field, out int wire))
        {
            if (field == 1 && wire == ProtobufReader.LengthDelimited) domain = r.ReadString();
            else if (field == 2 && wire == ProtobufReader.Varint) version = r.ReadInt64();
            else r.Skip(wire);
        }
        return (domain, version);
    }
}

internal sealed class OnnxGraph
{
    public string Name = "";
    public List<OnnxNode> Nodes = new();
    public List<OnnxTensor> Initializers = new();
    public List<OnnxValueInfo> Inputs = new(), Outputs = new();

    public static OnnxGraph Parse(ReadOnlySpan<byte> data)
    {
        var graph = new OnnxGraph();
        var r = new ProtobufReader(data, "GraphProto");
        while (r.Next(out int field, out int wire))
        {
            switch (field, wire)
            {
                case (1, ProtobufReader.LengthDelimited): graph.Nodes.Add(OnnxNode.Parse(r.ReadBytes(), graph.Nodes.Count)); break;
                case (2, ProtobufReader.LengthDelimited): graph.Name = r.ReadString(); break;
                case (5, ProtobufReader.LengthDelimited): graph.Initializers.Add(OnnxTensor.Parse(r.ReadBytes())); break;
                case (11, ProtobufReader.LengthDelimited): graph.Inputs.Add(OnnxValueInfo.Parse(r.ReadBytes())); break;
                case (12, ProtobufReader.LengthDelimited): graph.Outputs.Add(OnnxValueInfo.Parse(r.ReadBytes())); break;
                case (15, ProtobufReader.LengthDelimited): throw new InvalidDataException("The ONNX graph has sparse initializers, which the importer does not read.");
                default: r.Skip(wire); break;
            }
        }
        return graph;
    }
}

internal sealed class OnnxNode
{
    public int Index;
    public string Name = "", OpType = "", Domain = "";
    public List<string> Inputs = new(), Outputs = new();
    public List<OnnxAttribute> Attributes = new();

    /// <summary>Its place in the graph: <c>node 3 '/1/Gemm'</c> (the index in the file's node list).</summary>
    public string Where => Name.Length > 0 ? $"node {Index} '{Name}'" : $"node {Index}";

    /// <summary>For messages: <c>node 3 '/1/Gemm' (Gemm)</c>.</summary>
    public string Describe => $"{Where} ({OpType})";

    public OnnxAttribute? Attribute(string name) => Attributes.Find(a => a.Name == name);

    public static OnnxNode Parse(ReadOnlySpan<byte> data, int index)
    {
        var node = new OnnxNode { Index = index };
        var r = new ProtobufReader(data, $"node {index}");
        while (r.Next(out int field, out int wire))
        {
            switch (field, wire)
            {
                case (1, ProtobufReader.LengthDelimited): node.Inputs.Add(r.ReadString()); break;
                case (2, ProtobufReader.LengthDelimited): node.Outputs.Add(r.ReadString()); break;
                case (3, ProtobufReader.LengthDelimited): node.Name = r.ReadString(); break;
                case (4, ProtobufReader.LengthDelimited): node.OpType = r.ReadString(); break;
                case (5, ProtobufReader.LengthDelimited): node.Attributes.Add(OnnxAttribute.Parse(r.ReadBytes())); break;
                case (7, ProtobufReader.LengthDelimited): node.Domain = r.ReadString(); break;
                default: r.Skip(wire); break;
            }
        }
        return node;
    }
}

internal sealed class OnnxAttribute
{
    public string Name = "";
    public float F;
    public long I;
    public OnnxTensor? T;
    public List<float> Floats = new();
    public List<long> Ints = new();
    public string S = "";

    public static OnnxAttribute Parse(ReadOnlySpan<byte> data)
    {
        var a = new OnnxAttribute();
        var r = new ProtobufReader(data, "AttributeProto");
        while (r.Next(out int field, out int wire))
        {
            switch (field, wire)
            {
                case (1, ProtobufReader.LengthDelimited): a.Name = r.ReadString(); break;
                case (2, ProtobufReader.Fixed32): a.F = r.ReadFloat(); break;
                case (3, ProtobufReader.Varint): a.I = r.ReadInt64(); break;
                case (4, ProtobufReader.LengthDelimited): a.S = r.ReadString(); break;
                case (5, ProtobufReader.LengthDelimited): a.T = OnnxTensor.Parse(r.ReadBytes()); break;
                case (7, ProtobufReader.Fixed32): a.Floats.Add(r.ReadFloat()); break;
                case (7, ProtobufReader.LengthDelimited):
                    var floats = new ProtobufReader(r.ReadBytes(), "AttributeProto.floats");
                    while (floats.HasMore) a.Floats.Add(floats.ReadFloat());
                    break;
                case (8, ProtobufReader.Varint): a.Ints.Add(r.ReadInt64()); break;
                case (8, ProtobufReader.LengthDelimited):
                    var ints = new ProtobufReader(r.ReadBytes(), "AttributeProto.ints");
                    while (ints.HasMore) a.Ints.Add(ints.ReadInt64());
                    break;
                default: r.Skip(wire); break;
            }
        }
        return a;
    }
}

/// <summary>A TensorProto as stored: its data is decoded later by <see cref="OnnxTensorData"/>.</summary>
internal sealed class OnnxTensor
{
    public const int Float = 1, Int32 = 6, Int64 = 7, Float16 = 10, Double = 11, BFloat16 = 16;

    public string Name = "";
    public List<long> Dims = new();
    public int DataType;
    public byte[]? RawData;
    public List<float> FloatData = new();
    public List<double> DoubleData = new();
    public List<long> Int64Data = new();
    public List<long> Int32Data = new();   // also float16/bfloat16 bit patterns
    public Dictionary<string, string> ExternalData = new(StringComparer.Ordinal);
    public bool IsExternal;

    public static OnnxTensor Parse(ReadOnlySpan<byte> data)
    {
        var t = new OnnxTensor();
        var r = new ProtobufReader(data, "TensorProto");
        while (r.Next(out int field, out int wire))
        {
            switch (field, wire)
            {
                case (1, ProtobufReader.Varint): t.Dims.Add(r.ReadInt64()); break;
                case (1, ProtobufReader.LengthDelimited): ReadPackedInt64(r.ReadBytes(), t.Dims); break;
                case (2, ProtobufReader.Varint): t.DataType = (int)r.ReadInt64(); break;
                case (3, _): throw new InvalidDataException("An ONNX tensor is stored in segments, which the importer does not read.");
                case (4, ProtobufReader.Fixed32): t.FloatData.Add(r.ReadFloat()); break;
                case (4, ProtobufReader.LengthDelimited):
                    var floats = new ProtobufReader(r.ReadBytes(), "TensorProto.float_data");
                    while (floats.HasMore) t.FloatData.Add(floats.ReadFloat());
                    break;
                case (5, ProtobufReader.Varint): t.Int32Data.Add(r.ReadInt64()); break;
                case (5, ProtobufReader.LengthDelimited): ReadPackedInt64(r.ReadBytes(), t.Int32Data); break;
                case (7, ProtobufReader.Varint): t.Int64Data.Add(r.ReadInt64()); break;
                case (7, ProtobufReader.LengthDelimited): ReadPackedInt64(r.ReadBytes(), t.Int64Data); break;
                case (8, ProtobufReader.LengthDelimited): t.Name = r.ReadString(); break;
                case (9, ProtobufReader.LengthDelimited): t.RawData = r.ReadBytes().ToArray(); break;
                case (10, ProtobufReader.Fixed64): t.DoubleData.Add(r.ReadDouble()); break;
                case (10, ProtobufReader.LengthDelimited):
                    var doubles = new ProtobufReader(r.ReadBytes(), "TensorProto.double_data");
                    while (doubles.HasMore) t.DoubleData.Add(doubles.ReadDouble());
                    break;
                case (13, ProtobufReader.LengthDelimited):
                    var (key, value) = ParseEntry(r.ReadBytes());
                    t.ExternalData[key] = value;
                    break;
                case (14, ProtobufReader.Varint): t.IsExternal = r.ReadInt64() == 1; break;
                default: r.Skip(wire); break;
            }
        }
        return t;
    }

    private static void ReadPackedInt64(ReadOnlySpan<byte> data, List<long> into)
    {
        var r = new ProtobufReader(data, "a packed integer field");
        while (r.HasMore) into.Add(r.ReadInt64());
    }

    private static (string Key, string Value) ParseEntry(ReadOnlySpan<byte> data)
    {
        string key = "", value = "";
        var r = new ProtobufReader(data, "StringStringEntryProto");
        while (r.Next(out int field, out int wire))
        {
            if (field == 1 && wire == ProtobufReader.LengthDelimited) key = r.ReadString();
            else if (field == 2 && wire == ProtobufReader.LengthDelimited) value = r.ReadString();
            else r.Skip(wire);
        }
        return (key, value);
    }
}

/// <summary>A graph input or output: its name and, when declared, its shape (-1 for a symbolic or unknown dimension).</summary>
internal sealed class OnnxValueInfo
{
    public string Name = "";
    public int ElemType;
    public List<long>? Shape;

    public static OnnxValueInfo Parse(ReadOnlySpan<byte> data)
    {
        var info = new OnnxValueInfo();
        var r = new ProtobufReader(data, "ValueInfoProto");
        while (r.Next(out int field, out int wire))
        {
            if (field == 1 && wire == ProtobufReader.LengthDelimited) info.Name = r.ReadString();
            else if (field == 2 && wire == ProtobufReader.LengthDelimited) ParseType(r.ReadBytes(), info);
            else r.Skip(wire);
        }
        return info;
    }

    private static void ParseType(ReadOnlySpan<byte> data, OnnxValueInfo info)
    {
        var r = new ProtobufReader(data, "TypeProto");
        while (r.Next(out int field, out int wire))
        {
            if (field != 1 || wire != ProtobufReader.LengthDelimited) { r.Skip(wire); continue; }
            var tensor = new ProtobufReader(r.ReadBytes(), "TypeProto.Tensor");
            while (tensor.Next(out int f, out int w))
            {
                if (f == 1 && w == ProtobufReader.Varint) info.ElemType = (int)tensor.ReadInt64();
                else if (f == 2 && w == ProtobufReader.LengthDelimited) info.Shape = ParseShape(tensor.ReadBytes());
                else tensor.Skip(w);
            }
        }
    }

    private static List<long> ParseShape(ReadOnlySpan<byte> data)
    {
        var dims = new List<long>();
        var r = new ProtobufReader(data, "TensorShapeProto");
        while (r.Next(out int field, out int wire))
        {
            if (field != 1 || wire != ProtobufReader.LengthDelimited) { r.Skip(wire); continue; }
            long value = -1;
            var dim = new ProtobufReader(r.ReadBytes(), "TensorShapeProto.Dimension");
            while (dim.Next(out int f, out int w))
            {
                if (f == 1 && w == ProtobufReader.Varint) value = dim.ReadInt64();
                else dim.Skip(w);
            }
            dims.Add(value);
        }
        return dims;
    }
}
