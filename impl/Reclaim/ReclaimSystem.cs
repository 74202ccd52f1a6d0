using MMSpec.Impl.Buddy;
using MMSpec.Impl.MemorySystem;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// Reclaim, swap, writeback and compaction as mm/ builds them (docs/reclaim.md): struct page split into per-pfn
/// arrays (kind, flags, map count, pins, swap slot, owner, content), the five LRU lists as intrusive doubly linked
/// lists through those arrays, a reverse map per folio (its PTEs), a page table per address space, a swap_map per
/// area, a TLB per CPU, and the frames from a lowest-address buddy allocator. Reclaim isolates into reused scratch
/// arrays, so scanning allocates nothing per page. Bad input returns a typed error and changes nothing.
/// </summary>
public sealed partial class ReclaimSystem : IReclaimSystem
{
    /// <summary>DEF_PRIORITY.</summary>
    private const int DefPriority = 12;

    /// <summary>SWAP_CLUSTER_MAX (and COMPACT_CLUSTER_MAX).</summary>
    private const int ClusterMax = 32;

    /// <summary>The most frames MMSpec's reclaim machine has (4 GiB).</summary>
    private const ulong MaxFrames = 1UL << 20;

    private readonly BuddyAllocator _buddy;
    private readonly ZoneMarks[] _zones;
    private readonly Dictionary<int, ReclaimMm> _mms = [];

    // init_mm.mmlist: the address spaces that ever held a swap entry, the order try_to_unuse visits them in.
    private readonly List<int> _mmlist = [];
    private readonly Dictionary<int, ShmemObject> _shmem = [];

    // shmem_swaplist: the shmem objects with pages on swap, the most recent first.
    private readonly List<int> _shmemSwaplist = [];

    // The page cache of the files (file * FilePages + pgoff to pfn) and the disk pages written since boot.
    private readonly Dictionary<long, int> _fileCache = [];
    private readonly Dictionary<long, ulong> _disk = [];
    private readonly SwapArea?[] _swap = new SwapArea?[SwapType.Max];
    private readonly ReclaimTlb[] _tlb;
    private readonly VmCounters _events = new();

    private Swappiness _swappiness = Swappiness.Default;
    private ulong _anonCost;
    private ulong _fileCost;
    private int _nextMm = 1;
    private int _nextShmem;
    // least_priority: the last default priority given; the first area without one gets -2.
    private int _leastPriority = -1;
    private long _swapons;

    public ReclaimSystem(ReclaimConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Validate(config);
        Config = config;
        _buddy = new BuddyAllocator(ReclaimConfig.LayoutOf(config), Placement.LowestAddress);
        _zones = Watermarks(_buddy.Layout);
        _tlb = [.. Enumerable.Range(0, config.Cpus).Select(_ => new ReclaimTlb())];
        var frames = (int)config.Frames;
        _kind = new sbyte[frames];
        _flags = new FolioFlags[frames];
        _mapCount = new int[frames];
        _pins = new int[frames];
        _swapType = new int[frames];
        _swapOffset = new ulong[frames];
        _object = new int[frames];
        _index = new ulong[frames];
        _content = new ulong[frames];
        _rmap = new List<(int Mm, ulong Vpn)>?[frames];
        _kernelOrder = new sbyte[frames];
        _lruNext = new int[frames];
        _lruPrev = new int[frames];
        _lruOf = new sbyte[frames];
        _freePages = new CompactFreePages(frames);
        Array.Fill(_kind, NoFolio);
        Array.Fill(_swapType, -1);
        Array.Fill(_kernelOrder, NoFolio);
        Array.Fill(_lruOf, NoFolio);
        Array.Fill(_lruHead, -1);
        Array.Fill(_lruTail, -1);
    }

    public ReclaimConfig Config { get; }

    /// <summary>proc_dointvec_minmax on vm.swappiness (0..200).</summary>
    public Result<Unit> SetSwappiness(int value)
    {
        var swappiness = new Swappiness(value);
        if (!swappiness.IsValid)
        {
            return new SwappinessOutOfRange(value);
        }

        _swappiness = swappiness;
        return Unit.Value;
    }

    /// <summary>The machine's limits: frames an int indexes, CPUs the TLB component has, files with pages.</summary>
    private static void Validate(ReclaimConfig config)
    {
        if (config.Frames is 0 or > MaxFrames)
        {
            throw new ArgumentOutOfRangeException(
                nameof(config), config.Frames, $"a machine has 1..{MaxFrames} frames");
        }

        if (config.Cpus is < 1 or > ReclaimConfig.MaxCpus)
        {
            throw new ArgumentOutOfRangeException(nameof(config), config.Cpus, $"1..{ReclaimConfig.MaxCpus} CPUs");
        }

        if (config.Files < 0 || (config.Files > 0 && config.FilePages == 0))
        {
            throw new ArgumentOutOfRangeException(nameof(config), config.Files, "files, each of one page or more");
        }

        if (config.Files > 0 && config.FilePages > (ulong)(long.MaxValue / config.Files))
        {
            throw new ArgumentOutOfRangeException(
                nameof(config), config.FilePages, "more file pages than a long numbers");
        }
    }

    /// <summary>
    /// calculate_min_free_kbytes and __setup_per_zone_wmarks for the machine's zones, as the whole system computes
    /// them (<see cref="ZoneWatermarkTable"/>): every frame is lowmem, watermark_scale_factor 10.
    /// </summary>
    private static ZoneMarks[] Watermarks(MemoryLayout layout)
    {
        var managed = new ulong[(int)ZoneType.Normal + 1];
        foreach (var zone in layout.Zones)
        {
            managed[(int)zone.Type] = zone.End.Value - zone.Start.Value;
        }

        var marks = new ZoneWatermarkTable().Setup(managed, 0, 10).Zones;
        return [.. layout.Zones.Select(zone =>
        {
            var m = marks[(int)zone.Type];
            return new ZoneMarks((int)zone.Start.Value, (int)zone.End.Value, m.Min, m.Low, m.High);
        })];
    }

    /// <summary>NR_FREE_PAGES over every zone: the frames the buddy allocator holds free.</summary>
    private ulong FreeFrames()
    {
        var free = 0UL;
        foreach (var zone in _buddy.Layout.Zones)
        {
            free += FreePagesIn(zone.Type);
        }

        return free;
    }

    /// <summary>The free frames above the watermark: what the next allocations may take.</summary>
    private ulong AllocatableFrames()
    {
        var free = FreeFrames();
        return free > _watermark ? free - _watermark : 0;
    }

    /// <summary>zone_page_state(zone, NR_FREE_PAGES).</summary>
    private ulong FreePagesIn(ZoneType zone)
    {
        var free = 0UL;
        for (var order = 0; order <= Order.Max; order++)
        {
            free += (ulong)_buddy.NrFree(zone, new Order(order)) << order;
        }

        return free;
    }
}
