using MMSpec.Impl.MemorySystem;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using Xunit;
using static MMSpec.Properties.Core.PageAddresses;

namespace MMSpec.Properties.MemorySystem;

/// <summary>Worked examples of the whole system, on MMSpec's models and on its implementations.</summary>
public sealed class SystemExamples
{
    public static TheoryData<string> Sides => ["model", "impl"];

    private static readonly CpuId Cpu0 = new(0);

    public static IMemorySystem Create(string side, SystemConfig config) =>
        side == "model" ? Model.MemorySystem.MemorySystem.Model(config) : ImplSystem.Create(config);

    /// <summary>Writes every page of the mapping until one fails: how many were written, and the error.</summary>
    private static (ulong Written, MmError? Error) WriteAll(IMemorySystem system, Pid pid, VirtAddr start, ulong pages)
    {
        for (var page = 0UL; page < pages; page++)
        {
            var written = system.Access(pid, Cpu0, Page(start, page), true, (ulong)pid.Value << 32 | page);
            if (!written.IsOk)
            {
                return (page, written.Error);
            }
        }

        return (pages, null);
    }

    /// <summary>
    /// 1024 frames: min_free_kbytes = int_sqrt(4096 * 16) = 256 kB, so min 64 pages, low 80, high 96 (the scale
    /// factor's 1 page is below min / 4).
    /// </summary>
    internal static readonly SystemConfig Small = new(1024, Cpus: 1, Files: 1, FilePages: 8);

    [Theory]
    [MemberData(nameof(Sides))]
    public void Processes_growing_without_swap_end_in_an_oom_kill_of_the_largest_and_the_reaper_frees_it(string side)
    {
        var system = Create(side, Small);
        var small = system.Fork(Pid.Init).Value;
        var large = system.Fork(Pid.Init).Value;
        var smallMap = system.Mmap(small, MapKind.Anon, 0, 300).Value;
        var largeMap = system.Mmap(large, MapKind.Anon, 0, 2000).Value;
        Assert.Equal((200UL, null), WriteAll(system, small, smallMap, 200));

        // GFP_HIGHUSER_MOVABLE stops at the min mark: 1024 - 200 - 64 = 760 pages, then nothing is reclaimable
        // (no swap, no file pages), so the OOM killer kills the larger process: 760 pages of anon, 2 PTE tables, a
        // PMD and a PUD table. The retry after the kill finds the victim not yet gone and waits.
        var (written, error) = WriteAll(system, large, largeMap, 2000);
        Assert.Equal(760UL, written);
        Assert.Equal(new AllocationStalled(Gfp.HighUserMovable, 0, large), error);
        var killed = system.Snapshot();
        Assert.Equal(
        [
            "Out of memory: Killed process 3 (init) total-vm:8000kB, anon-rss:3040kB, file-rss:0kB, shmem-rss:0kB, "
            + "UID:0 pgtables:16kB oom_score_adj:0",
        ], killed.Log.ToArray());
        Assert.Equal(1, killed.OomKills);
        Assert.True(killed.KswapdAwake);
        Assert.Equal(64UL, killed.Reclaim.Pages.FreePages);

        // The victim's /proc files: 760 anonymous pages and four 4 KiB tables; oom_badness 760 + 16384 / 4096 = 764
        // of 1024 pages, oom_score (1000 + 764 * 1000 / 1024) * 2 / 3 = 1164.
        Assert.Equal("VmSize:\t    8000 kB\nVmRSS:\t    3040 kB\nRssAnon:\t    3040 kB\nRssFile:\t       0 kB\n"
            + "RssShmem:\t       0 kB\nVmPTE:\t      16 kB\nVmSwap:\t       0 kB\n", SystemViews.Status(killed, large));
        Assert.Equal(1164L, SystemViews.OomScore(killed, large, new OomKillerModel()));
        Assert.Null(SystemViews.Status(killed, new Pid(99)));
        Assert.StartsWith("MemTotal:           4096 kB\nMemFree:             256 kB\nSwapCached:            0 kB\n",
            SystemViews.MemInfo(killed), StringComparison.Ordinal);
        Assert.Contains("pages free     64\n        boost    0\n        min      64\n        low      80\n",
            SystemViews.ZoneInfo(killed), StringComparison.Ordinal);

        // Another fault meets the pending victim: the scan aborts, nothing more is killed.
        Assert.IsType<AllocationStalled>(system.Access(small, Cpu0, Page(smallMap, 200), true, 1).Error);
        Assert.Equal(1, system.Snapshot().OomKills);

        // The reaper unmaps the victim's anonymous memory and sets MMF_OOM_SKIP; the small process goes on.
        Assert.True(system.OomReap(large).IsOk);
        var reaped = system.Snapshot();
        Assert.Equal("oom_reaper: reaped process 3 (init), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB",
            reaped.Log[^1]);
        Assert.Equal(824UL, reaped.Reclaim.Pages.FreePages);
        Assert.True(reaped.Tasks.Tasks.Single(t => t.Pid == large).OomSkip);
        Assert.Equal(new AlreadyReaped(large), system.OomReap(large).Error);
        Assert.Equal((100UL, null), WriteAll(system, small, Page(smallMap, 200), 100));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_victims_exit_gives_every_frame_back(string side)
    {
        var system = Create(side, Small);
        var hog = system.Fork(Pid.Init).Value;
        var map = system.Mmap(hog, MapKind.Anon, 0, 1000).Value;
        Assert.IsType<AllocationStalled>(WriteAll(system, hog, map, 1000).Error);
        Assert.True(system.DoExit(hog).IsOk);
        var after = system.Snapshot();
        Assert.Equal(1024UL, after.Reclaim.Pages.FreePages);
        Assert.Equal([Pid.Init], after.Tasks.Tasks.Select(t => t.Pid));
        Assert.Equal(new NoSuchProcess(hog), system.OomReap(hog).Error);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Oom_score_adj_minus_1000_is_never_killed_and_nothing_killable_is_a_panic_the_simulation_survives(
        string side)
    {
        var system = Create(side, Small);
        var hog = system.Fork(Pid.Init).Value;
        Assert.True(system.WriteOomScoreAdj(hog, -1000, capSysResource: true).IsOk);
        var map = system.Mmap(hog, MapKind.Anon, 0, 1000).Value;
        var (written, error) = WriteAll(system, hog, map, 1000);
        Assert.Equal(960UL, written);
        Assert.Equal(new KernelPanic(Gfp.HighUserMovable, 0), error);
        var panicked = system.Snapshot();
        Assert.Equal([OomLog.NoKillableProcesses, KernelPanic.LogLine], panicked.Log.ToArray());
        Assert.Equal((1, 0), (panicked.Panics, panicked.OomKills));
        Assert.True(system.DoExit(hog).IsOk);
        Assert.Equal(1024UL, system.Snapshot().Reclaim.Pages.FreePages);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Gfp_atomic_goes_below_min_to_its_reserve_and_fails_without_reclaiming(string side)
    {
        // ALLOC_MIN_RESERVE halves min (32), ALLOC_NON_BLOCK takes a quarter off that (24): free must stay above 24.
        var system = Create(side, Small);
        var hog = system.Fork(Pid.Init).Value;
        var map = system.Mmap(hog, MapKind.Anon, 0, 960).Value;
        Assert.Equal((960UL, null), WriteAll(system, hog, map, 960));
        for (var page = 0; page < 40; page++)
        {
            Assert.True(system.AllocPages(Gfp.Atomic, new Order(0)).IsOk);
        }

        var before = system.Snapshot();
        Assert.Equal(24UL, before.Reclaim.Pages.FreePages);
        Assert.Equal(new AllocationFailed(Gfp.Atomic, 0), system.AllocPages(Gfp.Atomic, new Order(0)).Error);
        Assert.Equal(0, system.Snapshot().OomKills);
        Assert.Equal(new AllocationFailed(Gfp.NoWait, 0), system.AllocPages(Gfp.NoWait, new Order(0)).Error);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Kswapd_woken_by_the_slow_path_reclaims_file_pages_until_the_high_mark(string side)
    {
        var system = Create(side, Small with { FilePages = 1000 });
        var reader = system.Fork(Pid.Init).Value;
        var file = system.Mmap(reader, MapKind.File, 0, 1000).Value;
        for (var page = 0UL; page < 1000; page++)
        {
            Assert.True(system.Access(reader, Cpu0, Page(file, page), false, 0).IsOk);
        }

        var read = system.Snapshot();
        Assert.True(read.KswapdAwake);
        Assert.True(read.Reclaim.Pages.FreePages > 64, $"{read.Reclaim.Pages.FreePages} free");
        var reclaimed = system.Kswapd().Value;
        var balanced = system.Snapshot();
        Assert.Equal(balanced.Reclaim.Pages.FreePages - read.Reclaim.Pages.FreePages, reclaimed);
        Assert.False(balanced.KswapdAwake);
        Assert.True(balanced.Reclaim.Pages.FreePages > 96, $"{balanced.Reclaim.Pages.FreePages} free");
        Assert.Equal(0UL, system.Kswapd().Value);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Kswapd_at_exactly_the_high_mark_is_not_balanced_and_reclaims(string side)
    {
        // pgdat_balanced asks __zone_watermark_ok, which fails at free_pages <= mark: 96 free pages of a 1024-frame
        // machine are not above high 96, so kswapd reclaims.
        var system = Create(side, Small with { FilePages = 1000 });
        var kernel = Enumerable.Range(0, 100).Select(_ => system.AllocPages(Gfp.Kernel, new Order(0)).Value).ToList();
        var reader = system.Fork(Pid.Init).Value;
        var file = system.Mmap(reader, MapKind.File, 0, 1000).Value;
        for (var page = 0UL; page < 1000; page++)
        {
            Assert.True(system.Access(reader, Cpu0, Page(file, page), false, 0).IsOk);
        }

        var free = system.Snapshot().Reclaim.Pages.FreePages;
        Assert.InRange(free, 64UL, 96UL);
        foreach (var pfn in kernel.Take((int)(96 - free)))
        {
            Assert.True(system.FreePages(pfn).IsOk);
        }

        var atHigh = system.Snapshot();
        Assert.True(atHigh.KswapdAwake);
        Assert.Equal(96UL, atHigh.Reclaim.Pages.FreePages);
        Assert.True(system.Kswapd().Value > 0);
        Assert.True(system.Snapshot().Reclaim.Pages.FreePages > 96);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Bad_input_is_a_typed_error_and_changes_nothing(string side)
    {
        var system = Create(side, Small);
        var child = system.Fork(Pid.Init).Value;
        var map = system.Mmap(child, MapKind.Anon, 0, 4).Value;
        var before = system.Snapshot();
        var nobody = new Pid(99);
        MmError?[] errors =
        [
            system.Fork(nobody).Error, system.DoExit(nobody).Error, system.DoExit(Pid.Init).Error,
            system.Access(nobody, Cpu0, map, true, 1).Error, system.Mmap(nobody, MapKind.Anon, 0, 1).Error,
            system.Access(child, Cpu0, Page(map, 9), true, 1).Error,
            system.Access(child, new CpuId(5), map, true, 1).Error,
            system.WriteOomScoreAdj(child, 1001, true).Error, system.WriteOomAdj(child, 16, true).Error,
            system.AllocPages(Gfp.Kernel | Gfp.Dma | Gfp.Dma32, new Order(0)).Error,
            system.AllocPages(Gfp.Kernel | Gfp.NoFail, new Order(0)).Error,
            system.AllocPages(Gfp.Kernel | Gfp.Dma32, new Order(0)).Error,
            system.AllocPages(Gfp.Kernel, new Order(11)).Error, system.FreePages(new Pfn(3)).Error,
            system.OomReap(child).Error, system.Munmap(child, Page(map, 1)).Error,
        ];
        Assert.Equal(
        [
            "NoSuchProcess", "NoSuchProcess", "ExitOfInit", "NoSuchProcess", "NoSuchProcess", "NotMapped",
            "NoSuchCpu", "InvalidOomScoreAdj", "InvalidOomAdj", "ContradictoryGfp", "ContradictoryGfp", "NoSuchZone",
            "InvalidOrder", "NotKernelPage", "NotAnOomVictim", "NotMapped",
        ], errors.Select(e => e?.GetType().Name ?? "ok"));
        Assert.True(system.Snapshot().SameAs(before), system.Snapshot().DiffFrom(before));
    }
}
