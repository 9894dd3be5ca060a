using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace StaticNet;

/// <summary>
/// A second thread for the training loop: it runs one fixed piece of work (the second half of
/// each batch) each time it is started, while the calling thread runs the first half. Created
/// once per <c>Fit</c>. Allocation-free, so training steps stay allocation-free.
/// </summary>
/// <remarks>
/// <para>The work is posted, not handed over: whichever thread gets to it first runs it. When the
/// caller reaches <see cref="Wait"/> and the worker has not claimed the work yet (the operating
/// system has not run it, on a loaded machine), the caller runs it itself instead of waiting for a
/// wake-up. The work is the same code on the same buffers either way, so the result is the same bits.</para>
/// <para>The hand-offs come two per step, tens of microseconds apart, so both sides wait by spinning
/// (pause instructions for <see cref="s_pauseTicks"/>, then yielding the core, which lets the other
/// thread run on a loaded machine) for up to <see cref="s_blockTicks"/>, and only then block on a
/// monitor. A blocked thread sleeps in the kernel and waking it costs tens of microseconds at
/// ordinary priority; with a short spin that cost came on nearly every step, and two cores trained
/// slower than one outside BenchmarkDotNet (which raises the thread priority). A signaller takes the
/// monitor only when the waiter announced that it blocks (a Dekker handshake through full fences:
/// either the waiter sees the new state, or the signaller sees the waiter).</para>
/// </remarks>
internal sealed class TrainingWorker : IDisposable
{
    private const int Idle = 0, Posted = 1, Claimed = 2, Done = 3;

    /// <summary>How long a wait spins on pause instructions: longer than the usual gap between hand-offs.</summary>
    private static readonly long s_pauseTicks = Ticks(microseconds: 100);

    /// <summary>How long a wait spins (pausing, then yielding) before it blocks.</summary>
    private static readonly long s_blockTicks = Ticks(microseconds: 2000);

    private readonly Action _work;
    private readonly Thread _thread;
    private readonly object _gate = new();
    private int _state, _stopping, _workerBlocks, _callerBlocks;
    private Exception? _error;

    public TrainingWorker(Action work)
    {
        _work = work;
        _thread = new Thread(Loop) { IsBackground = true, Name = "StaticNet training" };
        _thread.Start();
    }

    /// <summary>Posts one run of the work for the worker thread.</summary>
    public void Start()
    {
        Interlocked.Exchange(ref _state, Posted);
        Wake(ref _workerBlocks);
    }

    /// <summary>Takes back posted work the worker has not claimed yet: true when the caller now runs it itself (and must not call <see cref="Wait"/>).</summary>
    public bool TryReclaim() => Interlocked.CompareExchange(ref _state, Idle, Posted) == Posted;

    /// <summary>Runs the posted work here if the worker has not claimed it, else waits for it to finish; rethrows what it threw.</summary>
    public void Wait()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Posted) == Posted)
        {
            _work();
            return;
        }
        Await(Done, ref _callerBlocks);
        Volatile.Write(ref _state, Idle);
        if (_error is { } error)
        {
            _error = null;
            ExceptionDispatchInfo.Throw(error);
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _stopping, 1);
        Wake(ref _workerBlocks);
        _thread.Join();
    }

    private void Loop()
    {
        while (true)
        {
            Await(Posted, ref _workerBlocks);
            if (Volatile.Read(ref _stopping) != 0) return;
            if (Interlocked.CompareExchange(ref _state, Claimed, Posted) != Posted) continue;   // the caller took it
            try
            {
                _work();
            }
            catch (Exception e)
            {
                _error = e;
            }
            Interlocked.Exchange(ref _state, Done);
            Wake(ref _callerBlocks);
        }
    }

    /// <summary>After a full fence (the caller's Interlocked write): wakes the other side if it blocks.</summary>
    private void Wake(ref int blocks)
    {
        if (Volatile.Read(ref blocks) != 0)
        {
            lock (_gate) Monitor.PulseAll(_gate);
        }
    }

    private bool Reached(int state) => Volatile.Read(ref _state) == state || Volatile.Read(ref _stopping) != 0;

    /// <summary>Waits until the state is <paramref name="state"/> (or the worker stops).</summary>
    private void Await(int state, ref int blocks)
    {
        long start = Stopwatch.GetTimestamp(), elapsed = 0;
        for (int round = 1; !Reached(state); round++)
        {
            if ((round & 15) == 0) elapsed = Stopwatch.GetTimestamp() - start;   // the clock every 16 rounds only
            if (elapsed > s_blockTicks)
            {
                lock (_gate)
                {
                    Interlocked.Exchange(ref blocks, 1);   // a full fence before re-reading the state
                    while (!Reached(state)) Monitor.Wait(_gate);
                    blocks = 0;
                }
                return;
            }
            // First pause instructions (keep the core); then give it up now and then, in case the
            // other thread waits for one.
            if (elapsed > s_pauseTicks) Thread.Yield();
            else Thread.SpinWait(8);
        }
    }

    private static long Ticks(int microseconds) => Math.Max(1, Stopwatch.Frequency * microseconds / 1_000_000);
}
