using System;
using System.Linq;
using System.Reflection;
using StaticNet.Kernels;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>
/// The loops a training step spends its time in are compiled fully optimized at their first call
/// (<c>MethodImplOptions.AggressiveOptimization</c>). Under tiered compilation they would first run as
/// unoptimized code, with calls to their small vector helpers not inlined: W4's first epoch took
/// 1,018-1,045 ms against 635-832 ms with the attribute, later epochs the same (docs/PERFORMANCE.md).
/// A speed test would assert wall-clock time; this one checks the attribute, which a refactoring could drop.
/// </summary>
public class FirstEpochCompilationTests
{
    [Theory]
    [InlineData(typeof(Tiled), "ForwardRows", 7)]
    [InlineData(typeof(Tiled), "ForwardEight", 6)]
    [InlineData(typeof(Tiled), "ForwardFour", 5)]
    [InlineData(typeof(Tiled), "ForwardOne", 5)]
    [InlineData(typeof(Tiled), "InputGradients", 4)]
    [InlineData(typeof(Tiled), "WeightGradientRows", 6)]
    [InlineData(typeof(Adam), "Step", 4)]
    [InlineData(typeof(Sgd), "Step", 4)]
    [InlineData(typeof(RmsProp), "Step", 4)]
    [InlineData(typeof(AdaGrad), "Step", 4)]
    [InlineData(typeof(NeuralNetwork), "Gather", 4)]
    public void HotTrainingLoops_AreCompiledFullyOptimizedAtFirstCall(Type type, string name, int parameters)
    {
        MethodInfo[] methods = type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.Name == name && m.GetParameters().Length == parameters).ToArray();
        Assert.Single(methods);
        Assert.True(methods[0].MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization),
            $"{type.Name}.{name} lost [MethodImpl(MethodImplOptions.AggressiveOptimization)]");
    }
}
