using System;
using System.IO;
using System.Linq;
using StaticNet.Data;
using StaticNet.Interop;
using StaticNet.Quantization;
using StaticNet.Tests.Networks;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Tests.Quantization;

/// <summary>
/// Int8 weights baked into a declared class (<c>Precision = Precision.Int8</c>) against the
/// <see cref="Int8Network"/> loaded from the same file (tools/make-int8-fixture wrote both fixtures).
/// </summary>
public class Int8BakedTests(ITestOutputHelper output)
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "int8", name);

    private static readonly Lazy<MnistData> s_mnist = new(() =>
        Mnist.Load(Mnist.FindDataDirectory() ?? throw new InvalidOperationException("samples/data/mnist not found")));

    [Fact]
    public void BakedClass_PredictsTheLoadedNetworksBits_OnAllTestDigits()
    {
        MnistData mnist = s_mnist.Value;
        Int8Network loaded = Int8Network.Load(Fixture("mnist_int8.safetensors"));
        var baked = new BakedInt8MnistNet();
        var sequential = new BakedInt8SequentialNet();
        Assert.Equal(784, baked.InputSize);
        Assert.Equal(10, baked.OutputSize);
        float[,] expected = loaded.Predict(mnist.TestImages);
        float[,] actual = baked.Predict(mnist.TestImages);
        float[,] fromSequential = sequential.Predict(mnist.TestImages);
        Assert.Equal(10_000, actual.GetLength(0));
        int samples = actual.GetLength(0);
        for (int s = 0; s < samples; s++)
            for (int k = 0; k < 10; k++)
            {
                int want = BitConverter.SingleToInt32Bits(expected[s, k]);
                if (BitConverter.SingleToInt32Bits(actual[s, k]) != want || BitConverter.SingleToInt32Bits(fromSequential[s, k]) != want)
                    Assert.Fail($"sample {s}, output {k}: loaded {expected[s, k]:R}, baked {actual[s, k]:R}, sequential {fromSequential[s, k]:R}");
            }
        // One sample through the span API as well.
        var one = new float[10];
        baked.Predict(DataConversion.Flat(mnist.TestImages).Slice(0, 784), one);
        for (int k = 0; k < 10; k++) Assert.Equal(BitConverter.SingleToInt32Bits(expected[0, k]), BitConverter.SingleToInt32Bits(one[k]));
    }

    [Fact]
    public void BakedClass_LosesAtMostAThirdOfAPoint_AgainstTheFloat32Model()
    {
        MnistData mnist = s_mnist.Value;
        var model = new MnistNet(seed: 1);
        Safetensors.Load(model, Fixture("mnist_float32.safetensors"));
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        double floatAccuracy = model.Evaluate(mnist.TestImages, mnist.TestLabels)["accuracy"];
        double int8Accuracy = new BakedInt8MnistNet().Accuracy(mnist.TestImages, mnist.TestLabels);
        output.WriteLine($"float32 {floatAccuracy:0.0000}, baked int8 {int8Accuracy:0.0000} on {mnist.TestLabels.Length} test digits");
        Assert.True(floatAccuracy > 0.9, $"float32 accuracy {floatAccuracy}: the fixture is not a trained network");
        Assert.True(floatAccuracy - int8Accuracy <= 0.003, $"float32 {floatAccuracy:0.0000}, int8 {int8Accuracy:0.0000}");
    }

    [Fact]
    public void BakedClass_OnePrediction_AllocatesNothing()
    {
        var net = new BakedInt8MnistNet();
        float[] x = new float[784];
        for (int i = 0; i < x.Length; i++) x[i] = (i * 37 % 255) / 255f;
        var y = new float[10];
        net.Predict(x, y);   // JIT and static data first
        long before = GC.GetAllocatedBytesForCurrentThread();
        net.Predict(x, y);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(1f, y[0] + y[1] + y[2] + y[3] + y[4] + y[5] + y[6] + y[7] + y[8] + y[9], 4);
    }

    [Fact]
    public void BakedCnn_PredictsTheLoadedNetworksBits_AndLosesAtMostAThirdOfAPoint()
    {
        MnistData mnist = s_mnist.Value;
        Int8Network loaded = Int8Network.Load(Fixture("digitcnn_int8.safetensors"));
        Assert.Single(loaded.Convolutions);   // the second convolution in int8, the first (9-value windows) in float32
        var baked = new BakedInt8DigitCnn();
        Assert.Equal((784, 10), (baked.InputSize, baked.OutputSize));
        float[,] expected = loaded.Predict(mnist.TestImages);
        float[,] actual = baked.Predict(mnist.TestImages);
        for (int s = 0; s < actual.GetLength(0); s++)
            for (int k = 0; k < 10; k++)
                if (BitConverter.SingleToInt32Bits(actual[s, k]) != BitConverter.SingleToInt32Bits(expected[s, k]))
                    Assert.Fail($"sample {s}, output {k}: loaded {expected[s, k]:R}, baked {actual[s, k]:R}");
        var one = new float[10];
        baked.Predict(DataConversion.Flat(mnist.TestImages).Slice(784, 784), one);
        for (int k = 0; k < 10; k++) Assert.Equal(BitConverter.SingleToInt32Bits(expected[1, k]), BitConverter.SingleToInt32Bits(one[k]));

        var model = new Int8DigitCnn(seed: 1);
        Safetensors.Load(model, Fixture("digitcnn_float32.safetensors"));
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        double floatAccuracy = model.Evaluate(mnist.TestImages, mnist.TestLabels)["accuracy"];
        double int8Accuracy = baked.Accuracy(mnist.TestImages, mnist.TestLabels);
        output.WriteLine($"digit CNN: float32 {floatAccuracy:0.0000}, baked int8 {int8Accuracy:0.0000} on {mnist.TestLabels.Length} test digits");
        Assert.True(floatAccuracy > 0.9, $"float32 accuracy {floatAccuracy}: the fixture is not a trained network");
        Assert.True(floatAccuracy - int8Accuracy <= 0.003, $"float32 {floatAccuracy:0.0000}, int8 {int8Accuracy:0.0000}");
    }

    [Fact]
    public void BakedSequenceNet_PredictsTheLoadedNetworksBits()
    {
        // Conv1D, pooling over steps and global pooling: the layer descriptions the generator compares for 1-D layers.
        Int8Network loaded = Int8Network.Load(Fixture("sequence_int8.safetensors"));
        Assert.Single(loaded.Convolutions);
        var baked = new BakedInt8SequenceNet();
        var random = new Random(21);
        var x = new float[200, 144];
        for (int s = 0; s < 200; s++) for (int i = 0; i < 144; i++) x[s, i] = (float)(random.NextDouble() * 2.4 - 1.2);
        float[,] expected = loaded.Predict(x), actual = baked.Predict(x);
        for (int s = 0; s < 200; s++)
            for (int k = 0; k < 3; k++)
                Assert.Equal(BitConverter.SingleToInt32Bits(expected[s, k]), BitConverter.SingleToInt32Bits(actual[s, k]));
    }

    [Fact]
    public void BakedCnn_OnePrediction_AllocatesNothing()
    {
        var net = new BakedInt8DigitCnn();
        float[] x = new float[784];
        for (int i = 0; i < x.Length; i++) x[i] = (i * 37 % 255) / 255f;
        var y = new float[10];
        net.Predict(x, y);   // JIT and the baked file loaded
        long before = GC.GetAllocatedBytesForCurrentThread();
        net.Predict(x, y);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(1f, y.Sum(), 4);
        Assert.Contains("784", Assert.Throws<ArgumentException>(() => net.Predict(new float[783], new float[10])).Message);
    }

    [Fact]
    public void SaveToAStream_ThenLoadFromIt_GivesTheFilesBytesAndBits()
    {
        foreach (string name in new[] { "mnist_int8.safetensors", "digitcnn_int8.safetensors" })
        {
            byte[] file = File.ReadAllBytes(Fixture(name));
            Int8Network fromFile = Int8Network.Load(Fixture(name));
            using var written = new MemoryStream();
            fromFile.Save(written);
            Assert.Equal(file, written.ToArray());
            written.Position = 0;
            Int8Network fromStream = Int8Network.Load(written);
            var x = new float[3, 784];
            for (int i = 0; i < 3 * 784; i++) x[i / 784, i % 784] = (i * 7919 % 1000) / 1000f;
            float[,] a = fromFile.Predict(x), b = fromStream.Predict(x);
            for (int s = 0; s < 3; s++)
                for (int k = 0; k < 10; k++) Assert.Equal(BitConverter.SingleToInt32Bits(a[s, k]), BitConverter.SingleToInt32Bits(b[s, k]));

            // Bytes after the last tensor, and a stream cut short, are refused with the stream named.
            using var longer = new MemoryStream(file.Concat(new byte[] { 1 }).ToArray());
            Assert.Contains("The stream is not a valid int8 network file: it has 1 bytes after the end of its last tensor",
                Assert.Throws<InvalidDataException>(() => Int8Network.Load(longer)).Message);
            using var cut = new MemoryStream(file[..^4]);
            Assert.StartsWith("The stream is not a valid int8 network file", Assert.Throws<InvalidDataException>(() => Int8Network.Load(cut)).Message);
        }
        Assert.Throws<ArgumentNullException>(() => Int8Network.Load((Stream)null!));
        Assert.Throws<ArgumentNullException>(() => Int8Network.Load(Fixture("mnist_int8.safetensors")).Save((Stream)null!));
    }

    [Fact]
    public void BakedClass_RejectsWrongSizes()
    {
        var net = new BakedInt8MnistNet();
        Assert.Contains("784", Assert.Throws<ArgumentException>(() => net.Predict(new float[783], new float[10])).Message);
        Assert.Contains("10", Assert.Throws<ArgumentException>(() => net.Predict(new float[784], new float[9])).Message);
        Assert.Throws<ArgumentException>(() => net.Predict(new float[2, 783]));
        Assert.Throws<ArgumentException>(() => net.Accuracy(new float[3, 784], new int[2]));
    }

    [Fact]
    public void SaveThenLoad_PredictsTheSameBits_AndKeepsEveryLayerValue()
    {
        MnistData mnist = s_mnist.Value;
        var model = new Int8TanhNet(seed: 4);
        var random = new Random(9);
        var calibration = new float[200, 40];
        for (int s = 0; s < 200; s++) for (int i = 0; i < 40; i++) calibration[s, i] = (float)(random.NextDouble() * 5 - 2);
        Int8Network q = Int8Network.Quantize(model, calibration);
        string path = Path.Combine(Path.GetTempPath(), $"int8-roundtrip-{Environment.ProcessId}-{Guid.NewGuid():N}.safetensors");
        try
        {
            q.Save(path);
            Int8Network back = Int8Network.Load(path);
            Assert.Equal(q.Layers.Count, back.Layers.Count);
            for (int l = 0; l < q.Layers.Count; l++)
            {
                QuantizedDenseLayer a = q.Layers[l], b = back.Layers[l];
                Assert.Equal(a.Activation, b.Activation);
                Assert.Equal(a.InputScale, b.InputScale);
                Assert.Equal(a.InputZeroPoint, b.InputZeroPoint);
                Assert.True(a.QuantizedWeights.SequenceEqual(b.QuantizedWeights));
                Assert.True(a.WeightScales.SequenceEqual(b.WeightScales));
                Assert.True(a.Bias.SequenceEqual(b.Bias));
            }
            float[,] x = new float[300, 40];
            for (int s = 0; s < 300; s++) for (int i = 0; i < 40; i++) x[s, i] = (float)(random.NextDouble() * 7 - 3);
            float[,] p = q.Predict(x), r = back.Predict(x);
            for (int s = 0; s < 300; s++)
                for (int k = 0; k < 3; k++)
                    Assert.Equal(BitConverter.SingleToInt32Bits(p[s, k]), BitConverter.SingleToInt32Bits(r[s, k]));

            // The MNIST fixture: saving the loaded network writes the same bytes.
            Int8Network mnistNet = Int8Network.Load(Fixture("mnist_int8.safetensors"));
            mnistNet.Save(path);
            Assert.Equal(File.ReadAllBytes(Fixture("mnist_int8.safetensors")), File.ReadAllBytes(path));
            Assert.True(mnistNet.Accuracy(mnist.TestImages, mnist.TestLabels) > 0.9);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Save_LeavesNoTemporaryFile_AndReplacesTheOldOne()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"int8-save-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "net.safetensors");
            File.WriteAllText(path, "old");
            Int8Network.Load(Fixture("mnist_int8.safetensors")).Save(path);
            Assert.Single(Directory.GetFiles(dir));
            Assert.Equal(784, Int8Network.Load(path).InputSize);
            Assert.ThrowsAny<IOException>(() => Int8Network.Load(Fixture("mnist_int8.safetensors")).Save(Path.Combine(dir, "missing", "x.safetensors")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A damaged copy of the MNIST int8 file: its header's JSON edited as text (same length), or its bytes cut.</summary>
    private static string Damaged(Func<string, string>? header = null, int truncate = 0)
    {
        byte[] bytes = File.ReadAllBytes(Fixture("mnist_int8.safetensors"));
        int length = (int)BitConverter.ToUInt64(bytes, 0);
        if (header is not null)
        {
            string json = System.Text.Encoding.UTF8.GetString(bytes, 8, length);
            string changed = header(json);
            Assert.NotEqual(json, changed);
            Assert.Equal(json.Length, changed.Length);
            System.Text.Encoding.UTF8.GetBytes(changed).CopyTo(bytes, 8);
        }
        string path = Path.Combine(Path.GetTempPath(), $"int8-damaged-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - truncate).ToArray());
        return path;
    }

    [Theory]
    [InlineData("format", "staticnet-int8", "staticnet-int7", "\"format\"")]
    [InlineData("dtype", "\"0.weight_scale\":{\"dtype\":\"F32\"", "\"0.weight_scale\":{\"dtype\":\"I32\"", "'0.weight_scale' has dtype I32; expected F32")]
    [InlineData("name", "\"2.bias\"", "\"2.bian\"", "no tensor '2.bias'")]
    [InlineData("activation", "Relu,Relu,Softmax", "Relu,Tanh,Softmax", null)]
    [InlineData("activation name", "Relu,Relu,Softmax", "Relu,Relu,Softmix", "'Softmix'")]
    public void Load_DamagedHeader_NamesTheFileAndWhatIsWrong(string what, string from, string to, string? expected)
    {
        string path = Damaged(json => json.Replace(from, to));
        try
        {
            if (expected is null)
            {
                // A different but valid activation loads (the file says what the network computes) and predicts differently.
                Int8Network changed = Int8Network.Load(path);
                Assert.Equal(Activation.Tanh, changed.Layers[1].Activation);
                return;
            }
            var e = Assert.Throws<InvalidDataException>(() => Int8Network.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains(expected, e.Message);
            output.WriteLine($"{what}: {e.Message}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_TruncatedFile_FloatFile_AndBadValues_Throw()
    {
        string truncated = Damaged(truncate: 100);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => Int8Network.Load(truncated));
            Assert.Contains(truncated, e.Message);
            Assert.Contains("truncated", e.Message);
        }
        finally
        {
            File.Delete(truncated);
        }

        var floatFile = Assert.Throws<InvalidDataException>(() => Int8Network.Load(Fixture("mnist_float32.safetensors")));
        Assert.Contains("mnist_float32.safetensors", floatFile.Message);
        Assert.Contains("Int8Network.Save", floatFile.Message);

        // A weight of -128 (outside the symmetric range) and a zero point of 300.
        byte[] bytes = File.ReadAllBytes(Fixture("mnist_int8.safetensors"));
        int dataStart = 8 + (int)BitConverter.ToUInt64(bytes, 0);
        string json = System.Text.Encoding.UTF8.GetString(bytes, 8, dataStart - 8);
        int Offset(string tensor)
        {
            int at = json.IndexOf("\"data_offsets\":[", json.IndexOf($"\"{tensor}\"", StringComparison.Ordinal), StringComparison.Ordinal) + 16;
            return dataStart + int.Parse(json.AsSpan(at, json.IndexOf(',', at) - at));
        }
        string path = Path.Combine(Path.GetTempPath(), $"int8-values-{Guid.NewGuid():N}.safetensors");
        try
        {
            byte[] weight = (byte[])bytes.Clone();
            weight[Offset("1.weight") + 5] = 0x80;
            File.WriteAllBytes(path, weight);
            Assert.Contains("'1.weight' holds -128 at [0, 5]", Assert.Throws<InvalidDataException>(() => Int8Network.Load(path)).Message);
            byte[] zero = (byte[])bytes.Clone();
            BitConverter.GetBytes(300).CopyTo(zero, Offset("2.input_zero_point"));
            File.WriteAllBytes(path, zero);
            Assert.Contains("'2.input_zero_point' holds 300", Assert.Throws<InvalidDataException>(() => Int8Network.Load(path)).Message);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Throws<FileNotFoundException>(() => Int8Network.Load(Fixture("no_such_file.safetensors")));
    }

    [Fact]
    public void Int8File_LoadedAsFloat32Weights_SaysItHoldsInt8()
    {
        var e = Assert.Throws<InvalidDataException>(() => Safetensors.Load(new MnistNet(seed: 1), Fixture("mnist_int8.safetensors")));
        Assert.Contains("dtype I8", e.Message);
        Assert.Contains("Int8Network.Load", e.Message);
        Assert.Contains("'0.weight' has dtype I8", Assert.Throws<InvalidDataException>(() => Safetensors.ReadTensors(Fixture("mnist_int8.safetensors"))).Message);
    }
}
