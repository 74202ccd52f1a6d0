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
/// <para>
/// This file holds the state, address spaces, the access loop that retries after each fault, snapshots, and the
/// frame helpers every seam uses. The mapping syscalls, the walk, the fault handler, the table upkeep, vmalloc and
/// migration are in the files named after them, as in impl/Paging.
/// </para>
/// </summary>
public partial class PagingModel : IPagingSystem
{
    private readonly SortedDictionary<int, ModelMm> _mms = [];
    private readonly SortedDictionary<(MappedObject Backing, ulong PgOff), Pfn> _cache = [];
    private readonly Dictionary<(MappedObject Backing, ulong PgOff), byte[]?> _disk = [];
    private readonly SortedDictionary<(int Depth, ulong Index), Pfn> _kernelTables = [];
    private readonly SortedDictionary<ulong, PageState> _kernelPtes = [];
    private readonly SortedDictionary<ulong, VmallocArea> _vmalloc = [];
    private readonly Pfn _zeroPage;
    private int _nextMm;
    private int _nextShmem;

    public PagingModel(PagingFormat format, IBuddyAllocator pages)
    {
        Format = format;
        Pages = pages;
        Memory = new PhysicalMemory();
        // preallocate_vmalloc_pages: the vmalloc range's second-level table exists from boot, so every PGD can share
        // it.
        var table = pages.AllocPages(new Order(0), ZoneType.Normal);
        _kernelTables.Add(
            TableKey(Format.VmallocStart, 1),
            table.IsOk ? table.Value : throw new InvalidOperationException("no frame for the kernel's vmalloc table"));
        // empty_zero_page: one frame of zeroes from boot on, which every read fault on anonymous memory maps.
        var zero = pages.AllocPages(new Order(0), ZoneType.Normal);
        _zeroPage = zero.IsOk ? zero.Value : throw new InvalidOperationException("no frame for the zero page");
        Memory.Clear(_zeroPage);
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
        _mms.Add(id.Value, new ModelMm(
            id,
            pgd.Value,
            UserLayout.Initial(Format).Aggregate(VmaSet.Empty, (set, v) => set.Insert(v)),
            UserLayout.StartBrk(Format)));
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

    /// <summary>A walk, a fault-in, a copy-on-write: no access needs more walks than that.</summary>
    private const int MaxWalks = 3;

    public Result<byte> Access(AsId mm, VirtAddr addr, Access access, Privilege privilege, byte value)
    {
        // The CPU retries the access after each fault the kernel resolves: at most a fault-in, then a copy-on-write
        // (a handler that would resolve nothing throws instead: FaultIn finds the entry there, BreakCow finds it
        // writable).
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

    public Result<Unit> HandleFault(AsId mm, PageFault fault, Access access, Privilege privilege)
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
        frame.Value < Pages.Layout.FrameCount ? Memory.Read(frame, offset) : byte.MaxValue;

    public void WriteFrame(Pfn frame, ulong offset, byte value)
    {
        if (frame.Value < Pages.Layout.FrameCount)
        {
            Memory.Write(frame, offset, value);
        }
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
            _zeroPage,
            Pages.Snapshot());

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
            throw new InvalidOperationException(
                $"the buddy allocator refused the paging layer's frame {frame}: {freed.Error}");
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
            pages.Count(p => p.Owner.IsAnon),
            pages.Count(p => p.Owner.Backing is { Shmem: true }));
    }
}
