using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;

namespace MMSpec.Model.Reclaim;

/// <summary>
/// The reclaim invariants as named checks over one side's snapshot (docs/reclaim.md, "Rules"). Each returns the
/// violations it finds; an empty result means the rule holds.
/// </summary>
public static class ReclaimInvariants
{
    public const string FrameOwnership = PagingInvariants.FrameOwnership;
    public const string SwapCounts = "swap-counts-match-references";
    public const string LruMembership = "lru-lists-match-flags";
    public const string MapCounts = "mapcount-matches-ptes";
    public const string TlbCoherence = TlbInvariants.Coherence;

    public static IEnumerable<Violation> All(ReclaimSnapshot s) =>
        BuddyInvariants.All(s.Pages).Concat(CheckFrameOwnership(s)).Concat(CheckLru(s)).Concat(CheckMapCounts(s))
            .Concat(CheckSwapCounts(s)).Concat(CheckTlb(s));

    /// <summary>
    /// Every allocated frame is one folio (an order-0 block) or one kernel allocation, and every folio's frame is
    /// allocated: nothing owned twice, nothing leaked.
    /// </summary>
    public static IEnumerable<Violation> CheckFrameOwnership(ReclaimSnapshot s)
    {
        var allocated = s.Pages.Allocated.ToDictionary(b => b.Pfn, b => b.Order);
        var kernel = s.KernelPages.ToHashSet();
        foreach (var folio in s.Folios)
        {
            if (!allocated.TryGetValue(folio.Pfn, out var order) || order.Value != 0)
            {
                yield return new(FrameOwnership, $"folio {folio} is not an allocated order-0 block");
            }
            else if (kernel.Contains(new Block(folio.Pfn, order)))
            {
                yield return new(FrameOwnership, $"folio {folio} sits in a kernel allocation");
            }
        }

        var folios = s.Folios.Select(f => f.Pfn).ToHashSet();
        foreach (var block in s.Pages.Allocated)
        {
            if (!folios.Contains(block.Pfn) && !kernel.Contains(block))
            {
                yield return new(FrameOwnership,
                    $"allocated block {block.Pfn} order {block.Order} has no owner (leaked)");
            }
        }
    }

    /// <summary>Every folio on exactly one LRU list, the one its flags name; every listed frame a folio.</summary>
    public static IEnumerable<Violation> CheckLru(ReclaimSnapshot s)
    {
        var byPfn = s.Folios.ToDictionary(f => f.Pfn);
        var seen = new HashSet<Pfn>(s.Folios.Length);
        for (var list = 0; list < s.Lru.Length; list++)
        {
            foreach (var pfn in s.Lru[list])
            {
                if (!byPfn.TryGetValue(pfn, out var folio))
                {
                    yield return new(LruMembership, $"{(LruList)list} holds {pfn}, which is no folio");
                }
                else if (!seen.Add(pfn))
                {
                    yield return new(LruMembership, $"folio {folio} is on two lists");
                }
                else if (LruLists.Of(folio.Flags) != (LruList)list)
                {
                    yield return new(LruMembership,
                        $"folio {folio} is on {(LruList)list}, its flags name {LruLists.Of(folio.Flags)}");
                }
            }
        }

        foreach (var folio in s.Folios.Where(f => !seen.Contains(f.Pfn)))
        {
            yield return new(LruMembership, $"folio {folio} is on no LRU list");
        }
    }

    /// <summary>Each folio's map count is the number of present PTEs that map its frame.</summary>
    public static IEnumerable<Violation> CheckMapCounts(ReclaimSnapshot s)
    {
        var mapped = new Dictionary<Pfn, int>(s.Folios.Length);
        foreach (var pte in s.Mms.SelectMany(m => m.Ptes))
        {
            if (pte.Frame is { } frame)
            {
                mapped[frame] = mapped.GetValueOrDefault(frame) + 1;
            }
        }

        foreach (var folio in s.Folios)
        {
            var count = mapped.GetValueOrDefault(folio.Pfn);
            if (count != folio.MapCount)
            {
                yield return new(MapCounts, $"folio {folio} says {folio.MapCount} mappings, {count} PTEs map it");
            }
        }

        var folios = s.Folios.Select(f => f.Pfn).ToHashSet();
        foreach (var frame in mapped.Keys.Where(f => !folios.Contains(f)))
        {
            yield return new(MapCounts, $"a PTE maps {frame}, which holds no folio");
        }
    }

    /// <summary>
    /// Each used slot's count is the swap PTEs and shmem entries naming it, and it has SWAP_HAS_CACHE exactly when a
    /// folio in the swap cache names it; no reference names a free slot or a slot outside its area.
    /// </summary>
    public static IEnumerable<Violation> CheckSwapCounts(ReclaimSnapshot s)
    {
        var references = new Dictionary<SwapEntry, int>();
        foreach (var entry in s.Mms.SelectMany(m => m.Ptes).Where(p => p.Swap is not null).Select(p => p.Swap!.Value)
            .Concat(s.ShmemSwap.Select(e => e.Entry)))
        {
            references[entry] = references.GetValueOrDefault(entry) + 1;
        }

        var cached = s.Folios.Where(f => f.Swap is not null).Select(f => f.Swap!.Value).ToHashSet();
        var used = new HashSet<SwapEntry>();
        foreach (var area in s.Swap)
        {
            foreach (var slot in area.Used)
            {
                var entry = new SwapEntry(area.Type, slot.Offset);
                used.Add(entry);
                var count = references.GetValueOrDefault(entry);
                if (slot.Count != count || slot.HasCache != cached.Contains(entry) || (count == 0 && !slot.HasCache))
                {
                    yield return new(SwapCounts,
                        $"slot {entry} has count {slot.Count}{(slot.HasCache ? " +cache" : "")}"
                        + $"; {count} references name it, {(cached.Contains(entry) ? "a" : "no")} swap-cache folio");
                }
            }
        }

        foreach (var entry in references.Keys.Concat(cached).Where(e => !used.Contains(e)).Distinct())
        {
            yield return new(SwapCounts, $"{entry} is named but is not a used slot of an area that is on");
        }
    }

    /// <summary>
    /// Every TLB entry is a present PTE's translation: the same frame, the PTE young (a walk set A when it filled
    /// the entry), writable and dirty only if the PTE is. No entry reaches a freed frame or a page on swap.
    /// </summary>
    public static IEnumerable<Violation> CheckTlb(ReclaimSnapshot s)
    {
        var mms = s.Mms.ToDictionary(m => m.Id);
        foreach (var entry in s.Tlb)
        {
            var pte = mms.TryGetValue(entry.Mm, out var mm) ? mm.PteAt(entry.Addr) : null;
            if (pte is not { } p || p.Frame != entry.Frame || !p.Young || (entry.Writable && !p.Writable)
                || (entry.Dirty && !p.Dirty))
            {
                yield return new(TlbCoherence, $"{entry} but the PTE is {(pte is { } gone ? gone : "gone")}");
            }
        }
    }
}
