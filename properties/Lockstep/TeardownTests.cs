using FsCheck;
using MMSpec.Conformance.Paging;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Impl.Slab;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Slab;
using MMSpec.Properties.Paging;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Lockstep;

/// <summary>
/// A "restores everything" property that fails says what was left behind and what holds it: an address space's
/// PGD, tables and pages, a page-cache page, a vmalloc page, a cache's slab, a large kmalloc, or nothing (a leak).
/// </summary>
public sealed class TeardownTests(ITestOutputHelper output)
{
    [Fact]
    public void Paging_left_behind_names_the_address_space_tables_pages_and_vmalloc_area_that_hold_each_block()
    {
        var paging = new PagingSystem(PagingFormat.FourLevel, new BuddyAllocator(MemoryLayout.Flat(64)));
        var initial = paging.Snapshot().Pages;
        var mm = paging.CreateAddressSpace().Value;
        var at = paging.Mmap(mm, new MmapRequest(1, VmProt.Read | VmProt.Write, null, 0, false)).Value;
        Assert.True(paging.Access(mm, at, Access.Write, Privilege.User, 7).IsOk);
        Assert.True(paging.Vmalloc(1).IsOk);
        var after = paging.Snapshot();

        var report = Teardown.LeftBehind(initial, after.Pages, PagingInvariants.Owners(after))!;

        Assert.StartsWith($"left behind {after.Pages.Allocated.Length - initial.Allocated.Length} blocks", report,
            StringComparison.Ordinal);
        Assert.Contains($"held by {mm} PGD", report, StringComparison.Ordinal);
        Assert.Contains($"held by {mm} anon page {at.Value:x}", report, StringComparison.Ordinal);
        Assert.Contains($"held by {mm} PTE table", report, StringComparison.Ordinal);
        Assert.Contains("held by vmalloc page", report, StringComparison.Ordinal);
        Assert.Contains("free areas: ", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Slab_left_behind_names_the_cache_or_large_kmalloc_and_a_block_nothing_holds_is_a_leak()
    {
        var pages = new BuddyAllocator(MemoryLayout.Flat(256));
        var slab = new SlabAllocator(pages);
        var initial = slab.Snapshot();
        Assert.True(slab.Kmalloc(64).IsOk);
        Assert.True(slab.Kmalloc(KmallocSizes.MaxCacheSize + 1).IsOk);
        var leaked = pages.AllocPages(new Order(0), ZoneType.Normal).Value;
        var after = slab.Snapshot();

        var report = Teardown.LeftBehind(initial.Pages, after.Pages,
            SlabInvariants.Held(after).Select(h => (h.Block.Pfn, h.Owner)))!;

        Assert.Contains("held by kmalloc-64", report, StringComparison.Ordinal);
        Assert.Contains("held by large kmalloc", report, StringComparison.Ordinal);
        var leak = new Block(leaked, new Order(0));
        Assert.Contains($"{leak} held by nothing (leaked)", report, StringComparison.Ordinal);
        Assert.Null(Teardown.LeftBehind(initial.Pages, initial.Pages, []));
    }

    [Fact]
    public void A_destroy_that_keeps_the_address_space_fails_the_teardown_with_what_it_kept()
    {
        var failure = Assert.Throws<PropertyFailedException>(() => PropertyRunner.CheckFrom(output,
            PagingSafeSpecification.TearDownRestores(PagingFormat.FourLevel, KeepsSpaces.Create), 20,
            BrokenVariant.Seed));

        Assert.Contains($"rule broken: {PagingRules.RestoresInitial}", failure.Message, StringComparison.Ordinal);
        // Shrunk, the one space's PGD; unshrunk (the mutation profile), some space's tables or pages among them.
        Assert.Matches(@"left behind (1 block|\d+ blocks) \(\d+ frames\): \S+ held by mm\d+ ", failure.Message);
    }

    /// <summary>The implementation, but destroying an address space says it did and frees nothing.</summary>
    private sealed class KeepsSpaces(IPagingSystem inner) : ForwardingPaging(inner)
    {
        public static KeepsSpaces Create(PagingFormat format, MemoryLayout layout) =>
            new(new PagingSystem(format, new BuddyAllocator(layout)));

        public override Result<Unit> DestroyAddressSpace(AsId mm) => Unit.Value;
    }
}
