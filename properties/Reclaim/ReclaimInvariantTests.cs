using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// Each reclaim invariant shown able to fail: a real state (an anonymous page mapped through the TLB, a page on swap,
/// a kernel page) holds every rule, and each corruption of it breaks the rule that names it, with the folio, frame,
/// slot or TLB entry in the message.
/// </summary>
public sealed class ReclaimInvariantTests
{
    private static readonly ReclaimConfig Machine = new(64, 1, 1, 4);

    /// <summary>Page 0 mapped and in the TLB, page 1 on swap, a kernel page.</summary>
    private static ReclaimSnapshot Valid()
    {
        var system = new ReclaimModel(Machine);
        Assert.True(system.Swapon(8, null).IsOk);
        var mm = system.CreateMm().Value;
        var start = system.Mmap(mm, MapKind.Anon, 0, 2).Value;
        var second = new VirtAddr(start.Value + Pfn.PageSize);
        Assert.True(system.Access(mm, new CpuId(0), second, true, 2).IsOk);
        Assert.Equal(1UL, system.PageOut(mm, second).Value);
        Assert.True(system.Access(mm, new CpuId(0), start, true, 1).IsOk);
        Assert.True(system.KernelAlloc(new Order(0)).IsOk);
        var state = system.Snapshot();
        Assert.Empty(ReclaimInvariants.All(state));
        Assert.Single(state.Tlb);
        return state;
    }

    private static void Broken(ReclaimSnapshot corrupt, string rule, string words)
    {
        var violations = ReclaimInvariants.All(corrupt).ToList();
        Assert.Contains(violations, v => v.Rule == rule && v.Detail.Contains(words, StringComparison.Ordinal));
    }

    private static ReclaimSnapshot WithFolio(ReclaimSnapshot s, Func<FolioState, FolioState> change) =>
        s with { Folios = [change(s.Folios[0]), .. s.Folios.Skip(1)] };

    private static ReclaimSnapshot WithPte(ReclaimSnapshot s, Func<PteState, PteState> change)
    {
        var mm = s.Mms[0];
        var at = mm.Ptes.IndexOf(mm.Ptes.Single(p => p.Frame is not null));
        return s with { Mms = [mm with { Ptes = mm.Ptes.SetItem(at, change(mm.Ptes[at])) }] };
    }

    [Fact]
    public void A_folio_outside_an_allocated_block_or_inside_a_kernel_page_or_a_block_no_one_owns_breaks_ownership()
    {
        var s = Valid();
        var folio = s.Folios[0];
        Broken(WithFolio(s, f => f with { Pfn = new Pfn(60) }), ReclaimInvariants.FrameOwnership,
            "is not an allocated order-0 block");
        Broken(s with { KernelPages = s.KernelPages.Add(new Block(folio.Pfn, new Order(0))) },
            ReclaimInvariants.FrameOwnership, "sits in a kernel allocation");
        Broken(s with { KernelPages = [] }, ReclaimInvariants.FrameOwnership, "has no owner (leaked)");
    }

    [Fact]
    public void A_listed_frame_that_is_no_folio_a_folio_twice_on_the_wrong_list_or_on_none_breaks_lru_membership()
    {
        var s = Valid();
        var pfn = s.Folios[0].Pfn;
        var list = s.Lru.IndexOf(s.Lru.Single(l => l.Contains(pfn)));
        var other = (list + 1) % s.Lru.Length;
        Broken(s with { Lru = s.Lru.SetItem(other, s.Lru[other].Add(new Pfn(61))) }, ReclaimInvariants.LruMembership,
            "which is no folio");
        Broken(s with { Lru = s.Lru.SetItem(list, s.Lru[list].Add(pfn)) }, ReclaimInvariants.LruMembership,
            "is on two lists");
        var moved = s.Lru.SetItem(list, s.Lru[list].Remove(pfn)).SetItem(other, s.Lru[other].Add(pfn));
        Broken(s with { Lru = moved }, ReclaimInvariants.LruMembership, "its flags name");
        Broken(s with { Lru = s.Lru.SetItem(list, s.Lru[list].Remove(pfn)) }, ReclaimInvariants.LruMembership,
            "is on no LRU list");
    }

    [Fact]
    public void A_map_count_that_is_not_the_ptes_or_a_pte_to_a_frame_with_no_folio_breaks_map_counts()
    {
        var s = Valid();
        Broken(WithFolio(s, f => f with { MapCount = 2 }), ReclaimInvariants.MapCounts, "says 2 mappings, 1 PTEs");
        Broken(WithPte(s, p => p with { Frame = new Pfn(62) }), ReclaimInvariants.MapCounts, "which holds no folio");
    }

    [Fact]
    public void A_slot_count_that_is_not_its_references_or_a_reference_to_no_used_slot_breaks_swap_counts()
    {
        var s = Valid();
        var area = s.Swap[0];
        var slot = area.Used[0];
        Broken(s with { Swap = [area with { Used = [slot with { Count = 2 }] }] }, ReclaimInvariants.SwapCounts,
            "has count 2; 1 references name it");
        Broken(s with { Swap = [area with { Used = [slot with { HasCache = true }] }] }, ReclaimInvariants.SwapCounts,
            "+cache; 1 references name it, no swap-cache folio");
        Broken(s with { Swap = [area with { Used = [] }] }, ReclaimInvariants.SwapCounts,
            "is named but is not a used slot");
        Broken(WithFolio(s, f => f with { Swap = new SwapEntry(area.Type, 5) }), ReclaimInvariants.SwapCounts,
            "is named but is not a used slot");
    }

    [Fact]
    public void A_tlb_entry_to_another_frame_an_old_pte_or_more_rights_than_the_pte_breaks_tlb_coherence()
    {
        var s = Valid();
        var entry = s.Tlb[0];
        Broken(s with { Tlb = [entry with { Frame = new Pfn(63) }] }, ReclaimInvariants.TlbCoherence, "but the PTE");
        Broken(WithPte(s, p => p with { Young = false }), ReclaimInvariants.TlbCoherence, "but the PTE");
        Broken(WithPte(s, p => p with { Writable = false }), ReclaimInvariants.TlbCoherence, "but the PTE");
        Broken(WithPte(s, p => p with { Dirty = false }), ReclaimInvariants.TlbCoherence, "but the PTE");
        Broken(s with { Tlb = [entry with { Addr = new VirtAddr(0x7000_0000) }] }, ReclaimInvariants.TlbCoherence,
            "but the PTE is gone");
    }
}
