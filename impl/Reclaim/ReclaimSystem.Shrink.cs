using System.Diagnostics;
using System.Runtime.InteropServices;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// The list scans (shrink_active_list, shrink_inactive_list), the rmap walks they make (folio_referenced,
/// try_to_unmap), and MADV_PAGEOUT's reclaim_pages. The folios a scan takes go to reused scratch arrays.
/// </summary>
public sealed partial class ReclaimSystem
{
    // The folios one scan isolated (at most SWAP_CLUSTER_MAX), and what shrink_folio_list made of each.
    private readonly int[] _isolated = new int[ClusterMax];
    private readonly Fate[] _fates = new Fate[ClusterMax];

    /// <summary>What shrink_folio_list does with one folio.</summary>
    private enum Fate : byte
    {
        Keep,
        Activate,
        Freed,
    }

    /// <summary>
    /// madvise(MADV_PAGEOUT) of one page (madvise_cold_or_pageout_pte_range, reclaim_pages): PG_referenced cleared,
    /// PG_workingset set on an active folio, isolated with PG_active cleared, shrink_folio_list with references
    /// ignored, and put back where PG_active then says. A folio mapped more than once is skipped, as Linux does.
    /// </summary>
    public Result<ulong> PageOut(AsId mm, VirtAddr addr)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        if (m.Find(addr.Vpn) is null)
        {
            return new NotMapped(mm, addr);
        }

        if (!m.Ptes.TryGetValue(addr.Vpn, out var pte) || pte.IsSwap)
        {
            return new NotReclaimable(mm, addr, "not present");
        }

        var pfn = pte.Frame;
        if (_pins[pfn] > 0)
        {
            return new NotReclaimable(mm, addr, "pinned");
        }

        if (_mapCount[pfn] != 1)
        {
            return 0UL;
        }

        Clear(pfn, FolioFlags.Referenced);
        if (Has(pfn, FolioFlags.Active))
        {
            Set(pfn, FolioFlags.Workingset);
        }

        LruDelete(pfn);
        Clear(pfn, FolioFlags.Active);
        _isolated[0] = pfn;
        var reclaimed = ShrinkFolioList(1, ignoreReferences: true, out _);
        PutBack(1);
        return reclaimed;
    }

    /// <summary>
    /// shrink_active_list: n folios off the tail (pgrefill); a referenced executable file folio stays active
    /// (rotated), every other one is deactivated (PG_workingset); the kept ones go back first, then the deactivated
    /// ones, each to its head in the order taken; then lru_note_cost with the rotations.
    /// </summary>
    private void ShrinkActiveList(int n, LruList list)
    {
        var taken = Isolate(list, n, _isolated);
        _events.PgRefill += (ulong)taken;
        var rotated = 0UL;
        for (var i = 0; i < taken; i++)
        {
            var pfn = _isolated[i];
            var keep = FolioReferenced(pfn, out var exec) > 0 && exec && KindOf(pfn) == FolioKind.File;

            // Activate: stays on the active list (rotated); Keep: goes to the inactive list.
            _fates[i] = keep ? Fate.Activate : Fate.Keep;
            rotated += keep ? 1UL : 0;
            if (!keep)
            {
                Clear(pfn, FolioFlags.Active);
                Set(pfn, FolioFlags.Workingset);
            }
        }

        // move_folios_to_lru(l_active), then move_folios_to_lru(l_inactive).
        for (var i = 0; i < taken; i++)
        {
            if (_fates[i] == Fate.Activate)
            {
                LruAddHead(_isolated[i]);
            }
        }

        for (var i = 0; i < taken; i++)
        {
            if (_fates[i] == Fate.Keep)
            {
                LruAddHead(_isolated[i]);
                _events.PgDeactivate++;
            }
        }

        NoteCost(IsFileList(list), 0, rotated);
    }

    /// <summary>
    /// shrink_inactive_list: n folios isolated from the tail (pgscan), shrink_folio_list tail first, the rest back
    /// in their order (move_folios_to_lru: an activated one to its active head), pgsteal, then lru_note_cost.
    /// </summary>
    private ulong ShrinkInactiveList(int n, LruList list)
    {
        var taken = Isolate(list, n, _isolated);
        var file = IsFileList(list);
        _events.PgScanDirect += (ulong)taken;
        _events.PgScanFile += file ? (ulong)taken : 0;
        _events.PgScanAnon += file ? 0 : (ulong)taken;
        // A list holds at least what shrink_lruvec still means to scan of it, so the early return for nothing taken
        // (before lru_note_cost) never happens here.
        Debug.Assert(taken > 0, "an inactive list holds what is left to scan of it");
        var reclaimed = ShrinkFolioList(taken, ignoreReferences: false, out var pageout);
        PutBack(taken);
        _events.PgStealDirect += reclaimed;
        _events.PgStealFile += file ? reclaimed : 0;
        _events.PgStealAnon += file ? 0 : reclaimed;
        NoteCost(file, pageout, (ulong)taken - reclaimed);
        return reclaimed;
    }

    /// <summary>move_folios_to_lru / folio_putback_lru: each folio not freed to its list's head, in order.</summary>
    private void PutBack(int taken)
    {
        for (var i = 0; i < taken; i++)
        {
            if (_fates[i] != Fate.Freed)
            {
                LruAddHead(_isolated[i]);
            }
        }
    }

    /// <summary>
    /// folio_referenced: every young PTE of the folio cleared and its TLB entries flushed on every CPU; the young
    /// ones counted, and whether one was in an executable mapping (VM_EXEC in the vm_flags it gathers).
    /// </summary>
    private int FolioReferenced(int pfn, out bool exec)
    {
        var young = 0;
        exec = false;
        foreach (var (mm, vpn) in _rmap[pfn]!)
        {
            var m = _mms[mm];
            ref var pte = ref CollectionsMarshal.GetValueRefOrNullRef(m.Ptes, vpn);
            if (pte.Young)
            {
                pte.Young = false;
                FlushPage(mm, vpn);
                young++;
                exec |= m.Find(vpn)!.Kind == MapKind.FileExec;
            }
        }

        return young;
    }

    /// <summary>
    /// try_to_unmap: every PTE cleared and its TLB entries flushed on every CPU, a dirty one dirtying the folio; a
    /// swap-cache folio's PTEs become its swap entry (swap_duplicate; the mm joins the mmlist), others are removed.
    /// </summary>
    private void TryToUnmap(int pfn)
    {
        var rmap = _rmap[pfn]!;
        foreach (var (mm, vpn) in rmap)
        {
            var ptes = _mms[mm].Ptes;
            var pte = ptes[vpn];
            FlushPage(mm, vpn);
            if (pte.Dirty)
            {
                Set(pfn, FolioFlags.Dirty);
            }

            if (!InSwapCache(pfn))
            {
                ptes.Remove(vpn);
                continue;
            }

            ptes[vpn] = Pte.SwapOut(_swapType[pfn], _swapOffset[pfn]);
            SwapDuplicate(_swapType[pfn], _swapOffset[pfn]);
            if (!_mmlist.Contains(mm))
            {
                _mmlist.Insert(0, mm);
            }
        }

        rmap.Clear();
        _mapCount[pfn] = 0;
    }

    /// <summary>
    /// folio_check_references: young PTEs set PG_referenced, and activate when the folio was referenced too, more
    /// than one was young, or one was executable and the folio a file page (else keep); with none young, a
    /// referenced file page is reclaimed only if clean.
    /// </summary>
    private Fate? CheckReferences(int pfn, out bool reclaimClean)
    {
        var young = FolioReferenced(pfn, out var exec);
        var referenced = Has(pfn, FolioFlags.Referenced);
        var file = KindOf(pfn) == FolioKind.File;
        Clear(pfn, FolioFlags.Referenced);
        reclaimClean = young == 0 && referenced && file;
        if (young == 0)
        {
            return null;
        }

        Set(pfn, FolioFlags.Referenced);
        return referenced || young > 1 || (exec && file) ? Fate.Activate : Fate.Keep;
    }

    /// <summary>
    /// shrink_folio_list over the isolated folios, tail first: what became of each in the fates array, the pages
    /// freed returned, the pages written out counted. Activation sets PG_active (pgactivate) and drops a swap-cache
    /// folio whose slot nothing names from the swap cache when swap is more than half full.
    /// </summary>
    private ulong ShrinkFolioList(int count, bool ignoreReferences, out ulong pageout)
    {
        var reclaimed = 0UL;
        pageout = 0;
        for (var i = 0; i < count; i++)
        {
            var pfn = _isolated[i];
            var fate = ShrinkFolio(pfn, ignoreReferences, ref pageout);
            _fates[i] = fate;
            if (fate == Fate.Activate)
            {
                if (InSwapCache(pfn) && SwapFull())
                {
                    FolioFreeSwap(pfn);
                }

                Set(pfn, FolioFlags.Active);
                _events.PgActivate++;
            }

            reclaimed += fate == Fate.Freed ? 1UL : 0;
        }

        return reclaimed;
    }
}
