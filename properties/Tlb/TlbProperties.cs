using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Impl.Tlb;
using MMSpec.Model.Buddy;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using MMSpec.Properties.Lockstep;
using MMSpec.Properties.Paging;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Tlb;

/// <summary>
/// The TLB properties, for every format with and without PCIDs: the implementation's machine (set-associative
/// TLBs on the fast paging system) against the reference machine (every access walks the paging model).
/// </summary>
public sealed class TlbProperties(ITestOutputHelper output)
{
    private const int Cases = 60;

    public static TheoryData<string, bool> Machines()
    {
        var data = new TheoryData<string, bool>();
        foreach (var format in PagingFormat.All)
        {
            data.Add(format.Name, false);
            data.Add(format.Name, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void Transparent_coherent_and_isolated_every_access_as_walking_every_entry_fresh_or_less_permissive(
        string format, bool pcid) =>
        ScenarioReport.CheckWithTally(output, TlbLockstep.AllScenarios,
            tally => Lockstepped(PagingExamples.Format(format), pcid, (paging, config) => new Machine(paging, config,
                WatchedTlb.Around(_ => new SetAssociativeTlb(config.Sets, config.Ways, config.PdeEntries))), tally),
            Cases,
            $"{nameof(Transparent_coherent_and_isolated_every_access_as_walking_every_entry_fresh_or_less_permissive)}"
            + $"({format}, pcid {pcid})");

    /// <summary>
    /// The lockstep property for any machine built on the implementation's paging system: the conformance kit's entry
    /// point.
    /// </summary>
    public static Property Lockstepped(PagingFormat format, bool pcid,
        Func<IPagingSystem, MachineConfig, Machine> create, ScenarioTally? tally = null) =>
        Prop.ForAll(TlbGen.Scenarios(format, pcid), scenario =>
        {
            TlbLockstep Subject() => new(
                create(new WatchedPaging(new PagingSystem(format, new BuddyAllocator(scenario.Layout()))),
                    scenario.Config),
                new Machine(new PagingModel(format, new BuddyModel(scenario.Layout())), scenario.Config,
                    _ => new AllowedEntries()));
            var run = LockstepRunner.Run(Subject(), scenario.Steps, Subject);
            tally?.Add(run.Scenarios);
            return ScenarioReport.Verdict(run, TlbLockstep.AllScenarios, scenario.InvalidShare);
        });
}

/// <summary>The machine's memory layout.</summary>
public static class TlbScenarioLayout
{
    public static MemoryLayout Layout(this TlbScenario scenario) => MemoryLayout.Flat(scenario.Frames);
}
