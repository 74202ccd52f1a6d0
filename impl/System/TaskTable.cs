using System.Collections.Immutable;
using System.Diagnostics;
using System.Numerics;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;

namespace MMSpec.Impl.MemorySystem;

/// <summary>
/// The process table in arrays indexed by pid: a bitmap of used pids searched a word at a time (find_next_zero_bit,
/// as the pid idr's bitmaps are), the task list as an intrusive doubly linked list in creation order (init_task's
/// tasks list), and per-pid comm, parent, oom_score_adj and oom_score_adj_min.
/// </summary>
public sealed class TaskTable : ITaskTable
{
    private const int None = -1;
    private const byte VictimBit = 1;
    private const byte SkipBit = 2;
    private readonly int _pidMax;
    private readonly ulong[] _used;
    private readonly int[] _prev;
    private readonly int[] _nextTask;
    private readonly int[] _parent;
    private readonly short[] _adj;
    private readonly short[] _adjMin;
    private readonly string[] _comm;

    // Bit 0: an OOM victim (signal->oom_mm); bit 1: MMF_OOM_SKIP on its mm.
    private readonly byte[] _oom;
    private int _head = None;
    private int _tail = None;
    private int _count;
    private int _cursor;
    private int _last;
    private TaskTableSnapshot? _snapshot;

    public TaskTable(TaskConfig config)
    {
        if (config.PidMax is <= TaskConfig.ReservedPids or > TaskConfig.PidMaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(config), config.PidMax, "pid_max 301..4194304");
        }

        _pidMax = config.PidMax;
        _used = new ulong[(_pidMax + 63) / 64];
        (_prev, _nextTask, _parent) = (new int[_pidMax], new int[_pidMax], new int[_pidMax]);
        (_adj, _adjMin, _comm) = (new short[_pidMax], new short[_pidMax], new string[_pidMax]);
        _oom = new byte[_pidMax];
        Link(1, 0, "init", 0, 0);
        (_last, _cursor) = (1, 2);
    }

    public Result<Pid> Fork(Pid parent)
    {
        var p = parent.Value;
        if (!Live(p))
        {
            return new NoSuchProcess(parent);
        }

        // idr_alloc_cyclic: from the cursor, then once from the least (RESERVED_PIDS after the cursor passed it).
        var least = _cursor > TaskConfig.ReservedPids ? TaskConfig.ReservedPids : 1;
        var start = Math.Max(_cursor, least);
        var pid = NextZero(start);
        if (pid < 0 && start > least)
        {
            pid = NextZero(least);
        }

        if (pid < 0)
        {
            return new NoPidLeft(_pidMax);
        }

        Link(pid, p, _comm[p], _adj[p], _adjMin[p]);
        (_last, _cursor) = (pid, pid + 1);
        return new Pid(pid);
    }

    public Result<Unit> DoExit(Pid pid)
    {
        var p = pid.Value;
        if (!Live(p))
        {
            return new NoSuchProcess(pid);
        }

        if (p == 1)
        {
            return new ExitOfInit();
        }

        Unlink(p);
        for (var t = _head; t != None; t = _nextTask[t])
        {
            if (_parent[t] == p)
            {
                _parent[t] = 1;
            }
        }

        return Unit.Value;
    }

    public Result<Unit> SetComm(Pid pid, string comm)
    {
        if (!Live(pid.Value))
        {
            return new NoSuchProcess(pid);
        }

        _comm[pid.Value] = comm.Length <= TaskConfig.CommLength ? comm : comm[..TaskConfig.CommLength];
        return Unit.Value;
    }

    public Result<Unit> WriteOomScoreAdj(Pid pid, int value, bool capSysResource)
    {
        var p = pid.Value;
        if (!Live(p))
        {
            return new NoSuchProcess(pid);
        }

        if (value is < OomScoreAdj.Min or > OomScoreAdj.Max)
        {
            return new InvalidOomScoreAdj(value);
        }

        if (value < _adjMin[p] && !capSysResource)
        {
            return new OomScoreAdjDenied(pid, new OomScoreAdj(value), new OomScoreAdj(_adjMin[p]));
        }

        _adj[p] = (short)value;
        if (capSysResource)
        {
            _adjMin[p] = (short)value;
        }

        return Unit.Value;
    }

    public Result<Unit> WriteOomAdj(Pid pid, int value, bool capSysResource)
    {
        var p = pid.Value;
        if (!Live(p))
        {
            return new NoSuchProcess(pid);
        }

        if (value is < OomAdj.Disable or > OomAdj.Max)
        {
            return new InvalidOomAdj(value);
        }

        // oom_adj_write: 15 is OOM_SCORE_ADJ_MAX, else adj * 1000 / 17; lowering needs CAP_SYS_RESOURCE.
        var adj = value == OomAdj.Max ? OomScoreAdj.Max : value * OomScoreAdj.Max / -OomAdj.Disable;
        if (adj < _adj[p] && !capSysResource)
        {
            return new OomScoreAdjDenied(pid, new OomScoreAdj(adj), new OomScoreAdj(_adj[p]));
        }

        _adj[p] = (short)adj;
        return Unit.Value;
    }

    public Result<Unit> MarkOomVictim(Pid pid)
    {
        var p = pid.Value;
        if (!Live(p))
        {
            return new NoSuchProcess(pid);
        }

        if (p == 1)
        {
            return new UnkillableTask(pid);
        }

        _oom[p] |= VictimBit;
        return Unit.Value;
    }

    public Result<Unit> OomReaped(Pid pid)
    {
        var p = pid.Value;
        if (!Live(p))
        {
            return new NoSuchProcess(pid);
        }

        if ((_oom[p] & VictimBit) == 0)
        {
            return new NotAnOomVictim(pid);
        }

        _oom[p] |= SkipBit;
        return Unit.Value;
    }

    /// <summary>The table in creation order; the last snapshot again while every task in it is as it was.</summary>
    public TaskTableSnapshot Snapshot()
    {
        if (_snapshot is { } last && Matches(last))
        {
            return last;
        }

        var tasks = ImmutableArray.CreateBuilder<TaskState>(_count);
        for (var t = _head; t != None; t = _nextTask[t])
        {
            tasks.Add(new TaskState(new Pid(t), new Pid(_parent[t]), _comm[t], new OomScoreAdj(_adj[t]),
                new OomScoreAdj(_adjMin[t]), (_oom[t] & VictimBit) != 0, (_oom[t] & SkipBit) != 0));
        }

        return _snapshot = new TaskTableSnapshot(tasks.MoveToImmutable(), _last, _pidMax);
    }

    /// <summary>Whether the table still holds <paramref name="state"/>'s tasks, in its order, field by field.</summary>
    private bool Matches(TaskTableSnapshot state)
    {
        if ((state.LastPid, state.PidMax, state.Tasks.Length) != (_last, _pidMax, _count))
        {
            return false;
        }

        var at = 0;
        for (var t = _head; t != None; t = _nextTask[t], at++)
        {
            Debug.Assert(at < state.Tasks.Length, "the task list holds _count tasks");
            var task = state.Tasks[at];
            if (task.Pid.Value != t || task.Parent.Value != _parent[t] || task.Comm != _comm[t]
                || task.Adj.Value != _adj[t] || task.AdjMin.Value != _adjMin[t]
                || task.Victim != ((_oom[t] & VictimBit) != 0) || task.OomSkip != ((_oom[t] & SkipBit) != 0))
            {
                return false;
            }
        }

        return true;
    }

    private bool Live(int pid) => pid > 0 && pid < _pidMax && (_used[pid >> 6] & (1UL << (pid & 63))) != 0;

    /// <summary>find_next_zero_bit from <paramref name="from"/> below pid_max, or -1.</summary>
    private int NextZero(int from)
    {
        for (var word = from >> 6; word < _used.Length; word++)
        {
            var free = ~_used[word];
            if (word == from >> 6)
            {
                free &= ulong.MaxValue << (from & 63);
            }

            if (free != 0)
            {
                var pid = (word << 6) + BitOperations.TrailingZeroCount(free);
                return pid < _pidMax ? pid : -1;
            }
        }

        return -1;
    }

    private void Link(int pid, int parent, string comm, short adj, short adjMin)
    {
        _used[pid >> 6] |= 1UL << (pid & 63);
        (_parent[pid], _comm[pid], _adj[pid], _adjMin[pid], _oom[pid]) = (parent, comm, adj, adjMin, 0);
        (_prev[pid], _nextTask[pid]) = (_tail, None);
        if (_tail == None)
        {
            _head = pid;
        }
        else
        {
            _nextTask[_tail] = pid;
        }

        _tail = pid;
        _count++;
    }

    private void Unlink(int pid)
    {
        _used[pid >> 6] &= ~(1UL << (pid & 63));
        var (prev, next) = (_prev[pid], _nextTask[pid]);
        if (prev == None)
        {
            _head = next;
        }
        else
        {
            _nextTask[prev] = next;
        }

        if (next == None)
        {
            _tail = prev;
        }
        else
        {
            _prev[next] = prev;
        }

        _count--;
    }
}
