using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using StaticNet.Data;
using Xunit;

namespace StaticNet.Import.Tests;

internal static class Fixture
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "StaticNet.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No folder above '{AppContext.BaseDirectory}' holds StaticNet.sln.");
    }

    /// <summary>The official MNIST test digits the fixture script used (the first 32), from samples/data/mnist.</summary>
    public static float[,] TestDigits(int count)
    {
        float[,] all = Idx.ReadImages(System.IO.Path.Combine(RepoRoot, "samples", "data", "mnist", "t10k-images-idx3-ubyte.gz"));
        var x = new float[count, all.GetLength(1)];
        Buffer.BlockCopy(all, 0, x, 0, count * all.GetLength(1) * sizeof(float));
        return x;
    }

    /// <summary>The source framework's outputs recorded by tools/make_import_fixtures.py.</summary>
    public static (int[] Digits, float[,] Outputs) Expected(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path(name + ".expected.json")));
        int[] digits = doc.RootElement.GetProperty("test_digits").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var rows = doc.RootElement.GetProperty("outputs").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        var outputs = new float[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[i].Length; j++)
                outputs[i, j] = rows[i][j];
        Assert.Equal(Enumerable.Range(0, digits.Length), digits);
        return (digits, outputs);
    }

    public static void AssertClose(float[,] expected, float[,] actual, double tolerance, string what)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        double worst = 0;
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                worst = Math.Max(worst, Math.Abs(expected[i, j] - actual[i, j]));
        Assert.True(worst <= tolerance, $"{what}: largest difference {worst:G3} > {tolerance:G3}");
    }
}
