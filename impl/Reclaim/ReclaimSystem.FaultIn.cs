using System.Diagnostics;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>The fault handlers: the write-protect fault (copy-on-write, write-notify) and missing pages.</summary>
public sealed partial class ReclaimSystem
{
    /// <summary>
    /// do_wp_page for an anonymous folio: copy when it is mapped more than once or its swap slot has another
    /// reference (wp_can_reuse_anon_folio fails).
    /// </summary>
    private bool NeedsCopy(int pfn) => _mapCount[pfn] > 1 || (InSwapCache(pfn) && SlotCount(pfn) > 0);

    /// <summary>
    /// do_wp_page: an anonymous page is reused in place (out of the swap cache first when nothing else names its
    /// slot) or copied (wp_page_copy); a shared file page is dirtied (wp_page_shared). Upgrading an entry in place
    /// flushes no other CPU (x86 ptep_set_access_flags): their read-only entries just miss on a write.
    /// </summary>
    private void WriteProtectFault(ReclaimMm m, Mapping mapping, ulong vpn, Pte pte)
    {
        var pfn = pte.Frame;
        if (mapping.Kind == MapKind.File)
        {
            Set(pfn, FolioFlags.Dirty);
        }
        else if (!NeedsCopy(pfn))
        {
            Debug.Assert(mapping.Kind == MapKind.Anon, "only private anonymous pages are mapped write-protected");
            if (InSwapCache(pfn))
            {
                FolioFreeSwap(pfn);
            }
        }
        else
        {
            var copy = NewFolio(FolioKind.Anon, -1, 0, _content[pfn]);
            LruAddHead(copy);
            FlushPage(m.Id.Value, vpn);
            RmapRemove(pfn, m.Id.Value, vpn);
            MapPage(m, vpn, copy, writable: true, young: true, dirty: true);
            if (_mapCount[pfn] == 0)
            {
                ReleaseUnmappedAnon(pfn);
            }

            return;
        }

        m.Ptes[vpn] = pte with { Writable = true, Young = true, Dirty = true };
    }

    /// <summary>
    /// do_pte_missing: do_anonymous_page (a write: a zero-filled folio; a read maps nothing and never gets here),
    /// do_read_fault / do_shared_fault for a file (a read maps it read-only for write-notify; a write dirties the
    /// folio), shmem_fault (mapped writable at once; a write fault dirties the folio: fault_dirty_shared_page).
    /// </summary>
    private void FaultIn(ReclaimMm m, Mapping mapping, ulong vpn, bool write)
    {
        switch (mapping.Kind)
        {
            case MapKind.Anon:
                Debug.Assert(write, "a read of untouched anonymous memory maps nothing");
                var pfn = NewFolio(FolioKind.Anon, -1, 0, 0);
                LruAddHead(pfn);
                MapPage(m, vpn, pfn, writable: true, young: true, dirty: true);
                break;
            case MapKind.Shmem:
                var page = ShmemPage(_shmem[mapping.Object], mapping.PgOff(vpn));
                if (write)
                {
                    Set(page, FolioFlags.Dirty);
                }

                MapPage(m, vpn, page, writable: true, young: true, dirty: write);
                break;
            default:
                var folio = FilePage(mapping.Object, mapping.PgOff(vpn), majorFault: true);
                if (write)
                {
                    Set(folio, FolioFlags.Dirty);
                }

                MapPage(m, vpn, folio, writable: write, young: true, dirty: write);
                break;
        }
    }

    /// <summary>
    /// shmem_get_folio: the object's page in memory, swapped in from its entry (shmem_swapin_folio), or a new
    /// zero-filled clean folio (shmem_alloc_and_add_folio), on the inactive anon list.
    /// </summary>
    private int ShmemPage(ShmemObject shmem, ulong index)
    {
        if (shmem.Resident.TryGetValue(index, out var pfn))
        {
            return pfn;
        }

        if (shmem.Swapped.TryGetValue(index, out var entry))
        {
            _events.PgMajFault++;
            return ShmemSwapIn(shmem, index, entry);
        }

        pfn = NewFolio(FolioKind.Shmem, shmem.Id, index, 0);
        shmem.Resident.Add(index, pfn);
        LruAddHead(pfn);
        return pfn;
    }
}
