using MMSpec.Model.Reclaim;

namespace MMSpec.Properties.Reclaim.Broken;

/// <summary>
/// try_to_unmap clears the PTEs but no TLB flush runs before the frames are freed: a CPU keeps reaching a frame reclaim
/// gave away. The class of CVE-2018-18281 (eb66ae030829, "mremap: properly flush TLB before releasing the page",
/// 4.19: the page released before the flush) and of the batched-flush race 3ea277194daa ("mm, mprotect: flush TLB if
/// potentially racing with a parallel reclaim leaving stale TLB entries", 4.13: reclaim's TTU_BATCH_FLUSH).
/// </summary>
public sealed class UnmapWithoutFlush(ReclaimConfig config) : ReclaimModel(config)
{
    protected override bool FlushesOnUnmap => false;
}

/// <summary>
/// try_to_unmap clears a dirty PTE without moving its dirty bit to the folio, so a written page is freed as clean and
/// the write is lost: the bug fd35ca3d12cc fixed in another unmap path ("mm/migrate_device.c: copy pte dirty bit to
/// page", 6.0), and the data loss of 6c8e2a256915 ("mm: fix race between MADV_FREE reclaim and blkdev direct IO read",
/// 5.18: a page reclaim saw as clean read back as zeros).
/// </summary>
public sealed class DirtyBitLostOnUnmap(ReclaimConfig config) : ReclaimModel(config)
{
    protected override bool UnmapKeepsDirty => false;
}

/// <summary>
/// fork copies a swap PTE without swap_duplicate: the slot's count is one short of its references, so it is freed
/// while a PTE still names it. A swap count that disagrees with its references, as in 2628bd6fc052 ("mm, swap: fix
/// race between swap count continuation operations", 4.14), there by racing continuation updates.
/// </summary>
public sealed class ForkWithoutSwapDuplicate(ReclaimConfig config) : ReclaimModel(config)
{
    protected override void CopyNonpresentPte(SwapEntry entry)
    {
    }
}

/// <summary>
/// Swap-in maps a folio whose contents were never read from the slot: the page reads zeros. 13ddaf26be32 ("mm/swap:
/// fix race when skipping swapcache", 6.8): on the SWP_SYNCHRONOUS_IO path a second fault mapped a folio for an entry
/// that the first had already freed and reused.
/// </summary>
public sealed class MappedBeforeSwapRead(ReclaimConfig config) : ReclaimModel(config)
{
    protected override ulong ReadSlot(SwapEntry entry) => 0;
}

/// <summary>
/// Migration points the PTEs at the new frame without flushing the TLBs, then frees the old frame: a CPU keeps
/// reading and writing a frame compaction gave away. 60bae7370896 ("mm/migrate_device.c: flush TLB while holding
/// PTL", 6.0): migrate_vma_collect_pmd cleared PTEs and flushed only after dropping the lock, so the page stayed
/// reachable through a stale TLB entry.
/// </summary>
public sealed class MigrateWithoutFlush(ReclaimConfig config) : ReclaimModel(config)
{
    protected override bool FlushesOnMigrate => false;
}

/// <summary>
/// Compaction isolates and migrates pinned folios as if they were movable: the pin (a device's DMA target) keeps
/// the old frame. 70cbc3cc78a9 ("mm: gup: fix the fast GUP race against THP collapse", 6.0): khugepaged copied and
/// discarded a page GUP-fast had just pinned.
/// </summary>
public sealed class CompactionMovesPinned(ReclaimConfig config) : ReclaimModel(config)
{
    protected override bool IsMovable(FolioKind kind, int pins) => true;
}

/// <summary>
/// get_scan_count scans the anonymous lists with no swap to go to, and a folio that finds no slot is freed all the
/// same. a2a36488a61c ("mm/vmscan: Consider anonymous pages without swap", 5.15) opened the anon lists without swap
/// for demotion; its can_reclaim_anon_pages test was later questioned (Mina Almasry's 2022 RFC, "&amp;&amp;, not ||");
/// here there is no demotion target and the folio's data goes nowhere.
/// </summary>
public sealed class AnonReclaimedWithoutSwap(ReclaimConfig config) : ReclaimModel(config)
{
    protected override bool CanReclaimAnonPages => true;

    protected override bool ReclaimsAnonWithoutSwap => true;
}

/// <summary>
/// lru_note_cost charges pages of IO only, the unit of 1431d4d11abb ("mm: base LRU balancing on an explicit cost
/// model", 5.8), before 0538a82c39e9 ("mm: vmscan: make rotations a secondary factor in balancing anon vs file", 6.2)
/// made it 32 per page of IO plus 1 per rotation: get_scan_count then splits the scan by page counts.
/// </summary>
public sealed class CostInPages(ReclaimConfig config) : ReclaimModel(config)
{
    protected override ulong NoteCost(ulong nrIo, ulong nrRotated) => nrIo;
}
