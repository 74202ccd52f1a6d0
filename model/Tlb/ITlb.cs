using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Model.Tlb;

/// <summary>
/// One CPU's translation caches (SDM 4.10), as the machine drives them: the TLB and the PDE cache, each looked up,
/// filled after a walk, and invalidated as the instructions say. The reference (<see cref="AllowedEntries"/>)
/// never hits and remembers every entry the TLB may hold; the implementation's is a real set-associative TLB
/// with a PDE cache beside it.
/// </summary>
public interface ITlb
{
    long Hits { get; }

    long Misses { get; }

    /// <summary>The entry for this page in this PCID (or a global one), if cached.</summary>
    bool TryLookup(Pcid pcid, ulong vpn, out TlbEntry entry);

    void Fill(TlbEntry entry);

    /// <summary>invlpg and INVPCID type 0: the page's entry in this PCID, and its global entry when asked.</summary>
    void InvalidatePage(Pcid pcid, ulong vpn, bool includingGlobal);

    /// <summary>Every non-global entry of one PCID for pages in [first, last] (a range flush).</summary>
    void InvalidateRange(Pcid pcid, ulong first, ulong last);

    /// <summary>Every global entry for pages in [first, last] (flush_tlb_kernel_range).</summary>
    void InvalidateGlobalRange(ulong first, ulong last);

    /// <summary>Every non-global entry of one PCID (INVPCID type 1, a CR3 write with that PCID).</summary>
    void InvalidatePcid(Pcid pcid);

    /// <summary>
    /// Every non-global entry (a CR3 write without PCID, INVPCID type 3); with global, everything (CR4.PGE toggle, type
    /// 2).
    /// </summary>
    void InvalidateAll(bool includingGlobal);

    IReadOnlyCollection<TlbEntry> Entries();

    /// <summary>
    /// The page table cached for the region starting at <paramref name="region"/> in this PCID, if any.
    /// </summary>
    bool TryLookupPageTable(Pcid pcid, ulong region, out Pfn pageTable);

    void FillPageTable(PdeCacheEntry entry);

    /// <summary>
    /// A page fault's invalidation (SDM 4.10.4.1): the entry the faulting address used, in the current PCID.
    /// </summary>
    void InvalidatePageTable(Pcid pcid, ulong region);

    /// <summary>
    /// Every PDE-cache entry of one PCID, whatever its region: invlpg, INVPCID types 0 and 1, a CR3 write that flushes.
    /// </summary>
    void InvalidatePageTables(Pcid pcid);

    /// <summary>Every PDE-cache entry: INVPCID types 2 and 3, the CR4.PGE toggle.</summary>
    void InvalidateAllPageTables();

    IReadOnlyCollection<PdeCacheEntry> PageTables();
}
