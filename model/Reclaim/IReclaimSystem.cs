using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;

namespace MMSpec.Model.Reclaim;

/// <summary>
/// Page reclaim, swap, writeback and compaction on one zone (docs/reclaim.md): address spaces whose pages are
/// anonymous, file or shmem folios on the LRU lists, a TLB per CPU, swap areas, a disk holding the files, and the
/// buddy allocator every frame comes from (lowest-address placement, so both sides of a lockstep pick the same
/// frames). Bad input returns a typed error and changes nothing.
/// </summary>
public interface IReclaimSystem
{
    ReclaimConfig Config { get; }

    /// <summary>A new, empty address space.</summary>
    Result<AsId> CreateMm();

    /// <summary>
    /// fork (dup_mmap): a copy of every mapping; private anonymous pages shared copy-on-write (both PTEs
    /// read-only), swap entries duplicated (swap_duplicate), shared file and shmem pages mapped by both.
    /// </summary>
    Result<AsId> Fork(AsId parent);

    /// <summary>exit_mmap: every mapping unmapped, every page and swap reference dropped.</summary>
    Result<Unit> ExitMm(AsId mm);

    /// <summary>
    /// mmap of <paramref name="pages"/> pages, placed after the address space's last mapping: private anonymous
    /// memory, file <paramref name="file"/> from page 0 (MAP_SHARED, read-write; FileExec read-only and executable),
    /// or a new shmem object (MAP_SHARED|MAP_ANONYMOUS). Returns the start.
    /// </summary>
    Result<VirtAddr> Mmap(AsId mm, MapKind kind, int file, ulong pages);

    /// <summary>munmap of the whole mapping that starts at <paramref name="start"/>.</summary>
    Result<Unit> Munmap(AsId mm, VirtAddr start);

    /// <summary>
    /// One access by <paramref name="cpu"/> to the word of the page at <paramref name="addr"/>: through the CPU's
    /// TLB, else the page walk (setting the accessed bit, and the dirty bit for a write), faulting the page in
    /// (zero-filled anon, read from the file, swapped in) or copying it (copy-on-write). Returns the word read, or
    /// for a write the word before it.
    /// </summary>
    Result<ulong> Access(AsId mm, CpuId cpu, VirtAddr addr, bool write, ulong value);

    /// <summary>
    /// read() of one page of a file through the page cache (folio_mark_accessed, the two-touch rule).
    /// </summary>
    Result<ulong> ReadFile(int file, ulong pgoff);

    /// <summary>
    /// write() of one whole page of a file through the page cache: the folio is dirtied, not marked accessed.
    /// </summary>
    Result<Unit> WriteFile(int file, ulong pgoff, ulong value);

    /// <summary>pin_user_pages (FOLL_PIN) of the page at <paramref name="addr"/>, faulting it in for writing.</summary>
    Result<Unit> Pin(AsId mm, VirtAddr addr);

    /// <summary>unpin_user_page: drops one pin of the page at <paramref name="addr"/>.</summary>
    Result<Unit> Unpin(AsId mm, VirtAddr addr);

    /// <summary>echo N &gt; /proc/sys/vm/swappiness.</summary>
    Result<Unit> SetSwappiness(int value);

    /// <summary>
    /// swapon of an area of <paramref name="slots"/> slots (slot 0 the header). Without a priority the area gets
    /// the next of -2, -3, ... (least_priority); areas are tried highest priority first.
    /// </summary>
    Result<SwapType> Swapon(ulong slots, int? priority);

    /// <summary>
    /// swapoff: every page swapped out to the area brought back in (try_to_unuse), then the area gone.
    /// </summary>
    Result<Unit> Swapoff(SwapType type);

    /// <summary>
    /// Direct reclaim (try_to_free_pages, order 0, GFP_KERNEL): the priority loop from DEF_PRIORITY 12 down to 0
    /// until SWAP_CLUSTER_MAX 32 pages are reclaimed. Returns the pages reclaimed.
    /// </summary>
    Result<ulong> TryToFreePages();

    /// <summary>
    /// madvise(MADV_PAGEOUT) of one page: reclaim_pages, references ignored. Returns the pages freed, 0 or 1.
    /// </summary>
    Result<ulong> PageOut(AsId mm, VirtAddr addr);

    /// <summary>The flusher threads: every dirty file page written to its file and put under writeback.</summary>
    Result<ulong> StartWriteback();

    /// <summary>Writeback completion (folio_end_writeback): PG_reclaim folios rotated to the inactive tail.</summary>
    Result<ulong> EndWriteback();

    /// <summary>
    /// Direct compaction of <paramref name="zone"/> for <paramref name="order"/> at COMPACT_PRIO_SYNC_FULL.
    /// </summary>
    Result<CompactionRun> Compact(ZoneType zone, int order);

    /// <summary>An unmovable kernel allocation of 2^order pages (what slab and page tables take).</summary>
    Result<Pfn> KernelAlloc(Order order);

    Result<Unit> KernelFree(Pfn pfn);

    /// <summary>The swap_map byte of one slot; a slot out of range or unused is a <see cref="BadSwapEntry"/>.</summary>
    Result<SwapSlot> ReadSwapSlot(SwapEntry entry);

    /// <summary>
    /// The allocator's watermark for the calls that follow: every allocation of a user folio or a kernel block (a
    /// fault, read() and write(), a pin, fork's copies, swapoff's reads, KernelAlloc) must leave at least
    /// <paramref name="pages"/> frames free, else it fails as <see cref="ReclaimOutOfMemory"/> with nothing changed
    /// (KernelAlloc of a block larger than what is free fails as the buddy allocator does). Reclaim and compaction
    /// take no frames from it and ignore it. It is what get_page_from_freelist's zone_watermark_ok check makes of
    /// each order-0 request: the whole system sets it from the allocation's gfp mask. 0 at boot; above the machine's
    /// frames it is an <see cref="InvalidWatermark"/>.
    /// </summary>
    Result<Unit> SetWatermark(ulong pages);

    /// <summary>What the page allocator's checks read without a snapshot: nr_free, the LRU sizes, free swap.</summary>
    ZoneCounters Counters();

    ReclaimSnapshot Snapshot();
}

/// <summary>One slot's swap_map byte: the references (PTEs, shmem) and SWAP_HAS_CACHE.</summary>
public readonly record struct SwapSlot(int Count, bool HasCache)
{
    public override string ToString() => $"count {Count}{(HasCache ? " +cache" : string.Empty)}";
}

/// <summary>What one compaction run did: its result and where the two scanners stopped.</summary>
public readonly record struct CompactionRun(CompactResult Result, Pfn MigratePfn, Pfn FreePfn)
{
    public override string ToString() => $"{Result} (migrate {MigratePfn}, free {FreePfn})";
}
