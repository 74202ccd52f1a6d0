using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// The reference paging system, written for reading: page tables as a flat map per address space (which
/// lower tables exist follows from where pages were faulted in and which VMAs remain), a page cache keyed by
/// (object, page offset), and the kernel's vmalloc range in tables every address space shares. Frames come
/// from any <see cref="IBuddyAllocator"/>; their bytes live in a sparse <see cref="PhysicalMemory"/>.
/// The rules a broken variant changes are protected virtual.
/// </summary>
public partial class PagingModel : IPagingSystem
{
    private readonly SortedDictionary<int, ModelMm> _mms = [];
    private readonly SortedDictionary<(MappedObject Backing, ulong PgOff), Pfn> _cache = [];
    private readonly Dictionary<(MappedObject Backing, ulong PgOff), byte[]?> _disk = [];
    private readonly SortedDictionary<(int Depth, ulong Index), Pfn> _kernelTables = [];
    private readonly SortedDictionary<ulong, PageState> _kernelPtes = [];
    private readonly SortedDictionary<ulong, VmallocArea> _vmalloc = [];
    private int _nextMm;
    private int _nextShmem;

    public PagingModel(PagingFormat format, IBuddyAllocator pages)
    {
        Format = format;
        Pages = pages;
        Memory = new PhysicalMemory();
        // preallocate_vmalloc_pages: the vmalloc range's second-level table exists from boot, so every PGD can share it.
        var table = pages.AllocPages(new Order(0), ZoneType.Normal);
        _kernelTables.Add(TableKey(Format.VmallocStart, 1), table.IsOk ? table.Value : throw new InvalidOperationException("no frame for the kernel's vmalloc table"));
    }

    public PagingFormat Format { get; }

    public IBuddyAllocator Pages { get; }

    public PhysicalMemory Memory { get; }

    public Result<AsId> CreateAddressSpace()
    {
        var pgd = Pages.AllocPages(new Order(0), ZoneType.Normal);
        if (!pgd.IsOk)
        {
            return new PagingOutOfMemory("pgd_alloc", 1);
        }

        var id = new AsId(_nextMm++);
        _mms.Add(id.Value, new ModelMm(id, pgd.Value, UserLayout.Initial(Format).Aggregate(VmaSet.Empty, (set, v) => set.Insert(v)), UserLayout.StartBrk(Format)));
        return id;
    }

    public Result<Unit> DestroyAddressSpace(AsId mm)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        Unmap(m, 0, Format.UserTop);
        // exit_mmap's free_pgtables covers the whole address space: every table goes, whatever munmap left.
        FreeTables(m.Tables, (_, _) => false, 1);
        Free(m.Pgd);
        _mms.Remove(mm.Value);
        return Unit.Value;
    }

    public Result<VirtAddr> Mmap(AsId mm, MmapRequest request)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        var at = request.Fixed ?? new VirtAddr(0);
        if (request.Pages == 0 || request.Pages > Format.UserTop / Pfn.PageSize)
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

        MappedObject? backing = request.File is { } file ? new MappedObject(false, file) : request.Shared ? new MappedObject(true, _nextShmem++) : null;
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
        return Unit.Value;
    }

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
        // change_protection: every entry in the range takes the new VMA's rights and keeps its A and D bits.
        foreach (var (page, pte) in m.Ptes.Where(p => p.Key >= addr.Value && p.Key < end).ToList())
        {
            m.Ptes[page] = pte with { Flags = PteFor(m.Vmas.Find(page)!, pte.Owner) | (pte.Flags & (PteFlags.Accessed | PteFlags.Dirty)) };
        }

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
        }
        else if (newEnd > oldEnd)
        {
            // do_brk_flags: the heap may not run into the next mapping, with a page to spare (find_vma_intersection(oldbrk, newbrk + PAGE_SIZE)).
            if (newEnd > Format.UserTop || !m.Vmas.IsFree(oldEnd, newEnd + Pfn.PageSize))
            {
                return new BrkRefused(newBrk, current, "the heap would run into a mapping");
            }

            m.Vmas = m.Vmas.Insert(new Vma(oldEnd, newEnd, VmProt.Read | VmProt.Write, null, 0, false));
        }

        m.Brk = newBrk.Value;
        return newBrk;
    }

    /// <summary>A walk, a fault-in, a copy-on-write: no access needs more walks than that.</summary>
    private const int MaxWalks = 3;

    public Result<byte> Access(AsId mm, VirtAddr addr, Access access, Privilege privilege, byte value)
    {
        // The CPU retries the access after each fault the kernel resolves: at most a fault-in, then a copy-on-write
        // (a handler that would resolve nothing throws instead: FaultIn finds the entry there, BreakCow finds it writable).
        var walks = new LoopBound(MaxWalks);
        while (true)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            walks.Next();
            var translated = Translate(mm, addr, access, privilege);
            if (translated.IsOk)
            {
                return Touch(translated.Value.Translation.Frame, addr.Value, access, value);
            }

            if (translated.Error is not PageFault fault)
            {
                return translated.Error!;
            }

            var handled = HandleFault(mm, fault, access, privilege);
            if (!handled.IsOk)
            {
                return handled.Error!;
            }
        }
    }

    public Result<PageWalk> Translate(AsId mm, VirtAddr addr, Access access, Privilege privilege)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        if (Walk(m, addr.Value, access, privilege) is { } fault)
        {
            return fault;
        }

        // The walk sets A on every access and D on a write, in the leaf entry.
        var page = PageMath.Down(addr.Value);
        var kernel = Format.IsKernel(addr.Value);
        var ptes = kernel ? _kernelPtes : m.Ptes;
        var pte = ptes[page];
        ptes[page] = pte with { Flags = pte.Flags | PteFlags.Accessed | (access == Paging.Access.Write ? PteFlags.Dirty : PteFlags.None) };
        return new PageWalk(new Translation(pte.Frame, ptes[page].Flags), (kernel ? _kernelTables : m.Tables)[TableKey(addr.Value, Format.Depth - 1)]);
    }

    /// <summary>Without table bytes to read, the walk from a cached page table is the walk from CR3 while the table is still the address's.</summary>
    public Result<PageWalk> TranslateFrom(AsId mm, Pfn pageTable, VirtAddr addr, Access access, Privilege privilege)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        var tables = Format.IsKernel(addr.Value) ? _kernelTables : m.Tables;
        return tables.TryGetValue(TableKey(addr.Value, Format.Depth - 1), out var table) && table == pageTable
            ? Translate(mm, addr, access, privilege)
            : new StaleTableWalk(addr, pageTable);
    }

    public Result<Unit> HandleFault(AsId mm, PageFault fault, Access access, Privilege privilege)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        return HandleFault(m, fault.Addr.Value, access, fault) is { } handled ? handled : new SegmentationFault(fault.Addr, access, privilege, fault);
    }

    public byte ReadFrame(Pfn frame, ulong offset) => frame.Value < Pages.Layout.FrameCount ? Memory.Read(frame, offset) : byte.MaxValue;

    public void WriteFrame(Pfn frame, ulong offset, byte value)
    {
        if (frame.Value < Pages.Layout.FrameCount)
        {
            Memory.Write(frame, offset, value);
        }
    }

    public Result<VirtAddr> Vmalloc(ulong pages)
    {
        var span = Format.VmallocEnd - Format.VmallocStart;
        if (pages == 0 || pages >= span / Pfn.PageSize)
        {
            return new InvalidRange(new VirtAddr(Format.VmallocStart), pages, "vmalloc size is 0 or larger than the vmalloc range");
        }

        // alloc_vmap_area: the lowest free range that holds the area and its guard page.
        var length = (pages + 1) << Pfn.PageShift;
        var start = Format.VmallocStart;
        foreach (var area in _vmalloc.Values)
        {
            if (area.Start - start >= length)
            {
                break;
            }

            start = area.End;
        }

        if (Format.VmallocEnd - start < length)
        {
            return new NoVirtualSpace(pages + 1);
        }

        var tables = MissingTables(_kernelTables, Enumerable.Range(0, (int)pages).Select(i => start + ((ulong)i << Pfn.PageShift))).ToList();
        var frames = AllocFrames(tables.Count + (int)pages);
        if (frames is null)
        {
            return new PagingOutOfMemory($"vmalloc of {pages} pages", tables.Count + (int)pages);
        }

        for (var i = 0; i < tables.Count; i++)
        {
            _kernelTables.Add(tables[i], frames[i]);
        }

        var data = frames.Skip(tables.Count).ToList();
        for (var i = 0; i < data.Count; i++)
        {
            // Zeroed pages (__GFP_ZERO), so what a reader sees does not depend on which frame was picked.
            Memory.Clear(data[i]);
            var page = start + ((ulong)i << Pfn.PageShift);
            _kernelPtes.Add(page, new PageState(page, data[i], KernelPageFlags, new PageOwner(null, 0)));
        }

        _vmalloc.Add(start, new VmallocArea(start, [.. data]));
        return new VirtAddr(start);
    }

    public Result<Unit> Vfree(VirtAddr addr)
    {
        if (!_vmalloc.TryGetValue(addr.Value, out var area))
        {
            return new NotVmallocArea(addr);
        }

        _vmalloc.Remove(addr.Value);
        for (var i = 0; i < area.Frames.Length; i++)
        {
            _kernelPtes.Remove(area.Start + ((ulong)i << Pfn.PageShift));
            Free(area.Frames[i]);
        }

        // Unlike Linux, which keeps kernel page tables, empty vmalloc tables below the shared one are freed too.
        FreeTables(_kernelTables, (start, end) => _vmalloc.Values.Any(a => a.Start < end && start < a.Start + (a.Pages * Pfn.PageSize)), 2);
        return Unit.Value;
    }

    public PagingSnapshot Snapshot() => Snapshot(_mms.Values);

    public PagingSnapshot SnapshotOf(IReadOnlySet<AsId> spaces) =>
        Snapshot(_mms.Values.Where(m => spaces.Contains(m.Id)));

    private PagingSnapshot Snapshot(IEnumerable<ModelMm> spaces) =>
        new(Format,
            [.. spaces.Select(State)],
            [.. _cache.Select(c => new CachedPage(c.Key.Backing, c.Key.PgOff, c.Value))],
            [.. _vmalloc.Values],
            [.. _kernelTables.Select(t => new TableState(t.Key.Depth, t.Key.Index, t.Value))],
            [.. _kernelPtes.Values],
            Pages.Snapshot());

    /// <summary>PAGE_KERNEL for vmalloc: present, writable, global, supervisor only, not executable.</summary>
    protected virtual PteFlags KernelPageFlags => PteFlags.Present | PteFlags.ReadWrite | PteFlags.Global | (Format.HasNx ? PteFlags.NoExecute : PteFlags.None);

    /// <summary>
    /// vm_get_page_prot plus the copy-on-write rule: user, present unless PROT_NONE, writable only where a
    /// write cannot reach a page that is not this mapping's own (a private mapping's page-cache page stays
    /// read-only until it is copied), NX unless PROT_EXEC.
    /// </summary>
    protected virtual PteFlags PteFor(Vma vma, PageOwner owner)
    {
        var present = vma.Prot != VmProt.None ? PteFlags.Present : PteFlags.None;
        var writable = vma.Prot.HasFlag(VmProt.Write) && (owner.Backing is null || vma.Shared) ? PteFlags.ReadWrite : PteFlags.None;
        var noExecute = Format.HasNx && !vma.Prot.HasFlag(VmProt.Exec) ? PteFlags.NoExecute : PteFlags.None;
        return PteFlags.User | present | writable | noExecute;
    }

    /// <summary>Whether a new anonymous page is cleared before it is mapped (clear_page in do_anonymous_page).</summary>
    protected virtual bool ClearsNewAnonPages => true;

    /// <summary>Whether munmap frees the page tables whose whole range no longer has a VMA (free_pgtables).</summary>
    protected virtual bool FreesEmptyTables => true;

    /// <summary>The MMU's walk: the first entry that is not present, then U/S, R/W and NX on the way down.</summary>
    protected virtual PageFault? Walk(ModelMm m, ulong addr, Access access, Privilege privilege)
    {
        var at = new VirtAddr(addr);
        if (!Format.IsCanonical(addr))
        {
            return new PageFault(at, FaultKind.NonCanonical, null);
        }

        var kernel = Format.IsKernel(addr);
        var tables = kernel ? _kernelTables : m.Tables;
        for (var depth = 1; depth < Format.Depth; depth++)
        {
            if (!tables.ContainsKey(TableKey(addr, depth)))
            {
                return new PageFault(at, FaultKind.NotPresent, Format.Levels[depth - 1]);
            }
        }

        var leafLevel = Format.Levels[^1];
        if (!(kernel ? _kernelPtes : m.Ptes).TryGetValue(PageMath.Down(addr), out var pte) || !pte.Flags.HasFlag(PteFlags.Present))
        {
            return new PageFault(at, FaultKind.NotPresent, leafLevel);
        }

        if (privilege == Privilege.User && kernel)
        {
            // The kernel's PGD entries are _KERNPG_TABLE: no _PAGE_USER, so the walk is refused at the top.
            return new PageFault(at, FaultKind.UserToSupervisor, Format.Levels[0]);
        }

        if (access == Paging.Access.Write && !pte.Flags.HasFlag(PteFlags.ReadWrite))
        {
            return new PageFault(at, FaultKind.WriteToReadOnly, leafLevel);
        }

        return access == Paging.Access.Fetch && pte.Flags.HasFlag(PteFlags.NoExecute) ? new PageFault(at, FaultKind.FetchFromNx, leafLevel) : null;
    }

    private InvalidRange? CheckUserRange(VirtAddr addr, ulong pages)
    {
        if (!PageMath.IsAligned(addr.Value))
        {
            return new InvalidRange(addr, pages, "address not page-aligned");
        }

        if (pages == 0 || pages > Format.UserTop / Pfn.PageSize || addr.Value > Format.UserTop - (pages << Pfn.PageShift))
        {
            return new InvalidRange(addr, pages, "length 0, or the range leaves user space");
        }

        return null;
    }

    /// <summary>The access itself, once the walk succeeds: the byte read or written.</summary>
    private byte Touch(Pfn frame, ulong addr, Access access, byte value)
    {
        var offset = addr & (Pfn.PageSize - 1);
        if (access == Paging.Access.Write)
        {
            Memory.Write(frame, offset, value);
            return value;
        }

        return Memory.Read(frame, offset);
    }

    /// <summary>
    /// do_user_addr_fault: find the VMA (growing the stack if the address is just below it), refuse with
    /// access_error, then fault the page in or break copy-on-write. Null means SIGSEGV (or an oops).
    /// </summary>
    private Result<Unit>? HandleFault(ModelMm m, ulong addr, Access access, PageFault fault)
    {
        // No VMA lies above user space, so a kernel or non-canonical address ends in bad_area like any other.
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
            // Out of frames: the stack does not stay grown either, so nothing has changed.
            m.Vmas = vmas;
        }

        return handled;
    }

    /// <summary>access_error (arch/x86/mm/fault.c): a write needs VM_WRITE; any other protection fault is an error; a read needs some access.</summary>
    private static bool AccessError(PageFault fault, Access access, Vma vma)
    {
        if (access == Paging.Access.Write)
        {
            return !vma.Prot.HasFlag(VmProt.Write);
        }

        return fault.Kind != FaultKind.NotPresent || vma.Prot == VmProt.None;
    }

    /// <summary>expand_downwards: a fault below the stack grows it, within RLIMIT_STACK and the guard gap.</summary>
    private Vma? ExpandStack(ModelMm m, ulong addr)
    {
        var top = UserLayout.StackTop(Format);
        var stack = m.Vmas.Find(top - 1);
        var page = PageMath.Down(addr);
        if (stack is null || addr >= stack.Start || top - page > UserLayout.StackLimit
            || !m.Vmas.IsFree(page - UserLayout.StackGuardGap, stack.Start))
        {
            return null;
        }

        m.Vmas = m.Vmas.Resize(stack, page, stack.End);
        return m.Vmas.Find(addr);
    }

    /// <summary>
    /// handle_pte_fault for a page that is not present: allocate the missing tables (top-down), then the page:
    /// anonymous (cleared), a page-cache page (file or shmem, shared by every mapping of it), or for a write
    /// to a private file mapping a private copy (do_cow_fault). Out of frames: nothing changes.
    /// </summary>
    private Result<Unit> FaultIn(ModelMm m, Vma vma, ulong page, Access access)
    {
        var tables = MissingTables(m.Tables, [page]).ToList();
        var cow = vma.Backing is { Shmem: false } && !vma.Shared && access == Paging.Access.Write;
        var key = vma.Backing is { } obj ? (obj, vma.PgOffOf(page)) : default;
        var newPage = vma.Backing is null || cow || !_cache.ContainsKey(key);
        var frames = AllocFrames(tables.Count + (newPage ? 1 : 0));
        if (frames is null)
        {
            return new FaultOutOfMemory(new VirtAddr(page), tables.Count + (newPage ? 1 : 0));
        }

        for (var i = 0; i < tables.Count; i++)
        {
            m.Tables.Add(tables[i], frames[i]);
        }

        PageOwner owner;
        Pfn frame;
        if (vma.Backing is null || cow)
        {
            owner = new PageOwner(null, 0);
            frame = frames[^1];
            if (cow)
            {
                Memory.Load(frame, _cache.TryGetValue(key, out var cached) ? Memory.Save(cached) : _disk.GetValueOrDefault(key));
            }
            else if (ClearsNewAnonPages)
            {
                Memory.Clear(frame);
            }
        }
        else
        {
            owner = new PageOwner(key.obj, key.Item2);
            if (newPage)
            {
                frame = frames[^1];
                Memory.Load(frame, _disk.GetValueOrDefault(key));
                _cache.Add(key, frame);
            }
            else
            {
                frame = _cache[key];
            }
        }

        m.Ptes.Add(page, new PageState(page, frame, PteFor(vma, owner), owner));
        return Unit.Value;
    }

    /// <summary>do_wp_page on a private file mapping's page-cache page: copy it to a new anonymous page, writable.</summary>
    private Result<Unit> BreakCow(ModelMm m, Vma vma, ulong page)
    {
        var old = m.Ptes[page];
        var frames = AllocFrames(1);
        if (frames is null)
        {
            return new FaultOutOfMemory(new VirtAddr(page), 1);
        }

        Memory.Copy(old.Frame, frames[0]);
        var owner = new PageOwner(null, 0);
        m.Ptes[page] = new PageState(page, frames[0], PteFor(vma, owner), owner);
        EvictUnmapped([(old.Owner.Backing!.Value, old.Owner.PgOff)]);
        return Unit.Value;
    }

    /// <summary>
    /// unmap_region: zap the pages of [start, end) (anonymous frames freed, page-cache pages unmapped), cut the
    /// VMAs (a shmem object no VMA maps any more goes), then free_pgtables: every table whose whole range no
    /// longer meets a VMA goes back.
    /// </summary>
    private void Unmap(ModelMm m, ulong start, ulong end)
    {
        var unmapped = new List<(MappedObject, ulong)>();
        foreach (var (page, pte) in m.Ptes.Where(p => p.Key >= start && p.Key < end).ToList())
        {
            m.Ptes.Remove(page);
            if (pte.Owner.Backing is { } obj)
            {
                unmapped.Add((obj, pte.Owner.PgOff));
            }
            else
            {
                Free(pte.Frame);
            }
        }

        m.Vmas = m.Vmas.Remove(start, end);
        EvictUnmapped(unmapped);
        ReleaseUnusedShmem();
        if (FreesEmptyTables)
        {
            FreeTables(m.Tables, (from, to) => !m.Vmas.IsFree(from, to), 1);
        }
    }

    /// <summary>Frees every table at depth &gt;= <paramref name="fromDepth"/> whose range <paramref name="inUse"/> says is unused.</summary>
    private void FreeTables(SortedDictionary<(int Depth, ulong Index), Pfn> tables, Func<ulong, ulong, bool> inUse, int fromDepth)
    {
        foreach (var (key, frame) in tables.Where(t => t.Key.Depth >= fromDepth).ToList())
        {
            var span = Format.SpanOf(key.Depth - 1);
            if (!inUse(key.Index * span, (key.Index * span) + span))
            {
                tables.Remove(key);
                Free(frame);
            }
        }
    }

    /// <summary>A regular file's page-cache page that nothing maps any more is written back and evicted.</summary>
    private void EvictUnmapped(IEnumerable<(MappedObject Backing, ulong PgOff)> pages)
    {
        foreach (var key in pages.Distinct().Where(k => !k.Backing.Shmem && !IsMapped(k)).ToList())
        {
            var frame = _cache[key];
            _disk[key] = Memory.Save(frame);
            _cache.Remove(key);
            Free(frame);
        }
    }

    /// <summary>A shmem object lives while a VMA maps it; then its pages go (shmem_evict_inode).</summary>
    private void ReleaseUnusedShmem()
    {
        var live = _mms.Values.SelectMany(m => m.Vmas.All).Select(v => v.Backing).OfType<MappedObject>().ToHashSet();
        foreach (var (key, frame) in _cache.Where(c => c.Key.Backing.Shmem && !live.Contains(c.Key.Backing)).ToList())
        {
            _cache.Remove(key);
            Free(frame);
        }
    }

    private bool IsMapped((MappedObject Backing, ulong PgOff) key) =>
        _mms.Values.Any(m => m.Ptes.Values.Any(p => p.Owner.Backing == key.Backing && p.Owner.PgOff == key.PgOff));

    /// <summary>The tables a walk to each of <paramref name="pages"/> still lacks, top-down, each once.</summary>
    private IEnumerable<(int Depth, ulong Index)> MissingTables(SortedDictionary<(int Depth, ulong Index), Pfn> tables, IEnumerable<ulong> pages) =>
        pages.SelectMany(p => Enumerable.Range(1, Format.Depth - 1).Select(d => TableKey(p, d))).Distinct().Where(k => !tables.ContainsKey(k));

    /// <summary>pgd_offset, p4d_offset ...: the table at walk depth <paramref name="depth"/> is the one for the range an entry one level up maps.</summary>
    protected virtual (int Depth, ulong Index) TableKey(ulong addr, int depth) => (depth, addr / Format.SpanOf(depth - 1));

    /// <summary>Order-0 frames, all or none.</summary>
    private List<Pfn>? AllocFrames(int count)
    {
        var frames = new List<Pfn>();
        for (var i = 0; i < count; i++)
        {
            var frame = Pages.AllocPages(new Order(0), ZoneType.Normal);
            if (!frame.IsOk)
            {
                frames.ForEach(Free);
                return null;
            }

            frames.Add(frame.Value);
        }

        return frames;
    }

    private void Free(Pfn frame)
    {
        var freed = Pages.FreePages(frame, new Order(0));
        if (!freed.IsOk)
        {
            throw new InvalidOperationException($"the buddy allocator refused the paging layer's frame {frame}: {freed.Error}");
        }
    }

    private AddressSpaceState State(ModelMm m)
    {
        ImmutableArray<TableState> tables =
            [.. m.Tables.Select(t => new TableState(t.Key.Depth, t.Key.Index, t.Value))];
        ImmutableArray<PageState> pages = [.. m.Ptes.Values];
        return new AddressSpaceState(
            m.Id, m.Vmas.Canonical(), m.Brk, m.Pgd, tables, pages,
            (ulong)tables.Count(t => PagingFormat.IsAccounted(Format.Levels[t.Depth])) * Pfn.PageSize,
            pages.Count(p => p.Owner.Backing is { Shmem: false }),
            pages.Count(p => p.Owner.Backing is null),
            pages.Count(p => p.Owner.Backing is { Shmem: true }));
    }
}
