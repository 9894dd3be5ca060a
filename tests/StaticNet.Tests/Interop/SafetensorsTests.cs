using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using StaticNet.Interop;
using Xunit;

namespace StaticNet.Tests.Interop;

public class SafetensorsTests
{
    private static TorchReluTanhSoftmax Trained()
    {
        var model = new TorchReluTanhSoftmax(seed: 5);
        var random = new Random(5);
        var x = new float[40, 6];
        var y = new int[40];
        for (int s = 0; s < 40; s++)
        {
            for (int f = 0; f < 6; f++) x[s, f] = (float)(random.NextDouble() * 2 - 1);
            y[s] = x[s, 0] + x[s, 1] > 0.3f ? 2 : x[s, 2] > 0 ? 1 : 0;
        }
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.01f));
        model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0);
        return model;
    }

    private static void AssertBitIdentical(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"parameter {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    [Theory]
    [InlineData(SafetensorsLayout.PyTorch)]
    [InlineData(SafetensorsLayout.Keras)]
    public void SaveLoad_RoundTripIsBitExact(SafetensorsLayout layout)
    {
        using var dir = new InteropTempDirectory();
        TorchReluTanhSoftmax source = Trained();
        string path = dir.File("model.safetensors");
        Safetensors.Save(source, path, layout);

        var target = new TorchReluTanhSoftmax(seed: 99);
        Safetensors.Load(target, path, layout);
        AssertBitIdentical(source.Parameters, target.Parameters);
        Assert.Single(Directory.GetFiles(dir.Path));   // no temporary file left behind
    }

    [Fact]
    public void SaveLoad_StreamOverloads_RoundTripAndLeaveTheStreamAfterTheData()
    {
        TorchSigmoidLeakyLinear source = new(seed: 3);
        using var stream = new MemoryStream();
        stream.Write(new byte[] { 1, 2, 3 });
        Safetensors.Save(source, stream);
        long end = stream.Position;
        stream.Write(new byte[] { 4, 5 });   // anything may follow in a stream

        stream.Position = 3;
        var target = new TorchSigmoidLeakyLinear(seed: 4);
        Safetensors.Load(target, stream);
        Assert.Equal(end, stream.Position);
        AssertBitIdentical(source.Parameters, target.Parameters);
    }

    [Fact]
    public void Save_PyTorchLayout_WritesTheExpectedBytes()
    {
        var model = new TinyNet(seed: 1);
        using var stream = new MemoryStream();
        Safetensors.Save(model, stream);
        byte[] bytes = stream.ToArray();

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, headerLength % 8);   // the data section is 8-byte aligned
        Assert.Equal(8 + (long)headerLength + 4 * model.NetworkShape.ParameterCount, bytes.Length);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.Equal(
            "{\"__metadata__\":{\"format\":\"pt\",\"network\":\"3-4(tanh)-2(softmax)\",\"producer\":\"StaticNet\"}," +
            "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":[0,48]}," +
            "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[48,64]}," +
            "\"2.weight\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[64,96]}," +
            "\"2.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[96,104]}}",
            header.TrimEnd(' '));
        // PyTorch layout = the parameter buffer, little-endian, in order.
        for (int i = 0; i < model.NetworkShape.ParameterCount; i++)
            Assert.Equal(model.Parameters[i], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + (int)headerLength + 4 * i)));

        using var again = new MemoryStream();
        Safetensors.Save(model, again);
        Assert.Equal(bytes, again.ToArray());   // deterministic
    }

    [Fact]
    public void Save_KerasLayout_TransposesTheKernel()
    {
        var model = new TinyNet(seed: 2);
        using var stream = new MemoryStream();
        Safetensors.Save(model, stream, SafetensorsLayout.Keras);
        stream.Position = 0;
        var tensors = Safetensors.ReadTensors(stream, out var metadata);

        Assert.Equal(new[] { "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias" }, tensors.Keys.ToArray());
        Assert.Equal("keras", metadata["format"]);
        SafetensorsTensor kernel = tensors["dense/kernel"];
        Assert.Equal(new[] { 3, 4 }, kernel.Shape);   // [inputs, outputs]
        // By hand: Keras kernel[i, o] (row-major [3, 4]: index i * 4 + o) is PyTorch weight[o, i]
        // (parameter WeightOffset(0) + o * 3 + i). Input 2, output 1:
        Assert.Equal(model.Parameters[0 + 1 * 3 + 2], kernel.Data[2 * 4 + 1]);
        // And every element of the second layer's [4, 2] kernel.
        SafetensorsTensor kernel1 = tensors["dense_1/kernel"];
        Assert.Equal(new[] { 4, 2 }, kernel1.Shape);
        for (int i = 0; i < 4; i++)
            for (int o = 0; o < 2; o++)
                Assert.Equal(model.Parameters[model.NetworkShape.WeightOffset(1) + o * 4 + i], kernel1.Data[i * 2 + o]);
        Assert.Equal(model.Parameters.Slice(model.NetworkShape.BiasOffset(1), 2).ToArray(), tensors["dense_1/bias"].Data);
    }

    [Fact]
    public void Load_KerasFile_AsPyTorch_ExplainsTheLayout()
    {
        var model = new TinyNet(seed: 2);
        using var stream = new MemoryStream();
        Safetensors.Save(model, stream, SafetensorsLayout.Keras);
        stream.Position = 0;
        var error = Assert.Throws<InvalidDataException>(() => Safetensors.Load(new TinyNet(1), stream));
        Assert.Contains("SafetensorsLayout.Keras", error.Message);
    }

    [Fact]
    public void Load_TransposedWeight_NamesTensorAndShapesAndHintsTheLayout()
    {
        var tensors = new List<KeyValuePair<string, SafetensorsTensor>>
        {
            new("0.weight", new SafetensorsTensor(new[] { 3, 4 }, new float[12])),   // Keras orientation under a PyTorch name
            new("0.bias", new SafetensorsTensor(new[] { 4 }, new float[4])),
            new("2.weight", new SafetensorsTensor(new[] { 2, 4 }, new float[8])),
            new("2.bias", new SafetensorsTensor(new[] { 2 }, new float[2])),
        };
        using var stream = new MemoryStream();
        Safetensors.WriteTensors(stream, tensors);
        stream.Position = 0;
        var error = Assert.Throws<InvalidDataException>(() => Safetensors.Load(new TinyNet(1), stream));
        Assert.Contains("'0.weight'", error.Message);
        Assert.Contains("[3, 4]", error.Message);
        Assert.Contains("expects [4, 3]", error.Message);
        Assert.Contains("transpose", error.Message);
    }

    [Fact]
    public void Save_CustomLayerNamesAndMetadata()
    {
        var model = new TinyNet(seed: 2);
        using var stream = new MemoryStream();
        Safetensors.Save(model, stream, SafetensorsLayout.Keras, new[] { "sequential/hidden", "sequential/out" },
            new Dictionary<string, string> { ["epoch"] = "7", ["format"] = "tf" });
        stream.Position = 0;
        var tensors = Safetensors.ReadTensors(stream, out var metadata);
        Assert.Equal(new[] { "sequential/hidden/kernel", "sequential/hidden/bias", "sequential/out/kernel", "sequential/out/bias" }, tensors.Keys.ToArray());
        Assert.Equal("7", metadata["epoch"]);
        Assert.Equal("tf", metadata["format"]);   // the caller's entries win
        Assert.Equal("StaticNet", metadata["producer"]);

        stream.Position = 0;
        var target = new TinyNet(seed: 3);
        Safetensors.Load(target, stream, SafetensorsLayout.Keras, new[] { "sequential/hidden", "sequential/out" });
        AssertBitIdentical(model.Parameters, target.Parameters);
    }

    [Fact]
    public void Save_RecordsTheLeakySlope()
    {
        using var stream = new MemoryStream();
        Safetensors.Save(new OnnxRegressionNet(seed: 1), stream);
        stream.Position = 0;
        Safetensors.ReadTensors(stream, out var metadata);
        Assert.Equal("0.1", metadata["leaky_relu_slope"]);
        Assert.Equal("5-9(leakyrelu)-7(linear)-2(linear)", metadata["network"]);
    }

    [Fact]
    public void Arguments_AreValidated()
    {
        var model = new TinyNet(seed: 1);
        Assert.Throws<ArgumentNullException>(() => Safetensors.Save(null!, new MemoryStream()));
        Assert.Throws<ArgumentException>(() => Safetensors.Save(model, new MemoryStream(), layerNames: new[] { "a" }));
        Assert.Throws<ArgumentException>(() => Safetensors.Save(model, new MemoryStream(), layerNames: new[] { "a", "a" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Safetensors.Save(model, new MemoryStream(), (SafetensorsLayout)7));
        Assert.Throws<ArgumentException>(() => Safetensors.Load(model, new MemoryStream(), layerNames: new[] { "a", "b", "c" }));
        Assert.Throws<ArgumentException>(() => new SafetensorsTensor(new[] { 2, 3 }, new float[5]));
        Assert.Throws<ArgumentException>(() => new SafetensorsTensor(new[] { -1 }, new float[0]));
        var one = new SafetensorsTensor(new[] { 1 }, new float[1]);
        Assert.Throws<ArgumentException>(() => Safetensors.WriteTensors(new MemoryStream(), new[] { new KeyValuePair<string, SafetensorsTensor>("__metadata__", one) }));
        Assert.Throws<ArgumentException>(() => Safetensors.WriteTensors(new MemoryStream(),
            new[] { new KeyValuePair<string, SafetensorsTensor>("x", one), new KeyValuePair<string, SafetensorsTensor>("x", one) }));
    }

    [Fact]
    public void WriteTensors_ReadTensors_RoundTripAnyTensors()
    {
        var tensors = new List<KeyValuePair<string, SafetensorsTensor>>
        {
            new("scalar", new SafetensorsTensor(Array.Empty<int>(), new[] { 3.5f })),
            new("empty", new SafetensorsTensor(new[] { 0, 5 }, Array.Empty<float>())),
            new("cube", new SafetensorsTensor(new[] { 2, 2, 2 }, new[] { 1f, -2f, 3f, float.NaN, 5f, float.PositiveInfinity, 7f, -0f })),
            new("ünïcode name", new SafetensorsTensor(new[] { 1 }, new[] { 9f })),
        };
        using var dir = new InteropTempDirectory();
        string path = dir.File("any.safetensors");
        Safetensors.WriteTensors(path, tensors);
        var read = Safetensors.ReadTensors(path);
        Assert.Equal(tensors.Select(t => t.Key), read.Keys);
        foreach (var (name, tensor) in tensors)
        {
            Assert.Equal(tensor.Shape, read[name].Shape);
            Assert.Equal(tensor.Data.Select(BitConverter.SingleToInt32Bits), read[name].Data.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal("F32", read[name].StoredDType);
        }
    }

    [Fact]
    public void Read_ConvertsF16BF16AndF64()
    {
        // 1.5 and -2.25 in each dtype, little-endian.
        var data = new List<byte>();
        foreach (float v in new[] { 1.5f, -2.25f })
        {
            var half = new byte[2];
            BinaryPrimitives.WriteHalfLittleEndian(half, (Half)v);
            data.AddRange(half);
        }
        foreach (float v in new[] { 1.5f, -2.25f })
            data.AddRange(BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits(v) >> 16)));
        foreach (double v in new[] { 1.5, -2.25 })
            data.AddRange(BitConverter.GetBytes(v));
        byte[] file = SafetensorsFiles.Build(
            "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}," +
            "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]}," +
            "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[8,24]}}", data.ToArray());
        var tensors = Safetensors.ReadTensors(new MemoryStream(file));
        foreach (string name in new[] { "h", "b", "d" })
            Assert.Equal(new[] { 1.5f, -2.25f }, tensors[name].Data);
        Assert.Equal("F16", tensors["h"].StoredDType);
        Assert.Equal("BF16", tensors["b"].StoredDType);
        Assert.Equal("F64", tensors["d"].StoredDType);
    }

    [Fact]
    public void Load_AcceptsAnyTensorOrderAndF16Weights()
    {
        // The reference writer sorts tensor names ("0.bias" before "0.weight"); F16 is converted.
        var model = new TinyNet(seed: 4);
        var parts = new (string Name, int[] Shape, int Offset, int Count)[]
        {
            ("2.bias", new[] { 2 }, model.NetworkShape.BiasOffset(1), 2),
            ("0.bias", new[] { 4 }, model.NetworkShape.BiasOffset(0), 4),
            ("2.weight", new[] { 2, 4 }, model.NetworkShape.WeightOffset(1), 8),
            ("0.weight", new[] { 4, 3 }, model.NetworkShape.WeightOffset(0), 12),
        };
        var json = new StringBuilder("{");
        var data = new List<byte>();
        foreach (var (name, shape, offset, count) in parts)
        {
            json.Append($"\"{name}\":{{\"dtype\":\"F16\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{data.Count},{data.Count + 2 * count}]}},");
            for (int i = 0; i < count; i++)
            {
                var half = new byte[2];
                BinaryPrimitives.WriteHalfLittleEndian(half, (Half)model.Parameters[offset + i]);
                data.AddRange(half);
            }
        }
        json.Length--;
        json.Append('}');
        var target = new TinyNet(seed: 5);
        Safetensors.Load(target, new MemoryStream(SafetensorsFiles.Build(json.ToString(), data.ToArray())));
        for (int i = 0; i < model.NetworkShape.ParameterCount; i++)
            Assert.Equal((float)(Half)model.Parameters[i], target.Parameters[i]);
    }

    [Fact]
    public void Save_ToPath_IsCrashSafe_WhenTheDirectoryIsMissing()
    {
        using var dir = new InteropTempDirectory();
        string path = Path.Combine(dir.Path, "missing", "model.safetensors");
        Assert.ThrowsAny<IOException>(() => Safetensors.Save(new TinyNet(1), path));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Save_ToPath_ReplacesAnExistingFile()
    {
        using var dir = new InteropTempDirectory();
        string path = dir.File("model.safetensors");
        File.WriteAllText(path, "old contents that are much longer than nothing at all");
        var model = new TinyNet(seed: 8);
        Safetensors.Save(model, path);
        var target = new TinyNet(seed: 9);
        Safetensors.Load(target, path);
        AssertBitIdentical(model.Parameters, target.Parameters);
        Assert.Single(Directory.GetFiles(dir.Path));
    }
}

/// <summary>Builds safetensors files by hand, valid or not.</summary>
internal static class SafetensorsFiles
{
    /// <summary>8-byte length, the header (padded with spaces to a multiple of 8), the data.</summary>
    public static byte[] Build(string header, byte[] data, ulong? headerLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        int padded = (json.Length + 7) & ~7;
        var file = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, headerLength ?? (ulong)padded);
        json.CopyTo(file, 8);
        file.AsSpan(8 + json.Length, padded - json.Length).Fill((byte)' ');
        data.CopyTo(file, 8 + padded);
        return file;
    }

    /// <summary>A valid header for TinyNet (3-4-2) in the PyTorch layout; its data section is 104 bytes (<see cref="TinyData"/>).</summary>
    public static string TinyHeader =>
        "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":[0,48]}," +
        "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[48,64]}," +
        "\"2.weight\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[64,96]}," +
        "\"2.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[96,104]}}";

    public static byte[] TinyData()
    {
        var data = new byte[104];
        for (int i = 0; i < 26; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), 0.01f * (i + 1));
        return data;
    }
}
