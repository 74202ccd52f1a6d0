using MMSpec.Model.Core;

namespace MMSpec.Model.Reclaim;

public partial class ReclaimModel
{
    // The lruvec's five lists, each head first (list_add puts a folio at index 0; reclaim takes from the end).
    private readonly List<Pfn>[] _lru = [[], [], [], [], []];

    /// <summary>folio_lru_list: file or anon by PG_swapbacked, active by PG_active.</summary>
    private static LruList ListOf(Folio folio) => LruLists.Of(folio.Flags);

    private static bool IsFileList(LruList list) => list is LruList.InactiveFile or LruList.ActiveFile;

    private int Size(LruList list) => _lru[(int)list].Count;

    /// <summary>lruvec_add_folio: to the head of the list its flags name.</summary>
    private void AddToLru(Folio folio) => _lru[(int)ListOf(folio)].Insert(0, folio.Pfn);

    /// <summary>lruvec_add_folio_tail: to the tail, to be reclaimed next.</summary>
    private void AddToLruTail(Folio folio) => _lru[(int)ListOf(folio)].Add(folio.Pfn);

    private void RemoveFromLru(Folio folio)
    {
        var removed = _lru[(int)ListOf(folio)].Remove(folio.Pfn);
        System.Diagnostics.Debug.Assert(removed, $"folio {folio.Pfn} was not on {ListOf(folio)}");
    }

    /// <summary>The folio moved to the head of its active list (folio_activate).</summary>
    private void Activate(Folio folio)
    {
        RemoveFromLru(folio);
        folio.Set(FolioFlags.Active, true);
        AddToLru(folio);
        _events = _events with { PgActivate = _events.PgActivate + 1 };
    }

    /// <summary>
    /// folio_mark_accessed: inactive and unreferenced becomes referenced; inactive and referenced becomes active
    /// and unreferenced; active and unreferenced becomes referenced.
    /// </summary>
    private void MarkAccessed(Folio folio)
    {
        if (!folio.Has(FolioFlags.Active) && folio.Has(FolioFlags.Referenced))
        {
            Activate(folio);
            folio.Set(FolioFlags.Referenced, false);
        }
        else if (!folio.Has(FolioFlags.Referenced))
        {
            folio.Set(FolioFlags.Referenced, true);
        }
    }

    public Result<ulong> ReadFile(int file, ulong pgoff)
    {
        if (!IsFilePage(file, pgoff))
        {
            return new NoSuchFilePage(file, pgoff);
        }

        if (FileFolio(file, pgoff, majorFault: false) is not { } folio)
        {
            return OutOfFrames(1);
        }

        MarkAccessed(folio);
        return folio.Content;
    }

    /// <summary>
    /// generic_perform_write of a whole page: write_begin finds the folio or adds a new one without reading the disk
    /// (the write covers the page), FGP_WRITEBEGIN has no FGP_ACCESSED; the folio dirtied.
    /// </summary>
    public Result<Unit> WriteFile(int file, ulong pgoff, ulong value)
    {
        if (!IsFilePage(file, pgoff))
        {
            return new NoSuchFilePage(file, pgoff);
        }

        var folio = _pageCache.TryGetValue((FolioKind.File, file, pgoff), out var cached) ? _folios[cached]
            : NewFolio(FolioKind.File, file, pgoff, value);
        if (folio is null)
        {
            return OutOfFrames(1);
        }

        _pageCache[(FolioKind.File, file, pgoff)] = folio.Pfn;
        folio.Content = value;
        folio.Set(FolioFlags.Dirty, true);
        return Unit.Value;
    }

    private bool IsFilePage(int file, ulong pgoff) => file >= 0 && file < Config.Files && pgoff < Config.FilePages;

    /// <summary>
    /// filemap_get_folio, else a new folio read from disk onto the inactive file list (pgpgin; a major fault when a
    /// mapping faulted). Null with no free frame.
    /// </summary>
    private Folio? FileFolio(int file, ulong pgoff, bool majorFault)
    {
        if (_pageCache.TryGetValue((FolioKind.File, file, pgoff), out var cached))
        {
            return _folios[cached];
        }

        var content = _disk.TryGetValue((file, pgoff), out var written)
            ? written : ReclaimConfig.InitialContent(file, pgoff);
        var folio = NewFolio(FolioKind.File, file, pgoff, content);
        if (folio is null)
        {
            return null;
        }

        _pageCache[(FolioKind.File, file, pgoff)] = folio.Pfn;
        _events = _events with
        {
            PgPgIn = _events.PgPgIn + 4, PgMajFault = _events.PgMajFault + (majorFault ? 1UL : 0),
        };
        return folio;
    }

    /// <summary>
    /// shmem_get_folio: the object's folio, swapped back in (dirty: the swap copy is freed) or zero-filled.
    /// </summary>
    private Folio? ShmemFolio(int obj, ulong index, bool major)
    {
        if (_pageCache.TryGetValue((FolioKind.Shmem, obj, index), out var cached))
        {
            return _folios[cached];
        }

        var swapped = _shmem[obj].Swapped.TryGetValue(index, out var entry);
        var folio = NewFolio(FolioKind.Shmem, obj, index, swapped ? Area(entry).Content[entry.Offset] : 0);
        if (folio is null)
        {
            return null;
        }

        _pageCache[(FolioKind.Shmem, obj, index)] = folio.Pfn;
        if (swapped)
        {
            // shmem_swapin_folio: read, then the swap entry dropped from the object and freed.
            _shmem[obj].Swapped.Remove(index);
            SwapFree(entry);
            folio.Set(FolioFlags.Dirty, true);
            CountSwapIn(major);
        }

        return folio;
    }
}
