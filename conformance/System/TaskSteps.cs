using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.MemorySystem;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>
/// A generated process-table operation. Task #n is the n-th live process in creation order (modulo how many there
/// are), resolved against the implementation's table when the step runs, so a sequence stays meaningful while it
/// shrinks; task #0 is init, task #-1 the newest.
/// </summary>
public abstract record TaskStep
{
    /// <summary>Whether the step is meant to be refused with a typed error.</summary>
    public virtual bool IsInvalid => false;
}

public sealed record ForkTask(int Task) : TaskStep
{
    public override string ToString() => $"fork(task #{Task})";
}

public sealed record ExitTask(int Task) : TaskStep
{
    public override string ToString() => $"exit(task #{Task})";
}

public sealed record RenameTask(int Task, string Comm) : TaskStep
{
    public override string ToString() => $"set_comm(task #{Task}, \"{Comm}\")";
}

/// <summary>A write of oom_score_adj (or the legacy oom_adj), with CAP_SYS_RESOURCE or without.</summary>
public sealed record WriteAdj(int Task, int Value, bool Legacy, bool Cap) : TaskStep
{
    public override bool IsInvalid => Legacy ? Value is < -17 or > 15 : Value is < -1000 or > 1000;

    public override string ToString() =>
        $"write {(Legacy ? "oom_adj" : "oom_score_adj")}(task #{Task}, {Value}{(Cap ? ", CAP_SYS_RESOURCE" : "")})";
}

/// <summary>mark_oom_victim, or (Reap) the OOM reaper's MMF_OOM_SKIP.</summary>
public sealed record OomMark(int Task, bool Reap) : TaskStep
{
    public override string ToString() => Reap ? $"oom_reaped(task #{Task})" : $"mark_oom_victim(task #{Task})";
}

/// <summary>A call on a pid no process has: the last pid that exited, or pid_max + Offset.</summary>
public sealed record BadPid(int Offset, int Call) : TaskStep
{
    public override bool IsInvalid => true;

    public override string ToString() => $"bad_pid(+{Offset}, call {Call})";
}

/// <summary>A generated sequence for a table of pid_max <paramref name="PidMax"/>.</summary>
public sealed record TaskScenario(int PidMax, ImmutableArray<TaskStep> Steps)
{
    public double InvalidShare => Steps.IsEmpty ? 0 : Steps.Count(s => s.IsInvalid) / (double)Steps.Length;

    public override string ToString() => ScenarioReport.Format(new TaskConfig(PidMax), Steps);

    public static Arbitrary<TaskScenario> Arbitrary() => MutationProfile.Arbitrary(Generator(), Shrink);

    /// <summary>
    /// Phases: processes forked and exiting in turn, oom_score_adj written with and without the capability at the
    /// boundaries (-1000, -999, 0, 1000, one past either end; oom_adj -17, -16, 15, 16), and now and then a run of
    /// forks long enough to use every pid of a small pid_max, then exits of the newest and forks that wrap to them.
    /// </summary>
    public static Gen<TaskScenario> Generator() =>
        from pidMax in Gen.Frequency((3, Gen.Constant(TaskConfig.ReservedPids + 1)), (1, Gen.Choose(301, 400)),
            (1, Gen.Constant(TaskConfig.DefaultPidMax)))
        from steps in Gen.ListOf(Step())
        from burst in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Choose(280, 420)))
        select new TaskScenario(pidMax, [.. steps, .. Enumerable.Repeat<TaskStep>(new ForkTask(0), burst),
            .. AfterBurst(burst), .. steps.Take(8)]);

    /// <summary>
    /// After a burst, two of the newest exit and two forks follow: past pid_max they wrap to those pids.
    /// </summary>
    private static TaskStep[] AfterBurst(int burst) =>
        burst == 0 ? [] : [new ExitTask(-1), new ExitTask(-3), new ForkTask(0), new ForkTask(0)];

    private static Gen<TaskStep> Step() => Gen.Frequency(
        (4, Gen.Choose(0, 12).Select(t => (TaskStep)new ForkTask(t))),
        (2, Gen.Choose(0, 12).Select(t => (TaskStep)new ExitTask(t))),
        (1, from t in Gen.Choose(0, 12) from comm in Gen.Elements("sh", "postgres", "a-name-longer-than-15")
            select (TaskStep)new RenameTask(t, comm)),
        (4, from t in Gen.Choose(0, 12)
            from legacy in Gen.Elements(false, false, true)
            from value in legacy ? Gen.Elements(-18, -17, -16, 0, 1, 14, 15, 16) : Gen.Frequency(
                (2, Gen.Elements(-1001, -1000, -999, -500, 0, 1, 999, 1000, 1001)), (1, Gen.Choose(-1000, 1000)))
            from cap in Gen.Elements(false, true)
            select (TaskStep)new WriteAdj(t, value, legacy, cap)),
        (1, from t in Gen.Choose(0, 12) from reap in Gen.Elements(false, true) select (TaskStep)new OomMark(t, reap)),
        (1, from offset in Gen.Choose(0, 3) from call in Gen.Choose(0, 6) select (TaskStep)new BadPid(offset, call)));

    /// <summary>Simpler: fewer steps (the generic sequence shrinker), then the default pid_max.</summary>
    public static IEnumerable<TaskScenario> Shrink(TaskScenario s) =>
        Lockstep.Shrink.Sequence(s, s.Steps, static (scenario, steps) => scenario with { Steps = [.. steps] });
}
