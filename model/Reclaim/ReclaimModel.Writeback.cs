using MMSpec.Model.Core;

namespace MMSpec.Model.Reclaim;

public partial class ReclaimModel
{
    /// <summary>
    /// The flusher threads (wb_writeback, write_cache_pages): every dirty file folio cleaned for IO
    /// (folio_clear_dirty_for_io: page_mkclean write-protects and cleans its PTEs, flushing them), written to disk
    /// and put under writeback.
    /// </summary>
    public Result<ulong> StartWriteback()
    {
        ulong written = 0;
        foreach (var folio in _folios.Values.Where(f => f.Kind == FolioKind.File && f.Has(FolioFlags.Dirty)
            && !f.Has(FolioFlags.Writeback)))
        {
            // page_vma_mkclean_one leaves an entry that is neither writable nor dirty (and its TLB entries) alone.
            foreach (var (space, page, pte) in Mappers(folio.Pfn).Where(m => m.Pte.Writable || m.Pte.Dirty).ToList())
            {
                space.Ptes[page] = pte with { Writable = false, Dirty = false };
                FlushEverywhere(space.Id, page);
            }

            folio.Set(FolioFlags.Dirty, false);
            folio.Set(FolioFlags.Writeback, true);
            WriteToDisk(folio.Owner, folio.Index, folio.Content);
            written++;
        }

        _events = _events with { PgPgOut = _events.PgPgOut + (4 * written) };
        return written;
    }

    /// <summary>
    /// folio_end_writeback for every folio under writeback: PG_writeback cleared; a PG_reclaim folio has the flag
    /// cleared and is rotated to the tail of its inactive list (folio_rotate_reclaimable, lru_move_tail:
    /// an active folio deactivated first).
    /// </summary>
    public Result<ulong> EndWriteback()
    {
        ulong ended = 0;
        foreach (var folio in _folios.Values.Where(f => f.Has(FolioFlags.Writeback)).ToList())
        {
            folio.Set(FolioFlags.Writeback, false);
            ended++;
            if (folio.Has(FolioFlags.Reclaim))
            {
                folio.Set(FolioFlags.Reclaim, false);
                if (folio.Has(FolioFlags.Dirty))
                {
                    // folio_rotate_reclaimable leaves a folio redirtied under writeback where it is.
                    continue;
                }

                RemoveFromLru(folio);
                folio.Set(FolioFlags.Active, false);
                AddToLruTail(folio);
            }
        }

        return ended;
    }

    /// <summary>The disk's copy of a file page; one equal to its boot content is not kept.</summary>
    private void WriteToDisk(int file, ulong pgoff, ulong content)
    {
        if (content == ReclaimConfig.InitialContent(file, pgoff))
        {
            _disk.Remove((file, pgoff));
        }
        else
        {
            _disk[(file, pgoff)] = content;
        }
    }
}
