using System.Collections.Immutable;
using System.Text.Json.Serialization;
using MMSpec.Model.Core;
using MMSpec.Model.Oom;

namespace MMSpec.Model.MemorySystem;

/// <summary>
/// The process table's limits: pid_max (/proc/sys/kernel/pid_max; RESERVED_PIDS + 1 to PID_MAX_LIMIT 4 194 304 on
/// 64-bit, default 32768), so fork can run out of pids in a test.
/// </summary>
public sealed record TaskConfig(int PidMax = TaskConfig.DefaultPidMax)
{
    public const int DefaultPidMax = 32768;

    /// <summary>RESERVED_PIDS: after wrapping, pids start again here (kernel/pid.c).</summary>
    public const int ReservedPids = 300;

    /// <summary>PID_MAX_LIMIT on 64-bit.</summary>
    public const int PidMaxLimit = 4 * 1024 * 1024;

    /// <summary>TASK_COMM_LEN less its terminating NUL: a longer name is cut to 15 characters.</summary>
    public const int CommLength = 15;
}

/// <summary>
/// One process as the table holds it: pid, parent, comm, its signal_struct's oom_score_adj and oom_score_adj_min
/// (what a writer without CAP_SYS_RESOURCE may not go below), whether it is an OOM victim (signal->oom_mm set by
/// mark_oom_victim) and whether the OOM reaper is done with its mm (MMF_OOM_SKIP).
/// </summary>
public sealed record TaskState(Pid Pid, Pid Parent, string Comm, OomScoreAdj Adj, OomScoreAdj AdjMin,
    bool Victim = false, bool OomSkip = false)
{
    public override string ToString() => $"{Pid} ({Comm}) parent {Parent.Value} adj {Adj} min {AdjMin}"
        + (Victim ? " victim" : string.Empty) + (OomSkip ? " oom-skip" : string.Empty);
}

/// <summary>
/// The table: the live processes in creation order (the OOM killer's scan order), and pid allocation.
/// </summary>
public sealed record TaskTableSnapshot(ImmutableArray<TaskState> Tasks, int LastPid, int PidMax)
{
    /// <summary>Whether two snapshots hold the same table, element by element.</summary>
    public bool SameAs(TaskTableSnapshot other) => DiffFrom(other) is null;

    /// <summary>
    /// Whether fork's alloc_pid would find a pid: the cyclic search covers the pids from 1 until the first wrap,
    /// from RESERVED_PIDS after it, up to pid_max, so one of those must be free.
    /// </summary>
    public bool PidLeft
    {
        get
        {
            var least = LastPid + 1 > TaskConfig.ReservedPids ? TaskConfig.ReservedPids : 1;
            return PidMax - least > Tasks.Count(t => t.Pid.Value >= least);
        }
    }

    public string? DiffFrom(TaskTableSnapshot other) =>
        LastPid != other.LastPid ? $"last pid {LastPid}, not {other.LastPid}"
        : Tasks.Length != other.Tasks.Length ? $"{Tasks.Length} tasks, not {other.Tasks.Length}"
        : Tasks.Zip(other.Tasks).FirstOrDefault(p => p.First != p.Second) is ({ } mine, { } theirs)
            ? $"{mine}, not {theirs}" : null;
}

/// <summary>No process has this pid (-ESRCH).</summary>
public sealed record NoSuchProcess(Pid Pid) : MmError
{
    public override string Message => $"no process has {Pid}";
}

/// <summary>Exit of the global init: the kernel panics ("Attempted to kill init!"); refused here.</summary>
public sealed record ExitOfInit : MmError
{
    public override string Message => "init may not exit: the kernel would panic (Attempted to kill init!)";
}

/// <summary>Fork with every pid below pid_max in use: alloc_pid fails, fork returns -EAGAIN.</summary>
public sealed record NoPidLeft(int PidMax) : MmError
{
    public override string Message => $"every pid below pid_max {PidMax} is in use";
}

/// <summary>The OOM killer may not mark init (oom_unkillable_task).</summary>
public sealed record UnkillableTask(Pid Pid) : MmError
{
    public override string Message => $"{Pid} is init: the OOM killer never kills it";
}

/// <summary>The OOM reaper reaps only a victim's mm.</summary>
public sealed record NotAnOomVictim(Pid Pid) : MmError
{
    public override string Message => $"{Pid} is not an OOM victim: there is nothing to reap";
}

/// <summary>A write of oom_score_adj outside -1000..1000 (-EINVAL).</summary>
public sealed record InvalidOomScoreAdj(int Value) : MmError
{
    public override string Message => $"oom_score_adj {Value} is outside {OomScoreAdj.Min}..{OomScoreAdj.Max}";
}

/// <summary>A write of the legacy oom_adj outside -17..15 (-EINVAL).</summary>
public sealed record InvalidOomAdj(int Value) : MmError
{
    public override string Message => $"oom_adj {Value} is outside {OomAdj.Disable}..{OomAdj.Max}";
}

/// <summary>
/// A write that lowers oom_score_adj below what the writer may without CAP_SYS_RESOURCE (-EACCES): below
/// oom_score_adj_min through oom_score_adj, below the current value through the legacy oom_adj.
/// </summary>
public sealed record OomScoreAdjDenied(Pid Pid, OomScoreAdj Requested, OomScoreAdj Floor) : MmError
{
    public override string Message => $"{Pid}: oom_score_adj {Requested} is below {Floor} without CAP_SYS_RESOURCE";
}

/// <summary>
/// The process table (kernel/fork.c, kernel/pid.c, kernel/exit.c, fs/proc/base.c): the OOM killer's view of who
/// exists and how much each is to be preferred. Every call that fails returns its typed error and changes nothing.
/// </summary>
public interface ITaskTable
{
    /// <summary>
    /// fork: a child of <paramref name="parent"/> with its comm, oom_score_adj and oom_score_adj_min
    /// (copy_signal), the pid alloc_pid gives (cyclic from the last one, wrapping to RESERVED_PIDS), at the tail of
    /// the task list.
    /// </summary>
    Result<Pid> Fork(Pid parent);

    /// <summary>do_exit (the task reaped at once): the pid is free again; its children's parent becomes init.</summary>
    Result<Unit> DoExit(Pid pid);

    /// <summary>prctl(PR_SET_NAME) or exec: the comm, cut to 15 characters.</summary>
    Result<Unit> SetComm(Pid pid, string comm);

    /// <summary>A write of /proc/&lt;pid&gt;/oom_score_adj (oom_score_adj_write, __set_oom_adj).</summary>
    Result<Unit> WriteOomScoreAdj(Pid pid, int value, bool capSysResource);

    /// <summary>A write of the legacy /proc/&lt;pid&gt;/oom_adj (oom_adj_write, __set_oom_adj with legacy).</summary>
    Result<Unit> WriteOomAdj(Pid pid, int value, bool capSysResource);

    /// <summary>
    /// mark_oom_victim: the process becomes an OOM victim (signal->oom_mm; a second mark changes nothing); init is
    /// <see cref="UnkillableTask"/>.
    /// </summary>
    Result<Unit> MarkOomVictim(Pid pid);

    /// <summary>The OOM reaper's end: MMF_OOM_SKIP on a victim's mm, so the next OOM scan passes it over.</summary>
    Result<Unit> OomReaped(Pid pid);

    TaskTableSnapshot Snapshot();
}

/// <summary>A call into an <see cref="ITaskTable"/>, as data (the "op" property names it in snake case).</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op")]
[JsonDerivedType(typeof(Fork), "fork")]
[JsonDerivedType(typeof(DoExit), "do_exit")]
[JsonDerivedType(typeof(SetComm), "set_comm")]
[JsonDerivedType(typeof(WriteOomScoreAdj), "write_oom_score_adj")]
[JsonDerivedType(typeof(WriteOomAdj), "write_oom_adj")]
[JsonDerivedType(typeof(MarkOomVictim), "mark_oom_victim")]
[JsonDerivedType(typeof(OomReaped), "oom_reaped")]
public abstract record TaskOp
{
    public abstract OpResult ApplyTo(ITaskTable table);

    public sealed record Fork(Pid Parent) : TaskOp
    {
        public override OpResult ApplyTo(ITaskTable table) => OpResult.Of(table.Fork(Parent));

        public override string ToString() => $"fork({Parent})";
    }

    public sealed record DoExit(Pid Pid) : TaskOp
    {
        public override OpResult ApplyTo(ITaskTable table) => OpResult.Of(table.DoExit(Pid));

        public override string ToString() => $"do_exit({Pid})";
    }

    public sealed record SetComm(Pid Pid, string Comm) : TaskOp
    {
        public override OpResult ApplyTo(ITaskTable table) => OpResult.Of(table.SetComm(Pid, Comm));

        public override string ToString() => $"set_comm({Pid}, \"{Comm}\")";
    }

    public sealed record WriteOomScoreAdj(Pid Pid, int Value, bool CapSysResource) : TaskOp
    {
        public override OpResult ApplyTo(ITaskTable table) =>
            OpResult.Of(table.WriteOomScoreAdj(Pid, Value, CapSysResource));

        public override string ToString() =>
            $"echo {Value} > /proc/{Pid.Value}/oom_score_adj{(CapSysResource ? " (CAP_SYS_RESOURCE)" : "")}";
    }

    public sealed record MarkOomVictim(Pid Pid) : TaskOp
    {
        public override OpResult ApplyTo(ITaskTable table) => OpResult.Of(table.MarkOomVictim(Pid));

        public override string ToString() => $"mark_oom_victim({Pid})";
    }

    public sealed record OomReaped(Pid Pid) : TaskOp
    {
        public override OpResult ApplyTo(ITaskTable table) => OpResult.Of(table.OomReaped(Pid));

        public override string ToString() => $"oom_reaped({Pid})";
    }

    public sealed record WriteOomAdj(Pid Pid, int Value, bool CapSysResource) : TaskOp
    {
        public override OpResult ApplyTo(ITaskTable table) =>
            OpResult.Of(table.WriteOomAdj(Pid, Value, CapSysResource));

        public override string ToString() =>
            $"echo {Value} > /proc/{Pid.Value}/oom_adj{(CapSysResource ? " (CAP_SYS_RESOURCE)" : "")}";
    }
}
