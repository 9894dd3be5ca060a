using System.Collections.Generic;

namespace StaticNet.Data;

/// <summary>A CSV table read for classification: <see cref="Csv.LoadClassification(string, CsvColumn, IReadOnlyList{CsvColumn}?, char)"/>.</summary>
/// <param name="Features">One row per data line, one column per feature column, as <c>Fit</c> takes it.</param>
/// <param name="Labels">Each row's class index: the position of its label in <paramref name="ClassNames"/>.</param>
/// <param name="ClassNames">The mapping from class index to the label text in the file: the distinct
/// labels sorted (numerically when every label is a number, as 1, 2, 10; otherwise ordinally, as
/// scikit-learn's <c>LabelEncoder</c>), so <c>ClassNames[Labels[i]]</c> is row i's label.</param>
/// <param name="FeatureNames">The header text of each feature column, in column order of <paramref name="Features"/>.</param>
/// <param name="LabelName">The header text of the label column.</param>
public sealed record CsvClassificationData(
    float[,] Features, int[] Labels, IReadOnlyList<string> ClassNames, IReadOnlyList<string> FeatureNames, string LabelName);

/// <summary>A CSV table read for regression: <see cref="Csv.LoadRegression(string, CsvColumn, IReadOnlyList{CsvColumn}?, char)"/>.</summary>
/// <param name="Features">One row per data line, one column per feature column.</param>
/// <param name="Targets">Each row's numeric target.</param>
/// <param name="FeatureNames">The header text of each feature column.</param>
/// <param name="TargetName">The header text of the target column.</param>
public sealed record CsvRegressionData(float[,] Features, float[] Targets, IReadOnlyList<string> FeatureNames, string TargetName);
