using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using StaticNet.Interop;
using Xunit;

namespace StaticNet.Tests.Interop;

/// <summary>
/// The ONNX export is checked in-process with ONNX Runtime (the Microsoft.ML.OnnxRuntime NuGet
/// package, native libraries included): it validates the model when it loads it (graph, types,
/// shape inference), and its outputs on trained networks must match StaticNet's Predict to 1e-5.
/// The file's structure (IR version, opset, producer, node types) is read with a small protobuf
/// reader here. So `dotnet test` needs only the SDK and NuGet; the python onnx checker and
/// onnxruntime-node cross-check the same exports in .ci/run (tools/check-onnx-export.sh), from the
/// files these tests leave in STATICNET_ONNX_EXPORT_DIR when it is set.
/// </summary>
public class OnnxExportTests
{
    private const float Tolerance = 1e-5f;

    private static (float[,] X, int[] Labels, float[,] Targets) Data(int samples, int features, int seed)
    {
        var random = new Random(seed);
        var x = new float[samples, features];
        var labels = new int[samples];
        var targets = new float[samples, 2];
        for (int s = 0; s < samples; s++)
        {
            for (int f = 0; f < features; f++) x[s, f] = (float)(random.NextDouble() * 4 - 2);
            labels[s] = (x[s, 0] > 0 ? 1 : 0) + (x[s, 1] > 0.5f ? 2 : 0);
            targets[s, 0] = x[s, 0] - 0.5f * x[s, 1];
            targets[s, 1] = MathF.Abs(x[s, 2]);
        }
        return (x, labels, targets);
    }

    private static OnnxClassifierNet TrainedClassifier()
    {
        var model = new OnnxClassifierNet(seed: 21);
        var (x, labels, _) = Data(64, 6, 1);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.01f), Metric.Accuracy);
        model.Fit(x, labels, epochs: 5, batchSize: 16, verbose: 0);
        return model;
    }

    private static OnnxRegressionNet TrainedRegression()
    {
        var model = new OnnxRegressionNet(seed: 22);
        var (x, _, targets) = Data(64, 5, 2);
        model.Compile(Loss.MeanSquaredError, new Adam(learningRate: 0.01f));
        model.Fit(x, targets, epochs: 5, batchSize: 16, verbose: 0);
        return model;
    }

    [Fact]
    public void Classifier_LoadsInOnnxRuntimeAndMatchesPredict()
    {
        OnnxClassifierNet model = TrainedClassifier();
        CheckAndCompare(model, Data(32, 6, 7).X, "classifier",
            new[] { "Gemm", "Sigmoid", "Gemm", "Tanh", "Gemm", "Relu", "Gemm", "Softmax" });
    }

    [Fact]
    public void Regression_WithLeakyReluAndLinearLayers_LoadsInOnnxRuntimeAndMatchesPredict()
    {
        OnnxRegressionNet model = TrainedRegression();
        // Inputs of both signs and large magnitude: the leaky side with slope 0.1 is exercised.
        var (x, _, _) = Data(32, 5, 8);
        for (int f = 0; f < 5; f++) x[0, f] = -50f;
        CheckAndCompare(model, x, "regression", new[] { "Gemm", "LeakyRelu", "Gemm", "Gemm" });
    }

    [Fact]
    public void TheBatchDimensionIsSymbolic_OneRowAndManyRowsRunOnTheSameModel()
    {
        OnnxClassifierNet model = TrainedClassifier();
        using var session = new InferenceSession(OnnxExporter.ToBytes(model));
        foreach (int rows in new[] { 1, 3, 100 })
        {
            var x = Data(rows, 6, 30 + rows).X;
            AssertClose(model.Predict(x), Run(session, x));
        }
    }

    /// <summary>Exports; checks the file's structure and ONNX Runtime's metadata; runs it and compares with Predict.</summary>
    private static void CheckAndCompare(NeuralNetwork model, float[,] x, string name, string[] expectedNodes)
    {
        byte[] bytes = OnnxExporter.ToBytes(model);
        var memory = new MemoryStream();
        OnnxExporter.Save(model, memory);
        Assert.Equal(bytes, memory.ToArray());

        // 1. The file: IR 8, opset 13 (default domain), producer StaticNet, one Gemm (+ activation) per layer.
        OnnxSummary summary = OnnxSummary.Read(bytes);
        Assert.Equal(8, summary.IrVersion);
        Assert.Equal(13, summary.Opsets[""]);
        Assert.Equal("StaticNet", summary.ProducerName);
        Assert.Equal(expectedNodes, summary.NodeTypes);

        // 2. ONNX Runtime loads it (validating the graph and inferring shapes) and describes its signature.
        using var session = new InferenceSession(bytes);
        NodeMetadata input = Assert.Single(session.InputMetadata, m => m.Key == "input").Value;
        NodeMetadata output = Assert.Single(session.OutputMetadata, m => m.Key == "output").Value;
        Assert.Equal(typeof(float), input.ElementType);
        Assert.Equal(new[] { -1, model.NetworkShape.InputSize }, input.Dimensions);
        Assert.Equal("batch", input.SymbolicDimensions[0]);
        Assert.Equal(new[] { -1, model.NetworkShape.OutputSize }, output.Dimensions);
        Assert.Equal("StaticNet", session.ModelMetadata.ProducerName);

        // 3. Its outputs, against StaticNet's Predict.
        float[,] expected = model.Predict(x);
        float[,] actual = Run(session, x);
        AssertClose(expected, actual);

        LeaveForCrossCheck(name, bytes, x, expected);
    }

    private static float[,] Run(InferenceSession session, float[,] x)
    {
        int rows = x.GetLength(0), columns = x.GetLength(1);
        var tensor = new DenseTensor<float>(x.Cast<float>().ToArray(), new[] { rows, columns });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("input", tensor) });
        var output = Assert.Single(results);
        Assert.Equal("output", output.Name);
        Tensor<float> y = output.AsTensor<float>();
        Assert.Equal(2, y.Dimensions.Length);
        Assert.Equal(rows, y.Dimensions[0]);
        var result = new float[rows, y.Dimensions[1]];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < y.Dimensions[1]; o++) result[r, o] = y[r, o];
        return result;
    }

    private static void AssertClose(float[,] expected, float[,] actual)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int r = 0; r < expected.GetLength(0); r++)
            for (int o = 0; o < expected.GetLength(1); o++)
            {
                float e = expected[r, o], a = actual[r, o];
                Assert.True(MathF.Abs(e - a) <= Tolerance, $"sample {r}, output {o}: StaticNet {e:R}, ONNX Runtime {a:R}");
            }
    }

    /// <summary>
    /// With STATICNET_ONNX_EXPORT_DIR set (by .ci/run), writes the export, its input rows and
    /// Predict's outputs as JSON there, for tools/check-onnx-export.sh to check with the python
    /// onnx checker and onnxruntime-node.
    /// </summary>
    private static void LeaveForCrossCheck(string name, byte[] model, float[,] x, float[,] expected)
    {
        string? dir = Environment.GetEnvironmentVariable("STATICNET_ONNX_EXPORT_DIR");
        if (string.IsNullOrEmpty(dir)) return;
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, name + ".onnx"), model);
        File.WriteAllText(Path.Combine(dir, name + ".input.json"), Json(x));
        File.WriteAllText(Path.Combine(dir, name + ".expected.json"), Json(expected));
    }

    private static string Json(float[,] m)
    {
        var json = new StringBuilder("[");
        for (int r = 0; r < m.GetLength(0); r++)
        {
            json.Append(r == 0 ? "[" : ",[");
            for (int c = 0; c < m.GetLength(1); c++)
                json.Append(c == 0 ? "" : ",").Append(m[r, c].ToString("R", CultureInfo.InvariantCulture));
            json.Append(']');
        }
        return json.Append(']').ToString();
    }

    /// <summary>The parts of an ONNX ModelProto the tests check, read with a minimal protobuf reader (onnx.proto field numbers).</summary>
    private sealed record OnnxSummary(long IrVersion, Dictionary<string, long> Opsets, string ProducerName, string[] NodeTypes)
    {
        public static OnnxSummary Read(byte[] model)
        {
            long ir = 0;
            string producer = "";
            var opsets = new Dictionary<string, long>();
            var nodes = new List<string>();
            foreach (var (field, value, bytes) in Fields(model))
            {
                switch (field)
                {
                    case 1: ir = value; break;                                   // ir_version
                    case 2: producer = Encoding.UTF8.GetString(bytes); break;    // producer_name
                    case 7:                                                      // graph
                        foreach (var (graphField, _, node) in Fields(bytes))
                            if (graphField == 1)                                 // node
                                foreach (var (nodeField, _, text) in Fields(node))
                                    if (nodeField == 4) nodes.Add(Encoding.UTF8.GetString(text));   // op_type
                        break;
                    case 8:                                                      // opset_import
                        string domain = "";
                        long version = 0;
                        foreach (var (f, v, text) in Fields(bytes))
                        {
                            if (f == 1) domain = Encoding.UTF8.GetString(text);
                            if (f == 2) version = v;
                        }
                        opsets[domain] = version;
                        break;
                }
            }
            return new OnnxSummary(ir, opsets, producer, nodes.ToArray());
        }

        /// <summary>Top-level fields of a message: varints as values, length-delimited fields as bytes.</summary>
        private static IEnumerable<(int Field, long Value, byte[] Bytes)> Fields(byte[] message)
        {
            int i = 0;
            while (i < message.Length)
            {
                long key = Varint(message, ref i);
                int field = (int)(key >> 3), wire = (int)(key & 7);
                switch (wire)
                {
                    case 0: yield return (field, Varint(message, ref i), Array.Empty<byte>()); break;
                    case 1: i += 8; break;
                    case 5: i += 4; break;
                    case 2:
                        int length = (int)Varint(message, ref i);
                        yield return (field, 0, message[i..(i + length)]);
                        i += length;
                        break;
                    default: throw new InvalidDataException($"Unexpected protobuf wire type {wire} at byte {i}.");
                }
            }
        }

        private static long Varint(byte[] data, ref int i)
        {
            long result = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = data[i++];
                result |= (long)(b & 0x7F) << shift;
                if (b < 0x80) return result;
            }
        }
    }
}
