using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace StaticNet;

/// <summary>
/// A second thread for the training loop: it runs one fixed piece of work (the second half of
/// each batch) each time it is started, while the calling thread runs the first half. Created
/// once per <c>Fit</c>. The hand-off spins briefly (a step takes microseconds) and then waits on
/// a monitor, which allocates nothing, so training steps stay allocation-free.
/// </summary>
internal sealed class TrainingWorker : IDisposable
{
    private const int SpinIterations = 200;

    private readonly Action _work;
    private readonly Thread _thread;
    private readonly object _gate = new();
    private bool _started, _done, _stopping;
    private Exception? _error;

    public TrainingWorker(Action work)
    {
        _work = work;
        _thread = new Thread(Loop) { IsBackground = true, Name = "StaticNet training" };
        _thread.Start();
    }

    /// <summary>Starts one run of the work on the worker thread.</summary>
    public void Start()
    {
        lock (_gate)
        {
            _started = true;
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>Waits for the run to finish; rethrows what it threw.</summary>
    public void Wait()
    {
        Await(ref _done);
        if (_error is { } error)
        {
            _error = null;
            ExceptionDispatchInfo.Throw(error);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            _started = true;
            Monitor.Pulse(_gate);
        }
        _thread.Join();
    }

    private void Loop()
    {
        while (true)
        {
            Await(ref _started);
            if (Volatile.Read(ref _stopping)) return;
            try
            {
                _work();
            }
            catch (Exception e)
            {
                _error = e;
            }
            lock (_gate)
            {
                _done = true;
                Monitor.Pulse(_gate);
            }
        }
    }

    /// <summary>Waits until <paramref name="flag"/> is set, then clears it.</summary>
    private void Await(ref bool flag)
    {
        var spinner = new SpinWait();
        for (int i = 0; i < SpinIterations && !Volatile.Read(ref flag); i++)
            spinner.SpinOnce(sleep1Threshold: -1);
        lock (_gate)
        {
            while (!flag) Monitor.Wait(_gate);
            flag = false;
        }
    }
}
