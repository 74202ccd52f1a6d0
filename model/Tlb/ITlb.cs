using MMSpec.Model.Paging;

namespace MMSpec.Model.Tlb;

/// <summary>
/// One CPU's translation cache, as the machine drives it: look up, fill after a walk, and the invalidations
/// the instructions perform. The reference (<see cref="AllowedEntries"/>) never hits and remembers every entry
/// the TLB may hold; the implementation's is a real set-associative cache.
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

    /// <summary>Every non-global entry (a CR3 write without PCID, INVPCID type 3); with global, everything (CR4.PGE toggle, type 2).</summary>
    void InvalidateAll(bool includingGlobal);

    IReadOnlyCollection<TlbEntry> Entries();
}
