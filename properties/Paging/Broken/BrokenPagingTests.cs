using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Paging.Broken;

/// <summary>
/// Each deliberately broken paging system, modelled on a real class of bug, must be caught by the lockstep
/// properties from a fixed seed (deterministic), within the cases recorded beside it, and the report must name the rule
/// it breaks.
/// </summary>
public sealed class BrokenPagingTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, string, int> Variants => new()
    {
        { nameof(MissingNxCheck), "4-level 48-bit", PagingRules.SameResult, 3 },
        { nameof(MissingNxCheck), "5-level 57-bit", PagingRules.SameResult, 3 },
        { nameof(PteTableNotFreed), "4-level 48-bit", PagingInvariants.TablesOnlyWhereNeeded, 23 },
        { nameof(PteTableNotFreed), "2-level 32-bit", PagingInvariants.TablesOnlyWhereNeeded, 23 },
        { nameof(UserAccessibleKernelMapping), "4-level 48-bit", PagingInvariants.EntriesInsideVmas, 14 },
        { nameof(UnzeroedAnonPage), "4-level 48-bit", PagingRules.SameResult, 7 },
        { nameof(UnzeroedAnonPage), "2-level 32-bit", PagingRules.SameResult, 7 },
        { nameof(TableAtWrongLevel), "4-level 48-bit", PagingRules.SameState, 1 },
        { nameof(TableAtWrongLevel), "5-level 57-bit", PagingRules.SameState, 1 },
        { nameof(NoStackGuardGap), "4-level 48-bit", PagingRules.SameResult, 11 },
        { nameof(StackGuardGapOnePage), "4-level 48-bit", PagingRules.SameResult, 11 },
        { nameof(StackGuardGapOnePage), "2-level 32-bit", PagingRules.SameResult, 11 },
        { nameof(StackGuardGapBelowProtNone), "4-level 48-bit", PagingRules.SameResult, 6 },
        { nameof(StackLimitCountsGuardPage), "4-level 48-bit", PagingRules.SameResult, 57 },
        { nameof(BrkBelowStartBrk), "4-level 48-bit", PagingRules.SameResult, 36 },
        { nameof(FixedNoReplaceClobbers), "4-level 48-bit", PagingRules.SameResult, 3 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Broken_variant_is_caught_and_the_broken_rule_named(string variant, string format, string rule,
        int casesAtSeed) =>
        BrokenVariant.AssertCaught(output,
            PagingSafeSpecification.Lockstepped(PagingExamples.Format(format),
                (f, layout) => Create(variant, f, new BuddyModel(layout)), Level.All),
            rule, casesAtSeed);

    [Fact]
    public void Exit_frees_the_tables_a_munmap_without_free_pgtables_left_behind()
    {
        var pages = new BuddyModel(MemoryLayout.Flat(64));
        var paging = new PteTableNotFreed(PagingFormat.FourLevel, pages);
        var free = pages.Snapshot().FreePages;
        var mm = paging.CreateAddressSpace().Value;
        var area = paging.Mmap(mm, new MmapRequest(1, VmProt.Read | VmProt.Write, null, 0, false)).Value;
        Assert.True(paging.Access(mm, area, Access.Write, Privilege.User, 1).IsOk);
        Assert.True(paging.Munmap(mm, area, 1).IsOk);
        Assert.Equal(3, paging.Snapshot().Spaces.Single().Tables.Length);
        Assert.True(paging.DestroyAddressSpace(mm).IsOk);
        Assert.Equal(free, pages.Snapshot().FreePages);
    }

    internal static IPagingSystem Create(string variant, PagingFormat format, IBuddyAllocator pages) => variant switch
    {
        nameof(MissingNxCheck) => new MissingNxCheck(format, pages),
        nameof(PteTableNotFreed) => new PteTableNotFreed(format, pages),
        nameof(UserAccessibleKernelMapping) => new UserAccessibleKernelMapping(format, pages),
        nameof(UnzeroedAnonPage) => new UnzeroedAnonPage(format, pages),
        nameof(TableAtWrongLevel) => new TableAtWrongLevel(format, pages),
        nameof(NoStackGuardGap) => new NoStackGuardGap(format, pages),
        nameof(StackGuardGapOnePage) => new StackGuardGapOnePage(format, pages),
        nameof(StackGuardGapBelowProtNone) => new StackGuardGapBelowProtNone(format, pages),
        nameof(StackLimitCountsGuardPage) => new StackLimitCountsGuardPage(format, pages),
        nameof(BrkBelowStartBrk) => new BrkBelowStartBrk(format, pages),
        nameof(FixedNoReplaceClobbers) => new FixedNoReplaceClobbers(new PagingModel(format, pages)),
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "no such broken variant"),
    };
}
