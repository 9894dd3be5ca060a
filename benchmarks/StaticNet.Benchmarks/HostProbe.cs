using System;
using System.Diagnostics;
using System.Threading;

namespace StaticNet.Benchmarks;

/// <summary>
/// What the machine itself gives a program right now, measured beside the rows that depend on it: how much faster two
/// cores run work that shares nothing (independent FMA chains, no memory), and how much of a core's time the host takes
/// in stalls. On a virtual machine both move from minute to minute (on the 2-core EPYC guest of 2026-12-02: two-core
/// scaling of pure FMA work from 0.9x to 1.9x, and a stall of 45-70 us about every millisecond), so a two-core ratio of
/// the library's means little without the host's own ratio from the same rounds.
/// </summary>
internal static class HostProbe
{
    /// <summary>Calls of <see cref="Roofline.FmaPeak"/> in one unit of work: about 8 ms at 200 GFLOP/s.</summary>
    private const int Calls = 40;

    /// <summary>Seconds both cores take for the unit of FMA work each (<see cref="Work"/>: the calling thread and one more).</summary>
    public static double TwoCores()
    {
        var other = new Thread(() => Work()) { IsBackground = true };
        long start = Stopwatch.GetTimestamp();
        other.Start();
        Work();
        other.Join();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>
    /// The share of <paramref name="milliseconds"/> of back-to-back calls of <see cref="Roofline.FmaPeak"/> (about 0.2 ms
    /// each) that went beyond the median call: time the host took from this thread. Work that never waits on memory,
    /// so what is lost is the host's, not the cache's.
    /// </summary>
    public static double StallShare(double milliseconds = 50)
    {
        var roofline = new Roofline();
        var times = new double[4096];
        int n = 0;
        long start = Stopwatch.GetTimestamp();
        while (n < times.Length && Stopwatch.GetElapsedTime(start).TotalMilliseconds < milliseconds)
        {
            long t = Stopwatch.GetTimestamp();
            roofline.FmaPeak();
            times[n++] = Stopwatch.GetElapsedTime(t).TotalSeconds;
        }
        var sorted = times.AsSpan(0, n);
        double total = 0;
        foreach (double t in sorted) total += t;
        sorted.Sort();
        double median = sorted[n / 2];
        return Math.Max(0, (total - n * median) / total);
    }

    /// <summary>
    /// Nanoseconds for a cache line to go to the other core and back (two threads taking turns writing one counter), over at
    /// most <paramref name="milliseconds"/>. Every hand-off between the training threads and every row one core reads
    /// after the other wrote it pays this: about 50-100 ns between cores that share an L3 cache on bare metal; 700-970 ns
    /// on the EPYC guest of 2026-12-02.
    /// </summary>
    public static double RoundTripNanoseconds(double milliseconds = 20)
    {
        var line = new long[32];   // the counter at [8], away from the array header's line; [24] stops the partner
        var partner = new Thread(() =>
        {
            for (long n = 1; Volatile.Read(ref line[24]) == 0;)
            {
                if (Volatile.Read(ref line[8]) != n) continue;
                Volatile.Write(ref line[8], n + 1);
                n += 2;
            }
        }) { IsBackground = true };
        partner.Start();
        long trips = 0, start = Stopwatch.GetTimestamp(), limit = (long)(Stopwatch.Frequency * milliseconds / 1000);
        while ((trips & 63) != 0 || Stopwatch.GetTimestamp() - start < limit)
        {
            Volatile.Write(ref line[8], 2 * trips + 1);
            while (Volatile.Read(ref line[8]) != 2 * trips + 2) { }
            trips++;
        }
        double elapsed = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
        Volatile.Write(ref line[24], 1);
        partner.Join();
        return elapsed / trips;
    }

    /// <summary>The unit of FMA work: <see cref="Calls"/> calls of <see cref="Roofline.FmaPeak"/>.</summary>
    public static float Work()
    {
        var roofline = new Roofline();
        float sink = 0;
        for (int i = 0; i < Calls; i++) sink += roofline.FmaPeak();
        return sink;
    }
}
