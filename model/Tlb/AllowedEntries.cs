using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Model.Tlb;

/// <summary>
/// The reference TLB: no cache at all (every lookup misses, so every access walks) plus the set of entries a
/// real TLB is allowed to hold now: every translation a walk produced, until an invalidation removes it (an
/// older translation of the same page stays allowed until then, as it stays in a real TLB). It caches no page
/// tables either, so its walks always start from CR3; a real PDE cache is held to the page tables themselves
/// (<see cref="TlbInvariants.CheckPagingStructureCoherence"/>), not to this reference.
/// </summary>
public sealed class AllowedEntries : ITlb
{
    private readonly HashSet<TlbEntry> _allowed = [];

    public long Hits => 0;

    public long Misses { get; private set; }

    public bool TryLookup(Pcid pcid, ulong vpn, out TlbEntry entry)
    {
        Misses++;
        entry = default;
        return false;
    }

    public void Fill(TlbEntry entry) => _allowed.Add(entry);

    public void InvalidatePage(Pcid pcid, ulong vpn, bool includingGlobal) =>
        _allowed.RemoveWhere(e => e.Vpn == vpn && (e.Global ? includingGlobal : e.Pcid == pcid));

    public void InvalidateRange(Pcid pcid, ulong first, ulong last) =>
        _allowed.RemoveWhere(e => !e.Global && e.Pcid == pcid && e.Vpn >= first && e.Vpn <= last);

    public void InvalidateGlobalRange(ulong first, ulong last) =>
        _allowed.RemoveWhere(e => e.Global && e.Vpn >= first && e.Vpn <= last);

    public void InvalidatePcid(Pcid pcid) => _allowed.RemoveWhere(e => !e.Global && e.Pcid == pcid);

    public void InvalidateAll(bool includingGlobal) => _allowed.RemoveWhere(e => includingGlobal || !e.Global);

    public IReadOnlyCollection<TlbEntry> Entries() => _allowed;

    public bool TryLookupPageTable(Pcid pcid, ulong region, out Pfn pageTable)
    {
        pageTable = default;
        return false;
    }

    public void FillPageTable(PdeCacheEntry entry)
    {
    }

    public void InvalidatePageTable(Pcid pcid, ulong region)
    {
    }

    public void InvalidatePageTables(Pcid pcid)
    {
    }

    public void InvalidateAllPageTables()
    {
    }

    public IReadOnlyCollection<PdeCacheEntry> PageTables() => [];

    /// <summary>
    /// Whether a real TLB may hold this entry now: same PCID (or global), page and flags as an allowed one. The
    /// frame is not compared, because each side picks its own frames; the coherence rule checks it against the PTE.
    /// </summary>
    public bool Allows(TlbEntry entry) =>
        _allowed.Any(e => e.Vpn == entry.Vpn && e.Global == entry.Global && e.Pcid == entry.Pcid
            && e.Translation.Flags == entry.Translation.Flags);
}
