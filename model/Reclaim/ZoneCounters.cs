using System.Collections.Immutable;
using MMSpec.Model.Buddy;

namespace MMSpec.Model.Reclaim;

/// <summary>
/// The counters the page allocator reads before it allocates: the zone's free_area[order].nr_free for every order,
/// the LRU lists' sizes (NR_LRU_BASE + lru, what zone_reclaimable_pages adds up) and the free swap slots
/// (nr_swap_pages, what can_reclaim_anon_pages asks). Cheap to read: a whole system asks for them on every
/// allocation that goes into the slow path.
/// </summary>
public sealed record ZoneCounters(ImmutableArray<ulong> NrFree, ImmutableArray<ulong> LruPages, ulong FreeSwapSlots)
{
    /// <summary>NR_FREE_PAGES: the free blocks' pages.</summary>
    public ulong FreePages => NrFree.Select((count, order) => count << order).Aggregate(0UL, (a, b) => a + b);

    public ulong Lru(LruList list) => LruPages[(int)list];

    /// <summary>
    /// zone_reclaimable_pages as should_reclaim_retry uses it: the file lists, and the anon lists while swap has a
    /// free slot (can_reclaim_anon_pages without a demotion target).
    /// </summary>
    public ulong ReclaimablePages =>
        Lru(LruList.InactiveFile) + Lru(LruList.ActiveFile)
        + (FreeSwapSlots > 0 ? Lru(LruList.InactiveAnon) + Lru(LruList.ActiveAnon) : 0);

    /// <summary>The counters a snapshot implies: what <see cref="IReclaimSystem.Counters"/> must equal.</summary>
    public static ZoneCounters Of(ReclaimSnapshot snapshot) => new(
        NrFreeOf(snapshot.Pages),
        [.. snapshot.Lru.Select(list => (ulong)list.Length)],
        snapshot.Swap.Aggregate(0UL, (free, area) => free + area.Usable - area.InUse));

    /// <summary>free_area[order].nr_free for orders 0 to 10: the free blocks of each order.</summary>
    public static ImmutableArray<ulong> NrFreeOf(BuddySnapshot pages) =>
        [.. Enumerable.Range(0, Order.Max + 1).Select(o => (ulong)pages.Free.Count(b => b.Order.Value == o))];

    /// <summary>Whether two readings hold the same counts, element by element.</summary>
    public bool SameAs(ZoneCounters other) =>
        NrFree.SequenceEqual(other.NrFree) && LruPages.SequenceEqual(other.LruPages)
        && FreeSwapSlots == other.FreeSwapSlots;

    public override string ToString() =>
        $"nr_free [{string.Join(' ', NrFree)}], lru [{string.Join(' ', LruPages)}], swap free {FreeSwapSlots}";
}
