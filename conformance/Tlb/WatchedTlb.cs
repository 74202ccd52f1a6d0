using MMSpec.Model.Core;
using MMSpec.Model.Tlb;

namespace MMSpec.Conformance.Tlb;

/// <summary>
/// One CPU's caches, seen through their interface: notes whether a call that can change what a snapshot of them
/// holds was made (a lookup moves the hit and miss counts, a fill or an invalidation the entries). A CPU whose caches
/// saw no such call since the lockstep last read them, and whose registers are as they were, is in the state it was:
/// the lockstep keeps that state instead of reading and sorting its entries again (Machine.CpuStates with a previous
/// state). Like <see cref="WatchedPaging"/>, it trusts nothing the implementation says: it only sees which calls
/// reach it.
/// </summary>
public sealed class WatchedTlb(ITlb tlb) : ITlb
{
    /// <summary>Whether a call that can change the state was made since this was cleared (at first, yes).</summary>
    public bool Called { get; set; } = true;

    public long Hits => tlb.Hits;

    public long Misses => tlb.Misses;

    /// <summary>A factory for <see cref="Machine"/> that watches each CPU's caches.</summary>
    public static Func<CpuId, ITlb> Around(Func<CpuId, ITlb> tlb) => cpu => new WatchedTlb(tlb(cpu));

    public bool TryLookup(Pcid pcid, ulong vpn, out TlbEntry entry) => Changing().TryLookup(pcid, vpn, out entry);

    public void Fill(TlbEntry entry) => Changing().Fill(entry);

    public void InvalidatePage(Pcid pcid, ulong vpn, bool includingGlobal) =>
        Changing().InvalidatePage(pcid, vpn, includingGlobal);

    public void InvalidateRange(Pcid pcid, ulong first, ulong last) =>
        Changing().InvalidateRange(pcid, first, last);

    public void InvalidateGlobalRange(ulong first, ulong last) => Changing().InvalidateGlobalRange(first, last);

    public void InvalidatePcid(Pcid pcid) => Changing().InvalidatePcid(pcid);

    public void InvalidateAll(bool includingGlobal) => Changing().InvalidateAll(includingGlobal);

    public IReadOnlyCollection<TlbEntry> Entries() => tlb.Entries();

    public bool TryLookupPageTable(Pcid pcid, ulong region, out Pfn pageTable) =>
        Changing().TryLookupPageTable(pcid, region, out pageTable);

    public void FillPageTable(PdeCacheEntry entry) => Changing().FillPageTable(entry);

    public void InvalidatePageTable(Pcid pcid, ulong region) => Changing().InvalidatePageTable(pcid, region);

    public void InvalidatePageTables(Pcid pcid) => Changing().InvalidatePageTables(pcid);

    public void InvalidateAllPageTables() => Changing().InvalidateAllPageTables();

    public IReadOnlyCollection<PdeCacheEntry> PageTables() => tlb.PageTables();

    /// <summary>The caches, for a call that can change them: noted, with no closure to allocate.</summary>
    private ITlb Changing()
    {
        Called = true;
        return tlb;
    }
}
