using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Oom;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Slab;
using MMSpec.Model.Tlb;

namespace MMSpec.Model.MemorySystem;

/// <summary>
/// A whole memory manager (docs/system.md): processes that own address spaces, kernel allocations, one page
/// allocator with Linux 6.18's watermarks and slow path under every allocation, reclaim, swap and compaction, and
/// the OOM killer with its reaper. Time is events: kswapd's pass, the reaper's, writeback. Bad input returns a
/// typed error and changes nothing; an allocation the slow path cannot satisfy returns
/// <see cref="AllocationFailed"/>, <see cref="AllocationStalled"/> or <see cref="KernelPanic"/>, after what
/// reclaim, compaction and the OOM killer did on the way (those are not undone: they are the kernel's work).
/// </summary>
public interface IMemorySystem
{
    SystemConfig Config { get; }

    /// <summary>fork: copy_mm (dup_mmap, copy-on-write), then alloc_pid; the child at the task list's tail.</summary>
    Result<Pid> Fork(Pid parent);

    /// <summary>do_exit: the task gone, its children to init, its address space torn down (exit_mmap).</summary>
    Result<Unit> DoExit(Pid pid);

    /// <summary>prctl(PR_SET_NAME): the comm, cut to 15 characters.</summary>
    Result<Unit> SetComm(Pid pid, string comm);

    /// <summary>A write of /proc/&lt;pid&gt;/oom_score_adj.</summary>
    Result<Unit> WriteOomScoreAdj(Pid pid, int value, bool capSysResource);

    /// <summary>A write of the legacy /proc/&lt;pid&gt;/oom_adj.</summary>
    Result<Unit> WriteOomAdj(Pid pid, int value, bool capSysResource);

    /// <summary>mmap in the process's address space (IReclaimSystem.Mmap's kinds).</summary>
    Result<VirtAddr> Mmap(Pid pid, MapKind kind, int file, ulong pages);

    Result<Unit> Munmap(Pid pid, VirtAddr start);

    /// <summary>
    /// One access by the process on <paramref name="cpu"/>; a fault allocates with GFP_HIGHUSER_MOVABLE through the
    /// page allocator (an OOM victim with ALLOC_OOM's reserves).
    /// </summary>
    Result<ulong> Access(Pid pid, CpuId cpu, VirtAddr addr, bool write, ulong value);

    /// <summary>alloc_pages(gfp, order) for the kernel (slab, page tables, vmalloc's pages): the first frame.</summary>
    Result<Pfn> AllocPages(Gfp gfp, Order order);

    /// <summary>
    /// __free_pages of a block alloc_pages gave, by its first frame; a page the slab layer or vmalloc holds is an
    /// <see cref="OwnedByAllocator"/>.
    /// </summary>
    Result<Unit> FreePages(Pfn pfn);

    /// <summary>kmem_cache_create: a cache of objects of <paramref name="size"/> bytes (no constructor).</summary>
    Result<CacheId> KmemCacheCreate(string name, ulong size, ulong align);

    /// <summary>kmem_cache_alloc(cache, gfp): a new slab's pages through the page allocator with the mask.</summary>
    Result<VirtAddr> KmemCacheAlloc(CacheId cache, Gfp gfp);

    Result<Unit> KmemCacheFree(CacheId cache, VirtAddr obj);

    /// <summary>kmalloc(size, gfp): a kmalloc cache's object, or whole pages above 8 KiB.</summary>
    Result<VirtAddr> Kmalloc(ulong size, Gfp gfp);

    Result<Unit> Kfree(VirtAddr addr);

    /// <summary>
    /// vmalloc of <paramref name="pages"/> pages (GFP_KERNEL): an area of the vmalloc space with a guard page, its
    /// pages one by one through the page allocator. The kernel page tables that map it are not simulated.
    /// </summary>
    Result<VirtAddr> Vmalloc(ulong pages);

    /// <summary>vfree of the area that starts at <paramref name="addr"/>; vfree(NULL) does nothing.</summary>
    Result<Unit> Vfree(VirtAddr addr);

    Result<SwapType> Swapon(ulong slots, int? priority);

    Result<Unit> Swapoff(SwapType type);

    /// <summary>
    /// kswapd's pass, when the slow path woke it (balance_pgdat): reclaim until the zone is above its high
    /// watermark or reclaim frees nothing, then back to sleep. Asleep, it does nothing. Returns the pages reclaimed.
    /// </summary>
    Result<ulong> Kswapd();

    /// <summary>
    /// The OOM reaper's pass over a victim, OOM_REAPER_DELAY after the kill (oom_reap_task): every private mapping
    /// unmapped (anonymous and private file; shared ones stay), the "oom_reaper: reaped process" line, MMF_OOM_SKIP.
    /// </summary>
    Result<Unit> OomReap(Pid pid);

    /// <summary>The flusher's pass: dirty file pages written and put under writeback.</summary>
    Result<ulong> StartWriteback();

    /// <summary>Writeback completion.</summary>
    Result<ulong> EndWriteback();

    SystemSnapshot Snapshot();
}
