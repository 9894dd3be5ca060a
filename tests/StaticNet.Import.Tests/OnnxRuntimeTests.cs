using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using StaticNet.Import.Onnx;
using Xunit;

namespace StaticNet.Import.Tests;

/// <summary>The imported networks against ONNX Runtime for .NET running the same files.</summary>
public class OnnxRuntimeTests
{
    [Theory]
    [InlineData("onnx_gemm.onnx", nameof(ReluTanhSoftmaxNet), true)]
    [InlineData("onnx_matmul.onnx", nameof(LeakySigmoidLinearNet), true)]
    [InlineData("onnx_external.onnx", nameof(SigmoidSoftmaxNet), false)]
    public void Imported_network_predicts_what_OnnxRuntime_computes_on_test_digits(string file, string network, bool imageInput)
    {
        NeuralNetwork model = ImportTests.Create(network);
        ModelImport.LoadWeights(model, Fixture.Path(file));
        float[,] x = Fixture.TestDigits(32);
        int[] shape = imageInput ? new[] { 32, 1, 28, 28 } : new[] { 32, 784 };
        Fixture.AssertClose(RunOnnx(Fixture.Path(file), x, shape), model.Predict(x), 1e-5, file);
    }

    [Fact]
    public void Identity_Dropout_Gemm_alpha_beta_and_bias_first_Add_match_OnnxRuntime()
    {
        var model = new SmallNet();
        ModelImport.LoadWeights(model, Fixture.Path("onnx_shuffled.onnx"));
        var rng = new Random(5);
        var x = new float[20, 6];
        for (int i = 0; i < 20; i++)
            for (int j = 0; j < 6; j++)
                x[i, j] = (float)(rng.NextDouble() * 4 - 2);
        Fixture.AssertClose(RunOnnx(Fixture.Path("onnx_shuffled.onnx"), x, new[] { 20, 6 }), model.Predict(x), 1e-5, "onnx_shuffled.onnx");
    }

    internal static float[,] RunOnnx(string path, float[,] x, int[] shape)
    {
        using var session = new InferenceSession(path);
        var data = new float[x.Length];
        Buffer.BlockCopy(x, 0, data, 0, data.Length * sizeof(float));
        string inputName = session.InputMetadata.Keys.Single();
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<float>(data, shape)) });
        float[] flat = results.Single().AsEnumerable<float>().ToArray();
        int rows = x.GetLength(0), cols = flat.Length / rows;
        var y = new float[rows, cols];
        Buffer.BlockCopy(flat, 0, y, 0, flat.Length * sizeof(float));
        return y;
    }

    /// <summary>The initializers as stored (the importer's own protobuf reader; the layout checks are on what it does with them).</summary>
    internal static Dictionary<string, float[]> Initializers(string path)
    {
        OnnxModel model = OnnxModel.Parse(File.ReadAllBytes(path));
        var data = new OnnxTensorData(path);
        return model.Graph.Initializers.ToDictionary(t => t.Name, t => data.Floats(t, "test"));
    }
}
