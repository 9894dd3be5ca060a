using System;
using System.Linq;
using System.Reflection;
using StaticNet.Kernels;
using StaticNet.Quantization;
using Xunit;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// The kernels that batch prediction, evaluation and int8 prediction spend their time in are compiled optimized on
/// their first call (<see cref="System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization"/>). Under
/// .NET's tiered compilation they would otherwise start as unoptimized code, and a program's first calls (a script
/// that predicts or evaluates the test set once) ran 10-20x slower than later ones: the first five
/// <c>Predict(float[,])</c> calls of 10,000 digits took 103-213 ms each against 7 ms later (docs/PERFORMANCE.md,
/// 2026-12-02 11:18). Removing the attribute changes no result, so this fences it.
/// </summary>
public class StartOptimizedTests
{
    public static TheoryData<Type, string> Kernels => new()
    {
        { typeof(SparseInputs), "Forward" },
        { typeof(SparseInputs), "Masks" },
        { typeof(SparseInputs), "CountNonZero" },
        { typeof(SparseInputs), "TransposeBlocks" },
        { typeof(SparseInputs), "LaneEight" },
        { typeof(SparseInputs), "LaneFour" },
        { typeof(Tiled), "ForwardRows" },
        { typeof(Tiled), "ForwardEight" },
        { typeof(Tiled), "ForwardFour" },
        { typeof(Tiled), "HasZeroBlock" },
        { typeof(Tiled), "NonZeroBlocks" },
        { typeof(Int8Dense), "MultiplyAccumulate" },
        { typeof(Int8Dense), "MultiplyAccumulateBatch" },
        { typeof(Int8Dense), "MultiplyAccumulateWindows" },
        { typeof(Int8Dense), "LiveGroups" },
        { typeof(Int8Dense), "LiveBlocks" },
        { typeof(Int8Dense), "TileVnni" },
        { typeof(Int8Dense), "TileVnniGroups" },
        { typeof(Int8Dense), "TileVnniAll" },
        { typeof(Int8Dense), "TileVnni2" },
        { typeof(Int8Dense), "TileAvx2" },
        { typeof(ActivationQuantizer), "Quantize" },
        { typeof(ActivationQuantizer), "Dequantize" },
        { typeof(ActivationQuantizer), "DequantizeRows" },
        { typeof(Float32Convolution), "TiledPooled" },
        { typeof(MaxPooling2D), "ForwardTwoByTwo" },
    };

    [Theory]
    [MemberData(nameof(Kernels))]
    public void BatchAndInt8Kernels_AreCompiledOptimizedOnTheirFirstCall(Type type, string name)
    {
        MethodInfo[] methods = type.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(m => m.Name == name).ToArray();
        Assert.NotEmpty(methods);
        // Every overload: the one-argument Quantize is a public wrapper with no loop of its own, so it is left out by name below.
        foreach (MethodInfo method in methods.Where(m => !(m.Name == "Quantize" && m.IsPublic)))
            Assert.True(method.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization),
                $"{type.Name}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))}) is not marked AggressiveOptimization.");
    }
}
