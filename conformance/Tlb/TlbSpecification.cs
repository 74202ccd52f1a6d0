using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Buddy;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Conformance.Tlb;

/// <summary>
/// The TLB check of a whole machine (its paging system, its TLBs and PDE caches, its PCID allocation and its
/// shootdowns) through the <see cref="IMachine"/> contract: subclass, override <see cref="Create"/>, and generated
/// scenarios (accesses on several CPUs, context switches, invlpg, CR3 writes, INVPCID, PGE toggles, mmap, munmap,
/// mprotect, brk, migration, vmalloc, vfree) run against the reference machine, whose every access walks the page
/// tables. Every access must give what walking gives; every cached entry must be coherent with the current page
/// tables or less permissive, and one a walk produced in that PCID since the last invalidation; every instruction
/// must leave what the SDM says; the paging state must be the reference's. A refused mmap, munmap or mprotect may
/// name any error that applies to it; <see cref="TlbExactSpecification"/> demands Linux's first.
/// <code>
/// public sealed class MyMachineConforms(ITestOutputHelper output) : TlbSpecification(output)
/// {
///     protected override IMachine Create(PagingFormat format, MemoryLayout layout, MachineConfig config) =>
///         new MyMachine(format, layout, config);
/// }
/// </code>
/// </summary>
public abstract class TlbSpecification(ITestOutputHelper output) : Specification(output)
{
    public override Level Level => Level.Safe;

    /// <summary>The format the machine's paging translates: 2-level, 4-level (the default) or 5-level.</summary>
    protected virtual PagingFormat Format => PagingFormat.FourLevel;

    /// <summary>Whether the machine has PCIDs (CR4.PCIDE): scenarios then switch spaces without flushing.</summary>
    protected virtual bool Pcid => true;

    /// <summary>A fresh machine: <paramref name="config"/>'s CPUs and TLB shape, paging over the layout.</summary>
    protected abstract IMachine Create(PagingFormat format, MemoryLayout layout, MachineConfig config);

    /// <summary>Generated scenarios per property.</summary>
    protected virtual int Cases => 60;

    [Fact]
    public void Transparent_coherent_and_isolated_every_access_as_walking_every_entry_fresh_or_less_permissive() =>
        CheckWithTally(TlbLockstep.AllScenarios, TlbLockstep.Coverage(Checks),
            tally => Lockstepped(Format, Pcid, Create, tally, Checks), Cases);

    /// <summary>The checks of the class's level: the TLB's rules, and at the exact level Linux's precedence.</summary>
    private Level Checks => Level == Level.Exact ? Level.Safe | Level.Exact : Level.Safe;

    /// <summary>The lockstep property for any machine: what the test here runs.</summary>
    public static Property Lockstepped(PagingFormat format, bool pcid,
        Func<PagingFormat, MemoryLayout, MachineConfig, IMachine> create, ScenarioTally? tally = null,
        Level checks = Level.Safe) =>
        Prop.ForAll(TlbGen.Scenarios(format, pcid), scenario =>
        {
            TlbLockstep Subject() => new(
                create(format, scenario.Layout(), scenario.Config),
                new Machine(new PagingModel(format, new BuddyModel(scenario.Layout())), scenario.Config,
                    _ => new AllowedEntries()),
                checks);
            var run = LockstepRunner.Run(Subject(), scenario.Steps, Subject);
            tally?.Add(run);
            return ScenarioReport.Verdict(run, TlbLockstep.AllScenarios, scenario.InvalidShare);
        });
}

/// <summary>
/// The TLB check at the exact level: every rule of <see cref="TlbSpecification"/>, and a refused mmap, munmap or
/// mprotect names the error Linux names first (docs/paging.md, the precedence tables).
/// </summary>
public abstract class TlbExactSpecification(ITestOutputHelper output) : TlbSpecification(output)
{
    public override Level Level => Level.Exact;
}
