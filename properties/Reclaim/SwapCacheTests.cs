using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// A swap slot shared through fork, written out by hand on both sides: the generated campaign reaches these states
/// too rarely for a mutation run's budget. A page is paged out, the address space forked (copy_nonpresent_pte,
/// swap_duplicate: the slot's count is 2), and the parent's read faults it back through the swap cache (do_swap_page
/// skips the cache only for a slot of count 1): the folio is mapped by the parent, in the swap cache, and the slot
/// keeps the child's reference. Then each way the folio leaves the swap cache.
/// </summary>
public sealed class SwapCacheTests
{
    private static readonly ReclaimConfig Machine = new(256, 2, 1, 8);

    private static readonly CpuId Cpu0 = new(0);

    private const ulong Word = 0xA1;

    /// <summary>The shared slot: (system, parent, child, the page) with the parent's read done.</summary>
    private static (IReclaimSystem System, AsId Parent, AsId Child, VirtAddr Page) Shared(string side, ulong slots)
    {
        var system = ReclaimSides.Create(side, Machine);
        Assert.True(system.Swapon(slots, null).IsOk);
        var parent = system.CreateMm().Value;
        var page = system.Mmap(parent, MapKind.Anon, 0, 4).Value;
        Assert.True(system.Access(parent, Cpu0, page, true, Word).IsOk);
        Assert.Equal(1UL, system.PageOut(parent, page).Value);
        var child = system.Fork(parent).Value;
        Assert.Equal(new SlotState(1, 2, false, Word), Assert.Single(system.Snapshot().Swap[0].Used));
        Assert.Equal(Word, system.Access(parent, Cpu0, page, false, 0).Value);
        var state = system.Snapshot();
        Assert.Equal(new SlotState(1, 1, true, Word), Assert.Single(state.Swap[0].Used));
        Assert.Equal(1, SwapCached(state));
        return (system, parent, child, page);
    }

    /// <summary>No slot used, no folio, every frame free.</summary>
    private static void AllFree(ReclaimSnapshot state)
    {
        Assert.Empty(state.Swap[0].Used);
        Assert.Empty(state.Folios);
        Assert.Equal(Machine.Frames, state.Pages.FreePages);
    }

    private static int SwapCached(ReclaimSnapshot state) =>
        state.Folios.Count(f => f.Flags.HasFlag(FolioFlags.SwapCache));

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void The_last_reference_dropped_leaves_a_mapped_folio_cached_until_its_write_frees_the_slot(string side)
    {
        var (system, parent, child, page) = Shared(side, 64);

        // free_swap_and_cache: the slot's count is 0, but __try_to_reclaim_swap leaves a mapped folio (TTRS_UNMAPPED)
        // in the cache while swap is not full (TTRS_FULL).
        Assert.True(system.ExitMm(child).IsOk);
        var exited = system.Snapshot();
        Assert.Equal(new SlotState(1, 0, true, Word), Assert.Single(exited.Swap[0].Used));
        Assert.Equal(1, SwapCached(exited));

        // do_wp_page: wp_can_reuse_anon_folio frees the swap of a folio no slot reference holds, then reuses it.
        Assert.Equal(Word, system.Access(parent, Cpu0, page, true, Word + 1).Value);
        var written = system.Snapshot();
        Assert.Equal(Assert.Single(exited.Folios).Pfn, Assert.Single(written.Folios).Pfn);
        Assert.Empty(written.Swap[0].Used);
        Assert.Equal(0, SwapCached(written));
        Assert.Equal(Word + 1, system.Access(parent, new CpuId(1), page, false, 0).Value);
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void The_last_reference_dropped_with_swap_full_frees_the_slot_of_the_mapped_folio(string side)
    {
        // Two slots: the header and one usable, taken, so vm_swap_full holds and __try_to_reclaim_swap frees it.
        var (system, parent, child, page) = Shared(side, 2);
        Assert.True(system.ExitMm(child).IsOk);
        var exited = system.Snapshot();
        Assert.Empty(exited.Swap[0].Used);
        Assert.Equal(0, SwapCached(exited));
        Assert.Equal(Word, system.Access(parent, Cpu0, page, false, 0).Value);
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Unmapping_a_cached_folio_no_reference_holds_frees_it_and_its_slot(string side)
    {
        var (system, parent, child, page) = Shared(side, 64);
        Assert.True(system.ExitMm(child).IsOk);
        Assert.True(system.Munmap(parent, page).IsOk);
        AllFree(system.Snapshot());
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Unmapping_a_cached_folio_a_reference_still_holds_keeps_it_for_the_slot(string side)
    {
        // The parent's unmap leaves the folio only in the swap cache: the child's entry still names the slot.
        var (system, parent, child, page) = Shared(side, 64);
        Assert.True(system.Munmap(parent, page).IsOk);
        var unmapped = system.Snapshot();
        Assert.Equal(new SlotState(1, 1, true, Word), Assert.Single(unmapped.Swap[0].Used));
        Assert.Equal(0, Assert.Single(unmapped.Folios).MapCount);

        // The child's exit drops the last reference: free_swap_and_cache frees the unmapped folio with its slot.
        Assert.True(system.ExitMm(child).IsOk);
        AllFree(system.Snapshot());
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void A_reference_dropped_while_another_still_holds_the_slot_keeps_the_unmapped_folio_cached(string side)
    {
        // A second child shares the slot too (count 2 once the parent's read took its reference); after the
        // parent's unmap the folio is only in the cache, and the first child's exit leaves it there: the slot's
        // count is still 1 (free_swap_and_cache tries the cache only at count 0).
        var (system, parent, child, page) = Shared(side, 64);
        var second = system.Fork(child).Value;
        Assert.True(system.Munmap(parent, page).IsOk);
        Assert.True(system.ExitMm(child).IsOk);
        var left = system.Snapshot();
        Assert.Equal(new SlotState(1, 1, true, Word), Assert.Single(left.Swap[0].Used));
        Assert.Equal(1, SwapCached(left));
        Assert.Equal(Word, system.Access(second, Cpu0, page, false, 0).Value);
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void The_childs_fault_on_a_folio_only_the_swap_cache_holds_maps_it_and_keeps_it_cached(string side)
    {
        var (system, parent, child, page) = Shared(side, 64);
        Assert.True(system.Munmap(parent, page).IsOk);
        Assert.Equal(Word, system.Access(child, Cpu0, page, false, 0).Value);
        var read = system.Snapshot();
        Assert.Equal(1, Assert.Single(read.Folios).MapCount);
        Assert.Equal(new SlotState(1, 0, true, Word), Assert.Single(read.Swap[0].Used));
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Swapoff_maps_the_cached_folio_into_the_child_and_drops_it_from_the_swap_cache(string side)
    {
        // try_to_unuse: unuse_pte maps the swap cache's folio for the child's entry; then the cache is dropped.
        var (system, parent, child, page) = Shared(side, 64);
        Assert.True(system.Swapoff(new SwapType(0)).IsOk);
        var off = system.Snapshot();
        Assert.Empty(off.Swap);
        var folio = Assert.Single(off.Folios);
        Assert.Equal((2, false), (folio.MapCount, folio.Flags.HasFlag(FolioFlags.SwapCache)));
        Assert.Equal(Word, system.Access(child, Cpu0, page, false, 0).Value);
        Assert.Equal(Word, system.Access(parent, Cpu0, page, false, 0).Value);
    }

    [Fact]
    public void Reclaim_with_swap_full_frees_the_slot_of_a_cached_folio_it_activates_as_the_model_does()
    {
        // shrink_folio_list's activate_locked: a referenced folio in the swap cache loses its slot when swap is full
        // (vm_swap_full: under half the slots free). The child's read maps the cached folio too (the slot's count 0,
        // the folio kept: swap is not full yet), two more pages paged out take three of the four usable slots, and
        // reclaim finds two young PTEs (folio_check_references: activate, the slot freed, the folio dirty).
        var runs = ReclaimSides.Names.Select(side =>
        {
            var (system, parent, child, page) = Shared(side, 5);
            Assert.Equal(Word, system.Access(child, new CpuId(1), page, false, 0).Value);
            Assert.Equal(new SlotState(1, 0, true, Word), Assert.Single(system.Snapshot().Swap[0].Used));
            for (var other = 1UL; other <= 2; other++)
            {
                var addr = new VirtAddr(page.Value + (other * Pfn.PageSize));
                Assert.True(system.Access(parent, Cpu0, addr, true, Word + other).IsOk);
                Assert.Equal(1UL, system.PageOut(parent, addr).Value);
            }

            return (Reclaimed: system.TryToFreePages().Value, State: system.Snapshot());
        }).ToList();
        var (model, impl) = (runs[0].State, runs[1].State);
        Assert.True(impl.SameAs(model), impl.DiffFrom(model));
        Assert.Equal(runs[0].Reclaimed, runs[1].Reclaimed);

        // Then shrink_active_list deactivates it (the inactive anon list is low), the next pass reclaims it: written
        // out again (a fourth pswpout: a folio still in the swap cache would have been clean) to the lowest free slot.
        Assert.Equal(1UL, runs[0].Reclaimed);
        Assert.Empty(model.Folios);
        Assert.Equal((1UL, 1UL, 4UL), (model.Events.PgActivate, model.Events.PgDeactivate, model.Events.PswpOut));
        Assert.Equal(new SlotState(1, 2, false, Word), model.Swap[0].Used[0]);
    }
}
