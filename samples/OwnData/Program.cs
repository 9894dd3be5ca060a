// Your own data, start to end: a CSV table, a train/test split, feature scaling fitted on the
// training rows, a small classifier, and a prediction for a new sample from the saved files.
// docs/YOUR-OWN-DATA.md explains each step.
//
//   dotnet run --project samples/OwnData -c Release [-- path/to/table.csv [outputFolder]]
using System;
using System.Globalization;
using System.IO;
using StaticNet;
using StaticNet.Data;

string csvPath = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "iris.csv");
string outDirectory = args.Length > 1 ? args[1] : "out";

// 1. Read the table: every column but "species" is a feature; the species become classes 0, 1, 2.
CsvClassificationData table = Csv.LoadClassification(csvPath, label: "species");
Console.WriteLine($"{table.Labels.Length} rows; features: {string.Join(", ", table.FeatureNames)}; " +
                  $"classes: {string.Join(", ", table.ClassNames)}");

// 2. Hold out 20% of the rows for the final test, in the same proportion of each species.
var (xTrain, xTest, yTrain, yTest) = Dataset.TrainTestSplit(table.Features, table.Labels,
    testFraction: 0.2, seed: 42, stratify: true);

// 3. Standardise the features with the mean and deviation of the training rows only.
var scaler = new StandardScaler();
float[,] xTrainScaled = scaler.FitTransform(xTrain);
float[,] xTestScaled = scaler.Transform(xTest);

// 4. Specify, compile, fit, evaluate.
var model = new IrisNet(seed: 42);
model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.01f), Metric.Accuracy);
History history = model.Fit(xTrainScaled, yTrain, epochs: 50, batchSize: 16, validationSplit: 0.2, verbose: 0);
Evaluation test = model.Evaluate(xTestScaled, yTest);
Console.WriteLine($"after {history.Epoch.Count} epochs: val_accuracy {F(history["val_accuracy"][^1])}");
Console.WriteLine($"test accuracy: {F(test["accuracy"])} on {yTest.Length} held-out rows");

// 5. Save what prediction needs: the weights, the scaler and the class names.
Directory.CreateDirectory(outDirectory);
model.SaveWeights(Path.Combine(outDirectory, "iris.weights"));
scaler.Save(Path.Combine(outDirectory, "iris.scaler"));
File.WriteAllLines(Path.Combine(outDirectory, "iris.classes"), table.ClassNames);

// 6. Later, perhaps in another program: load them and classify a new flower (measurements in cm).
var trained = new IrisNet();
trained.LoadWeights(Path.Combine(outDirectory, "iris.weights"));
StandardScaler sameScaling = StandardScaler.Load(Path.Combine(outDirectory, "iris.scaler"));
string[] classNames = File.ReadAllLines(Path.Combine(outDirectory, "iris.classes"));

float[] flower = [6.3f, 2.9f, 5.6f, 1.8f];   // sepal length, sepal width, petal length, petal width
float[] probabilities = new float[IrisNet.OutputSize];
trained.Predict(sameScaling.Transform(flower), probabilities);
int best = 0;
for (int c = 1; c < probabilities.Length; c++)
    if (probabilities[c] > probabilities[best]) best = c;
Console.WriteLine($"new flower [{string.Join(", ", flower)}]: {classNames[best]} (p = {F(probabilities[best])})");
return 0;

static string F(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);

// Four measurements in, 16 ReLU units, one softmax probability per species out.
[Network(4, 16, 3, Hidden = Activation.Relu, Output = Activation.Softmax)]
partial class IrisNet;
