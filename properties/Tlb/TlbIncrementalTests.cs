using FsCheck.Fluent;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Impl.Tlb;
using MMSpec.Model.Buddy;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using MMSpec.Properties.Lockstep;
using MMSpec.Properties.Tlb.Broken;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Tlb;

/// <summary>
/// The TLB lockstep's incremental check (every CPU, the paging state and the entries of the address spaces a step
/// could change) finds what the full check finds: on the implementation's machine (4-level, PCIDs on and off) and
/// on every broken machine as its test runs it.
/// </summary>
public sealed class TlbIncrementalTests(ITestOutputHelper output)
{
    private const string Implementation = "Machine";
    private const int Cases = 30;

    public static TheoryData<string, bool> Machines()
    {
        var data = new TheoryData<string, bool> { { Implementation, false }, { Implementation, true } };
        foreach (var row in BrokenMachineTests.Variants)
        {
            data.Add((string)row[0], (bool)row[1]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void Incremental_check_finds_exactly_what_the_full_check_finds(string machine, bool pcid) =>
        PropertyRunner.Check(output, Prop.ForAll(TlbGen.Scenarios(PagingFormat.FourLevel, pcid), scenario =>
            IncrementalCheck.Agrees(
                () => new TlbLockstep(
                    Create(machine, Watched(scenario), scenario.Config),
                    new Machine(new PagingModel(scenario.Format, new BuddyModel(scenario.Layout())), scenario.Config,
                        _ => new AllowedEntries())),
                scenario.Steps)), Cases);

    private static WatchedPaging Watched(TlbScenario scenario) =>
        new(new PagingSystem(scenario.Format, new BuddyAllocator(scenario.Layout())));

    private static Machine Create(string machine, IPagingSystem paging, MachineConfig config) =>
        machine == Implementation
            ? new Machine(paging, config,
                WatchedTlb.Around(_ => new SetAssociativeTlb(config.Sets, config.Ways, config.PdeEntries)))
            : BrokenMachineTests.Create(machine, paging, config);
}
