using System;
using System.Threading;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>The two-thread hand-off: posted work runs exactly once, on whichever thread claims it.</summary>
public class TrainingWorkerTests
{
    [Fact]
    public void EveryPostedRun_RunsExactlyOnce_OnEitherThread()
    {
        int runs = 0, onWorker = 0;
        int caller = Environment.CurrentManagedThreadId;
        using var worker = new TrainingWorker(() =>
        {
            Interlocked.Increment(ref runs);
            if (Environment.CurrentManagedThreadId != caller) Interlocked.Increment(ref onWorker);
        });
        const int Posts = 20_000;
        for (int i = 0; i < Posts; i++)
        {
            worker.Start();
            if (i % 1000 == 999) Thread.Sleep(5);   // the worker blocks, then is woken
            worker.Wait();
            Assert.Equal(i + 1, Volatile.Read(ref runs));   // finished before Wait returned
        }
        Assert.Equal(Posts, runs);
        // The sleeps above give the worker time to claim those runs itself.
        Assert.True(onWorker > 0, "the worker thread never ran the work");
    }

    [Fact]
    public void Wait_RethrowsWhatTheWorkThrew_AndTheWorkerGoesOn()
    {
        int calls = 0;
        using var worker = new TrainingWorker(() =>
        {
            if (Interlocked.Increment(ref calls) % 2 == 1) throw new InvalidOperationException("bad step");
        });
        for (int i = 0; i < 200; i++)
        {
            worker.Start();
            if (i % 50 == 0) Thread.Sleep(5);
            if (i % 2 == 0) Assert.Equal("bad step", Assert.Throws<InvalidOperationException>(worker.Wait).Message);
            else worker.Wait();
        }
        Assert.Equal(200, calls);
    }

    [Fact]
    public void TryReclaim_TakesBackOnlyWorkNotYetClaimed()
    {
        // A reclaimed post is the caller's to run and never runs on the worker; one not reclaimed ran or runs there.
        int runs = 0, reclaimed = 0;
        using var worker = new TrainingWorker(() => Interlocked.Increment(ref runs));
        const int Posts = 5_000;
        for (int i = 0; i < Posts; i++)
        {
            worker.Start();
            if (i % 500 == 0) Thread.Sleep(5);   // the worker claims this one (or blocked, and is woken)
            if (worker.TryReclaim())
            {
                reclaimed++;
                Assert.Equal(i - reclaimed + 1, Volatile.Read(ref runs));   // it does not run later either (checked next round)
            }
            else
            {
                worker.Wait();
                Assert.Equal(i - reclaimed + 1, Volatile.Read(ref runs));
            }
        }
        Assert.Equal(Posts - reclaimed, runs);
        Assert.True(reclaimed < Posts, "the worker never claimed a post");
    }

    [Fact]
    public void Dispose_StopsABlockedWorker()
    {
        var worker = new TrainingWorker(() => { });
        Thread.Sleep(20);   // past the spin: the worker blocks on the monitor
        worker.Dispose();   // returns only once the worker thread has ended (Join): a lost wake-up hangs here
    }
}
