using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using AccessKind = MMSpec.Model.Paging.Access;

namespace MMSpec.Impl.Paging;

/// <summary>
/// The paging system as the kernel and the MMU build it: radix page tables stored in physical frames
/// (<see cref="FrameStore"/>), walked level by level from each mm's PGD; the kernel's vmalloc tables shared
/// by copying the kernel's top-level entry into every PGD (clone_pgd_range); a page cache with mapcounts
/// and a reverse map (<see cref="PageCache"/>); RSS and VmPTE counted as pages and tables come and go.
/// Unmapping visits only the tables over the unmapped range. <see cref="Snapshot"/> walks the tables in memory.
/// </summary>
public sealed partial class PagingSystem : IPagingSystem
{
    /// <summary>_PAGE_TABLE: a user non-leaf entry.</summary>
    private const PteFlags UserTable = PteFlags.Present | PteFlags.ReadWrite | PteFlags.User | PteFlags.Accessed;

    /// <summary>_KERNPG_TABLE: a kernel non-leaf entry, no _PAGE_USER.</summary>
    private const PteFlags KernelTable = PteFlags.Present | PteFlags.ReadWrite | PteFlags.Accessed;

    private readonly FrameStore _memory;
    private readonly PageCache _cache = new();
    private readonly SortedDictionary<int, ImplMm> _mms = [];

    // vmap_area_root as a list sorted by start: the areas, their frames, and the first-fit search.
    private readonly List<VmallocArea> _vmalloc = [];

    // The vmalloc range's second-level table: what the kernel's PGD entry points to, in every PGD.
    private readonly Pfn _vmallocTable;

    // empty_zero_page: the frame every read fault on private anonymous memory maps, read-only; nobody's RSS.
    private readonly Pfn _zeroPage;

    // Shmem objects by the mm that created them, and those an unmap may have left without a VMA.
    private readonly Dictionary<int, AsId> _shmemOwner = [];
    private readonly HashSet<int> _shmemMaybeDead = [];

    // Reused on every fault and unmap: the frames a fault allocates, the cached pages an unmap unmapped.
    private readonly List<Pfn> _frames = [];
    private readonly List<(MappedObject Backing, ulong PgOff)> _unmapped = [];

    private int _nextMm;
    private int _nextShmem;

    public PagingSystem(PagingFormat format, IBuddyAllocator pages)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(pages);
        Format = format;
        Pages = pages;
        _memory = new FrameStore(pages.Layout.FrameCount);
        // preallocate_vmalloc_pages: the vmalloc range's second-level table exists from boot, so every PGD can
        // share it.
        var table = pages.AllocPages(new Order(0), ZoneType.Normal);
        _vmallocTable = table.IsOk
            ? table.Value
            : throw new InvalidOperationException("no frame for the kernel's vmalloc table");
        _memory.Clear(_vmallocTable);
        var zero = pages.AllocPages(new Order(0), ZoneType.Normal);
        _zeroPage = zero.IsOk ? zero.Value : throw new InvalidOperationException("no frame for the zero page");
        _memory.Clear(_zeroPage);
    }

    private enum LeafAction
    {
        Zap,
        Protect,
    }

    public PagingFormat Format { get; }

    public IBuddyAllocator Pages { get; }

    /// <summary>How many frames hold stored bytes (data and tables): the cost of the sparse physical memory.</summary>
    public int StoredFrames => _memory.StoredFrames;

    /// <summary>PAGE_KERNEL for vmalloc: present, writable, global, supervisor only, not executable.</summary>
    private PteFlags KernelPageFlags =>
        PteFlags.Present | PteFlags.ReadWrite | PteFlags.Global | (Format.HasNx ? PteFlags.NoExecute : PteFlags.None);

    /// <summary>pgd_alloc: a zeroed PGD with the kernel's entries copied in (pgd_ctor, clone_pgd_range).</summary>
    public Result<AsId> CreateAddressSpace()
    {
        var pgd = Pages.AllocPages(new Order(0), ZoneType.Normal);
        if (!pgd.IsOk)
        {
            return new PagingOutOfMemory("pgd_alloc", 1);
        }

        _memory.Clear(pgd.Value);
        SetEntry(pgd.Value, Format.IndexOf(Format.VmallocStart, 0), PagingFormat.MakeEntry(_vmallocTable, KernelTable));
        var id = new AsId(_nextMm++);
        _mms.Add(id.Value, new ImplMm(id, pgd.Value,
            UserLayout.Initial(Format).Aggregate(VmaSet.Empty, (set, v) => set.Insert(v)),
            UserLayout.StartBrk(Format)));
        return id;
    }

    /// <summary>exit_mmap: unmap everything (freeing every user table), then pgd_free.</summary>
    public Result<Unit> DestroyAddressSpace(AsId mm)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        Unmap(m, 0, Format.UserTop);
        Free(m.Pgd);
        _mms.Remove(mm.Value);
        ReleaseUnusedShmem();
        return Unit.Value;
    }

    public Result<byte> Access(AsId mm, VirtAddr addr, AccessKind access, Privilege privilege, byte value)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        // The CPU retries the access after each fault the kernel resolves; at most a fault-in and a copy-on-write.
        for (var attempt = 0; ; attempt++)
        {
            var leafTable = m.Pgd;
            var fault = Walk(addr.Value, access, privilege, 0, ref leafTable, out var leafIndex, out var leaf);
            if (fault is null)
            {
                return Touch(leafTable, leafIndex, leaf, addr.Value, access, value);
            }

            if (attempt == 2 || HandleFault(m, addr.Value, access, fault) is not { } handled)
            {
                return new SegmentationFault(addr, access, privilege, fault);
            }

            if (!handled.IsOk)
            {
                return handled.Error!;
            }
        }
    }

    public Result<PageWalk> Translate(AsId mm, VirtAddr addr, AccessKind access, Privilege privilege) =>
        _mms.TryGetValue(mm.Value, out var m)
            ? Translate(addr.Value, access, privilege, 0, m.Pgd)
            : new UnknownAddressSpace(mm);

    /// <summary>
    /// The leaf entry as <paramref name="pageTable"/>'s bytes hold it now, whatever the frame has become. The upper
    /// entries' rights are the ones a PDE-cache entry keeps (SDM 4.10.3.1): a user range's are _PAGE_TABLE, all
    /// granted.
    /// </summary>
    public Result<PageWalk> TranslateFrom(AsId mm, Pfn pageTable, VirtAddr addr, AccessKind access,
        Privilege privilege) =>
        _mms.ContainsKey(mm.Value)
            ? Translate(addr.Value, access, privilege, Format.Depth - 1, pageTable)
            : new UnknownAddressSpace(mm);

    public Result<Unit> HandleFault(AsId mm, PageFault fault, AccessKind access, Privilege privilege)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        return HandleFault(m, fault.Addr.Value, access, fault) is { } handled
            ? handled
            : new SegmentationFault(fault.Addr, access, privilege, fault);
    }

    public byte ReadFrame(Pfn frame, ulong offset) =>
        frame.Value < Pages.Layout.FrameCount ? _memory.Read(frame, offset) : byte.MaxValue;

    public void WriteFrame(Pfn frame, ulong offset, byte value)
    {
        if (frame.Value < Pages.Layout.FrameCount)
        {
            _memory.Write(frame, offset, value);
        }
    }

    /// <summary>
    /// The canonical state, read by walking every table in memory from each PGD and from the shared kernel table.
    /// </summary>
    public PagingSnapshot Snapshot() => Snapshot(_mms.Values);

    /// <summary>Walks the tables of only the address spaces asked for (the kernel's still whole).</summary>
    public PagingSnapshot SnapshotOf(IReadOnlySet<AsId> spaces) =>
        Snapshot(_mms.Values.Where(m => spaces.Contains(m.Id)));

    private PagingSnapshot Snapshot(IEnumerable<ImplMm> mms)
    {
        var spaces = new List<AddressSpaceState>();
        foreach (var m in mms)
        {
            var tables = new List<TableState>();
            var pages = new List<PageState>();
            Collect(m.Pgd, 0, 0, Format.IndexOf(Format.KernelBase, 0), tables, pages);
            spaces.Add(new AddressSpaceState(
                m.Id, m.Vmas.Canonical(), m.Brk, m.Pgd, ByDepthThenIndex(tables), [.. pages],
                m.PgTablesBytes, m.RssFile, m.RssAnon, m.RssShmem));
        }

        var kernelTables = new List<TableState> { new(1, Format.VmallocStart / Format.SpanOf(0), _vmallocTable) };
        var kernelPages = new List<PageState>();
        Collect(_vmallocTable, 1, Format.VmallocStart, Format.EntriesPerTable, kernelTables, kernelPages);
        return new PagingSnapshot(
            Format, [.. spaces], [.. _cache.Sorted()], [.. _vmalloc],
            ByDepthThenIndex(kernelTables), [.. kernelPages], _zeroPage, Pages.Snapshot());
    }

    /// <summary>
    /// The tables in canonical order, sorted in place. Each (depth, index) pair names one position in the walk (the
    /// index comes from the address walked, not from a frame), so the keys are distinct and an unstable sort gives the
    /// order OrderBy/ThenBy gave, without their key buffers.
    /// </summary>
    private static ImmutableArray<TableState> ByDepthThenIndex(List<TableState> tables)
    {
        tables.Sort(static (a, b) => (a.Depth, a.Index).CompareTo((b.Depth, b.Index)));
        return [.. tables];
    }

    /// <summary>A shmem object lives while a VMA maps it; then its pages go (shmem_evict_inode).</summary>
    private void ReleaseUnusedShmem()
    {
        foreach (var id in _shmemMaybeDead)
        {
            var backing = new MappedObject(true, id);
            if (!_mms.TryGetValue(_shmemOwner[id].Value, out var m) || !m.Vmas.All.Any(v => v.Backing == backing))
            {
                _cache.ReleaseShmem(id).ForEach(Free);
                _shmemOwner.Remove(id);
            }
        }

        _shmemMaybeDead.Clear();
    }

    /// <summary>Order-0 frames into <paramref name="frames"/> (cleared first), all or none.</summary>
    private bool AllocFrames(int count, List<Pfn> frames)
    {
        frames.Clear();
        for (var i = 0; i < count; i++)
        {
            var frame = Pages.AllocPages(new Order(0), ZoneType.Normal);
            if (!frame.IsOk)
            {
                frames.ForEach(Free);
                return false;
            }

            frames.Add(frame.Value);
        }

        return true;
    }

    private void Free(Pfn frame)
    {
        var freed = Pages.FreePages(frame, new Order(0));
        if (!freed.IsOk)
        {
            throw new InvalidOperationException(
                $"the buddy allocator refused the paging layer's frame {frame}: {freed.Error}");
        }
    }
}
