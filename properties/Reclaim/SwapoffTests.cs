using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using Xunit;
using static MMSpec.Properties.Core.PageAddresses;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// swapoff's try_to_unuse and the shmem object's pages, written out by hand on both sides: shmem_unuse takes an
/// object's entries by index, the slots only the swap cache holds lose their folio after unuse_mm, an object freed
/// with pages on swap gives its slots back and leaves shmem_swaplist, a forked shmem mapping keeps its object, a
/// zapped dirty entry dirties its folio, swap_map reads name the cache of any area, and both sides list the shmem
/// swap entries alike. The campaign reaches these states too rarely for a mutation run's budget.
/// </summary>
public sealed class SwapoffTests
{
    private static readonly ReclaimConfig Machine = new(128, 1, 1, 4);

    private static readonly CpuId Cpu0 = new(0);

    /// <summary>A shmem mapping of <paramref name="pages"/> pages, page i holding i + 1.</summary>
    private static (IReclaimSystem System, AsId Mm, VirtAddr Start) Shmem(string side, int pages)
    {
        var system = ReclaimSides.Create(side, Machine);
        Assert.True(system.Swapon(16, null).IsOk);
        var mm = system.CreateMm().Value;
        var start = system.Mmap(mm, MapKind.Shmem, 0, (ulong)pages).Value;
        for (var i = 0; i < pages; i++)
        {
            Assert.True(system.Access(mm, Cpu0, Page(start, (ulong)i), true, (ulong)i + 1).IsOk);
        }

        return (system, mm, start);
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Swapoff_reads_a_shmem_objects_pages_back_in_index_order(string side)
    {
        // Paged out last page first, so the slots run against the indices; shmem_unuse_swap_entries goes by index
        // and the lowest free frame goes to index 0.
        var (system, mm, start) = Shmem(side, 3);
        for (var i = 2; i >= 0; i--)
        {
            Assert.Equal(1UL, system.PageOut(mm, Page(start, (ulong)i)).Value);
        }

        Assert.True(system.Swapoff(new SwapType(0)).IsOk);
        var folios = system.Snapshot().Folios.Where(f => f.Kind == FolioKind.Shmem).OrderBy(f => f.Pfn).ToArray();
        Assert.Equal([0UL, 1, 2], folios.Select(f => f.Index));
        Assert.Equal([1UL, 2, 3], folios.Select(f => f.Content));
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void A_shmem_object_freed_with_pages_on_swap_gives_its_slots_back_and_swapoff_still_runs(string side)
    {
        var (system, mm, start) = Shmem(side, 2);
        Assert.Equal(1UL, system.PageOut(mm, Page(start, 1)).Value);
        Assert.Single(system.Snapshot().Swap[0].Used);
        Assert.True(system.Munmap(mm, start).IsOk);
        var freed = system.Snapshot();
        Assert.Empty(freed.Swap[0].Used);
        Assert.Empty(freed.ShmemSwap);
        Assert.Equal(Machine.Frames, freed.Pages.FreePages);
        Assert.True(system.Swapoff(new SwapType(0)).IsOk);
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void A_forked_shmem_mapping_keeps_the_object_until_its_last_mapping_goes(string side)
    {
        var (system, mm, start) = Shmem(side, 2);
        var child = system.Fork(mm).Value;
        Assert.True(system.ExitMm(child).IsOk);
        Assert.Equal(2UL, system.Access(mm, Cpu0, Page(start, 1), false, 0).Value);
        Assert.Equal(2, system.Snapshot().Folios.Count(f => f.Kind == FolioKind.Shmem));
        Assert.True(system.ExitMm(mm).IsOk);
        Assert.Empty(system.Snapshot().Folios);
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Swapoff_drops_every_slot_only_the_swap_cache_holds(string side)
    {
        // Three pages paged out and forked (each slot's count 2); the parent reads them back through the swap cache
        // and the child exits: three slots of count 0 that only the cache holds, their folios mapped. After
        // unuse_mm finds no entry, try_to_unuse's last loop takes every one of them out of the cache.
        var system = ReclaimSides.Create(side, Machine);
        Assert.True(system.Swapon(16, null).IsOk);
        var parent = system.CreateMm().Value;
        var start = system.Mmap(parent, MapKind.Anon, 0, 3).Value;
        for (var i = 0; i < 3; i++)
        {
            Assert.True(system.Access(parent, Cpu0, Page(start, (ulong)i), true, (ulong)i + 1).IsOk);
            Assert.Equal(1UL, system.PageOut(parent, Page(start, (ulong)i)).Value);
        }

        var child = system.Fork(parent).Value;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal((ulong)i + 1, system.Access(parent, Cpu0, Page(start, (ulong)i), false, 0).Value);
        }

        Assert.True(system.ExitMm(child).IsOk);
        var cached = system.Snapshot();
        Assert.Equal([0, 0, 0], cached.Swap[0].Used.Select(s => s.Count));
        Assert.All(cached.Swap[0].Used, s => Assert.True(s.HasCache));
        Assert.All(cached.Swap[0].Used, s =>
            Assert.Equal(new SwapSlot(0, true), system.ReadSwapSlot(new SwapEntry(new SwapType(0), s.Offset)).Value));

        Assert.True(system.Swapoff(new SwapType(0)).IsOk);
        var off = system.Snapshot();
        Assert.Empty(off.Swap);
        Assert.All(off.Folios, f => Assert.False(f.Flags.HasFlag(FolioFlags.SwapCache)));
        Assert.All(off.Folios, f => Assert.Null(f.Swap));
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void A_slot_of_the_second_area_reads_its_count_and_the_cache_of_the_folio_at_frame_0(string side)
    {
        // Every frame but 0 taken by the kernel, so the page the parent reads back lands at pfn 0.
        var system = ReclaimSides.Create(side, Machine);
        Assert.True(system.Swapon(16, 1).IsOk);
        var second = system.Swapon(16, 2).Value;
        var parent = system.CreateMm().Value;
        var page = system.Mmap(parent, MapKind.Anon, 0, 1).Value;
        Assert.True(system.Access(parent, Cpu0, page, true, 0x77).IsOk);
        Assert.Equal(1UL, system.PageOut(parent, page).Value);
        var entry = new SwapEntry(second, 1);
        Assert.Equal(new SwapSlot(1, false), system.ReadSwapSlot(entry).Value);
        var child = system.Fork(parent).Value;
        Assert.Equal(new SwapSlot(2, false), system.ReadSwapSlot(entry).Value);
        var kernel = ReclaimSides.TakeEveryFreeFrame(system, Machine);
        Assert.True(system.KernelFree(new Pfn(0)).IsOk);
        Assert.Equal(0x77UL, system.Access(parent, Cpu0, page, false, 0).Value);
        Assert.Equal(new Pfn(0), Assert.Single(system.Snapshot().Folios).Pfn);
        Assert.Equal(new SwapSlot(1, true), system.ReadSwapSlot(entry).Value);
        Assert.Contains(new Pfn(0), kernel);
        Assert.True(system.ExitMm(child).IsOk);
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void A_zapped_dirty_shmem_entry_dirties_its_folio(string side)
    {
        // shmem_fault maps a read writable, so the write after it sets only the entry's dirty bit; the unmap hands
        // it to the folio (zap_present_folio_ptes: folio_mark_dirty), which the fork's mapping keeps alive.
        var system = ReclaimSides.Create(side, Machine);
        var mm = system.CreateMm().Value;
        var page = system.Mmap(mm, MapKind.Shmem, 0, 1).Value;
        Assert.Equal(0UL, system.Access(mm, Cpu0, page, false, 0).Value);
        Assert.True(system.Fork(mm).IsOk);
        Assert.True(system.Access(mm, Cpu0, page, true, 3).IsOk);
        Assert.False(Assert.Single(system.Snapshot().Folios).Flags.HasFlag(FolioFlags.Dirty));
        Assert.True(system.Munmap(mm, page).IsOk);
        Assert.True(Assert.Single(system.Snapshot().Folios).Flags.HasFlag(FolioFlags.Dirty));
    }

    [Fact]
    public void Both_sides_list_the_shmem_swap_entries_by_object_then_index()
    {
        var states = ReclaimSides.Names.Select(side =>
        {
            var system = ReclaimSides.Create(side, Machine);
            Assert.True(system.Swapon(16, null).IsOk);
            var mm = system.CreateMm().Value;
            var first = system.Mmap(mm, MapKind.Shmem, 0, 2).Value;
            var second = system.Mmap(mm, MapKind.Shmem, 0, 2).Value;
            foreach (var page in new[] { Page(second, 1), Page(first, 1), Page(second, 0), Page(first, 0) })
            {
                Assert.True(system.Access(mm, Cpu0, page, true, page.Value).IsOk);
                Assert.Equal(1UL, system.PageOut(mm, page).Value);
            }

            return system.Snapshot();
        }).ToList();
        Assert.Equal([0UL, 1, 0, 1], states[0].ShmemSwap.Select(e => e.Index));
        Assert.True(states[0].ShmemSwap[0].Owner < states[0].ShmemSwap[2].Owner, states[0].ToString());
        Assert.True(states[1].SameAs(states[0]), states[1].DiffFrom(states[0]));
    }
}
