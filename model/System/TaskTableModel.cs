using MMSpec.Model.Core;
using MMSpec.Model.Oom;

namespace MMSpec.Model.MemorySystem;

/// <summary>
/// The reference process table: a list in creation order and idr_alloc_cyclic's cursor, each rule as the kernel
/// states it. It starts with init (pid 1, "init", oom_score_adj 0).
/// </summary>
public class TaskTableModel : ITaskTable
{
    private readonly List<TaskState> _tasks = [];
    private readonly int _pidMax;

    // idr->idr_next: where the next cyclic search starts.
    private int _next;
    private int _last;

    public TaskTableModel(TaskConfig config)
    {
        // kernel/pid.c pid_max_min is RESERVED_PIDS + 1 and pid_max_max is PID_MAX_LIMIT (4 * 1024 * 1024).
        if (config.PidMax < TaskConfig.ReservedPids + 1 || config.PidMax > TaskConfig.PidMaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(config), config.PidMax, "pid_max 301..4194304");
        }

        _pidMax = config.PidMax;
        _tasks.Add(new TaskState(Pid.Init, new Pid(0), "init", new OomScoreAdj(0), new OomScoreAdj(0)));
        (_last, _next) = (1, 2);
    }

    public Result<Pid> Fork(Pid parent)
    {
        if (Find(parent) is not { } source)
        {
            return new NoSuchProcess(parent);
        }

        if (AllocPid() is not { } pid)
        {
            return new NoPidLeft(_pidMax);
        }

        // copy_signal copies oom_score_adj and oom_score_adj_min but not oom_mm; the child's mm is its own, so no
        // MMF_OOM_SKIP either; the comm comes with the task_struct.
        _tasks.Add(source with { Pid = pid, Parent = parent, Victim = false, OomSkip = false });
        return pid;
    }

    /// <summary>
    /// alloc_pid: idr_alloc_cyclic from the cursor up to pid_max - 1, then once from the least (RESERVED_PIDS once the
    /// cursor has passed it, else 1); the cursor moves past the pid found.
    /// </summary>
    private Pid? AllocPid()
    {
        var least = _next > TaskConfig.ReservedPids ? TaskConfig.ReservedPids : 1;
        var start = Math.Max(_next, least);
        var found = FirstFree(start) ?? (start > least ? FirstFree(least) : null);
        if (found is not { } pid)
        {
            return null;
        }

        (_last, _next) = (pid, pid + 1);
        return new Pid(pid);
    }

    private int? FirstFree(int first)
    {
        for (var pid = first; pid < _pidMax; pid++)
        {
            if (Find(new Pid(pid)) is null)
            {
                return pid;
            }
        }

        return null;
    }

    public Result<Unit> DoExit(Pid pid)
    {
        if (Find(pid) is not { } task)
        {
            return new NoSuchProcess(pid);
        }

        if (pid == Pid.Init)
        {
            return new ExitOfInit();
        }

        // forget_original_parent: the children go to init (the child reaper).
        _tasks.Remove(task);
        for (var i = 0; i < _tasks.Count; i++)
        {
            if (_tasks[i].Parent == pid)
            {
                _tasks[i] = _tasks[i] with { Parent = Pid.Init };
            }
        }

        return Unit.Value;
    }

    public Result<Unit> SetComm(Pid pid, string comm)
    {
        if (Find(pid) is not { } task)
        {
            return new NoSuchProcess(pid);
        }

        Replace(task with { Comm = comm.Length > TaskConfig.CommLength ? comm[..TaskConfig.CommLength] : comm });
        return Unit.Value;
    }

    public Result<Unit> WriteOomScoreAdj(Pid pid, int value, bool capSysResource)
    {
        if (Find(pid) is not { } task)
        {
            return new NoSuchProcess(pid);
        }

        var adj = new OomScoreAdj(value);
        if (!adj.IsValid)
        {
            return new InvalidOomScoreAdj(value);
        }

        if (adj.Value < task.AdjMin.Value && !capSysResource)
        {
            return new OomScoreAdjDenied(pid, adj, task.AdjMin);
        }

        // A writer with CAP_SYS_RESOURCE also sets the floor others must keep to.
        Replace(task with { Adj = adj, AdjMin = capSysResource ? adj : task.AdjMin });
        return Unit.Value;
    }

    public Result<Unit> WriteOomAdj(Pid pid, int value, bool capSysResource)
    {
        if (Find(pid) is not { } task)
        {
            return new NoSuchProcess(pid);
        }

        if (!OomAdj.IsValid(value))
        {
            return new InvalidOomAdj(value);
        }

        // The legacy file may not lower the current value without CAP_SYS_RESOURCE, and never sets the floor.
        var adj = OomAdj.ToScoreAdj(value);
        if (adj.Value < task.Adj.Value && !capSysResource)
        {
            return new OomScoreAdjDenied(pid, adj, task.Adj);
        }

        Replace(task with { Adj = adj });
        return Unit.Value;
    }

    public Result<Unit> MarkOomVictim(Pid pid)
    {
        if (Find(pid) is not { } task)
        {
            return new NoSuchProcess(pid);
        }

        if (pid == Pid.Init)
        {
            return new UnkillableTask(pid);
        }

        Replace(task with { Victim = true });
        return Unit.Value;
    }

    public Result<Unit> OomReaped(Pid pid)
    {
        if (Find(pid) is not { } task)
        {
            return new NoSuchProcess(pid);
        }

        if (!task.Victim)
        {
            return new NotAnOomVictim(pid);
        }

        Replace(task with { OomSkip = true });
        return Unit.Value;
    }

    public TaskTableSnapshot Snapshot() => new([.. _tasks], _last, _pidMax);

    private TaskState? Find(Pid pid) => _tasks.Find(t => t.Pid == pid);

    private void Replace(TaskState task) => _tasks[_tasks.FindIndex(t => t.Pid == task.Pid)] = task;
}
