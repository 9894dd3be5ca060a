using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticNet.Interop;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Interop;

/// <summary>safetensors of networks with convolutions, pooling, Flatten, Dropout and BatchNormalization, in both layouts.</summary>
public class LayerSafetensorsTests
{
    public static TheoryData<string, SafetensorsLayout> NetworksAndLayouts()
    {
        var data = new TheoryData<string, SafetensorsLayout>();
        foreach (string name in new[] { "FormatCnn", "FormatConv1DNet", "FormatStridedNet", "FormatPool1DNet", "FlattenDenseNet" })
            foreach (SafetensorsLayout layout in new[] { SafetensorsLayout.PyTorch, SafetensorsLayout.Keras })
                data.Add(name, layout);
        return data;
    }

    private static NeuralNetwork Create(string name, int seed) => name switch
    {
        "FormatCnn" => new FormatCnn(seed),
        "FormatConv1DNet" => new FormatConv1DNet(seed),
        "FormatStridedNet" => new FormatStridedNet(seed),
        "FormatPool1DNet" => new FormatPool1DNet(seed),
        "FlattenDenseNet" => new FlattenDenseNet(seed),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Every parameter distinct (BatchNormalization's statistics too), so that any misplaced value shows.</summary>
    private static T Distinct<T>(T model) where T : NeuralNetwork
    {
        Span<float> p = model.Parameters;
        for (int i = 0; i < p.Length; i++) p[i] = 0.5f + i * 0.001f;
        return model;
    }

    private static byte[] Saved(NeuralNetwork model, SafetensorsLayout layout)
    {
        var stream = new MemoryStream();
        Safetensors.Save(model, stream, layout);
        return stream.ToArray();
    }

    private static IReadOnlyDictionary<string, SafetensorsTensor> Tensors(NeuralNetwork model, SafetensorsLayout layout) =>
        Safetensors.ReadTensors(new MemoryStream(Saved(model, layout)));

    private static string LoadFails(NeuralNetwork model, byte[] file, SafetensorsLayout layout = SafetensorsLayout.PyTorch)
    {
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<InvalidDataException>(() => Safetensors.Load(model, new MemoryStream(file), layout));
        Assert.Equal(before, model.Parameters.ToArray());
        return e.Message;
    }

    private static byte[] Rewritten(IReadOnlyDictionary<string, SafetensorsTensor> tensors, Func<string, SafetensorsTensor, SafetensorsTensor?> change)
    {
        var list = new List<KeyValuePair<string, SafetensorsTensor>>();
        foreach (var (name, tensor) in tensors)
            if (change(name, tensor) is { } replaced) list.Add(new(name, replaced));
        var stream = new MemoryStream();
        Safetensors.WriteTensors(stream, list);
        return stream.ToArray();
    }

    [Theory]
    [MemberData(nameof(NetworksAndLayouts))]
    public void RoundTrip_IsBitIdentical(string name, SafetensorsLayout layout)
    {
        NeuralNetwork source = Distinct(Create(name, 1));
        NeuralNetwork target = Create(name, 2);
        Safetensors.Load(target, new MemoryStream(Saved(source, layout)), layout);
        Assert.Equal(source.Parameters.ToArray(), target.Parameters.ToArray());
        Assert.Equal(Saved(source, layout), Saved(target, layout));   // deterministic bytes
    }

    [Fact]
    public void Names_AndShapes_FollowNnSequentialAndKeras()
    {
        var cnn = new FormatCnn(1);
        // Conv2d 0, ReLU 1, BatchNorm2d 2, MaxPool2d 3, Flatten 4, Linear 5, ReLU 6, Dropout 7, Linear 8, Softmax 9.
        Assert.Equal(new[] { "0", "2", "5", "8" }, Safetensors.LayerNames(cnn.NetworkShape));
        Assert.Equal(new[] { "conv2d", "batch_normalization", "dense", "dense_1" }, Safetensors.LayerNames(cnn.NetworkShape, SafetensorsLayout.Keras));
        var torch = Tensors(cnn, SafetensorsLayout.PyTorch);
        Assert.Equal(new[] { "0.weight", "0.bias", "2.weight", "2.bias", "2.running_mean", "2.running_var", "5.weight", "5.bias", "8.weight", "8.bias" }, torch.Keys);
        Assert.Equal(new[] { 3, 2, 3, 3 }, torch["0.weight"].Shape);
        Assert.Equal(new[] { 3 }, torch["2.running_var"].Shape);
        Assert.Equal(new[] { 4, 12 }, torch["5.weight"].Shape);
        var keras = Tensors(cnn, SafetensorsLayout.Keras);
        Assert.Equal(new[] { "conv2d/kernel", "conv2d/bias", "batch_normalization/gamma", "batch_normalization/beta", "batch_normalization/moving_mean",
            "batch_normalization/moving_variance", "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias" }, keras.Keys);
        Assert.Equal(new[] { 3, 3, 2, 3 }, keras["conv2d/kernel"].Shape);
        Assert.Equal(new[] { 12, 4 }, keras["dense/kernel"].Shape);

        // Conv1d 0, Tanh 1, AvgPool1d 2, Flatten 3, BatchNorm1d 4, Linear 5; no bias on the convolution.
        var conv1d = new FormatConv1DNet(1);
        Assert.Equal(new[] { "0", "4", "5" }, Safetensors.LayerNames(conv1d.NetworkShape));
        var t1 = Tensors(conv1d, SafetensorsLayout.PyTorch);
        Assert.Equal(new[] { "0.weight", "4.weight", "4.bias", "4.running_mean", "4.running_var", "5.weight", "5.bias" }, t1.Keys);
        Assert.Equal(new[] { 3, 2, 3 }, t1["0.weight"].Shape);
        Assert.Equal(new[] { 3, 2, 3 }, Tensors(conv1d, SafetensorsLayout.Keras)["conv1d/kernel"].Shape);   // [k, in, filters]

        // Conv2d 0, LeakyReLU 1, AdaptiveAvgPool2d(1) 2, Flatten 3, Linear 4.
        var strided = new FormatStridedNet(1);
        Assert.Equal(new[] { "0", "4" }, Safetensors.LayerNames(strided.NetworkShape));
        Assert.Equal(new[] { "m.conv2d", "m.dense" }, Safetensors.LayerNames(strided.NetworkShape, SafetensorsLayout.Keras, prefix: "m."));
        Safetensors.ReadTensors(new MemoryStream(Saved(strided, SafetensorsLayout.PyTorch)), out var metadata);
        Assert.Equal("0.1", metadata["leaky_relu_slope"]);
        Assert.Equal(strided.NetworkShape.ToString(), metadata["network"]);
    }

    [Fact]
    public void Conv2dWeight_IsOutInKhKw_OfTheKerasKernel()
    {
        var cnn = Distinct(new FormatCnn(1));
        float[] p = cnn.Parameters.ToArray();
        var torch = Tensors(cnn, SafetensorsLayout.PyTorch)["0.weight"].Data;
        var keras = Tensors(cnn, SafetensorsLayout.Keras)["conv2d/kernel"].Data;
        const int Out = 3, In = 2, K = 3;
        for (int o = 0; o < Out; o++)
            for (int i = 0; i < In; i++)
                for (int y = 0; y < K; y++)
                    for (int x = 0; x < K; x++)
                    {
                        float kerasValue = p[((y * K + x) * In + i) * Out + o];   // Keras kernel [kh, kw, in, out]
                        Assert.Equal(kerasValue, torch[((o * In + i) * K + y) * K + x]);
                        Assert.Equal(kerasValue, keras[((y * K + x) * In + i) * Out + o]);
                    }
    }

    [Fact]
    public void LinearAfterFlatten_TakesPyTorchsChannelsFirstColumns()
    {
        // (h 2, w 3, c 2) flattened: StaticNet's (Keras's) column k = (h·3 + w)·2 + c; PyTorch's t = c·6 + h·3 + w.
        var model = new FlattenDenseNet(1);
        Span<float> p = model.Parameters;
        for (int o = 0; o < 2; o++)
            for (int k = 0; k < 12; k++) p[o * 12 + k] = 100 * o + k;
        p[24] = -1; p[25] = -2;
        Assert.Equal(new[] { "1" }, Safetensors.LayerNames(model.NetworkShape));   // Flatten is module 0
        var tensors = Tensors(model, SafetensorsLayout.PyTorch);
        float[] weight = tensors["1.weight"].Data;
        for (int o = 0; o < 2; o++)
            for (int h = 0; h < 2; h++)
                for (int w = 0; w < 3; w++)
                    for (int c = 0; c < 2; c++)
                        Assert.Equal(100 * o + (h * 3 + w) * 2 + c, weight[o * 12 + c * 6 + h * 3 + w]);
        Assert.Equal(new[] { 0f, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11 }.Select(v => v + 100), weight.Skip(12));   // row 1: channel 0 of the six positions, then channel 1
        Assert.Equal(new[] { -1f, -2f }, tensors["1.bias"].Data);

        // Keras keeps channels-last columns: kernel [12, 2] is the plain transpose.
        float[] kernel = Tensors(model, SafetensorsLayout.Keras)["dense/kernel"].Data;
        for (int k = 0; k < 12; k++)
            for (int o = 0; o < 2; o++) Assert.Equal(100 * o + k, kernel[k * 2 + o]);

        // Both predict the same: a PyTorch-order input dotted with PyTorch's row gives StaticNet's output.
        float[] sample = Enumerable.Range(0, 12).Select(i => (i % 5 - 2) * 0.25f).ToArray();   // channels-last (h, w, c)
        float[] predicted = model.Predict(sample);
        for (int o = 0; o < 2; o++)
        {
            double sum = tensors["1.bias"].Data[o];
            for (int h = 0; h < 2; h++)
                for (int w = 0; w < 3; w++)
                    for (int c = 0; c < 2; c++) sum += weight[o * 12 + c * 6 + h * 3 + w] * sample[(h * 3 + w) * 2 + c];
            Assert.Equal(sum, predicted[o], 3);
        }
    }

    [Fact]
    public void BatchNorm1dAfterFlatten_TakesChannelsFirstOrderToo()
    {
        // FormatConv1DNet: (3 steps, 3 channels) flattened, then BatchNormalization over the 9 values.
        var model = Distinct(new FormatConv1DNet(1));
        LayerInfo bn = model.NetworkShape.Layers[3];
        float[] p = model.Parameters.ToArray();
        var tensors = Tensors(model, SafetensorsLayout.PyTorch);
        string[] parts = { "weight", "bias", "running_mean", "running_var" };
        for (int part = 0; part < 4; part++)
            for (int s = 0; s < 3; s++)
                for (int c = 0; c < 3; c++)
                    Assert.Equal(p[bn.ParameterOffset + part * 9 + s * 3 + c], tensors["4." + parts[part]].Data[c * 3 + s]);
        float[] keras = Tensors(model, SafetensorsLayout.Keras)["batch_normalization/moving_mean"].Data;
        Assert.Equal(p.AsSpan(bn.ParameterOffset + 18, 9).ToArray(), keras);
    }

    [Fact]
    public void WrongShape_NamesTheTensor_TheLayer_AndBothShapes()
    {
        var tensors = Tensors(Distinct(new FormatCnn(1)), SafetensorsLayout.PyTorch);
        byte[] file = Rewritten(tensors, (name, t) => name == "0.weight" ? new SafetensorsTensor(new[] { 3, 2, 9 }, t.Data) : t);
        string message = LoadFails(new FormatCnn(2), file);
        Assert.Contains("Tensor '0.weight' has shape [3, 2, 9]", message);
        Assert.Contains("layer 1, conv2d Conv2D(3, 3x3, relu) ([6, 6, 2] -> [4, 4, 3])", message);
        Assert.Contains("expects [3, 2, 3, 3]", message);

        // A Keras-ordered kernel under a PyTorch name: the hint names the layout.
        file = Rewritten(tensors, (name, t) => name == "0.weight" ? new SafetensorsTensor(new[] { 3, 3, 2, 3 }, t.Data) : t);
        Assert.Contains("That is the Keras layout's order: pass SafetensorsLayout.Keras", LoadFails(new FormatCnn(2), file));

        var keras = Tensors(new FormatCnn(1), SafetensorsLayout.Keras);
        file = Rewritten(keras, (name, t) => name == "batch_normalization/gamma" ? new SafetensorsTensor(new[] { 1, 3 }, t.Data) : t);
        message = LoadFails(new FormatCnn(2), file, SafetensorsLayout.Keras);
        Assert.Contains("Tensor 'batch_normalization/gamma' has shape [1, 3]", message);
        Assert.Contains("batch_normalization BatchNormalization(momentum 0.99, epsilon 0.001)", message);
        Assert.Contains("expects [3]", message);
    }

    [Fact]
    public void MissingAndExtraTensors_AreListed_AndTheOtherLayoutIsRecognised()
    {
        var tensors = Tensors(new FormatCnn(1), SafetensorsLayout.PyTorch);
        string message = LoadFails(new FormatCnn(2), Rewritten(tensors, (name, t) => name == "2.running_var" ? null : t));
        Assert.Contains("missing '2.running_var'", message);
        Assert.Contains("(6, 6, 2)-Conv2D(3, 3x3, relu)", message);

        message = LoadFails(new FormatCnn(2), Saved(new FormatCnn(1), SafetensorsLayout.Keras));
        Assert.Contains("unexpected 'conv2d/kernel'", message);
        Assert.Contains("pass SafetensorsLayout.Keras", message);
        message = LoadFails(new FormatCnn(2), Saved(new FormatCnn(1), SafetensorsLayout.PyTorch), SafetensorsLayout.Keras);
        Assert.Contains("pass SafetensorsLayout.PyTorch", message);

        // A counter under a name that is not a BatchNorm layer's is unexpected.
        var withCounter = tensors.ToList();
        withCounter.Add(new("5.num_batches_tracked", new SafetensorsTensor(Array.Empty<int>(), new[] { 3f })));
        var stream = new MemoryStream();
        Safetensors.WriteTensors(stream, withCounter);
        message = LoadFails(new FormatCnn(2), stream.ToArray());
        Assert.Contains("unexpected '5.num_batches_tracked'", message);
    }

    [Fact]
    public void LayerNames_CountOnePerLayerWithParameters()
    {
        var model = new FormatCnn(1);
        var e = Assert.Throws<ArgumentException>(() => Safetensors.Save(model, new MemoryStream(), layerNames: new[] { "a", "b" }));
        Assert.Contains("Expected 4 layer names (one per layer with parameters", e.Message);
        var stream = new MemoryStream();
        Safetensors.Save(model, stream, layerNames: new[] { "features.0", "features.1", "head.0", "head.3" });
        Assert.Contains("features.1.running_mean", Safetensors.ReadTensors(new MemoryStream(stream.ToArray())).Keys);
        var copy = new FormatCnn(2);
        Safetensors.Load(copy, new MemoryStream(stream.ToArray()), layerNames: new[] { "features.0", "features.1", "head.0", "head.3" });
        Assert.Equal(model.Parameters.ToArray(), copy.Parameters.ToArray());
    }

    [Fact]
    public void PyTorchCnn_PredictsAsPyTorch()
    {
        // tools/make_cnn_safetensors_fixture.py: Conv2d, ReLU, BatchNorm2d (eval), MaxPool2d, Flatten, Linear; its state_dict
        // includes BatchNorm's I64 num_batches_tracked, which Load skips.
        var model = new TorchCnn(seed: 1);
        Assert.Equal(new[] { "0", "2", "5" }, Safetensors.LayerNames(model.NetworkShape));
        var state = Safetensors.ReadTensors(new MemoryStream(WithoutCounter(File.ReadAllBytes(InteropTest.Fixture("pytorch_cnn.safetensors")))));
        Safetensors.Load(model, InteropTest.Fixture("pytorch_cnn.safetensors"));

        var io = Safetensors.ReadTensors(InteropTest.Fixture("pytorch_cnn_io.safetensors"));
        SafetensorsTensor input = io["input"], expected = io["output"];
        Assert.Equal(new[] { 5, 6, 6, 2 }, input.Shape);   // NHWC, StaticNet's order
        float[,] predicted = model.Predict(InteropTest.ToMatrix(input.Data, 5, 72));
        for (int s = 0; s < 5; s++)
            for (int o = 0; o < 3; o++)
                Assert.True(Math.Abs(expected.Data[s * 3 + o] - predicted[s, o]) <= 1e-5f, $"sample {s} output {o}: PyTorch {expected.Data[s * 3 + o]}, StaticNet {predicted[s, o]}");

        // Saving it again gives PyTorch's tensors back (without the counter, which StaticNet does not keep).
        var again = Tensors(model, SafetensorsLayout.PyTorch);
        Assert.Equal(state.Keys.OrderBy(k => k, StringComparer.Ordinal), again.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (name, tensor) in state) Assert.Equal(tensor.Data, again[name].Data);
    }

    /// <summary>The fixture without its I64 counter (ReadTensors reads floats only), rebuilt from its own header and bytes.</summary>
    private static byte[] WithoutCounter(byte[] file)
    {
        long headerLength = BitConverter.ToInt64(file, 0);
        using var json = System.Text.Json.JsonDocument.Parse(file.AsMemory(8, (int)headerLength));
        var list = new List<KeyValuePair<string, SafetensorsTensor>>();
        foreach (var entry in json.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__" || entry.Value.GetProperty("dtype").GetString() != "F32") continue;
            int[] shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            long begin = entry.Value.GetProperty("data_offsets")[0].GetInt64(), end = entry.Value.GetProperty("data_offsets")[1].GetInt64();
            var data = new float[(end - begin) / 4];
            Buffer.BlockCopy(file, (int)(8 + headerLength + begin), data, 0, (int)(end - begin));
            list.Add(new(entry.Name, new SafetensorsTensor(shape, data)));
        }
        Assert.Equal(8, list.Count);   // 9 entries, one of them the counter
        var stream = new MemoryStream();
        Safetensors.WriteTensors(stream, list);
        return stream.ToArray();
    }
}
