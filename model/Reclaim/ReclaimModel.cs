using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Model.Reclaim;

/// <summary>
/// The reference reclaim system (docs/reclaim.md): address spaces as mappings and PTEs, folios in a dictionary by
/// pfn, the LRU lists as lists (head first), swap areas as arrays of swap_map counts, written for reading, not
/// speed. The rules a broken variant changes are protected virtual hooks named after the kernel functions.
/// <para>
/// This file holds the state and the address-space operations; faults in ReclaimModel.Faults.cs, the LRU lists in
/// .Lru.cs, direct reclaim in .Scan.cs and .Shrink.cs, swap in .Swap.cs, writeback in .Writeback.cs, compaction in
/// .Compact.cs, the snapshot in .Snapshot.cs.
/// </para>
/// </summary>
public partial class ReclaimModel : IReclaimSystem
{
    /// <summary>Where the first mapping of an address space starts.</summary>
    public const ulong FirstMapping = 0x10000;

    /// <summary>TASK_SIZE with 4-level paging: no mapping ends above it.</summary>
    public const ulong TaskSize = 0x7ffffffff000;

    /// <summary>The largest mapping, in pages (256 MiB).</summary>
    public const ulong MaxMappingPages = 1UL << 16;

    private readonly BuddyModel _pages;
    private readonly SortedDictionary<int, Mm> _mms = [];
    private readonly SortedDictionary<Pfn, Folio> _folios = [];
    private readonly Dictionary<(FolioKind Kind, int Object, ulong Index), Pfn> _pageCache = [];
    private readonly SortedDictionary<int, ShmemObject> _shmem = [];
    private readonly SortedDictionary<(int File, ulong PgOff), ulong> _disk = [];
    private readonly SortedDictionary<Pfn, Order> _kernel = [];
    private int _nextMm = 1;
    private int _nextShmem;

    public ReclaimModel(ReclaimConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfZero(config.Frames);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(config.Frames, 1UL << 20);
        ArgumentOutOfRangeException.ThrowIfLessThan(config.Cpus, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(config.Cpus, ReclaimConfig.MaxCpus);
        ArgumentOutOfRangeException.ThrowIfNegative(config.Files);
        if (config.Files > 0 && config.FilePages == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(config), config.FilePages, "a file has one page or more");
        }

        if (config.Files > 0 && config.FilePages > (ulong)long.MaxValue / (ulong)config.Files)
        {
            throw new ArgumentOutOfRangeException(
                nameof(config), config.FilePages, "the disk numbers a page by a long");
        }

        Config = config;
        _pages = new BuddyModel(ReclaimConfig.LayoutOf(config));
        Zone = _pages.Layout.Zones[0];
        Watermarks = ZoneWatermarks.For(config.Frames);
    }

    public ReclaimConfig Config { get; }

    /// <summary>The one zone, ZONE_NORMAL over every frame.</summary>
    public Zone Zone { get; }

    /// <summary>The zone's min, low and high watermarks (__setup_per_zone_wmarks).</summary>
    public ZoneWatermarks Watermarks { get; }

    public Swappiness Swappiness { get; private set; } = Swappiness.Default;

    public Result<AsId> CreateMm()
    {
        var mm = new Mm(new AsId(_nextMm++), _rmap);
        _mms[mm.Id.Value] = mm;
        return mm.Id;
    }

    /// <summary>
    /// dup_mmap: every mapping copied; only anonymous mappings copy their entries (vma_needs_copy). A pinned page is
    /// copied for the child at once (copy_present_page: page_needs_cow_for_dma), so the frames those copies need are
    /// checked first. The parent's TLB entries are flushed on every CPU (flush_tlb_mm).
    /// </summary>
    public Result<AsId> Fork(AsId parent)
    {
        if (!_mms.TryGetValue(parent.Value, out var source))
        {
            return new UnknownAddressSpace(parent);
        }

        var pinned = (ulong)source.Ptes.Count(p => p.Value.Frame is { } f && _folios[f].Pins > 0
            && source.MappingAt(p.Key)!.Kind == MapKind.Anon);
        var free = Allocatable();
        if (free < pinned)
        {
            return new ReclaimOutOfMemory(pinned, free);
        }

        var child = new Mm(new AsId(_nextMm++), _rmap);
        _mms[child.Id.Value] = child;
        foreach (var mapping in source.Mappings)
        {
            child.Mappings.Add(mapping);
            if (mapping.Kind == MapKind.Shmem)
            {
                _shmem[mapping.Owner].Mappings++;
            }
        }

        foreach (var (page, pte) in source.Ptes.ToList())
        {
            if (source.MappingAt(page)!.Kind == MapKind.Anon)
            {
                CopyPte(source, child, page, pte);
            }
        }

        FlushMm(source.Id);
        return child.Id;
    }

    /// <summary>
    /// copy_pte_range for one entry: a swap entry duplicated (the child joins the mmlist after its parent); a pinned
    /// page copied; any other present page write-protected in both, the child's entry old.
    /// </summary>
    private void CopyPte(Mm source, Mm child, ulong page, Pte pte)
    {
        if (pte.Swap is { } entry)
        {
            CopyNonpresentPte(entry);
            child.Ptes[page] = pte;
            if (!_mmlist.Contains(child.Id.Value))
            {
                _mmlist.Insert(_mmlist.IndexOf(source.Id.Value) + 1, child.Id.Value);
            }

            return;
        }

        var folio = _folios[pte.Frame!.Value];
        if (folio.Pins > 0)
        {
            var copy = NewFolio(FolioKind.Anon, -1, 0, folio.Content)!;
            child.Ptes[page] = new Pte(copy.Pfn, null, Writable: true, Young: true, Dirty: true);
            return;
        }

        source.Ptes[page] = pte with { Writable = false };
        child.Ptes[page] = pte with { Writable = false, Young = false };
    }

    /// <summary>exit_mmap: every mapping zapped.</summary>
    public Result<Unit> ExitMm(AsId mm)
    {
        if (!_mms.TryGetValue(mm.Value, out var space))
        {
            return new UnknownAddressSpace(mm);
        }

        foreach (var mapping in space.Mappings.ToList())
        {
            Unmap(space, mapping);
        }

        _mms.Remove(mm.Value);
        _mmlist.Remove(mm.Value);
        return Unit.Value;
    }

    public Result<VirtAddr> Mmap(AsId mm, MapKind kind, int file, ulong pages)
    {
        if (!_mms.TryGetValue(mm.Value, out var space))
        {
            return new UnknownAddressSpace(mm);
        }

        if (pages is 0 or > MaxMappingPages)
        {
            return new InvalidRange(new VirtAddr(space.NextStart), pages, $"a mapping has 1..{MaxMappingPages} pages");
        }

        var isFile = kind is MapKind.File or MapKind.FileExec;
        if (isFile && (file < 0 || file >= Config.Files))
        {
            return new NoSuchFilePage(file, 0);
        }

        if (isFile && pages > Config.FilePages)
        {
            return new NoSuchFilePage(file, Config.FilePages);
        }

        if (space.NextStart + (pages * Pfn.PageSize) > TaskSize)
        {
            return new NoVirtualSpace(pages);
        }

        var obj = -1;
        if (kind == MapKind.Shmem)
        {
            obj = _nextShmem++;
            _shmem[obj] = new ShmemObject(pages) { Mappings = 1 };
        }
        else if (isFile)
        {
            obj = file;
        }

        var mapping = new MappingState(new VirtAddr(space.NextStart), pages, kind, obj);
        space.Mappings.Add(mapping);
        return mapping.Start;
    }

    public Result<Unit> Munmap(AsId mm, VirtAddr start)
    {
        if (!_mms.TryGetValue(mm.Value, out var space))
        {
            return new UnknownAddressSpace(mm);
        }

        if (space.Mappings.FirstOrDefault(m => m.Start == start) is not { } mapping)
        {
            return new NotMapped(mm, start);
        }

        Unmap(space, mapping);
        return Unit.Value;
    }

    /// <summary>zap_pte_range over one mapping, then the mapping gone (and a shmem object no mapping holds).</summary>
    private void Unmap(Mm space, MappingState mapping)
    {
        for (var page = mapping.Start.Value; page < mapping.End; page += Pfn.PageSize)
        {
            if (space.Ptes.Remove(page, out var pte))
            {
                FlushEverywhere(space.Id, page);
                DropPins(space.Id, page, pte);
                Zap(pte);
            }
        }

        space.Mappings.Remove(mapping);
        if (mapping.Kind == MapKind.Shmem && --_shmem[mapping.Owner].Mappings == 0)
        {
            ReleaseShmem(mapping.Owner);
        }
    }

    /// <summary>
    /// One entry zapped (zap_present_folio_ptes): a folio loses a mapping, a file or shmem folio takes a dirty PTE's
    /// dirty bit and a young one's access (folio_mark_accessed); a swap entry loses its reference
    /// (free_swap_and_cache).
    /// </summary>
    private void Zap(Pte pte)
    {
        if (pte.Swap is { } entry)
        {
            FreeSwapAndCache(entry);
            return;
        }

        var folio = _folios[pte.Frame!.Value];
        if (folio.Kind != FolioKind.Anon && pte.Dirty)
        {
            folio.Set(FolioFlags.Dirty, true);
        }

        if (folio.Kind != FolioKind.Anon && pte.Young)
        {
            MarkAccessed(folio);
        }

        if (folio.Kind == FolioKind.Anon && MapCount(folio.Pfn) == 0)
        {
            DropUnmappedAnon(folio);
        }
    }

    /// <summary>An anonymous folio no PTE maps: freed, unless a swap PTE elsewhere still names its slot.</summary>
    private void DropUnmappedAnon(Folio folio)
    {
        if (folio.Swap is { } entry)
        {
            if (Area(entry).Count[entry.Offset] > 0)
            {
                return;
            }

            DeleteFromSwapCache(folio, dirty: true);
        }

        FreeFolio(folio);
    }

    /// <summary>The last mapping of a shmem object gone: its pages freed, its swap slots released.</summary>
    private void ReleaseShmem(int obj)
    {
        var shmem = _shmem[obj];
        foreach (var entry in shmem.Swapped.Values)
        {
            ShmemFreeSwap(entry);
        }

        foreach (var folio in _folios.Values.Where(f => f.Kind == FolioKind.Shmem && f.Owner == obj).ToList())
        {
            _pageCache.Remove((FolioKind.Shmem, obj, folio.Index));
            FreeFolio(folio);
        }

        _shmem.Remove(obj);
        _shmemSwaplist.Remove(obj);
    }

    /// <summary>shmem_free_swap, as shmem_undo_range calls it when the object goes: the slot's reference dropped.
    /// </summary>
    protected virtual void ShmemFreeSwap(SwapEntry entry) => FreeSwapAndCache(entry);

    private Result<Mm> MmOf(AsId mm) =>
        _mms.TryGetValue(mm.Value, out var space) ? space : new UnknownAddressSpace(mm);

    /// <summary>An address space: its mappings and its PTEs by page address.</summary>
    private sealed class Mm(AsId id, Dictionary<Pfn, SortedSet<(int Mm, ulong Page)>> rmap)
    {
        public AsId Id { get; } = id;

        public List<MappingState> Mappings { get; } = [];

        public PageTable Ptes { get; } = new(id.Value, rmap);

        public ulong NextStart => Mappings.Count == 0 ? FirstMapping : Mappings.Max(m => m.End);

        public MappingState? MappingAt(ulong page) =>
            Mappings.FirstOrDefault(m => page >= m.Start.Value && page < m.End);
    }

    /// <summary>A present entry (Frame) or a swap entry (Swap).</summary>
    private readonly record struct Pte(Pfn? Frame, SwapEntry? Swap, bool Writable, bool Young, bool Dirty);

    /// <summary>A shmem object: its size, how many mappings hold it, and its pages on swap by index.</summary>
    private sealed class ShmemObject(ulong pages)
    {
        public ulong Pages { get; } = pages;

        public int Mappings { get; set; }

        public SortedDictionary<ulong, SwapEntry> Swapped { get; } = [];
    }

    /// <summary>An order-0 folio in memory.</summary>
    private sealed class Folio(Pfn pfn, FolioKind kind, int obj, ulong index, ulong content)
    {
        public Pfn Pfn { get; set; } = pfn;

        public FolioKind Kind { get; } = kind;

        public int Owner { get; } = obj;

        public ulong Index { get; } = index;

        public FolioFlags Flags { get; set; } = kind == FolioKind.File ? FolioFlags.None : FolioFlags.SwapBacked;

        public int Pins { get; set; }

        public SwapEntry? Swap { get; set; }

        public ulong Content { get; set; } = content;

        public bool Has(FolioFlags flag) => (Flags & flag) != 0;

        public void Set(FolioFlags flag, bool on) => Flags = on ? Flags | flag : Flags & ~flag;
    }
}
