using System.Diagnostics;
using System.Runtime.ExceptionServices;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>What one campaign workload did: its run, its OOM kills and panics, its failure printed.</summary>
internal sealed record WorkloadResult(LockstepRun Run, int OomKills, int Panics, string? Failure);

/// <summary>
/// Workloads 0, 1, 2, ... run on <c>jobs</c> threads and taken by one reader in order. The threads run at most
/// <see cref="AheadPerJob"/> workloads per job past the one the reader takes next, so a campaign that stops early
/// drops little; one job runs each workload on the reader's thread when it is taken. A workload that throws throws
/// again where the reader takes it.
/// </summary>
internal sealed class WorkloadQueue : IDisposable
{
    private const int AheadPerJob = 2;

    /// <summary>The main thread's stack size (8 MiB on Linux): the lockstep's state walks get the same room.</summary>
    private const int StackBytes = 8 << 20;

    private readonly Func<int, WorkloadResult> _run;
    private readonly Dictionary<int, (WorkloadResult? Result, ExceptionDispatchInfo? Thrown)> _done = [];
    private readonly Thread[] _workers;
    private readonly int _ahead;
    private readonly object _gate = new();
    private int _next;
    private int _taken;
    private bool _stopped;

    public WorkloadQueue(Func<int, WorkloadResult> run, int jobs)
    {
        (_run, _ahead) = (run, jobs * AheadPerJob);
        _workers = jobs == 1 ? [] : [.. Enumerable.Range(0, jobs).Select(_ => new Thread(Work, StackBytes)
        {
            IsBackground = true, Name = "mmspec campaign",
        })];
        foreach (var worker in _workers)
        {
            worker.Start();
        }
    }

    /// <summary>Workload <paramref name="workload"/>'s result, once done: the workloads are taken in order.</summary>
    public WorkloadResult Take(int workload)
    {
        Debug.Assert(workload == _taken, "the reader takes the workloads in order");
        if (_workers.Length == 0)
        {
            _taken++;
            return _run(workload);
        }

        (WorkloadResult? Result, ExceptionDispatchInfo? Thrown) done;
        lock (_gate)
        {
            while (!_done.Remove(workload, out done))
            {
                Monitor.Wait(_gate);
            }

            _taken++;
            Monitor.PulseAll(_gate);
        }

        done.Thrown?.Throw();
        return done.Result!;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
        }

        foreach (var worker in _workers)
        {
            worker.Join();
        }
    }

    private void Work()
    {
        while (NextWorkload() is { } workload)
        {
            (WorkloadResult?, ExceptionDispatchInfo?) done;
            try
            {
                done = (_run(workload), null);
            }
            catch (Exception thrown)
            {
                done = (null, ExceptionDispatchInfo.Capture(thrown));
            }

            lock (_gate)
            {
                _done[workload] = done;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>The next workload to run, once it is few enough ahead of the reader; null once stopped.</summary>
    private int? NextWorkload()
    {
        lock (_gate)
        {
            while (!_stopped && _next - _taken >= _ahead)
            {
                Monitor.Wait(_gate);
            }

            return _stopped ? null : _next++;
        }
    }
}
