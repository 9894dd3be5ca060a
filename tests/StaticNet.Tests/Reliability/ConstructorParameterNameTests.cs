using System;
using System.Collections.Generic;
using System.Linq;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Reliability;

/// <summary>
/// Issue 9, §2: an <see cref="ArgumentException"/> from a public constructor names the argument as
/// the caller wrote it (<c>new Adam(learningRate: 0)</c> named <c>LearningRate</c>). Every validated
/// argument of every optimizer, loss and callback constructor is listed here by hand, and each
/// exception's <see cref="ArgumentException.ParamName"/> is checked against the constructor's real
/// parameter names (read by reflection, so that a renamed parameter fails here too).
/// </summary>
public sealed class ConstructorParameterNameTests
{
    private static readonly (Type Type, string Parameter, Func<object> Create)[] s_cases =
    {
        (typeof(Sgd), "learningRate", () => new Sgd(learningRate: 0)),
        (typeof(Sgd), "momentum", () => new Sgd(momentum: -1)),
        (typeof(Adam), "learningRate", () => new Adam(learningRate: 0)),
        (typeof(Adam), "beta1", () => new Adam(beta1: 1)),
        (typeof(Adam), "beta2", () => new Adam(beta2: -0.5f)),
        (typeof(Adam), "epsilon", () => new Adam(epsilon: 0)),
        (typeof(RmsProp), "learningRate", () => new RmsProp(learningRate: float.NaN)),
        (typeof(RmsProp), "rho", () => new RmsProp(rho: 1)),
        (typeof(RmsProp), "momentum", () => new RmsProp(momentum: 2)),
        (typeof(RmsProp), "epsilon", () => new RmsProp(epsilon: -1)),
        (typeof(AdaGrad), "learningRate", () => new AdaGrad(learningRate: -1)),
        (typeof(AdaGrad), "initialAccumulatorValue", () => new AdaGrad(initialAccumulatorValue: -1)),
        (typeof(AdaGrad), "epsilon", () => new AdaGrad(epsilon: 0)),
        (typeof(EarlyStopping), "monitor", () => new EarlyStopping(monitor: "")),
        (typeof(EarlyStopping), "monitor", () => new EarlyStopping(monitor: null!)),
        (typeof(EarlyStopping), "minDelta", () => new EarlyStopping(minDelta: double.NaN)),
        (typeof(EarlyStopping), "patience", () => new EarlyStopping(patience: -1)),
        (typeof(EarlyStopping), "mode", () => new EarlyStopping(mode: (MonitorMode)7)),
        (typeof(EarlyStopping), "startFromEpoch", () => new EarlyStopping(startFromEpoch: -1)),
        (typeof(ReduceLROnPlateau), "monitor", () => new ReduceLROnPlateau(monitor: "")),
        (typeof(ReduceLROnPlateau), "factor", () => new ReduceLROnPlateau(factor: 1)),
        (typeof(ReduceLROnPlateau), "patience", () => new ReduceLROnPlateau(patience: -1)),
        (typeof(ReduceLROnPlateau), "mode", () => new ReduceLROnPlateau(mode: (MonitorMode)(-1))),
        (typeof(ReduceLROnPlateau), "minDelta", () => new ReduceLROnPlateau(minDelta: double.NaN)),
        (typeof(ReduceLROnPlateau), "cooldown", () => new ReduceLROnPlateau(cooldown: -1)),
        (typeof(ReduceLROnPlateau), "minLr", () => new ReduceLROnPlateau(minLr: -1)),
        (typeof(ModelCheckpoint), "filePath", () => new ModelCheckpoint(filePath: "")),
        (typeof(ModelCheckpoint), "filePath", () => new ModelCheckpoint(filePath: null!)),
        (typeof(ModelCheckpoint), "monitor", () => new ModelCheckpoint("w.bin", monitor: "")),
        (typeof(ModelCheckpoint), "mode", () => new ModelCheckpoint("w.bin", mode: (MonitorMode)3)),
        (typeof(BackupAndRestore), "backupDirectory", () => new BackupAndRestore(backupDirectory: "")),
        (typeof(CSVLogger), "path", () => new CSVLogger(path: "")),
        (typeof(CSVLogger), "separator", () => new CSVLogger("log.csv", separator: '"')),
        (typeof(ValidationData), "x", () => new ValidationData(null!, new float[1])),
        (typeof(ValidationData), "y", () => new ValidationData(new float[1, 1], (float[])null!)),
        (typeof(ValidationData), "y", () => new ValidationData(new float[1, 1], (int[])null!)),
        (typeof(ValidationData), "y", () => new ValidationData(new float[1, 1], (float[,])null!)),
    };

    public static TheoryData<int> Cases()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < s_cases.Length; i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadArgument_IsNamedAsTheConstructorsParameter(int index)
    {
        var (type, parameter, create) = s_cases[index];
        HashSet<string> names = type.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.Name!).ToHashSet();
        Assert.Contains(parameter, names);   // the list itself is right
        var e = Assert.ThrowsAny<ArgumentException>(create);
        Assert.True(e.ParamName == parameter, $"new {type.Name}(... {parameter} ...) threw with ParamName '{e.ParamName}': {e.Message}");
    }

    [Fact]
    public void EveryPublicOptimizerLossAndCallbackType_IsEitherListedOrHasNothingToValidate()
    {
        // Constructors whose arguments are all accepted as they come (flags and delegates).
        var nothingToValidate = new[]
        {
            typeof(BinaryCrossentropy), typeof(MeanSquaredError), typeof(CategoricalCrossentropy), typeof(SparseCategoricalCrossentropy),
            typeof(LambdaCallback), typeof(TerminateOnNaN), typeof(Logs), typeof(LearningRateScheduler),
        };
        Type[] types = typeof(NeuralNetwork).Assembly.GetExportedTypes()
            .Where(t => !t.IsAbstract && t.GetConstructors().Length > 0 &&
                        (typeof(Optimizer).IsAssignableFrom(t) || typeof(Loss).IsAssignableFrom(t) || typeof(Callback).IsAssignableFrom(t)))
            .ToArray();
        Assert.NotEmpty(types);
        foreach (Type t in types)
            Assert.True(nothingToValidate.Contains(t) || s_cases.Any(c => c.Type == t), $"{t.Name} has a public constructor that is not checked here.");
        // And every listed type validates only with names its constructors really have (checked per case above);
        // every numeric, string or enum parameter of a listed type is covered by a case.
        foreach (Type t in s_cases.Select(c => c.Type).Distinct())
            foreach (var p in t.GetConstructors().SelectMany(c => c.GetParameters()))
            {
                bool validatable = p.ParameterType == typeof(string) || p.ParameterType.IsEnum ||
                                   p.ParameterType == typeof(float) || p.ParameterType == typeof(double) || p.ParameterType == typeof(int);
                bool anyValueIsMeaningful = p.Name is "verbose" or "initialValueThreshold";
                if (validatable && !anyValueIsMeaningful)
                    Assert.True(s_cases.Any(c => c.Type == t && c.Parameter == p.Name), $"{t.Name}({p.Name}) has no case.");
            }
    }
}
