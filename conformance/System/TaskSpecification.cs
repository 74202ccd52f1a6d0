using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.MemorySystem;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>
/// The process table: subclass, override Create, and generated sequences (forks and exits in turn, oom_score_adj and
/// oom_adj written at their bounds with and without CAP_SYS_RESOURCE, bursts of forks that use every pid of a small
/// pid_max and wrap, calls on pids no process has) run against the table's rules, and at the exact level in
/// lockstep with <see cref="TaskTableModel"/>.
/// <code>
/// public sealed class MyTasksConform(ITestOutputHelper output) : TaskExactSpecification(output)
/// {
///     protected override ITaskTable Create(TaskConfig config) => new MyTaskTable(config);
/// }
/// </code>
/// </summary>
public abstract class TaskSafeSpecification(ITestOutputHelper output) : Specification(output)
{
    public override Level Level => Level.Safe;

    /// <summary>A fresh table for <paramref name="config"/>, with init only.</summary>
    protected abstract ITaskTable Create(TaskConfig config);

    /// <summary>Generated sequences per property.</summary>
    protected virtual int Cases => 100;

    [Fact]
    public void Pids_unique_forks_append_exits_reparent_the_adj_floor_holds_and_bad_input_changes_nothing() =>
        CheckWithTally(TaskLockstep.AllScenarios, TaskLockstep.Coverage(Checks),
            tally => Lockstepped(Create, Checks, tally), Cases);

    /// <summary>The checks of the class's level: the table's own rules, at the exact level the model's too.</summary>
    private Level Checks => Level == Level.Exact ? Level.Safe | Level.Exact : Level.Safe;

    /// <summary>The lockstep property for any process table at <paramref name="checks"/>.</summary>
    public static Property Lockstepped(Func<TaskConfig, ITaskTable> create, Level checks,
        ScenarioTally? tally = null) =>
        Prop.ForAll(TaskScenario.Arbitrary(), scenario =>
        {
            var config = new TaskConfig(scenario.PidMax);
            TaskLockstep Subject() => new(create(config),
                checks.HasFlag(Level.Exact) ? new TaskTableModel(config) : null, checks);
            var run = LockstepRunner.Run(Subject(), scenario.Steps, Subject);
            tally?.Add(run);
            return ScenarioReport.Verdict(run, TaskLockstep.AllScenarios, scenario.InvalidShare);
        });
}

/// <summary>The process table at the exact level: every result and every state Linux 6.18's.</summary>
public abstract class TaskExactSpecification(ITestOutputHelper output) : TaskSafeSpecification(output)
{
    public override Level Level => Level.Exact;
}
