using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Tlb;

/// <summary>
/// The reference TLB on its own: it never hits, and each invalidation removes from the allowed set exactly the
/// entries a real TLB's would drop. Too generous a reference would let a machine keep entries it must drop, and
/// the lockstep properties cannot see that (they trust the reference), so it is pinned down here.
/// </summary>
public sealed class AllowedEntriesTests
{
    private static readonly Translation Page = new(new Pfn(7), PteFlags.Present | PteFlags.User);
    private readonly AllowedEntries _tlb = new();

    [Fact]
    public void It_never_hits_and_counts_every_lookup_as_a_miss()
    {
        _tlb.Fill(Entry(1, 3));
        Assert.False(_tlb.TryLookup(new Pcid(1), 3, out _));
        Assert.False(_tlb.TryLookup(new Pcid(1), 3, out _));
        Assert.Equal((0L, 2L), (_tlb.Hits, _tlb.Misses));
        _tlb.FillPageTable(new PdeCacheEntry(new Pcid(1), 0, new Pfn(4)));
        Assert.False(_tlb.TryLookupPageTable(new Pcid(1), 0, out _));
        Assert.Empty(_tlb.PageTables());
    }

    [Fact]
    public void A_page_invalidation_drops_that_page_in_that_pcid_and_its_global_entry_only_when_asked()
    {
        FillAll(Entry(1, 1), Entry(2, 1), Global(1), Entry(1, 2));
        _tlb.InvalidatePage(new Pcid(1), 1, false);
        Assert.Equal([Entry(1, 2), Entry(2, 1), Global(1)], Left());
        _tlb.InvalidatePage(new Pcid(2), 1, true);
        Assert.Equal([Entry(1, 2)], Left());
    }

    [Fact]
    public void Range_invalidations_drop_the_pages_from_first_to_last_inclusive()
    {
        FillAll(Entry(1, 3), Entry(1, 4), Entry(1, 6), Entry(1, 7), Entry(2, 5), Global(3), Global(4), Global(6),
            Global(7));
        _tlb.InvalidateRange(new Pcid(1), 4, 6);
        Assert.Equal([Entry(1, 3), Entry(1, 7), Entry(2, 5), Global(3), Global(4), Global(6), Global(7)], Left());
        _tlb.InvalidateGlobalRange(4, 6);
        Assert.Equal([Entry(1, 3), Entry(1, 7), Entry(2, 5), Global(3), Global(7)], Left());
    }

    [Fact]
    public void Pcid_and_full_invalidations_keep_global_entries_unless_asked()
    {
        FillAll(Entry(1, 3), Entry(2, 3), Global(3));
        _tlb.InvalidatePcid(new Pcid(1));
        Assert.Equal([Entry(2, 3), Global(3)], Left());
        _tlb.InvalidateAll(false);
        Assert.Equal([Global(3)], Left());
        _tlb.InvalidateAll(true);
        Assert.Empty(Left());
    }

    [Fact]
    public void It_allows_an_entry_of_the_same_page_pcid_and_flags_whatever_its_frame()
    {
        _tlb.Fill(Entry(1, 3));
        Assert.True(_tlb.Allows(Entry(1, 3) with { Translation = Page with { Frame = new Pfn(9) } }));
        Assert.False(_tlb.Allows(Entry(2, 3)));
        Assert.False(_tlb.Allows(Entry(1, 4)));
        Assert.False(_tlb.Allows(Entry(1, 3) with { Global = true }));
        Assert.False(_tlb.Allows(Entry(1,
            3) with { Translation = Page with { Flags = Page.Flags | PteFlags.ReadWrite } }));
    }

    private static TlbEntry Entry(int pcid, ulong vpn) => new(new Pcid(pcid), vpn, Page, false);

    private static TlbEntry Global(ulong vpn) => new(default, vpn, Page, true);

    private void FillAll(params TlbEntry[] entries)
    {
        foreach (var entry in entries)
        {
            _tlb.Fill(entry);
        }
    }

    private TlbEntry[] Left() =>
        [.. _tlb.Entries().OrderBy(e => e.Global).ThenBy(e => e.Pcid.Value).ThenBy(e => e.Vpn)];
}
