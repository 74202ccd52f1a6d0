using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Impl.Paging;

/// <summary>
/// The page cache (an address_space's i_pages per object, here one dictionary keyed by (object, page
/// offset)), each page with its mapcount (page_mapcount: how many PTEs map it), the reverse map a frame
/// carries (page-&gt;mapping and page-&gt;index, so a PTE's frame tells whose page it is), the shmem pages of
/// each shmem object, and the disk: the bytes of regular-file pages written back on eviction.
/// </summary>
internal sealed class PageCache
{
    private readonly Dictionary<(MappedObject Backing, ulong PgOff), CachedFrame> _pages = [];
    private readonly Dictionary<Pfn, (MappedObject Backing, ulong PgOff)> _owners = [];
    private readonly Dictionary<int, List<ulong>> _shmemPages = [];
    private readonly Dictionary<(MappedObject Backing, ulong PgOff), byte[]?> _disk = [];

    public bool TryGet((MappedObject Backing, ulong PgOff) key, out Pfn frame)
    {
        var found = _pages.TryGetValue(key, out var cached);
        frame = found ? cached!.Frame : default;
        return found;
    }

    /// <summary>
    /// page-&gt;mapping: the cached page a frame holds, or null for an anonymous (or any other) frame.
    /// </summary>
    public (MappedObject Backing, ulong PgOff)? OwnerOf(Pfn frame) =>
        _owners.TryGetValue(frame, out var key) ? key : null;

    /// <summary>
    /// What a regular file page holds on disk: null when never written back (or written back as zeros).
    /// </summary>
    public byte[]? OnDisk((MappedObject Backing, ulong PgOff) key) => _disk.GetValueOrDefault(key);

    /// <summary>add_to_page_cache_lru.</summary>
    public void Add((MappedObject Backing, ulong PgOff) key, Pfn frame)
    {
        _pages.Add(key, new CachedFrame(frame));
        _owners.Add(frame, key);
        if (key.Backing.Shmem)
        {
            if (!_shmemPages.TryGetValue(key.Backing.Id, out var offsets))
            {
                offsets = [];
                _shmemPages.Add(key.Backing.Id, offsets);
            }

            offsets.Add(key.PgOff);
        }
    }

    /// <summary>page_add_file_rmap / page_remove_rmap; returns the mapcount after the change.</summary>
    public int Map((MappedObject Backing, ulong PgOff) key, int delta) => _pages[key].MapCount += delta;

    /// <summary>
    /// Writeback and eviction of a regular file page that nothing maps: its bytes go to disk, its frame is
    /// returned (the caller frees it). Null when the page is shmem, still mapped, or already gone.
    /// </summary>
    public Pfn? EvictIfUnmapped((MappedObject Backing, ulong PgOff) key, FrameStore memory)
    {
        if (key.Backing.Shmem || !_pages.TryGetValue(key, out var cached) || cached.MapCount > 0)
        {
            return null;
        }

        _disk[key] = memory.Save(cached.Frame);
        Remove(key, cached.Frame);
        return cached.Frame;
    }

    /// <summary>
    /// shmem_evict_inode: every page of the object leaves the cache; their frames are returned to free.
    /// </summary>
    public List<Pfn> ReleaseShmem(int id)
    {
        var frames = new List<Pfn>();
        if (_shmemPages.Remove(id, out var offsets))
        {
            foreach (var pgoff in offsets)
            {
                var key = (new MappedObject(true, id), pgoff);
                var frame = _pages[key].Frame;
                Remove(key, frame);
                frames.Add(frame);
            }
        }

        return frames;
    }

    /// <summary>The cached pages sorted by (object: files before shmem, then id; page offset).</summary>
    public IEnumerable<CachedPage> Sorted() =>
        _pages.Select(p => new CachedPage(p.Key.Backing, p.Key.PgOff, p.Value.Frame))
            .OrderBy(c => c.Backing.Shmem).ThenBy(c => c.Backing.Id).ThenBy(c => c.PgOff);

    private void Remove((MappedObject Backing, ulong PgOff) key, Pfn frame)
    {
        _pages.Remove(key);
        _owners.Remove(frame);
    }

    private sealed class CachedFrame(Pfn frame)
    {
        public Pfn Frame { get; } = frame;

        public int MapCount { get; set; }
    }
}
