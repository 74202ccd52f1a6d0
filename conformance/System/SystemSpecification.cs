using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.MemorySystem;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>
/// The whole system: subclass, override Create, and generated workloads (processes growing until the OOM killer
/// fires, fork then writes, exits, the reaper and kswapd under pressure, kernel allocations with every mask, bad
/// calls) run against the system's rules: no data lost, one owner for every address space, a killed process's
/// memory back, no TLB entry of a dead address space, no kill while a victim is pending, bad input changing
/// nothing (this class); at the live level faults that never fail, panics only with nothing killable, the OOM killer
/// only when reclaim is stuck (<see cref="SystemLiveSpecification"/>); at the exact level in lockstep with MMSpec's
/// models composed (<see cref="SystemExactSpecification"/>).
/// <code>
/// public sealed class MySystemConforms(ITestOutputHelper output) : SystemExactSpecification(output)
/// {
///     protected override IMemorySystem Create(SystemConfig config) =>
///         new MemorySystem(config, SystemParts.Models(config) with { Reclaim = new MyReclaim(config.Reclaim) });
/// }
/// </code>
/// </summary>
public abstract class SystemSafeSpecification(ITestOutputHelper output) : Specification(output)
{
    public override Level Level => Level.Safe;

    /// <summary>A fresh system for <paramref name="config"/>: init only, every frame free, no swap.</summary>
    protected abstract IMemorySystem Create(SystemConfig config);

    /// <summary>Generated workloads per property.</summary>
    protected virtual int Cases => 30;

    [Fact]
    public void Level1_safe_no_data_lost_one_owner_killed_memory_back_no_kill_storm_bad_input_changes_nothing() =>
        CheckWithTally(SystemRules.AllScenarios, SystemRules.Coverage(Level.Safe),
            tally => Lockstepped(Create, Level.Safe, tally), Cases);

    /// <summary>The lockstep property for any whole system at <paramref name="checks"/>.</summary>
    public static Property Lockstepped(Func<SystemConfig, IMemorySystem> create, Level checks,
        ScenarioTally? tally = null) =>
        Prop.ForAll(SystemScenario.Arbitrary(), scenario =>
        {
            SystemLockstep Subject() => SystemLockstep.For(create(scenario.Config), scenario.Config, checks);
            var run = LockstepRunner.Run(Subject(), scenario.Steps, Subject);
            tally?.Add(run);
            return ScenarioReport.Verdict(run, SystemRules.AllScenarios, scenario.InvalidShare);
        });
}

/// <summary>
/// The whole system at the live level: faults never fail (they get their page, wait for a victim, or panic), panics
/// come only when nothing is killable, the OOM killer only when reclaim has nothing left.
/// </summary>
public abstract class SystemLiveSpecification(ITestOutputHelper output) : SystemSafeSpecification(output)
{
    public override Level Level => Level.Live;

    [Fact]
    public void Level2_live_faults_never_fail_panics_only_when_nothing_is_killable_oom_only_when_reclaim_is_stuck() =>
        CheckWithTally(SystemRules.AllScenarios, SystemRules.Coverage(Level.Live),
            tally => Lockstepped(Create, Level.Live, tally), Cases);
}

/// <summary>The whole system at the exact level: every result, every state and every log line the models'.</summary>
public abstract class SystemExactSpecification(ITestOutputHelper output) : SystemLiveSpecification(output)
{
    public override Level Level => Level.Exact;

    [Fact]
    public void Level3_exact_same_results_states_and_log_as_the_models_composed() =>
        CheckWithTally(SystemRules.AllScenarios, SystemRules.Coverage(Level.Safe | Level.Exact),
            tally => Lockstepped(Create, Level.Safe | Level.Exact, tally), Cases);
}
