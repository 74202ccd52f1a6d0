using MMSpec.Impl.Tlb;
using MMSpec.Model.Core;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Tlb;

/// <summary>
/// The implementation's PDE cache on its own and behind a TLB: lookup, replacement and each invalidation.
/// </summary>
public sealed class PdeCacheTests
{
    private static readonly Pcid One = new(1);
    private static readonly Pcid Two = new(2);

    [Fact]
    public void A_full_cache_replaces_its_least_recently_used_entry()
    {
        var cache = new PdeCache(2);
        cache.Fill(Entry(One, 0, 10));
        cache.Fill(Entry(One, 1, 11));
        Assert.True(cache.TryLookup(One, 0, out var table));
        Assert.Equal(new Pfn(10), table);
        cache.Fill(Entry(One, 2, 12));
        Assert.False(cache.TryLookup(One, 1, out table));
        Assert.Equal(default, table);
        cache.Fill(Entry(One, 2, 13));
        Assert.Equal(["pcid1 0 page table 0xa", "pcid1 2 page table 0xd"],
            cache.Entries().Select(e => e.ToString()).Order());
        Assert.Throws<ArgumentOutOfRangeException>(() => new PdeCache(0));
    }

    [Fact]
    public void A_full_cache_of_four_replaces_the_entry_that_fills_and_lookups_used_least_recently()
    {
        var cache = Full();
        Assert.True(cache.TryLookup(One, 0, out _));
        Assert.True(cache.TryLookup(One, 2, out _));
        cache.Fill(Entry(Two, 0, 20));
        Assert.Equal([(1, 0UL), (1, 2UL), (1, 3UL), (2, 0UL)], Keys(cache.Entries()));
        cache.Fill(Entry(Two, 1, 21));
        Assert.Equal([(1, 0UL), (1, 2UL), (2, 0UL), (2, 1UL)], Keys(cache.Entries()));
        Assert.True(cache.TryLookup(One, 0, out _));
        cache.Fill(Entry(Two, 2, 22));
        Assert.Equal([(1, 0UL), (2, 0UL), (2, 1UL), (2, 2UL)], Keys(cache.Entries()));
    }

    /// <summary>
    /// The invalid slots were the most recently used, so least-recently-used replacement would evict a valid entry
    /// instead; <see cref="PdeCache.Entries"/> lists the slots in order, so it shows which slot each fill took.
    /// </summary>
    [Fact]
    public void A_fill_takes_the_first_invalid_slot_before_evicting_and_a_refill_keeps_the_entry_s_slot()
    {
        var cache = Full();
        Assert.True(cache.TryLookup(One, 0, out _));
        Assert.True(cache.TryLookup(One, 2, out _));
        cache.Invalidate(One, 0);
        cache.Invalidate(One, 2);
        cache.Fill(Entry(Two, 0, 20));
        cache.Fill(Entry(Two, 2, 22));
        cache.Fill(Entry(Two, 0, 30));
        Assert.Equal([Entry(Two, 0, 30), Entry(One, 1, 11), Entry(Two, 2, 22), Entry(One, 3, 13)], cache.Entries());
    }

    [Fact]
    public void Entries_match_their_pcid_and_region_only()
    {
        var cache = new PdeCache(4);
        cache.Fill(Entry(One, 0, 10));
        cache.Fill(Entry(Two, 0, 20));
        Assert.False(cache.TryLookup(new Pcid(3), 0, out _));
        Assert.False(cache.TryLookup(One, 1, out _));
        Assert.True(cache.TryLookup(Two, 0, out var table));
        Assert.Equal(new Pfn(20), table);
    }

    [Fact]
    public void Invalidations_drop_one_region_one_pcid_or_everything()
    {
        var cache = new PdeCache(4);
        cache.Fill(Entry(One, 0, 10));
        cache.Fill(Entry(One, 1, 11));
        cache.Fill(Entry(Two, 0, 20));
        cache.Fill(Entry(Two, 1, 21));
        cache.Invalidate(One, 1);
        cache.Invalidate(Two, 7);
        Assert.Equal([(1, 0UL), (2, 0UL), (2, 1UL)], Keys(cache.Entries()));
        cache.Invalidate(Two);
        Assert.Equal([(1, 0UL)], Keys(cache.Entries()));
        cache.Fill(Entry(Two, 3, 23));
        cache.InvalidateAll();
        Assert.Empty(cache.Entries());
        cache.Fill(Entry(Two, 4, 24));
        Assert.Equal([(2, 4UL)], Keys(cache.Entries()));
    }

    [Fact]
    public void The_tlb_keeps_its_pde_cache_beside_its_entries()
    {
        var tlb = new SetAssociativeTlb(1, 1, 2);
        tlb.FillPageTable(Entry(One, 0, 10));
        tlb.FillPageTable(Entry(Two, 0, 20));
        tlb.InvalidateAll(true);
        Assert.True(tlb.TryLookupPageTable(One, 0, out var table));
        Assert.Equal((new Pfn(10), 0L, 0L), (table, tlb.Hits, tlb.Misses));
        tlb.InvalidatePageTable(One, 0);
        Assert.Equal([(2, 0UL)], Keys(tlb.PageTables()));
        tlb.FillPageTable(Entry(One, 0, 10));
        tlb.InvalidatePageTables(Two);
        Assert.Equal([(1, 0UL)], Keys(tlb.PageTables()));
        tlb.InvalidateAllPageTables();
        Assert.Empty(tlb.PageTables());
        Assert.Throws<ArgumentOutOfRangeException>(() => new SetAssociativeTlb(1, 1, 0));
    }

    private static PdeCacheEntry Entry(Pcid pcid, ulong region, ulong table) => new(pcid, region, new Pfn(table));

    /// <summary>Four slots filled in order with pcid1's regions 0 to 3 (region r's page table 10 + r).</summary>
    private static PdeCache Full()
    {
        var cache = new PdeCache(4);
        for (var region = 0UL; region < 4; region++)
        {
            cache.Fill(Entry(One, region, 10 + region));
        }

        return cache;
    }

    private static IEnumerable<(int, ulong)> Keys(IEnumerable<PdeCacheEntry> entries) =>
        entries.Select(e => (e.Pcid.Value, e.Region)).Order();
}
