using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>What one process-table step did: the call, the results on both sides, the states around it.</summary>
public sealed record TaskStepDone(TaskOp Op, OpResult Actual, OpResult? Expected, TaskTableSnapshot Before,
    TaskTableSnapshot After, TaskTableSnapshot? ModelAfter)
{
    public MmError? Error => Actual.Error;
}

/// <summary>
/// Binds a process table under test to the lockstep runner: at the safe level its own rules (pids unique, a fork
/// appends its child, an exit hands the children to init, the oom_score_adj floor, bad input changes nothing); at
/// the exact level in lockstep with <see cref="TaskTableModel"/>, every result and every state equal.
/// </summary>
public sealed class TaskLockstep(ITaskTable impl, ITaskTable? model, Level checks) : ILockstepSubject<TaskStep>
{
    public const string UniquePids = "tasks-unique-pids";
    public const string ForkAppends = "fork-appends-the-child";
    public const string ExitReparents = "exit-reparents-to-init";
    public const string AdjFloor = "oom-score-adj-floor";

    public const string Wrapped = "pid allocation wrapped";
    public const string PidsExhausted = "fork refused: every pid in use";
    public const string FloorRefused = "a write below the floor refused";
    public const string VictimForked = "an OOM victim forked";
    public const string Orphaned = "children handed to init";

    public static IReadOnlyList<Scenario<TaskStepDone>> Scenarios { get; } =
    [
        new(Wrapped, d => d is { Op: TaskOp.Fork, Actual.Value: Pid child } && child.Value <= d.Before.LastPid),
        new(PidsExhausted, d => d.Error is NoPidLeft),
        new(FloorRefused, d => d.Error is OomScoreAdjDenied),
        new(VictimForked, d => d is { Op: TaskOp.Fork fork, Error: null }
            && d.Before.Tasks.Single(t => t.Pid == fork.Parent).Victim),
        new(Orphaned, d => d is { Op: TaskOp.DoExit exit, Error: null }
            && d.Before.Tasks.Any(t => t.Parent == exit.Pid)),
    ];

    public static IReadOnlyList<string> AllScenarios { get; } = Scenario<TaskStepDone>.Names(Scenarios);

    /// <summary>Every typed error a process-table call can return, each of which the campaign must reach.</summary>
    public static IReadOnlyList<Type> ErrorKinds { get; } =
    [
        typeof(NoSuchProcess), typeof(ExitOfInit), typeof(NoPidLeft), typeof(InvalidOomScoreAdj),
        typeof(InvalidOomAdj), typeof(OomScoreAdjDenied), typeof(UnkillableTask), typeof(NotAnOomVictim),
    ];

    /// <summary>The rules and error kinds a campaign at <paramref name="level"/> must put to the test.</summary>
    public static IEnumerable<string> Coverage(Level level) =>
        Rule<TaskStepDone>.Names(Rules, level).Append(SharedRules.ModelPermits).Distinct()
            .Concat(ErrorKinds.Select(SharedRules.Returned));

    private TaskTableSnapshot? _state;
    private Pid _lastExited = new(0);

    public static IReadOnlyList<Rule<TaskStepDone>> Rules { get; } =
    [
        SharedRules.Unchanged<TaskStepDone>(d => d.Op, d => d.Error, d => d.After.DiffFrom(d.Before)),
        Rule<TaskStepDone>.Of(UniquePids, Level.Safe, d => Pids(d.After), d => d.Op is TaskOp.Fork),
        Rule<TaskStepDone>.Of(ForkAppends, Level.Safe, Appended, d => d is { Op: TaskOp.Fork, Error: null }),
        Rule<TaskStepDone>.Of(ExitReparents, Level.Safe, Reparented, d => d is { Op: TaskOp.DoExit, Error: null }),
        Rule<TaskStepDone>.Of(AdjFloor, Level.Safe, Floor, d => d.Op is TaskOp.WriteOomScoreAdj
            or TaskOp.WriteOomAdj),
        Rule<TaskStepDone>.Of(SharedRules.ModelPermits, Level.Exact,
            d => d.Expected is { } e && e != d.Actual ? $"{d.Op} returned {d.Actual}; the model returns {e}" : null,
            _ => true),
        SharedRules.Same<TaskStepDone>(Level.Exact, d => d.ModelAfter is { } m ? d.After.DiffFrom(m) : null,
            _ => true),
    ];

    public Violation? CheckInitialState() => Pids(State) is { } broken ? new(UniquePids, broken) : null;

    private TaskTableSnapshot State => _state ??= impl.Snapshot();

    public Violation? Apply(TaskStep operation, StepLog log)
    {
        var before = State;
        var op = Resolve(operation, before);
        var actual = op.ApplyTo(impl);
        var exact = checks.HasFlag(Level.Exact) && model is not null;
        var expected = exact ? op.ApplyTo(model!) : (OpResult?)null;
        var after = impl.Snapshot();
        var done = new TaskStepDone(op, actual, expected, before, after, exact ? model!.Snapshot() : null);
        if (log.Tracing)
        {
            (log.Call, log.Operation) = ($"{op} = {actual}", op);
        }

        var violation = Rule<TaskStepDone>.FirstBroken(Rules, done, checks);
        if (violation is null)
        {
            SharedRules.Called(log, actual.Error);
            Rule<TaskStepDone>.Cover(Rules, done, checks, log);
            Scenario<TaskStepDone>.Track(Scenarios, done, log);
            if (op is TaskOp.DoExit { Pid: var gone } && actual.IsOk)
            {
                _lastExited = gone;
            }

            _state = after;
        }

        return violation;
    }

    /// <summary>The step's call: task #n is the n-th live process in creation order.</summary>
    private TaskOp Resolve(TaskStep step, TaskTableSnapshot state)
    {
        Pid Task(int n) => state.Tasks[((n % state.Tasks.Length) + state.Tasks.Length) % state.Tasks.Length].Pid;
        return step switch
        {
            ForkTask f => new TaskOp.Fork(Task(f.Task)),
            ExitTask e => new TaskOp.DoExit(Task(e.Task)),
            RenameTask r => new TaskOp.SetComm(Task(r.Task), r.Comm),
            WriteAdj { Legacy: true } w => new TaskOp.WriteOomAdj(Task(w.Task), w.Value, w.Cap),
            WriteAdj w => new TaskOp.WriteOomScoreAdj(Task(w.Task), w.Value, w.Cap),
            OomMark { Reap: true } m => new TaskOp.OomReaped(Task(m.Task)),
            OomMark m => new TaskOp.MarkOomVictim(Task(m.Task)),
            BadPid b => Bad(b, b.Offset == 0 && _lastExited.Value > 0 && state.Tasks.All(t => t.Pid != _lastExited)
                ? _lastExited : new Pid(state.PidMax + b.Offset)),
            _ => throw new ArgumentOutOfRangeException(nameof(step), step, "unknown task step"),
        };
    }

    private static TaskOp Bad(BadPid b, Pid pid) => (b.Call % 7) switch
    {
        5 => new TaskOp.MarkOomVictim(pid),
        6 => new TaskOp.OomReaped(pid),
        0 => new TaskOp.Fork(pid),
        1 => new TaskOp.DoExit(pid),
        2 => new TaskOp.SetComm(pid, "x"),
        3 => new TaskOp.WriteOomScoreAdj(pid, 0, true),
        _ => new TaskOp.WriteOomAdj(pid, 0, true),
    };

    private static string? Pids(TaskTableSnapshot s) =>
        s.Tasks.Select(t => t.Pid).Distinct().Count() != s.Tasks.Length ? "two processes share a pid"
        : s.Tasks.FirstOrDefault(t => t.Pid.Value < 1 || t.Pid.Value >= s.PidMax) is { } outside
            ? $"{outside} is outside 1..pid_max - 1"
        : s.Tasks.Length == 0 || s.Tasks[0].Pid != Pid.Init ? "init is not the first process"
        : s.Tasks.FirstOrDefault(t => t.OomSkip && !t.Victim) is { } skipped
            ? $"{skipped} has MMF_OOM_SKIP but is no OOM victim"
        : s.Tasks[0].Victim ? "init is an OOM victim" : null;

    private static string? Appended(TaskStepDone d)
    {
        if (d is not { Op: TaskOp.Fork fork, Error: null, Actual.Value: Pid child })
        {
            return null;
        }

        var parent = d.Before.Tasks.Single(t => t.Pid == fork.Parent);
        var expected = parent with { Pid = child, Parent = fork.Parent, Victim = false, OomSkip = false };
        return d.After.Tasks.Length == d.Before.Tasks.Length + 1 && d.After.Tasks[^1] == expected
            && d.After.Tasks.Take(d.Before.Tasks.Length).SequenceEqual(d.Before.Tasks)
                ? null
                : $"after {d.Op} = {child} the table should be the old one and {expected} at its tail";
    }

    private static string? Reparented(TaskStepDone d)
    {
        if (d is not { Op: TaskOp.DoExit exit, Error: null })
        {
            return null;
        }

        var expected = d.Before.Tasks.Where(t => t.Pid != exit.Pid)
            .Select(t => t.Parent == exit.Pid ? t with { Parent = Pid.Init } : t);
        return d.After.Tasks.SequenceEqual(expected)
            ? null
            : $"after {d.Op} the others should stay in order, its children now init's";
    }

    private static string? Floor(TaskStepDone d)
    {
        var (pid, cap, legacy) = d.Op switch
        {
            TaskOp.WriteOomScoreAdj w => (w.Pid, w.CapSysResource, false),
            TaskOp.WriteOomAdj w => (w.Pid, w.CapSysResource, true),
            _ => (new Pid(0), true, false),
        };
        if (cap || d.Error is not null)
        {
            return null;
        }

        var (old, now) = (d.Before.Tasks.Single(t => t.Pid == pid), d.After.Tasks.Single(t => t.Pid == pid));
        var floor = legacy ? old.Adj : old.AdjMin;
        return now.Adj.Value < floor.Value || now.AdjMin != old.AdjMin
            ? $"{d.Op} without CAP_SYS_RESOURCE left {now}, below or past the floor {floor}"
            : null;
    }
}
