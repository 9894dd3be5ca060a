using System;

namespace StaticNet;

/// <summary>
/// Chooses, while <c>Fit</c> trains, whether its steps run on two threads or on one: whichever this machine runs faster
/// now. Both give the same bits (the work is split by a rule that depends only on the network and the batch), so only
/// the time differs, and on a shared host that changes from minute to minute: on the EPYC guest of 2026-12-02 a W4 step
/// on two threads took 0.7x one thread's time in one minute and 1.05x in another, while another guest took the second
/// core. So Fit measures both as it goes: <see cref="ProbePairs"/> pairs of blocks of <see cref="ProbeBlock"/> steps,
/// two threads then one, then <see cref="RunSteps"/> steps on the one whose steps took less time in all, and again.
/// </summary>
/// <remarks>
/// The probe's steps on the slower choice cost about 48 of every 2,144 steps at the slower speed (under 1% of an epoch
/// when two threads are 1.4x faster). Steps are timed by the caller (<see cref="Record"/>); steps of another size (an
/// epoch's last) are not recorded and do not advance the cycle. Allocation-free.
/// </remarks>
internal sealed class CoreChoice
{
    /// <summary>Steps in a row on each choice while probing.</summary>
    public const int ProbeBlock = 16;

    /// <summary>Blocks on each choice per probe, alternating.</summary>
    public const int ProbePairs = 3;

    /// <summary>Steps on the faster choice between probes.</summary>
    public const int RunSteps = 2048;

    private const int ProbeSteps = 2 * ProbeBlock * ProbePairs;

    private readonly long[] _two = new long[ProbeBlock * ProbePairs], _one = new long[ProbeBlock * ProbePairs];
    private int _position;   // in the cycle: [0, ProbeSteps) probing, then RunSteps on the choice
    private int _twoCount, _oneCount;
    private bool _faster = true;   // two threads, until a probe says otherwise

    /// <summary>Whether the next step runs on two threads.</summary>
    public bool TwoThreads => _position < ProbeSteps ? _position / ProbeBlock % 2 == 0 : _faster;

    /// <summary>Probes so far that chose two threads, and one (tests and the benchmark read them).</summary>
    public int ChoseTwo { get; private set; }

    /// <inheritdoc cref="ChoseTwo"/>
    public int ChoseOne { get; private set; }

    /// <summary>Records the time of the step just run (as <see cref="TwoThreads"/> said) and moves on.</summary>
    public void Record(long ticks)
    {
        if (_position < ProbeSteps)
        {
            if (TwoThreads) _two[_twoCount++] = ticks;
            else _one[_oneCount++] = ticks;
            if (++_position == ProbeSteps) Decide();
            return;
        }
        if (++_position == ProbeSteps + RunSteps) _position = _twoCount = _oneCount = 0;
    }

    /// <summary>
    /// Two threads while their steps took no longer in all than one thread's, each step counted at most at
    /// <see cref="Cap"/> times the median of all the probe's steps. The total, not the median: when another program
    /// takes the second core, most two-thread steps stay fast and a few wait milliseconds for the worker to be scheduled
    /// again, and those are the cost. The cap keeps one stall of the host (which hits either choice) from deciding alone.
    /// </summary>
    private void Decide()
    {
        long cap = Cap * PooledMedian();
        _faster = Total(_two, cap) <= Total(_one, cap);
        if (_faster) ChoseTwo++;
        else ChoseOne++;
    }

    /// <summary>
    /// The most a probe step counts, in medians of the probe's steps: a wait for a preempted worker (a few milliseconds,
    /// 30-40 steps of W4, with a busy program on the other core) still counts for most of its time; 4 medians let two
    /// threads win probes that way while they ran 0.73x one thread's speed.
    /// </summary>
    private const int Cap = 16;

    private readonly long[] _pooled = new long[ProbeSteps];

    private long PooledMedian()
    {
        _two.CopyTo(_pooled, 0);
        _one.CopyTo(_pooled, _two.Length);
        Array.Sort(_pooled);
        return _pooled[_pooled.Length / 2];
    }

    private static long Total(long[] ticks, long cap)
    {
        long total = 0;
        foreach (long t in ticks) total += Math.Min(t, cap);
        return total;
    }
}
