using System;
using System.Globalization;
using System.IO;
using StaticNet.Data;
using Xunit;

namespace StaticNet.Tests.Data;

public sealed class CsvTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "staticnet-csv-" + Guid.NewGuid().ToString("N"));

    public CsvTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string text)
    {
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Classification_TextLabels_SortedIntoClassIndices_FeaturesInFileOrder()
    {
        string path = Write("a,b,kind,c\n1,2,cat,3\n4,5.5,dog,6\n-7,8e-1,cat,9\n0,0,ant,0\n");

        CsvClassificationData data = Csv.LoadClassification(path, label: "kind");

        Assert.Equal(["a", "b", "c"], data.FeatureNames);
        Assert.Equal("kind", data.LabelName);
        Assert.Equal(["ant", "cat", "dog"], data.ClassNames);
        Assert.Equal([1, 2, 1, 0], data.Labels);
        Assert.Equal(new float[,] { { 1, 2, 3 }, { 4, 5.5f, 6 }, { -7, 0.8f, 9 }, { 0, 0, 0 } }, data.Features);
    }

    [Fact]
    public void Classification_NumericLabels_SortNumerically_AndColumnsByIndexOrName()
    {
        string path = Write("x,y,label\n1,2,10\n3,4,2\n5,6,1.0\n7,8,2\n");

        CsvClassificationData data = Csv.LoadClassification(path, label: 2, features: ["y", 0]);

        Assert.Equal(["1", "2", "10"], data.ClassNames); // numeric order, and "1.0" is class 1
        Assert.Equal([2, 1, 0, 1], data.Labels);
        Assert.Equal(["y", "x"], data.FeatureNames);
        Assert.Equal(new float[,] { { 2, 1 }, { 4, 3 }, { 6, 5 }, { 8, 7 } }, data.Features);
    }

    [Fact]
    public void Regression_QuotedFieldsCrlfBomSpacesAndEmptyLines()
    {
        string path = Path.Combine(_dir, "r.csv");
        File.WriteAllText(path, "\"size, m2\";rooms;price\r\n\r\n 55.5 ;\"2\";120000\r\n70;3; 1.5e5 \r\n", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        CsvRegressionData data = Csv.LoadRegression(path, target: "price", separator: ';');

        Assert.Equal(["size, m2", "rooms"], data.FeatureNames);
        Assert.Equal([120000f, 150000f], data.Targets);
        Assert.Equal(new float[,] { { 55.5f, 2 }, { 70, 3 } }, data.Features);
    }

    [Fact]
    public void Numbers_UseTheInvariantCulture_WhateverTheCurrentCulture()
    {
        CultureInfo before = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE"); // ',' is the decimal separator there
            float[,] x = Csv.ReadFeatures(new StringReader("a,b\n1.5,2.25\n"));
            Assert.Equal(new float[,] { { 1.5f, 2.25f } }, x);
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Fact]
    public void BadCell_NamesFileLineColumnAndHeader()
    {
        string path = Write("a,b,label\n1,2,x\n3,abc,y\n");

        var e = Assert.Throws<InvalidDataException>(() => Csv.LoadClassification(path, label: "label"));

        Assert.Contains($"'{path}', line 3, column 2 ('b'): 'abc' is not a number", e.Message);
    }

    [Fact]
    public void DecimalComma_IsRejectedAsNotANumber_NotMisreadAsThousands()
    {
        var e = Assert.Throws<InvalidDataException>(() => Csv.ReadFeatures(new StringReader("a;b\n1,5;2\n"), separator: ';', source: "prices.csv"));
        Assert.Contains("prices.csv, line 2, column 1 ('a'): '1,5' is not a number", e.Message);
    }

    [Fact]
    public void LineNumbers_CountEmptyLinesAndLinesInsideQuotes()
    {
        // The header's quoted name spans lines 1-2; line 3 is empty; the bad row is on line 5.
        string text = "\"first\ncolumn\",b\n1,2\n\n3,4\n5,\n";

        var e = Assert.Throws<InvalidDataException>(() => Csv.ReadFeatures(new StringReader(text)));

        Assert.Contains("line 6, column 2 ('b'): the cell is empty; missing values are not supported", e.Message);
    }

    [Fact]
    public void NonFiniteValues_AreRejected()
    {
        Assert.Contains("'NaN' is not a finite number", Assert.Throws<InvalidDataException>(() => Csv.ReadFeatures(new StringReader("a\nNaN\n"))).Message);
        Assert.Contains("'1e39' is not a finite number", Assert.Throws<InvalidDataException>(() => Csv.ReadFeatures(new StringReader("a\n1e39\n"))).Message);
    }

    [Fact]
    public void RaggedRow_NamesTheLineAndBothCounts()
    {
        var e = Assert.Throws<InvalidDataException>(() => Csv.ReadFeatures(new StringReader("a,b,c\n1,2,3\n4,5\n"), source: "t.csv"));
        Assert.Contains("t.csv, line 3: 2 field(s), but the header has 3 columns ('a', 'b', 'c')", e.Message);
    }

    [Fact]
    public void MissingColumns_ListTheColumnsThereAre()
    {
        string path = Write("sepal,petal,species\n1,2,a\n");

        var byName = Assert.Throws<ArgumentException>(() => Csv.LoadClassification(path, label: "class"));
        Assert.Equal("label", byName.ParamName);
        Assert.Contains("Column 'class' is not in the header", byName.Message);
        Assert.Contains("0: 'sepal', 1: 'petal', 2: 'species'", byName.Message);

        var byIndex = Assert.Throws<ArgumentException>(() => Csv.LoadClassification(path, label: "species", features: [0, 5]));
        Assert.Equal("features", byIndex.ParamName);
        Assert.Contains("Column 5 (0-based) is beyond the 3 columns", byIndex.Message);

        Assert.Contains("is the label", Assert.Throws<ArgumentException>(() => Csv.LoadClassification(path, label: "species", features: ["species"])).Message);
        Assert.Contains("listed twice", Assert.Throws<ArgumentException>(() => Csv.LoadClassification(path, label: 2, features: [0, "sepal"])).Message);
    }

    [Fact]
    public void EmptyFile_HeaderOnly_AndMissingFile_AreExplained()
    {
        Assert.Contains("is empty: expected a header line", Assert.Throws<InvalidDataException>(() => Csv.LoadFeatures(Write(""))).Message);
        Assert.Contains("has a header (a,b) but no data lines", Assert.Throws<InvalidDataException>(() => Csv.LoadFeatures(Write("a,b\n"))).Message);
        string missing = Path.Combine(_dir, "nope.csv");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => Csv.LoadFeatures(missing)).Message);
    }

    [Fact]
    public void EmptyLabel_IsReported()
    {
        var e = Assert.Throws<InvalidDataException>(() => Csv.ReadClassification(new StringReader("a,label\n1,x\n2,\n"), label: "label"));
        Assert.Contains("line 3, column 2 ('label'): the label is empty", e.Message);
    }

    [Fact]
    public void BundledIris_Reads150RowsOfThreeSpecies()
    {
        string path = Path.Combine(RepositoryRoot(), "samples", "OwnData", "iris.csv");

        CsvClassificationData iris = Csv.LoadClassification(path, label: "species");

        Assert.Equal(150, iris.Labels.Length);
        Assert.Equal(["setosa", "versicolor", "virginica"], iris.ClassNames);
        Assert.Equal(["sepal_length", "sepal_width", "petal_length", "petal_width"], iris.FeatureNames);
        Assert.Equal(new[] { 5.1f, 3.5f, 1.4f, 0.2f }, new[] { iris.Features[0, 0], iris.Features[0, 1], iris.Features[0, 2], iris.Features[0, 3] });
        for (int c = 0; c < 3; c++) Assert.Equal(50, Array.FindAll(iris.Labels, l => l == c).Length);
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "StaticNet.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No StaticNet.sln above {AppContext.BaseDirectory}.");
    }
}
