using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Slab;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.MemorySystem;

/// <summary>
/// The whole system's values as a counterexample prints them: every call, every error, the first part of two states
/// that differs, a task's line; and the pid search's edges (RESERVED_PIDS after the first wrap).
/// </summary>
public sealed class SystemTextTests
{
    private static readonly Pid Seven = new(7);

    public static TheoryData<SystemOp, string> Calls => new()
    {
        { new SystemOp.Fork(Seven), "fork(pid 7)" },
        { new SystemOp.DoExit(Seven), "do_exit(pid 7)" },
        { new SystemOp.SetComm(Seven, "sh"), "set_comm(pid 7, \"sh\")" },
        { new SystemOp.WriteOomScoreAdj(Seven, -5, true), "echo -5 > /proc/7/oom_score_adj (CAP_SYS_RESOURCE)" },
        { new SystemOp.WriteOomScoreAdj(Seven, 5, false), "echo 5 > /proc/7/oom_score_adj" },
        { new SystemOp.WriteOomAdj(Seven, -17, true), "echo -17 > /proc/7/oom_adj (CAP_SYS_RESOURCE)" },
        { new SystemOp.WriteOomAdj(Seven, 3, false), "echo 3 > /proc/7/oom_adj" },
        { new SystemOp.Mmap(Seven, MapKind.File, 1, 4), "mmap(pid 7, 4 pages, File file1)" },
        { new SystemOp.Mmap(Seven, MapKind.FileExec, 0, 2), "mmap(pid 7, 2 pages, FileExec file0)" },
        { new SystemOp.Mmap(Seven, MapKind.Anon, 1, 4), "mmap(pid 7, 4 pages, Anon)" },
        { new SystemOp.Munmap(Seven, new VirtAddr(0x1000)), "munmap(pid 7, 0x1000)" },
        {
            new SystemOp.Access(Seven, new CpuId(1), new VirtAddr(0x2000), true, 0xab),
            "pid 7 cpu1 writes 0xab at 0x2000"
        },
        { new SystemOp.Access(Seven, new CpuId(0), new VirtAddr(0x2000), false), "pid 7 cpu0 reads 0x2000" },
        { new SystemOp.AllocPages(Gfp.Atomic, new Order(2)), "alloc_pages(Atomic, order 2)" },
        { new SystemOp.FreePages(new Pfn(16)), "__free_pages(pfn=0x10)" },
        { new SystemOp.KmemCacheCreate("obj", 24, 8), "kmem_cache_create(\"obj\", 24, align 8)" },
        { new SystemOp.KmemCacheAlloc(new CacheId(13), Gfp.Atomic), "kmem_cache_alloc(13, Atomic)" },
        { new SystemOp.KmemCacheFree(new CacheId(13), new VirtAddr(0x40)), "kmem_cache_free(13, 0x40)" },
        { new SystemOp.Kmalloc(96, Gfp.Kernel), "kmalloc(96, Kernel)" },
        { new SystemOp.Kfree(new VirtAddr(0x10)), "kfree(0x10)" },
        { new SystemOp.Vmalloc(3), "vmalloc(3 pages)" },
        { new SystemOp.Vfree(new VirtAddr(0x20)), "vfree(0x20)" },
        { new SystemOp.Swapon(64), "swapon(64 slots)" },
        { new SystemOp.Swapon(64, 5), "swapon(64 slots, prio 5)" },
        { new SystemOp.Kswapd(), "kswapd runs" },
        { new SystemOp.OomReap(Seven), "oom_reaper reaps pid 7" },
        { new SystemOp.StartWriteback(), "flusher writes back" },
        { new SystemOp.EndWriteback(), "writeback completes" },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public void A_call_prints_as_the_kernel_reader_knows_it(SystemOp op, string text) =>
        Assert.Equal(text, op.ToString());

    public static TheoryData<MmError, string> Errors => new()
    {
        { new NoSuchProcess(Seven), "no process has pid 7" },
        { new ExitOfInit(), "init may not exit: the kernel would panic (Attempted to kill init!)" },
        { new NoPidLeft(32768), "every pid below pid_max 32768 is in use" },
        { new UnkillableTask(Pid.Init), "pid 1 is init: the OOM killer never kills it" },
        { new NotAnOomVictim(Seven), "pid 7 is not an OOM victim: there is nothing to reap" },
        { new InvalidOomScoreAdj(1001), "oom_score_adj 1001 is outside -1000..1000" },
        { new InvalidOomAdj(16), "oom_adj 16 is outside -17..15" },
        { new AllocationFailed(Gfp.Kernel, 3), "page allocation failure: order:3, mode:Kernel" },
        {
            new AllocationStalled(Gfp.Kernel, 0, Seven),
            "an order-0 allocation (Kernel) waits for OOM victim pid 7 to go"
        },
        { new AllocationStalled(Gfp.NoFs, 1, null), "an order-1 allocation (NoFs) waits for memory to be freed" },
        { new KernelPanic(Gfp.Kernel, 0),
            "Kernel panic - not syncing: System is deadlocked on memory (an order-0 allocation, Kernel)" },
        { new AlreadyReaped(Seven), "the OOM reaper is done with pid 7's mm (MMF_OOM_SKIP)" },
        { new OwnedByAllocator(new Pfn(32), "vmalloc"), "pfn 0x20 belongs to vmalloc, not to a caller of alloc_pages" },
        {
            new OomScoreAdjDenied(Seven, new OomScoreAdj(-5), new OomScoreAdj(0)),
            "pid 7: oom_score_adj -5 is below 0 without CAP_SYS_RESOURCE"
        },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void An_error_says_what_was_wrong(MmError error, string message) => Assert.Equal(message, error.Message);

    [Fact]
    public void A_task_prints_its_adj_and_whether_it_is_a_victim_the_reaper_is_done_with()
    {
        var task = new TaskState(Seven, Pid.Init, "sh", new OomScoreAdj(-5), new OomScoreAdj(-10));
        Assert.Equal("pid 7 (sh) parent 1 adj -5 min -10", task.ToString());
        Assert.Equal("pid 7 (sh) parent 1 adj -5 min -10 victim oom-skip",
            (task with { Victim = true, OomSkip = true }).ToString());
        Assert.Equal("allocstall normal 2, movable 3", new AllocStalls(2, 3).ToString());
    }

    [Fact]
    public void A_slow_path_request_and_run_print_their_parts()
    {
        Assert.Equal("order 2, gfp Kernel, an OOM victim", new SlowPathRequest(Gfp.Kernel, 2, true).ToString());
        Assert.Equal("order 0, gfp Atomic", new SlowPathRequest(Gfp.Atomic, 0).ToString());
        var run = new SlowPathModel().Run(new SlowPathRequest(Gfp.Atomic, 0),
            new Conformance.MemorySystem.ScriptedWorld(new([false, false], [], [], [], [], [])));
        Assert.Equal("Failed after:\n  WakeKswapd\n  get_page_from_freelist(NonBlock, MinReserve, Kswapd) = NULL\n"
            + "  WakeKswapd\n  get_page_from_freelist(NonBlock, MinReserve, Kswapd) = NULL", run.ToString());
    }

    [Fact]
    public void A_pid_is_left_below_reserved_pids_until_the_first_wrap_and_above_them_after()
    {
        static TaskTableSnapshot Table(int lastPid, int pidMax, IEnumerable<int> pids) => new(
            [.. pids.Select(p => new TaskState(new Pid(p), Pid.Init, "t", new OomScoreAdj(0), new OomScoreAdj(0)))],
            lastPid, pidMax);

        // Before the wrap (the last pid 299, the next 300 = RESERVED_PIDS) the search starts at 1: 309 pids, 11 used.
        Assert.True(Table(299, 310, [1, .. Enumerable.Range(300, 10)]).PidLeft);

        // After it, from 300: the 10 pids 300..309 are all in use, whatever is free below.
        Assert.False(Table(305, 310, [1, 2, 3, 4, 5, .. Enumerable.Range(300, 10)]).PidLeft);

        // The last pid 300 has passed RESERVED_PIDS: the search starts there, whatever is free below.
        Assert.False(Table(300, 310, [1, .. Enumerable.Range(300, 10)]).PidLeft);

        // Every pid 1..11 of pid_max 12 in use: none left.
        Assert.False(Table(5, 12, Enumerable.Range(1, 11)).PidLeft);
        Assert.True(Table(5, 12, Enumerable.Range(1, 10)).PidLeft);
    }

    [Fact]
    public void Two_states_name_the_first_part_that_differs()
    {
        var system = Model.MemorySystem.MemorySystem.Model(new SystemConfig(256));
        var boot = system.Snapshot();
        Assert.Null(boot.DiffFrom(boot));
        var child = system.Fork(Pid.Init).Value;
        system.Access(child, new CpuId(0), system.Mmap(child, MapKind.Anon, 0, 1).Value, true, 1);
        var forked = system.Snapshot();

        // The task table first, then the address spaces, then the reclaim system.
        Assert.Equal(boot.Tasks.DiffFrom(forked.Tasks), boot.DiffFrom(forked));
        Assert.StartsWith("address spaces [", (boot with { Tasks = forked.Tasks }).DiffFrom(forked),
            StringComparison.Ordinal);
        Assert.Equal(boot.Reclaim.DiffFrom(forked.Reclaim),
            (boot with { Tasks = forked.Tasks, Mms = forked.Mms }).DiffFrom(forked));
        Assert.True(system.Kmalloc(64, Gfp.Kernel).IsOk);
        var slabbed = system.Snapshot();
        Assert.NotNull(forked.Slab.DiffFrom(slabbed.Slab));
        Assert.Equal(forked.Slab.DiffFrom(slabbed.Slab), (forked with { Reclaim = slabbed.Reclaim }).DiffFrom(slabbed));

        var awake = boot with { KswapdAwake = true, OomKills = 2, Log = ["a"] };
        Assert.Equal("kswapd False, 0 kills, 0 panics vs kswapd True, 2 kills, 0 panics", boot.DiffFrom(awake));
        Assert.Equal("log line 0: \"a\" vs \"b\"", awake.DiffFrom(awake with { Log = ["b"] }));
        Assert.Equal("log of 1 lines vs 2", awake.DiffFrom(awake with { Log = ["a", "b"] }));
        Assert.Equal("allocstall normal 0, movable 0 vs allocstall normal 1, movable 0",
            boot.DiffFrom(boot with { AllocStalls = new AllocStalls(1, 0) }));
        Assert.Equal("vmalloc areas [] vs [0x1000+1]",
            boot.DiffFrom(boot with { Vmalloc = [new Model.Paging.VmallocArea(0x1000, [new Pfn(3)])] }));
    }

    [Fact]
    public void Two_states_list_every_address_space_and_vmalloc_area_and_name_allocstall_before_kswapd()
    {
        var system = Model.MemorySystem.MemorySystem.Model(new SystemConfig(256));
        Assert.True(system.Fork(Pid.Init).IsOk);
        var one = system.Snapshot();
        Assert.True(system.Fork(Pid.Init).IsOk);
        var two = system.Snapshot();
        Assert.Equal("address spaces [pid 1: mm1, pid 2: mm2] vs [pid 1: mm1, pid 2: mm2, pid 3: mm3]",
            (one with { Tasks = two.Tasks }).DiffFrom(two));

        Model.Paging.VmallocArea Area(ulong start, ulong pfn) => new(start, [new Pfn(pfn), new Pfn(pfn + 1)]);
        var areas = one with { Vmalloc = [Area(0x1000, 3), Area(0x4000, 5)] };
        Assert.Equal("vmalloc areas [0x1000+2, 0x4000+2] vs [0x1000+2, 0x7000+2]",
            areas.DiffFrom(areas with { Vmalloc = [Area(0x1000, 3), Area(0x7000, 5)] }));

        var stalled = one with { AllocStalls = new AllocStalls(0, 1), KswapdAwake = !one.KswapdAwake };
        Assert.Equal($"{one.AllocStalls} vs {stalled.AllocStalls}", one.DiffFrom(stalled));
    }

    public static TheoryData<TaskOp, string> TaskCalls => new()
    {
        { new TaskOp.Fork(Seven), "fork(pid 7)" },
        { new TaskOp.DoExit(Seven), "do_exit(pid 7)" },
        { new TaskOp.SetComm(Seven, "sh"), "set_comm(pid 7, \"sh\")" },
        { new TaskOp.WriteOomScoreAdj(Seven, -5, true), "echo -5 > /proc/7/oom_score_adj (CAP_SYS_RESOURCE)" },
        { new TaskOp.WriteOomScoreAdj(Seven, 5, false), "echo 5 > /proc/7/oom_score_adj" },
        { new TaskOp.MarkOomVictim(Seven), "mark_oom_victim(pid 7)" },
        { new TaskOp.OomReaped(Seven), "oom_reaped(pid 7)" },
        { new TaskOp.WriteOomAdj(Seven, -17, true), "echo -17 > /proc/7/oom_adj (CAP_SYS_RESOURCE)" },
        { new TaskOp.WriteOomAdj(Seven, 3, false), "echo 3 > /proc/7/oom_adj" },
    };

    [Theory]
    [MemberData(nameof(TaskCalls))]
    public void A_task_table_call_prints_as_the_kernel_reader_knows_it(TaskOp op, string text) =>
        Assert.Equal(text, op.ToString());

    [Fact]
    public void A_config_a_swapoff_and_a_refused_mask_print_what_they_hold()
    {
        Assert.Equal("256 frames, 2 CPUs, 2 files of 64 pages, pid_max 32768", new SystemConfig(256).ToString());
        Assert.Equal("swapoff(swap1)", new SystemOp.Swapoff(new SwapType(1)).ToString());
        Assert.Equal("gfp Dma32, Kernel: why", new ContradictoryGfp(Gfp.Kernel | Gfp.Dma32, "why").Message);
    }

    [Fact]
    public void Total_pages_count_the_usable_swap_slots_with_the_frames()
    {
        var system = Model.MemorySystem.MemorySystem.Model(new SystemConfig(256));
        Assert.True(system.Swapon(65, null).IsOk);
        Assert.Equal(256UL + 64, SystemViews.TotalPages(system.Snapshot()));
    }

    [Fact]
    public void Status_prints_each_kind_of_resident_page_in_kilobytes()
    {
        var system = Model.MemorySystem.MemorySystem.Model(new SystemConfig(256, Files: 1, FilePages: 8));
        var pid = system.Fork(Pid.Init).Value;
        var cpu = new CpuId(0);
        var file = system.Mmap(pid, MapKind.File, 0, 2).Value;
        var shmem = system.Mmap(pid, MapKind.Shmem, 0, 3).Value;
        var anon = system.Mmap(pid, MapKind.Anon, 0, 1).Value;
        for (var page = 0UL; page < 3; page++)
        {
            Assert.True(system.Access(pid, cpu, new VirtAddr(shmem.Value + (page * Pfn.PageSize)), true, 1).IsOk);
        }

        Assert.True(system.Access(pid, cpu, file, false, 0).IsOk);
        Assert.True(system.Access(pid, cpu, new VirtAddr(file.Value + Pfn.PageSize), false, 0).IsOk);
        Assert.True(system.Access(pid, cpu, anon, true, 1).IsOk);

        // 6 pages mapped: 1 anon, 2 file, 3 shmem; one PTE table, one PMD, one PUD for the three mappings together.
        Assert.Equal("VmSize:\t      24 kB\nVmRSS:\t      24 kB\nRssAnon:\t       4 kB\nRssFile:\t       8 kB\n"
            + "RssShmem:\t      12 kB\nVmPTE:\t      12 kB\nVmSwap:\t       0 kB\n",
            SystemViews.Status(system.Snapshot(), pid));
    }

    [Fact]
    public void Status_prints_the_pages_on_swap_in_kilobytes()
    {
        var system = Model.MemorySystem.MemorySystem.Model(new SystemConfig(256, Files: 1, FilePages: 8));
        Assert.True(system.Swapon(512, null).IsOk);
        var pid = system.Fork(Pid.Init).Value;
        var anon = system.Mmap(pid, MapKind.Anon, 0, 300).Value;
        for (var page = 0UL; page < 300; page++)
        {
            var addr = new VirtAddr(anon.Value + (page * Pfn.PageSize));
            Assert.True(system.Access(pid, new CpuId(0), addr, true, 1).IsOk);
        }

        var snapshot = system.Snapshot();
        var swapped = snapshot.Reclaim.Mms.Single(m => m.Id == snapshot.Mms.Single(p => p.Pid == pid).Mm).VmSwap;
        Assert.True(swapped > 0, "300 pages written on 256 frames: some went to swap");
        Assert.EndsWith($"VmSwap:\t{swapped * 4,8} kB\n", SystemViews.Status(snapshot, pid), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_task_tables_name_the_last_pid_then_the_count_then_the_first_task_that_differs()
    {
        static TaskState Task(int pid) => new(new Pid(pid), Pid.Init, "t", new OomScoreAdj(0), new OomScoreAdj(0));
        var table = new TaskTableSnapshot([Task(1), Task(2)], 2, 32768);
        Assert.Equal("last pid 2, not 3", table.DiffFrom(table with { LastPid = 3 }));
        Assert.Equal("2 tasks, not 1", table.DiffFrom(table with { Tasks = [Task(1)] }));
        Assert.Null(table.DiffFrom(table with { Tasks = [Task(1), Task(2)] }));
    }
}
