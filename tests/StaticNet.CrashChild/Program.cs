// The child process of the crash-safety tests (tests/StaticNet.Tests/Reliability/CrashSafetyTests.cs).
//
//   dotnet StaticNet.CrashChild.dll <weights path> <checkpoint path> <run id>
//
// Builds the course's 784-128-64-10 network (109,386 parameters: a 437 KB weights file and a
// 1.3 MB Adam checkpoint, so a save takes a while), then forever: fills the parameters with a
// pattern that identifies the run and the save number, saves the weights, prints
// "weights <n>", fills them again, saves a checkpoint, prints "checkpoint <n>". A line is printed
// only after its save has returned, so a test that has read "weights 7" knows that the file holds
// save 7 or a later one. The test kills the process at random moments.
//
//   dotnet StaticNet.CrashChild.dll backup <backup folder> <optimizer> <result path>
//
// The BackupAndRestore test (tests/StaticNet.Tests/Reliability/BackupAndRestoreTests.cs): runs
// BackupRun.Run (the shared training program), printing "epoch <n>" after each epoch's backup; at
// each epoch's start it prints "ready <n>" and waits for a line on standard input (none once the
// input is closed), so that the test decides in which epoch it kills the process; when Fit returns,
// saves the weights to <result path> and prints "done <first epoch run> <epochs run>".
using System;
using System.Globalization;
using StaticNet;
using StaticNet.Tests.Reliability;

if (args.Length == 4 && args[0] == "backup")
{
    var progress = new LambdaCallback(
        onEpochBegin: epoch => { Console.WriteLine($"ready {epoch}"); Console.Out.Flush(); Console.In.ReadLine(); },
        onEpochEnd: (epoch, _) => { Console.WriteLine($"epoch {epoch}"); Console.Out.Flush(); });
    var (trained, history) = BackupRun.Run(args[1], args[2], progress);
    trained.SaveWeights(args[3]);
    Console.WriteLine($"done {(history.Epoch.Count > 0 ? history.Epoch[0] : -1)} {history.Epoch.Count}");
    return 0;
}
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: StaticNet.CrashChild <weights path> <checkpoint path> <run id>");
    return 2;
}
string weightsPath = args[0], checkpointPath = args[1];
int run = int.Parse(args[2], CultureInfo.InvariantCulture);

var model = new CrashNet(seed: run);
model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.001f), Metric.Accuracy);
Console.Out.Flush();
for (int n = 1; ; n++)
{
    Fill(model.Parameters, run, 2 * n);
    model.SaveWeights(weightsPath);
    Console.WriteLine($"weights {n}");
    Console.Out.Flush();
    Fill(model.Parameters, run, 2 * n + 1);
    model.SaveCheckpoint(checkpointPath);
    Console.WriteLine($"checkpoint {n}");
    Console.Out.Flush();
}

// Parameter 0 is the run, parameter 1 the save's stamp, the rest a pattern of both (CrashPattern in the test).
static void Fill(Span<float> parameters, int run, int stamp)
{
    parameters[0] = run;
    parameters[1] = stamp;
    for (int i = 2; i < parameters.Length; i++) parameters[i] = ((i * 7 + stamp * 13 + run) % 1000) / 1000f;
}

/// <summary>The network the crash tests load the files into (declared there too, with the same shape).</summary>
[Network(784, 128, 64, 10, Hidden = Activation.Relu, Output = Activation.Softmax)]
public partial class CrashNet;
