using System;
using BenchmarkDotNet.Attributes;
using StaticNet.Kernels;

namespace StaticNet.Benchmarks;

/// <summary>
/// The Conv2D kernels on the two convolutions of a small MNIST CNN, one batch of 32 on one core:
/// 28x28x1 → 26x26x16 (3x3 'valid', ReLU) and, after 2x2 pooling, 13x13x16 → 11x11x32.
/// Multiply-adds per batch: conv1 32*26*26*16*9 = 3.1 M, conv2 32*11*11*32*144 = 17.8 M (the same for
/// each of forward, kernel gradients and input gradients).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MicroConfig))]
public class Conv2DKernels
{
    private const int Batch = 32;

    public readonly struct Conv1 : IConv2DGeometry
    {
        public static int InHeight => 28; public static int InWidth => 28; public static int InChannels => 1;
        public static int OutHeight => 26; public static int OutWidth => 26; public static int Filters => 16;
        public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1;
        public static int StrideWidth => 1; public static int PadTop => 0; public static int PadLeft => 0;
    }

    public readonly struct Conv2 : IConv2DGeometry
    {
        public static int InHeight => 13; public static int InWidth => 13; public static int InChannels => 16;
        public static int OutHeight => 11; public static int OutWidth => 11; public static int Filters => 32;
        public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1;
        public static int StrideWidth => 1; public static int PadTop => 0; public static int PadLeft => 0;
    }

    private readonly float[] _k1 = Random(1, 3 * 3 * 1 * 16), _b1 = Random(2, 16);
    private readonly float[] _x1 = Random(3, Batch * 28 * 28), _y1 = Random(4, Batch * 26 * 26 * 16);
    private readonly float[] _k2 = Random(5, 3 * 3 * 16 * 32), _b2 = Random(6, 32);
    private readonly float[] _x2 = Random(7, Batch * 13 * 13 * 16), _y2 = Random(8, Batch * 11 * 11 * 32);
    private readonly float[] _gk1 = new float[3 * 3 * 16], _gb1 = new float[16];
    private readonly float[] _gk2 = new float[3 * 3 * 16 * 32], _gb2 = new float[32], _gx2 = new float[Batch * 13 * 13 * 16];

    [Benchmark]
    public void Conv1_Forward() => Conv2D.ForwardBatch<Conv1, Relu>(_k1, _b1, _x1, _y1, Batch);

    [Benchmark]
    public void Conv1_ParameterGradients() => Conv2D.ParameterGradients<Conv1>(_y1, _x1, Batch, _gk1, _gb1);

    [Benchmark]
    public void Conv2_Forward() => Conv2D.ForwardBatch<Conv2, Relu>(_k2, _b2, _x2, _y2, Batch);

    [Benchmark]
    public void Conv2_ParameterGradients() => Conv2D.ParameterGradients<Conv2>(_y2, _x2, Batch, _gk2, _gb2);

    [Benchmark]
    public void Conv2_InputGradients() => Conv2D.InputGradients<Conv2, Relu>(_k2, _y2, _x2, Batch, _gx2);

    private static float[] Random(int seed, int n)
    {
        var random = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(random.NextDouble() * 2 - 1);
        return a;
    }
}
