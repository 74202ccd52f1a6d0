using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Slab;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.MemorySystem;

/// <summary>
/// The kernel's own allocations through the whole system, worked by hand: kmalloc and slab caches take their blocks
/// from the one page allocator, vmalloc its pages one by one, and the views count them.
/// </summary>
public sealed class SystemKernelTests
{
    public static TheoryData<string> Sides => SystemExamples.Sides;

    /// <summary>1024 frames: min 64, low 80, high 96 (SystemExamples).</summary>
    private static readonly SystemConfig Small = new(1024, Cpus: 1, Files: 1, FilePages: 8);

    [Theory]
    [MemberData(nameof(Sides))]
    public void Kmalloc_takes_its_slab_from_the_page_allocator_and_free_pages_may_not_free_it(string side)
    {
        var system = SystemExamples.Create(side, Small);
        var first = system.Kmalloc(96, Gfp.Kernel).Value;
        Assert.Equal(first.Value + 96, system.Kmalloc(96, Gfp.Kernel).Value.Value);
        var large = system.Kmalloc(12288, Gfp.Kernel).Value;

        var state = system.Snapshot();
        var slab = Assert.Single(state.Slab.Caches.Single(c => c.Name == "kmalloc-96").Slabs);
        Assert.Equal(DirectMap.Of(slab.Pfn), first);
        Assert.True(DirectMap.TryPfn(large, Small.Frames, out var largePfn, out _));
        Assert.Equal(new Block(largePfn, new Order(2)), Assert.Single(state.Slab.Large));
        Assert.Equal(state.Reclaim.KernelPages.OrderBy(b => b.Pfn), state.Slab.Pages.Allocated.OrderBy(b => b.Pfn));
        Assert.Empty(state.PageAllocations());
        Assert.Equal(1024UL - 1 - 4, state.Reclaim.Pages.FreePages);
        Assert.Contains("Slab:                 20 kB\nSReclaimable:          0 kB\nSUnreclaim:           20 kB\n",
            SystemViews.MemInfo(state), StringComparison.Ordinal);

        var refused = system.FreePages(slab.Pfn);
        Assert.Equal(new OwnedByAllocator(slab.Pfn, "the slab allocator"), refused.Error);
        Assert.True(system.Snapshot().SameAs(state));
        Assert.IsType<KmallocTooLarge>(system.Kmalloc(KmallocSizes.MaxSize + 1, Gfp.Kernel).Error);
        Assert.IsType<AddressOutsideDirectMap>(system.Kfree(new VirtAddr(ReclaimModel.FirstMapping)).Error);
        Assert.True(system.Snapshot().SameAs(state));

        Assert.True(system.Kfree(large).IsOk);
        Assert.Empty(system.Snapshot().Slab.Large);
        Assert.Equal(1024UL - 1, system.Snapshot().Reclaim.Pages.FreePages);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_cache_of_its_own_allocates_and_frees_through_the_system(string side)
    {
        var system = SystemExamples.Create(side, Small);
        var cache = system.KmemCacheCreate("mmspec-200", 200, 8).Value;
        var obj = system.KmemCacheAlloc(cache, Gfp.Kernel).Value;
        var state = system.Snapshot();
        var slab = Assert.Single(state.Slab.Cache(cache)!.Slabs);
        Assert.Equal(DirectMap.Of(slab.Pfn), obj);
        Assert.Contains(state.Reclaim.KernelPages, b => b.Pfn == slab.Pfn);

        var other = system.KmemCacheCreate("mmspec-24", 24, 8).Value;
        Assert.IsType<WrongCache>(system.KmemCacheFree(other, obj).Error);
        Assert.IsType<ContradictoryGfp>(system.KmemCacheAlloc(cache, Gfp.Kernel | Gfp.Dma | Gfp.Dma32).Error);
        Assert.True(system.KmemCacheFree(cache, obj).IsOk);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Vmalloc_places_each_area_after_the_last_with_a_guard_page_and_vfree_gives_the_pages_back(string side)
    {
        var system = SystemExamples.Create(side, Small);
        const ulong start = 0xffff_c900_0000_0000UL;
        Assert.Equal(start, system.Vmalloc(3).Value.Value);

        // 3 pages and the guard page: the next area starts 4 pages on.
        Assert.Equal(start + 0x4000, system.Vmalloc(1).Value.Value);
        var state = system.Snapshot();
        Assert.Equal(1024UL - 4, state.Reclaim.Pages.FreePages);
        Assert.Contains("VmallocUsed:          16 kB\n", SystemViews.MemInfo(state), StringComparison.Ordinal);
        Assert.Equal(OwnedByAllocator(state.Vmalloc[0].Frames[0]), system.FreePages(state.Vmalloc[0].Frames[0]).Error);

        Assert.True(system.Vfree(new VirtAddr(start)).IsOk);
        Assert.Equal(1024UL - 1, system.Snapshot().Reclaim.Pages.FreePages);

        // The hole of 4 pages at the start holds 2 pages and a guard page.
        Assert.Equal(start, system.Vmalloc(2).Value.Value);
        state = system.Snapshot();
        Assert.IsType<NotVmallocArea>(system.Vfree(new VirtAddr(start + 0x800)).Error);
        Assert.True(system.Vfree(new VirtAddr(0)).IsOk);
        Assert.IsType<InvalidRange>(system.Vmalloc(0).Error);
        Assert.Equal("vmalloc error: size 4198400, exceeds total pages",
            Assert.IsType<InvalidRange>(system.Vmalloc(1025).Error).Why);
        Assert.True(system.Snapshot().SameAs(state));
    }

    private static OwnedByAllocator OwnedByAllocator(Pfn pfn) => new(pfn, "vmalloc");

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_kmalloc_below_the_low_mark_wakes_kswapd_and_takes_a_page_at_the_min_mark(string side)
    {
        var system = SystemExamples.Create(side, Small);
        var proc = system.Fork(Pid.Init).Value;
        var map = system.Mmap(proc, MapKind.Anon, 0, 950).Value;
        for (var page = 0UL; page < 950; page++)
        {
            Assert.True(system.Access(proc, new CpuId(0), new VirtAddr(map.Value + (page * Pfn.PageSize)), true, page)
                .IsOk);
        }

        // 1024 - 950 = 74 free pages, below low 80: the slab's page fails at the low mark, the slow path wakes kswapd
        // and the retry at the min mark (64) finds it. No direct reclaim, so no allocstall.
        Assert.Equal(74UL, system.Snapshot().Reclaim.Pages.FreePages);
        Assert.True(system.Kmalloc(96, Gfp.Kernel).IsOk);
        var state = system.Snapshot();
        Assert.True(state.KswapdAwake);
        Assert.Equal(73UL, state.Reclaim.Pages.FreePages);
        Assert.Equal(new AllocStalls(0, 0), state.AllocStalls);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Vmstat_counts_direct_reclaim_by_the_zone_of_the_mask_and_the_oom_kills(string side)
    {
        var system = SystemExamples.Create(side, Small);
        var fresh = SystemViews.VmStat(system.Snapshot());
        Assert.StartsWith("nr_free_pages 1024\nnr_zone_inactive_anon 0\nnr_zone_active_anon 0\n"
            + "nr_zone_inactive_file 0\nnr_zone_active_file 0\nnr_zone_unevictable 0\nnr_inactive_anon 0\n"
            + "nr_active_anon 0\nnr_inactive_file 0\nnr_active_file 0\nnr_unevictable 0\nnr_slab_reclaimable 0\n"
            + "nr_slab_unreclaimable 0\npgpgin 0\npgpgout 0\npswpin 0\npswpout 0\nallocstall_normal 0\n"
            + "allocstall_movable 0\npgactivate 0\n", fresh, StringComparison.Ordinal);
        Assert.Contains("pgsteal_file 0\noom_kill 0\npgmigrate_success 0\n", fresh, StringComparison.Ordinal);

        // A process writes past the machine: its faults (GFP_HIGHUSER_MOVABLE, ZONE_MOVABLE) reclaim in vain, and
        // the OOM killer kills it. A GFP_KERNEL kmalloc then reclaims in vain too (ZONE_NORMAL) and waits for it.
        var proc = system.Fork(Pid.Init).Value;
        var map = system.Mmap(proc, MapKind.Anon, 0, 2000).Value;
        MmError? error = null;
        for (var page = 0UL; page < 2000 && error is null; page++)
        {
            error = system.Access(proc, new CpuId(0), new VirtAddr(map.Value + (page * Pfn.PageSize)), true, 1).Error;
        }

        Assert.IsType<AllocationStalled>(error);
        var killed = system.Snapshot();
        Assert.Equal(1, killed.OomKills);
        Assert.True(killed.AllocStalls is { Normal: 0, Movable: > 0 });
        Assert.IsType<AllocationStalled>(system.Kmalloc(12288, Gfp.Kernel).Error);
        var stalled = system.Snapshot();
        Assert.True(stalled.AllocStalls.Normal > 0);
        var vmstat = SystemViews.VmStat(stalled);
        Assert.Contains($"\nallocstall_normal {stalled.AllocStalls.Normal}\nallocstall_movable "
            + $"{stalled.AllocStalls.Movable}\n", vmstat, StringComparison.Ordinal);
        Assert.Contains("\noom_kill 1\n", vmstat, StringComparison.Ordinal);
    }
}
