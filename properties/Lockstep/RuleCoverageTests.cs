using FsCheck;
using MMSpec.Conformance.Buddy;
using MMSpec.Conformance.MemorySystem;
using MMSpec.Conformance.Paging;
using MMSpec.Conformance.Reclaim;
using MMSpec.Conformance.Slab;
using MMSpec.Conformance.Tlb;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.MemorySystem;
using MMSpec.Impl.Paging;
using MMSpec.Impl.Reclaim;
using MMSpec.Impl.Slab;
using MMSpec.Model.Paging;
using MMSpec.Properties.Tlb;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Lockstep;

/// <summary>
/// Every rule is put to the test by the default campaign: each component's generator, at its specification's case
/// count, from a fixed seed (so the verdict cannot change between runs), checked at every level, reaches a state in
/// which each rule, each invariant clause and each error kind could have failed, and every scenario the component
/// names is reached. A rule no step tests is a rule the properties only claim to check.
/// Under the mutation profile a campaign runs three cases and the coverage is not asserted (it is the generators',
/// which are never mutated): the lockstep run still fails under a mutant it sees.
/// </summary>
public sealed class RuleCoverageTests(ITestOutputHelper output)
{
    [Fact]
    public void The_buddy_campaign_tests_every_buddy_rule() =>
        AssertCovered(BuddyLockstep.Coverage(Level.All), BuddyLockstep.AllScenarios, 150,
            tally => BuddySafeSpecification.Lockstepped(layout => new BuddyAllocator(layout), Level.All, tally));

    [Fact]
    public void The_slab_campaign_tests_every_slab_rule() =>
        AssertCovered(SlabLockstep.Coverage(Level.All), SlabLockstep.AllScenarios, 100,
            tally => SlabSafeSpecification.Lockstepped(
                layout => new SlabAllocator(new BuddyAllocator(layout)), Level.All, tally));

    [Fact]
    public void The_paging_campaign_tests_every_paging_rule() =>
        AssertCovered(PagingLockstep.Coverage(Level.All), PagingLockstep.AllScenarios, 60,
            tally => PagingSafeSpecification.Lockstepped(PagingFormat.FourLevel,
                (format, layout) => new PagingSystem(format, new BuddyAllocator(layout)), Level.All, tally));

    /// <summary>
    /// The TLB's default campaign is two: machines with PCIDs (TlbImplProperties) and without (the 2-level and
    /// 5-level classes); "global entry survived a CR3 write" is a scenario of the second, where a CR3 write flushes.
    /// </summary>
    [Fact]
    public void The_tlb_campaign_tests_every_tlb_rule() =>
        AssertCovered(TlbLockstep.Coverage(Level.All), TlbLockstep.AllScenarios,
            (60, tally => Tlb(pcid: true, tally)), (30, tally => Tlb(pcid: false, tally)));

    private static Property Tlb(bool pcid, ScenarioTally tally) =>
        TlbSpecification.Lockstepped(PagingFormat.FourLevel, pcid, (format, layout, config) =>
            TlbImplProperties.Watched(new PagingSystem(format, new BuddyAllocator(layout)), config), tally, Level.All);

    [Fact]
    public void The_reclaim_campaign_tests_every_reclaim_rule() =>
        AssertCovered([.. ReclaimLockstep.Coverage(Level.All)], ReclaimLockstep.AllScenarios, 60,
            tally => ReclaimSafeSpecification.Lockstepped(config => new ReclaimSystem(config), Level.All, tally));

    [Fact]
    public void The_task_campaign_tests_every_process_table_rule() =>
        AssertCovered([.. TaskLockstep.Coverage(Level.All)], TaskLockstep.AllScenarios, 100,
            tally => TaskSafeSpecification.Lockstepped(config => new TaskTable(config), Level.All, tally));

    private void AssertCovered(IReadOnlyList<string> rules, IReadOnlyList<string> scenarios, int cases,
        Func<ScenarioTally, Property> property) =>
        AssertCovered(rules, scenarios, (cases, property));

    /// <summary>
    /// The campaigns (cases, property) run into one tally: together they reach every rule and scenario.
    /// </summary>
    private void AssertCovered(IReadOnlyList<string> rules, IReadOnlyList<string> scenarios,
        params (int Cases, Func<ScenarioTally, Property> Property)[] campaigns)
    {
        var tally = new ScenarioTally(scenarios, rules);
        foreach (var (cases, property) in campaigns)
        {
            PropertyRunner.CheckFrom(output, property(tally), MutationProfile.Active ? 3 : cases, BrokenVariant.Seed);
        }

        output.WriteLine(tally.ToString());
        if (!MutationProfile.Active)
        {
            Assert.Empty(tally.Unexercised);
            Assert.True(tally.NeverReached.Count == 0,
                $"scenarios never reached: {string.Join(", ", tally.NeverReached)}");
        }
    }
}
