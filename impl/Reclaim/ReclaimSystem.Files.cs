using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// read() and write() through the page cache (filemap_read, generic_perform_write), and writeback: the flusher
/// threads (write_cache_pages) and folio_end_writeback.
/// </summary>
public sealed partial class ReclaimSystem
{
    /// <summary>filemap_read of one page: the page cache's folio (read from disk on a miss), marked accessed.</summary>
    public Result<ulong> ReadFile(int file, ulong pgoff)
    {
        if (CachedFileAccess(file, pgoff) is { } error)
        {
            return error;
        }

        var pfn = FilePage(file, pgoff, majorFault: false);
        MarkAccessed(pfn);
        return _content[pfn];
    }

    /// <summary>
    /// generic_perform_write of one whole page: the page cache's folio, or on a miss a new one not read from disk (the
    /// write covers it) at the head of the inactive file list; written and dirtied, not marked accessed
    /// (write_begin's FGP_WRITEBEGIN has no FGP_ACCESSED).
    /// </summary>
    public Result<Unit> WriteFile(int file, ulong pgoff, ulong value)
    {
        if (CachedFileAccess(file, pgoff) is { } error)
        {
            return error;
        }

        var key = FileKey(file, pgoff);
        if (_fileCache.TryGetValue(key, out var pfn))
        {
            _content[pfn] = value;
        }
        else
        {
            pfn = AddFilePage(file, pgoff, value);
        }

        Set(pfn, FolioFlags.Dirty);
        return Unit.Value;
    }

    /// <summary>
    /// The flusher threads (WB_SYNC_NONE): every dirty file folio not already under writeback, in pfn order, has
    /// its writable or dirty PTEs write-protected and cleaned with their TLB entries flushed (folio_mkclean), its
    /// content written to the file, PG_dirty cleared and PG_writeback set. Returns the folios put under writeback.
    /// </summary>
    public Result<ulong> StartWriteback()
    {
        var written = 0UL;
        for (var pfn = 0; pfn < _kind.Length; pfn++)
        {
            if (!IsFolio(pfn) || KindOf(pfn) != FolioKind.File || !Has(pfn, FolioFlags.Dirty)
                || Has(pfn, FolioFlags.Writeback))
            {
                continue;
            }

            foreach (var (mm, vpn) in _rmap[pfn]!)
            {
                var ptes = _mms[mm].Ptes;
                var pte = ptes[vpn];
                if (pte.Writable || pte.Dirty)
                {
                    FlushPage(mm, vpn);
                    ptes[vpn] = pte with { Writable = false, Dirty = false };
                }
            }

            _disk[FileKey(_object[pfn], _index[pfn])] = _content[pfn];
            _events.PgPgOut += 4;
            Clear(pfn, FolioFlags.Dirty);
            Set(pfn, FolioFlags.Writeback);
            written++;
        }

        return written;
    }

    /// <summary>
    /// folio_end_writeback for every folio under writeback, in pfn order: PG_writeback cleared; a PG_reclaim one has
    /// it cleared and, unless redirtied meanwhile, goes to the tail of its inactive list (folio_rotate_reclaimable,
    /// PG_active cleared first). Returns the folios whose writeback ended.
    /// </summary>
    public Result<ulong> EndWriteback()
    {
        var ended = 0UL;
        for (var pfn = 0; pfn < _kind.Length; pfn++)
        {
            if (!IsFolio(pfn) || !Has(pfn, FolioFlags.Writeback))
            {
                continue;
            }

            Clear(pfn, FolioFlags.Writeback);
            ended++;
            if (!Has(pfn, FolioFlags.Reclaim))
            {
                continue;
            }

            Clear(pfn, FolioFlags.Reclaim);
            if (!Has(pfn, FolioFlags.Dirty))
            {
                LruDelete(pfn);
                Clear(pfn, FolioFlags.Active);
                LruAddTail(pfn);
            }
        }

        return ended;
    }

    /// <summary>The file page a read() or write() names, or why there is none; then a frame for a cache miss.</summary>
    private MmError? CachedFileAccess(int file, ulong pgoff)
    {
        if (file < 0 || file >= Config.Files || pgoff >= Config.FilePages)
        {
            return new NoSuchFilePage(file, pgoff);
        }

        var free = AllocatableFrames();
        return !_fileCache.ContainsKey(FileKey(file, pgoff)) && free == 0 ? new ReclaimOutOfMemory(1, free) : null;
    }
}
