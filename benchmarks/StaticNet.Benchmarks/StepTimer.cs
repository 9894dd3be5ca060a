using System;
using System.Diagnostics;

namespace StaticNet.Benchmarks;

/// <summary>
/// Times each training step (from one batch's end to the next, so the gather is included). On a
/// loaded machine an epoch's wall time mostly measures the scheduler; the median step, about a
/// tenth of a millisecond, mostly runs unpreempted and measures the code.
/// </summary>
public sealed class StepTimer : Callback
{
    private readonly long[] _ticks = new long[100_000];
    private int _count;
    private long _last;

    public override void OnEpochBegin(int epoch)
    {
        _count = 0;
        _last = Stopwatch.GetTimestamp();
    }

    public override void OnBatchEnd(int batch, Logs logs)
    {
        long now = Stopwatch.GetTimestamp();
        if (_count < _ticks.Length) _ticks[_count++] = now - _last;
        _last = now;
    }

    /// <summary>The median step of the last epoch, in microseconds.</summary>
    public double MedianMicroseconds
    {
        get
        {
            Span<long> steps = _ticks.AsSpan(0, _count);
            steps.Sort();
            return steps[steps.Length / 2] * 1e6 / Stopwatch.Frequency;
        }
    }
}
