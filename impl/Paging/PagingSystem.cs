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
public sealed class PagingSystem : IPagingSystem
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
        // preallocate_vmalloc_pages: the vmalloc range's second-level table exists from boot, so every PGD can share it.
        var table = pages.AllocPages(new Order(0), ZoneType.Normal);
        _vmallocTable = table.IsOk ? table.Value : throw new InvalidOperationException("no frame for the kernel's vmalloc table");
        _memory.Clear(_vmallocTable);
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
    private PteFlags KernelPageFlags => PteFlags.Present | PteFlags.ReadWrite | PteFlags.Global | (Format.HasNx ? PteFlags.NoExecute : PteFlags.None);

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
        _mms.Add(id.Value, new ImplMm(id, pgd.Value, UserLayout.Initial(Format).Aggregate(VmaSet.Empty, (set, v) => set.Insert(v)), UserLayout.StartBrk(Format)));
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

    /// <summary>do_mmap: checks in the model's order, then get_unmapped_area top-down or MAP_FIXED_NOREPLACE.</summary>
    public Result<VirtAddr> Mmap(AsId mm, MmapRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        var at = request.Fixed ?? new VirtAddr(0);
        if (request.Pages == 0 || request.Pages > Format.UserTop >> Pfn.PageShift)
        {
            return new InvalidRange(at, request.Pages, "length is 0 or larger than user space");
        }

        if (request.File is < 0)
        {
            return new InvalidRange(at, request.Pages, $"no file {request.File}");
        }

        var length = request.Pages << Pfn.PageShift;
        ulong start;
        if (request.Fixed is { } fixedAt)
        {
            if (CheckUserRange(fixedAt, request.Pages) is { } bad)
            {
                return bad;
            }

            if (fixedAt.Value < UserLayout.MmapMinAddr)
            {
                return new InvalidRange(fixedAt, request.Pages, "below mmap_min_addr");
            }

            if (!m.Vmas.IsFree(fixedAt.Value, fixedAt.Value + length))
            {
                return new RangeInUse(fixedAt, request.Pages);
            }

            start = fixedAt.Value;
        }
        else if (m.Vmas.FindGapTopDown(length, UserLayout.MmapMinAddr, UserLayout.MmapBase(Format)) is { } gap)
        {
            start = gap;
        }
        else
        {
            return new NoVirtualSpace(request.Pages);
        }

        MappedObject? backing = null;
        if (request.File is { } file)
        {
            backing = new MappedObject(false, file);
        }
        else if (request.Shared)
        {
            // shmem_zero_setup: a new shmem object behind this mapping alone.
            backing = new MappedObject(true, _nextShmem++);
            _shmemOwner.Add(backing.Value.Id, mm);
        }

        m.Vmas = m.Vmas.Insert(new Vma(start, start + length, request.Prot, backing, request.File is null ? 0 : request.PgOff, request.Shared));
        return new VirtAddr(start);
    }

    public Result<Unit> Munmap(AsId mm, VirtAddr addr, ulong pages)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        if (CheckUserRange(addr, pages) is { } bad)
        {
            return bad;
        }

        Unmap(m, addr.Value, addr.Value + (pages << Pfn.PageShift));
        ReleaseUnusedShmem();
        return Unit.Value;
    }

    /// <summary>mprotect_fixup, then change_protection over the tables of the range: new rights, A and D kept.</summary>
    public Result<Unit> Mprotect(AsId mm, VirtAddr addr, ulong pages, VmProt prot)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        if (CheckUserRange(addr, pages) is { } bad)
        {
            return bad;
        }

        var end = addr.Value + (pages << Pfn.PageShift);
        if (!m.Vmas.Covers(addr.Value, end))
        {
            return new RangeNotMapped(addr, pages);
        }

        m.Vmas = m.Vmas.Protect(addr.Value, end, prot);
        VisitLeaves(m, m.Pgd, 0, 0, addr.Value, end - 1, LeafAction.Protect);
        return Unit.Value;
    }

    public Result<VirtAddr> Brk(AsId mm, VirtAddr newBrk)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        var current = new VirtAddr(m.Brk);
        if (newBrk.Value < UserLayout.StartBrk(Format))
        {
            return new BrkRefused(newBrk, current, "below start_brk");
        }

        var oldEnd = PageMath.Up(m.Brk);
        var newEnd = PageMath.Up(newBrk.Value);
        if (newEnd < oldEnd)
        {
            Unmap(m, newEnd, oldEnd);
            ReleaseUnusedShmem();
        }
        else if (newEnd > oldEnd)
        {
            // do_brk_flags: the heap may not run into the next mapping, with a page to spare.
            if (newEnd >= Format.UserTop || !m.Vmas.IsFree(oldEnd, newEnd + Pfn.PageSize))
            {
                return new BrkRefused(newBrk, current, "the heap would run into a mapping");
            }

            m.Vmas = m.Vmas.Insert(new Vma(oldEnd, newEnd, VmProt.Read | VmProt.Write, null, 0, false));
        }

        m.Brk = newBrk.Value;
        return newBrk;
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
            var fault = Walk(m, addr.Value, access, privilege, out var leafTable, out var leafIndex, out var leaf);
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

    /// <summary>__vmalloc_node_range: first fit with a guard page, zeroed order-0 pages, tables under the shared one.</summary>
    public Result<VirtAddr> Vmalloc(ulong pages)
    {
        var span = Format.VmallocEnd - Format.VmallocStart;
        if (pages == 0 || pages >= span >> Pfn.PageShift)
        {
            return new InvalidRange(new VirtAddr(Format.VmallocStart), pages, "vmalloc size is 0 or larger than the vmalloc range");
        }

        // alloc_vmap_area: the lowest free range that holds the area and its guard page.
        var length = (pages + 1) << Pfn.PageShift;
        var start = Format.VmallocStart;
        var position = 0;
        for (; position < _vmalloc.Count && _vmalloc[position].Start - start < length; position++)
        {
            start = _vmalloc[position].End;
        }

        if (Format.VmallocEnd - start < length)
        {
            return new NoVirtualSpace(pages + 1);
        }

        var last = start + (pages << Pfn.PageShift) - 1;
        var tables = MissingTables(_vmallocTable, 1, Format.VmallocStart, start, last);
        var frames = new List<Pfn>();
        if (!AllocFrames((int)(tables + pages), frames))
        {
            return new PagingOutOfMemory($"vmalloc of {pages} pages", (int)(tables + pages));
        }

        var next = 0;
        var data = frames.GetRange((int)tables, (int)pages);
        for (var i = 0; i < data.Count; i++)
        {
            var page = start + ((ulong)i << Pfn.PageShift);
            var table = _vmallocTable;
            for (var depth = 1; depth < Format.Depth - 1; depth++)
            {
                table = ChildOrNew(null, table, depth, page, frames, ref next);
            }

            // Zeroed pages (__GFP_ZERO), so what a reader sees does not depend on which frame was picked.
            _memory.Clear(data[i]);
            SetEntry(table, Format.IndexOf(page, Format.Depth - 1), PagingFormat.MakeEntry(data[i], KernelPageFlags));
        }

        _vmalloc.Insert(position, new VmallocArea(start, [.. data]));
        return new VirtAddr(start);
    }

    /// <summary>vfree: unmap and free the pages; then, unlike Linux, free the vmalloc tables below the shared one that no area needs.</summary>
    public Result<Unit> Vfree(VirtAddr addr)
    {
        var index = LastAreaBelow(addr.Value + 1);
        if (index < 0 || _vmalloc[index].Start != addr.Value)
        {
            return new NotVmallocArea(addr);
        }

        var area = _vmalloc[index];
        _vmalloc.RemoveAt(index);
        for (var i = 0; i < area.Frames.Length; i++)
        {
            var page = area.Start + ((ulong)i << Pfn.PageShift);
            var table = _vmallocTable;
            for (var depth = 1; depth < Format.Depth - 1; depth++)
            {
                table = Format.FrameOf(Entry(table, Format.IndexOf(page, depth)));
            }

            SetEntry(table, Format.IndexOf(page, Format.Depth - 1), 0);
            Free(area.Frames[i]);
        }

        FreeEmptyTables(null, _vmallocTable, 1, Format.VmallocStart, area.Start, area.Start + (area.Pages << Pfn.PageShift) - 1);
        return Unit.Value;
    }

    /// <summary>The canonical state, read by walking every table in memory from each PGD and from the shared kernel table.</summary>
    public PagingSnapshot Snapshot()
    {
        var spaces = new List<AddressSpaceState>();
        foreach (var m in _mms.Values)
        {
            var tables = new List<TableState>();
            var pages = new List<PageState>();
            Collect(m.Pgd, 0, 0, Format.IndexOf(Format.KernelBase, 0), tables, pages);
            spaces.Add(new AddressSpaceState(
                m.Id, m.Vmas.Canonical(), m.Brk, m.Pgd, [.. tables.OrderBy(t => t.Depth).ThenBy(t => t.Index)], [.. pages],
                m.PgTablesBytes, m.RssFile, m.RssAnon, m.RssShmem));
        }

        var kernelTables = new List<TableState> { new(1, Format.VmallocStart >> Format.Shift(0), _vmallocTable) };
        var kernelPages = new List<PageState>();
        Collect(_vmallocTable, 1, Format.VmallocStart, Format.EntriesPerTable, kernelTables, kernelPages);
        return new PagingSnapshot(
            Format, [.. spaces], [.. _cache.Sorted()], [.. _vmalloc],
            [.. kernelTables.OrderBy(t => t.Depth).ThenBy(t => t.Index)], [.. kernelPages], Pages.Snapshot());
    }

    /// <summary>
    /// The MMU's walk, reading each level's entry from memory: stop at the first entry that is not present;
    /// then U/S (the highest level without _PAGE_USER), R/W and NX. On success the leaf's slot and value.
    /// </summary>
    private PageFault? Walk(ImplMm m, ulong addr, AccessKind access, Privilege privilege, out Pfn table, out int index, out ulong entry)
    {
        table = m.Pgd;
        index = 0;
        entry = 0;
        if (!Format.IsCanonical(addr))
        {
            return new PageFault(new VirtAddr(addr), FaultKind.NonCanonical, null);
        }

        var supervisorLevel = -1;
        var readOnlyLevel = -1;
        for (var depth = 0; ; depth++)
        {
            index = Format.IndexOf(addr, depth);
            entry = Entry(table, index);
            var flags = Format.FlagsOf(entry);
            if (!flags.HasFlag(PteFlags.Present))
            {
                return new PageFault(new VirtAddr(addr), FaultKind.NotPresent, Format.Levels[depth]);
            }

            supervisorLevel = supervisorLevel < 0 && !flags.HasFlag(PteFlags.User) ? depth : supervisorLevel;
            readOnlyLevel = readOnlyLevel < 0 && !flags.HasFlag(PteFlags.ReadWrite) ? depth : readOnlyLevel;
            if (depth == Format.Depth - 1)
            {
                break;
            }

            table = Format.FrameOf(entry);
        }

        if (privilege == Privilege.User && supervisorLevel >= 0)
        {
            return new PageFault(new VirtAddr(addr), FaultKind.UserToSupervisor, Format.Levels[supervisorLevel]);
        }

        if (access == AccessKind.Write && readOnlyLevel >= 0)
        {
            return new PageFault(new VirtAddr(addr), FaultKind.WriteToReadOnly, Format.Levels[readOnlyLevel]);
        }

        return access == AccessKind.Fetch && Format.FlagsOf(entry).HasFlag(PteFlags.NoExecute)
            ? new PageFault(new VirtAddr(addr), FaultKind.FetchFromNx, Format.Levels[^1])
            : null;
    }

    /// <summary>The access itself, once the walk succeeds: A (and D on a write) written back into the leaf, then the byte.</summary>
    private byte Touch(Pfn table, int index, ulong entry, ulong addr, AccessKind access, byte value)
    {
        var write = access == AccessKind.Write;
        SetEntry(table, index, entry | (ulong)PteFlags.Accessed | (write ? (ulong)PteFlags.Dirty : 0));
        var offset = addr & (Pfn.PageSize - 1);
        if (write)
        {
            _memory.Write(Format.FrameOf(entry), offset, value);
            return value;
        }

        return _memory.Read(Format.FrameOf(entry), offset);
    }

    /// <summary>do_user_addr_fault: find the VMA (or grow the stack), access_error, then fault in or break COW. Null means SIGSEGV.</summary>
    private Result<Unit>? HandleFault(ImplMm m, ulong addr, AccessKind access, PageFault fault)
    {
        if (fault.Kind == FaultKind.NonCanonical || addr >= Format.UserTop)
        {
            return null;
        }

        var vmas = m.Vmas;
        var vma = m.Vmas.Find(addr) ?? ExpandStack(m, addr);
        if (vma is null || AccessError(fault, access, vma))
        {
            m.Vmas = vmas;
            return null;
        }

        var page = PageMath.Down(addr);
        var handled = fault.Kind == FaultKind.NotPresent ? FaultIn(m, vma, page, access) : BreakCow(m, vma, page);
        if (!handled.IsOk)
        {
            // Out of frames: the stack does not stay grown either.
            m.Vmas = vmas;
        }

        return handled;
    }

    /// <summary>access_error (arch/x86/mm/fault.c): a write needs VM_WRITE; any other protection fault is an error; a read needs some access.</summary>
    private static bool AccessError(PageFault fault, AccessKind access, Vma vma) =>
        access == AccessKind.Write ? !vma.Prot.HasFlag(VmProt.Write) : fault.Kind != FaultKind.NotPresent || vma.Prot == VmProt.None;

    /// <summary>expand_downwards: a fault below the stack grows it, within RLIMIT_STACK and the guard gap.</summary>
    private Vma? ExpandStack(ImplMm m, ulong addr)
    {
        var top = UserLayout.StackTop(Format);
        var stack = m.Vmas.Find(top - 1);
        var page = PageMath.Down(addr);
        if (stack is null || addr >= stack.Start || top - page > UserLayout.StackLimit
            || !m.Vmas.IsFree(page >= UserLayout.StackGuardGap ? page - UserLayout.StackGuardGap : 0, stack.Start))
        {
            return null;
        }

        m.Vmas = m.Vmas.Resize(stack, page, stack.End);
        return m.Vmas.Find(addr);
    }

    /// <summary>
    /// handle_pte_fault for a page that is not present: every frame needed (missing tables, then the page)
    /// allocated first, so running out changes nothing; then __pte_alloc down the walk and do_anonymous_page,
    /// do_read_fault / do_shared_fault (the page-cache page) or do_cow_fault (a private copy).
    /// </summary>
    private Result<Unit> FaultIn(ImplMm m, Vma vma, ulong page, AccessKind access)
    {
        var table = m.Pgd;
        var depth = 0;
        for (; depth < Format.Depth - 1 && Entry(table, Format.IndexOf(page, depth)) is var entry && entry != 0; depth++)
        {
            table = Format.FrameOf(entry);
        }

        var tables = Format.Depth - 1 - depth;
        var cow = vma.Backing is { Shmem: false } && !vma.Shared && access == AccessKind.Write;
        var key = vma.Backing is { } obj ? (obj, vma.PgOffOf(page)) : default;
        var cached = default(Pfn);
        var newPage = vma.Backing is null || cow || !_cache.TryGet(key, out cached);
        var needed = tables + (newPage ? 1 : 0);
        if (!AllocFrames(needed, _frames))
        {
            return new FaultOutOfMemory(new VirtAddr(page), needed);
        }

        var next = 0;
        for (; depth < Format.Depth - 1; depth++)
        {
            table = ChildOrNew(m, table, depth, page, _frames, ref next);
        }

        var frame = newPage ? _frames[next] : cached;
        if (vma.Backing is null || cow)
        {
            if (cow)
            {
                _memory.Load(frame, _cache.TryGet(key, out var source) ? _memory.Save(source) : _cache.OnDisk(key));
            }
            else
            {
                _memory.Clear(frame);
            }

            m.CountPage(null, 1);
        }
        else
        {
            if (newPage)
            {
                _memory.Load(frame, _cache.OnDisk(key));
                _cache.Add(key, frame);
            }

            _cache.Map(key, 1);
            m.CountPage(key.obj, 1);
        }

        SetEntry(table, Format.IndexOf(page, Format.Depth - 1), PagingFormat.MakeEntry(frame, PteFor(vma, vma.Backing is null || cow)));
        return Unit.Value;
    }

    /// <summary>do_wp_page on a private file mapping's page-cache page: copy it to a new anonymous page, writable.</summary>
    private Result<Unit> BreakCow(ImplMm m, Vma vma, ulong page)
    {
        var table = m.Pgd;
        for (var depth = 0; depth < Format.Depth - 1; depth++)
        {
            table = Format.FrameOf(Entry(table, Format.IndexOf(page, depth)));
        }

        var index = Format.IndexOf(page, Format.Depth - 1);
        var old = Entry(table, index);
        if (_cache.OwnerOf(Format.FrameOf(old)) is not { } key || vma.Shared)
        {
            throw new InvalidOperationException($"write fault on {page:x} in {vma}, which is writable: the entry should have been");
        }

        if (!AllocFrames(1, _frames))
        {
            return new FaultOutOfMemory(new VirtAddr(page), 1);
        }

        _memory.Copy(Format.FrameOf(old), _frames[0]);
        SetEntry(table, index, PagingFormat.MakeEntry(_frames[0], PteFor(vma, true) | (Format.FlagsOf(old) & PteFlags.Accessed)));
        m.CountPage(key.Backing, -1);
        m.CountPage(null, 1);
        _cache.Map(key, -1);
        if (_cache.EvictIfUnmapped(key, _memory) is { } evicted)
        {
            Free(evicted);
        }

        return Unit.Value;
    }

    /// <summary>
    /// vm_get_page_prot plus the copy-on-write rule: user, present unless PROT_NONE, writable only where the
    /// page is the mapping's own (anonymous) or the mapping is shared, NX unless PROT_EXEC.
    /// </summary>
    private PteFlags PteFor(Vma vma, bool anonymous)
    {
        var flags = PteFlags.User;
        if (vma.Prot != VmProt.None)
        {
            flags |= PteFlags.Present;
        }

        if (vma.Prot.HasFlag(VmProt.Write) && (anonymous || vma.Shared))
        {
            flags |= PteFlags.ReadWrite;
        }

        if (Format.HasNx && !vma.Prot.HasFlag(VmProt.Exec))
        {
            flags |= PteFlags.NoExecute;
        }

        return flags;
    }

    /// <summary>
    /// unmap_region: zap_page_range over the tables of [start, end), cut the VMAs, evict the file pages
    /// nothing maps any more, then free_pgtables over the same range.
    /// </summary>
    private void Unmap(ImplMm m, ulong start, ulong end)
    {
        _unmapped.Clear();
        VisitLeaves(m, m.Pgd, 0, 0, start, end - 1, LeafAction.Zap);
        foreach (var vma in m.Vmas.All)
        {
            if (vma.Backing is { Shmem: true } shmem && vma.Intersects(start, end))
            {
                _shmemMaybeDead.Add(shmem.Id);
            }
        }

        m.Vmas = m.Vmas.Remove(start, end);
        foreach (var key in _unmapped)
        {
            if (_cache.EvictIfUnmapped(key, _memory) is { } evicted)
            {
                Free(evicted);
            }
        }

        FreeEmptyTables(m, m.Pgd, 0, 0, start, end - 1);
    }

    /// <summary>
    /// The leaf entries of [first, last] under <paramref name="table"/> (at walk depth <paramref name="depth"/>,
    /// mapping from <paramref name="tableBase"/>): zapped (zap_pte_range) or given their VMA's new rights
    /// (change_pte_range). Absent tables are skipped.
    /// </summary>
    private void VisitLeaves(ImplMm m, Pfn table, int depth, ulong tableBase, ulong first, ulong last, LeafAction action)
    {
        for (var index = Format.IndexOf(first, depth); index <= Format.IndexOf(last, depth); index++)
        {
            var entry = Entry(table, index);
            if (entry == 0)
            {
                continue;
            }

            var at = tableBase + ((ulong)index << Format.Shift(depth));
            var frame = Format.FrameOf(entry);
            if (depth < Format.Depth - 1)
            {
                VisitLeaves(m, frame, depth + 1, at, Math.Max(first, at), Math.Min(last, at + Format.SpanOf(depth) - 1), action);
            }
            else if (action == LeafAction.Protect)
            {
                var anonymous = _cache.OwnerOf(frame) is null;
                SetEntry(table, index, PagingFormat.MakeEntry(frame, PteFor(m.Vmas.Find(at)!, anonymous) | (Format.FlagsOf(entry) & (PteFlags.Accessed | PteFlags.Dirty))));
            }
            else
            {
                SetEntry(table, index, 0);
                var owner = _cache.OwnerOf(frame);
                m.CountPage(owner?.Backing, -1);
                if (owner is { } key)
                {
                    _cache.Map(key, -1);
                    _unmapped.Add(key);
                }
                else
                {
                    Free(frame);
                }
            }
        }
    }

    /// <summary>
    /// free_pgtables over [first, last]: a table below <paramref name="table"/> whose whole range meets no VMA
    /// (no vmalloc area, for the kernel's: <paramref name="m"/> null) is freed with everything under it and its
    /// entry cleared; a table still in use is searched further down.
    /// </summary>
    private void FreeEmptyTables(ImplMm? m, Pfn table, int depth, ulong tableBase, ulong first, ulong last)
    {
        for (var index = Format.IndexOf(first, depth); depth < Format.Depth - 1 && index <= Format.IndexOf(last, depth); index++)
        {
            var entry = Entry(table, index);
            if (entry == 0)
            {
                continue;
            }

            var at = tableBase + ((ulong)index << Format.Shift(depth));
            var end = at + Format.SpanOf(depth);
            if (m is null ? VmallocInUse(at, end) : !m.Vmas.IsFree(at, end))
            {
                FreeEmptyTables(m, Format.FrameOf(entry), depth + 1, at, Math.Max(first, at), Math.Min(last, end - 1));
            }
            else
            {
                FreeTable(m, Format.FrameOf(entry), depth + 1);
                SetEntry(table, index, 0);
            }
        }
    }

    /// <summary>A table and the tables under it go back to the buddy allocator (free_pte_range, free_pmd_range ...).</summary>
    private void FreeTable(ImplMm? m, Pfn table, int depth)
    {
        for (var index = 0; depth < Format.Depth - 1 && index < Format.EntriesPerTable; index++)
        {
            if (Entry(table, index) is var entry && entry != 0)
            {
                FreeTable(m, Format.FrameOf(entry), depth + 1);
            }
        }

        if (m is not null && PagingFormat.IsAccounted(Format.Levels[depth]))
        {
            m.PgTablesBytes -= Pfn.PageSize;
        }

        Free(table);
    }

    /// <summary>
    /// The entry at <paramref name="depth"/> for <paramref name="addr"/>'s table below: the existing one, or a
    /// zeroed frame taken from <paramref name="frames"/> at <paramref name="next"/>, linked in (__pmd_alloc ...).
    /// </summary>
    private Pfn ChildOrNew(ImplMm? m, Pfn table, int depth, ulong addr, List<Pfn> frames, ref int next)
    {
        var index = Format.IndexOf(addr, depth);
        var entry = Entry(table, index);
        if (entry != 0)
        {
            return Format.FrameOf(entry);
        }

        var child = frames[next++];
        _memory.Clear(child);
        SetEntry(table, index, PagingFormat.MakeEntry(child, m is null ? KernelTable : UserTable));
        if (m is not null && PagingFormat.IsAccounted(Format.Levels[depth + 1]))
        {
            m.PgTablesBytes += Pfn.PageSize;
        }

        return child;
    }

    /// <summary>How many tables below <paramref name="table"/> a mapping of [first, last] still lacks.</summary>
    private ulong MissingTables(Pfn table, int depth, ulong tableBase, ulong first, ulong last)
    {
        var missing = 0UL;
        for (var index = Format.IndexOf(first, depth); depth < Format.Depth - 1 && index <= Format.IndexOf(last, depth); index++)
        {
            var at = tableBase + ((ulong)index << Format.Shift(depth));
            var from = Math.Max(first, at);
            var to = Math.Min(last, at + Format.SpanOf(depth) - 1);
            var entry = Entry(table, index);
            if (entry != 0)
            {
                missing += MissingTables(Format.FrameOf(entry), depth + 1, at, from, to);
                continue;
            }

            for (var below = depth; below < Format.Depth - 1; below++)
            {
                missing += (to >> Format.Shift(below)) - (from >> Format.Shift(below)) + 1;
            }
        }

        return missing;
    }

    /// <summary>Whether a vmalloc area's pages (its guard page not counted) meet [start, end).</summary>
    private bool VmallocInUse(ulong start, ulong end)
    {
        var index = LastAreaBelow(end);
        return index >= 0 && _vmalloc[index].Start + (_vmalloc[index].Pages << Pfn.PageShift) > start;
    }

    /// <summary>The last area starting below <paramref name="addr"/>, by binary search; -1 when none.</summary>
    private int LastAreaBelow(ulong addr)
    {
        var low = 0;
        var high = _vmalloc.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (_vmalloc[middle].Start < addr)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low - 1;
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

    /// <summary>The tables and leaf entries under <paramref name="table"/>'s first <paramref name="entries"/> entries, in address order.</summary>
    private void Collect(Pfn table, int depth, ulong tableBase, int entries, List<TableState> tables, List<PageState> pages)
    {
        for (var index = 0; index < entries; index++)
        {
            var entry = Entry(table, index);
            if (entry == 0)
            {
                continue;
            }

            var at = tableBase + ((ulong)index << Format.Shift(depth));
            var frame = Format.FrameOf(entry);
            if (depth == Format.Depth - 1)
            {
                var owner = _cache.OwnerOf(frame);
                pages.Add(new PageState(at, frame, Format.FlagsOf(entry), new PageOwner(owner?.Backing, owner?.PgOff ?? 0)));
                continue;
            }

            tables.Add(new TableState(depth + 1, at >> Format.Shift(depth), frame));
            Collect(frame, depth + 1, at, Format.EntriesPerTable, tables, pages);
        }
    }

    private InvalidRange? CheckUserRange(VirtAddr addr, ulong pages)
    {
        if (!PageMath.IsAligned(addr.Value))
        {
            return new InvalidRange(addr, pages, "address not page-aligned");
        }

        if (pages == 0 || pages > Format.UserTop >> Pfn.PageShift || addr.Value > Format.UserTop - (pages << Pfn.PageShift))
        {
            return new InvalidRange(addr, pages, "length 0, or the range leaves user space");
        }

        return null;
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
            throw new InvalidOperationException($"the buddy allocator refused the paging layer's frame {frame}: {freed.Error}");
        }
    }

    private ulong Entry(Pfn table, int index) => _memory.ReadEntry(table, index, Format.EntryBytes);

    private void SetEntry(Pfn table, int index, ulong entry) => _memory.WriteEntry(table, index, Format.EntryBytes, entry);
}
