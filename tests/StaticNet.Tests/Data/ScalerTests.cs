using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using StaticNet.Data;
using Xunit;

namespace StaticNet.Tests.Data;

public sealed class ScalerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "staticnet-scaler-" + Guid.NewGuid().ToString("N"));

    public ScalerTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Columns: 1, 2, 3, 4 | 10, 10, 10, 10 (constant) | -2, 0, 0, 6
    private static readonly float[,] X = { { 1, 10, -2 }, { 2, 10, 0 }, { 3, 10, 0 }, { 4, 10, 6 } };

    [Fact]
    public void Standard_HandComputed_PopulationStd_ConstantColumnScaleOne()
    {
        var scaler = new StandardScaler();

        float[,] z = scaler.FitTransform(X);

        // Column 0: mean 2.5, population variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25 (not 5/3, the sample variance).
        // Column 2: mean 1, variance (9 + 1 + 1 + 25) / 4 = 9, std 3.
        Assert.Equal([2.5, 10, 1], scaler.Mean);
        Assert.Equal(Math.Sqrt(1.25), scaler.Scale[0], 15);
        Assert.Equal(1.0, scaler.Scale[1]);
        Assert.Equal(3.0, scaler.Scale[2]);
        Assert.Equal((float)(-1.5 / Math.Sqrt(1.25)), z[0, 0]);
        Assert.Equal((float)(1.5 / Math.Sqrt(1.25)), z[3, 0]);
        for (int i = 0; i < 4; i++) Assert.Equal(0f, z[i, 1]);
        Assert.Equal([-1f, -1f / 3, -1f / 3, 5f / 3], Enumerable.Range(0, 4).Select(i => z[i, 2]));
    }

    [Fact]
    public void MinMax_HandComputed_DefaultAndCustomRange_ConstantColumn()
    {
        var unit = new MinMaxScaler();
        float[,] u = unit.FitTransform(X);
        Assert.Equal([0f, 1f / 3, 2f / 3, 1f], Enumerable.Range(0, 4).Select(i => u[i, 0]));
        Assert.Equal([0f, 0.25f, 0.25f, 1f], Enumerable.Range(0, 4).Select(i => u[i, 2]));
        // Constant column: range 0 is taken as 1 (scikit-learn), so x - min + RangeMin = 0.
        for (int i = 0; i < 4; i++) Assert.Equal(0f, u[i, 1]);

        var symmetric = new MinMaxScaler(-1, 1);
        float[,] s = symmetric.FitTransform(X);
        Assert.Equal([-1f, -1f / 3, 1f / 3, 1f], Enumerable.Range(0, 4).Select(i => s[i, 0]));
        Assert.Equal(-1f, s[0, 1]);
        // New data outside the training range maps outside [-1, 1]: no clipping, as scikit-learn.
        Assert.Equal(3f, symmetric.Transform(new float[] { 7, 10, 6 })[0]);
    }

    [Fact]
    public void MatchesScikitLearn_OnIris()
    {
        // tools/export_own_data_fixtures.py: scikit-learn fitted on Iris (as float32 values) plus a constant column.
        using JsonDocument fixture = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "scalers_iris.json")));
        JsonElement root = fixture.RootElement;
        float[,] x = Matrix(root.GetProperty("x"));

        var standard = new StandardScaler();
        float[,] z = standard.FitTransform(x);
        JsonElement reference = root.GetProperty("standard");
        AssertClose(Vector(reference.GetProperty("mean")), standard.Mean.ToArray(), 1e-12);
        AssertClose(Vector(reference.GetProperty("scale")), standard.Scale.ToArray(), 1e-12);
        Assert.Equal(1.0, standard.Scale[4]);
        AssertClose(Matrix(reference.GetProperty("transformed")), z, 1e-6f);

        var minmax = new MinMaxScaler(-1, 1);
        float[,] m = minmax.FitTransform(x);
        reference = root.GetProperty("minmax");
        AssertClose(Vector(reference.GetProperty("data_min")), minmax.DataMin.ToArray(), 0);
        AssertClose(Vector(reference.GetProperty("data_max")), minmax.DataMax.ToArray(), 0);
        AssertClose(Matrix(reference.GetProperty("transformed")), m, 1e-6f);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void InverseTransform_RecoversTheData(bool minMax)
    {
        FeatureScaler scaler = minMax ? new MinMaxScaler(-2, 5) : new StandardScaler();
        float[,] back = scaler.InverseTransform(scaler.FitTransform(X));
        AssertClose(X, back, 1e-6f);

        float[] one = scaler.Transform(new float[] { 3, 10, 0 });
        var restored = new float[3];
        scaler.InverseTransform(one, restored);
        Assert.Equal([3f, 10f, 0f], restored.Select(v => MathF.Round(v, 5)));
    }

    [Fact]
    public void OneSample_MatchesTheBatch_WithoutAllocatingTheDestination()
    {
        var scaler = new StandardScaler();
        float[,] z = scaler.FitTransform(X);
        Span<float> destination = stackalloc float[3];
        scaler.Transform(new float[] { 4, 10, 6 }, destination);
        Assert.Equal([z[3, 0], z[3, 1], z[3, 2]], destination.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SaveAndLoad_GiveBitIdenticalTransforms_AndTheRightType(bool minMax)
    {
        FeatureScaler scaler = minMax ? new MinMaxScaler(-1, 1) : new StandardScaler();
        scaler.Fit(X);
        string path = Path.Combine(_dir, "s.scaler");

        scaler.Save(path);
        FeatureScaler loaded = FeatureScaler.Load(path);

        Assert.IsType(scaler.GetType(), loaded);
        Assert.Equal(3, loaded.FeatureCount);
        var probe = new float[,] { { 0.5f, 9, 100 }, { -3, 10, 1e-3f } };
        Assert.Equal(scaler.Transform(probe), loaded.Transform(probe));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
        if (minMax)
        {
            var typed = MinMaxScaler.Load(path);
            Assert.Equal((-1.0, 1.0), (typed.RangeMin, typed.RangeMax));
            Assert.Contains("holds a MinMaxScaler", Assert.Throws<InvalidDataException>(() => StandardScaler.Load(path)).Message);
        }
        else
        {
            Assert.Equal(((StandardScaler)scaler).Mean, StandardScaler.Load(path).Mean);
        }
    }

    [Fact]
    public void FileLayout_IsAsDocumented()
    {
        // docs/FORMATS.md: "SNSC", u16 version 1, u8 kind 1, i32 F, f64 x F means, f64 x F scales, u32 CRC.
        var scaler = new StandardScaler();
        scaler.Fit(new float[,] { { 1 }, { 3 } }); // mean 2, std 1
        using var stream = new MemoryStream();
        scaler.Save(stream);
        byte[] bytes = stream.ToArray();

        Assert.Equal(4 + 2 + 1 + 4 + 8 + 8 + 4, bytes.Length);
        Assert.Equal("SNSC"u8.ToArray(), bytes[..4]);
        Assert.Equal([1, 0, 1, 1, 0, 0, 0], bytes[4..11]);
        Assert.Equal(2.0, BitConverter.ToDouble(bytes, 11));
        Assert.Equal(1.0, BitConverter.ToDouble(bytes, 19));
        // The whole file as docs/FORMATS.md shows it; the CRC computed independently with Python's zlib.crc32.
        Assert.Equal(Convert.FromHexString("534E5343010001010000000000000000000040000000000000F03FCC2C874E"), bytes);
    }

    [Fact]
    public void CorruptFiles_AreRejectedWithTheFileName()
    {
        var scaler = new StandardScaler();
        scaler.Fit(X);
        string path = Path.Combine(_dir, "s.scaler");
        scaler.Save(path);
        byte[] good = File.ReadAllBytes(path);

        byte[] flipped = (byte[])good.Clone();
        flipped[20] ^= 1;
        File.WriteAllBytes(path, flipped);
        var e = Assert.Throws<InvalidDataException>(() => FeatureScaler.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("checksum", e.Message);

        File.WriteAllBytes(path, good[..^6]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => FeatureScaler.Load(path)).Message);

        File.WriteAllBytes(path, "SNWT"u8.ToArray().Concat(good[4..]).ToArray());
        Assert.Contains("wrong magic", Assert.Throws<InvalidDataException>(() => FeatureScaler.Load(path)).Message);
    }

    [Fact]
    public void Misuse_IsExplained()
    {
        var scaler = new StandardScaler();
        Assert.Contains("not fitted", Assert.Throws<InvalidOperationException>(() => scaler.Transform(X)).Message);
        Assert.Throws<InvalidOperationException>(() => scaler.Save(Path.Combine(_dir, "x")));
        scaler.Fit(X);
        var columns = Assert.Throws<ArgumentException>(() => scaler.Transform(new float[2, 4]));
        Assert.Contains("4 columns but the scaler was fitted on 3 features", columns.Message);
        var nan = Assert.Throws<ArgumentException>(() => scaler.Fit(new float[,] { { 1, 2 }, { float.NaN, 3 } }));
        Assert.Contains("x[1, 0] is NaN", nan.Message);
        Assert.Throws<ArgumentException>(() => scaler.Fit(new float[0, 3]));
        Assert.Throws<ArgumentException>(() => new MinMaxScaler(1, 1));
        Assert.Contains("fitted on 3 features", Assert.Throws<ArgumentException>(() => scaler.Transform(new float[] { 1, 2 })).Message);
    }

    private static float[,] Matrix(JsonElement rows)
    {
        int n = rows.GetArrayLength(), m = rows[0].GetArrayLength();
        var result = new float[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) result[i, j] = (float)rows[i][j].GetDouble();
        return result;
    }

    private static double[] Vector(JsonElement values) => values.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }

    private static void AssertClose(float[,] expected, float[,] actual, float tolerance)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                Assert.True(Math.Abs(expected[i, j] - actual[i, j]) <= tolerance, $"[{i}, {j}]: expected {expected[i, j]:R}, got {actual[i, j]:R}");
    }
}
