// Over 300 lines: all of SLUB in one class; this change only wraps its lines, a split by seam is left for later.
using System.Collections.Immutable;
using System.Numerics;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;

namespace MMSpec.Impl.Slab;

/// <summary>
/// SLUB as mm/slub.c builds it, without per-CPU slabs: per-cache partial, full and empty lists of slab
/// descriptors, a freelist per slab, and a per-frame table from pfn to slab (the struct slab overlaying struct
/// page) so virt_to_slab is one array read. Allocation and free are O(1) and allocate nothing on the heap
/// (errors aside; a new slab reuses a retired descriptor of its cache when there is one).
/// </summary>
public sealed class SlabAllocator : ISlabAllocator
{
    private const int NoLarge = -1;

    // kmalloc_size_index: the kmalloc cache (by id here, not by Linux's kmalloc index) for 1..192 bytes, 8 at a time.
    private static readonly byte[] KmallocSizeIndex =
        [0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6];

    private readonly List<KmemCache?> _caches = [];

    // Per frame: the slab it belongs to; the head of the large kmalloc it belongs to (or NoLarge), and that order.
    private readonly SlabDescriptor?[] _slabOf;
    private readonly int[] _largeHead;
    private readonly byte[] _largeOrder;

    public SlabAllocator(IBuddyAllocator pages)
    {
        Pages = pages;
        var frames = (int)pages.Layout.FrameCount;
        _slabOf = new SlabDescriptor?[frames];
        _largeHead = new int[frames];
        Array.Fill(_largeHead, NoLarge);
        _largeOrder = new byte[frames];
        // create_kmalloc_caches
        foreach (var size in KmallocSizes.CacheSizes)
        {
            var name = KmallocSizes.NameOf(size);
            _caches.Add(new KmemCache(
                new CacheId(_caches.Count),
                name,
                CacheGeometry.For(name, size, CacheGeometry.Word, false).Value,
                null));
        }
    }

    public IBuddyAllocator Pages { get; }

    public Result<CacheId> KmemCacheCreate(string name, ulong size, ulong align, CacheCtor? ctor)
    {
        var geometry = CacheGeometry.For(name, size, align, ctor is not null);
        if (!geometry.IsOk)
        {
            return geometry.Error!;
        }

        var id = new CacheId(_caches.Count);
        _caches.Add(new KmemCache(id, name, geometry.Value, ctor));
        return id;
    }

    public Result<VirtAddr> KmemCacheAlloc(CacheId cache) =>
        Find(cache) is { } found ? SlabAlloc(found) : new UnknownCache(cache);

    public Result<VirtAddr> Kmalloc(ulong size)
    {
        if (size == 0)
        {
            return KmallocSizes.ZeroSizePtr;
        }

        if (size <= KmallocSizes.MaxCacheSize)
        {
            return SlabAlloc(_caches[KmallocSlab(size)]!);
        }

        return size > KmallocSizes.MaxSize ? new KmallocTooLarge(size) : KmallocLarge(size);
    }

    public Result<Unit> KmemCacheFree(CacheId cache, VirtAddr obj)
    {
        if (Find(cache) is not { } given)
        {
            return new UnknownCache(cache);
        }

        var place = VirtToSlab(obj);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        var (slab, index, pfn) = place.Value;
        if (slab is null)
        {
            return new NotSlabPage(obj, new Pfn((ulong)pfn));
        }

        // cache_from_obj
        return slab.Cache != given ? new WrongCache(obj, given.Name, slab.Cache.Name) : SlabFree(obj, slab, index);
    }

    /// <summary>__kmem_cache_do_shrink: discard every slab on the empty list.</summary>
    public Result<Unit> KmemCacheShrink(CacheId cache)
    {
        if (Find(cache) is not { } found)
        {
            return new UnknownCache(cache);
        }

        var bound = new LoopBound(_slabOf.Length);
        while (found.Head(SlabList.Empty) is { } slab)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            DiscardSlab(slab);
        }

        return Unit.Value;
    }

    public Result<Unit> KmemCacheDestroy(CacheId cache)
    {
        if (Find(cache) is not { } found)
        {
            return new UnknownCache(cache);
        }

        if (cache.Value < KmallocSizes.CacheSizes.Length)
        {
            return new BootCache(found.Name);
        }

        // __kmem_cache_shutdown: objects remaining means the cache stays.
        if (found.InUse > 0)
        {
            return new ObjectsRemaining(found.Name, found.InUse);
        }

        var bound = new LoopBound(_slabOf.Length);
        while (found.Head(SlabList.Empty) is { } slab)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            DiscardSlab(slab);
        }

        _caches[cache.Value] = null;
        return Unit.Value;
    }

    public Result<Unit> Kfree(VirtAddr addr)
    {
        if (addr.Value <= KmallocSizes.ZeroSizePtr.Value)
        {
            return Unit.Value;
        }

        var place = VirtToSlab(addr);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        var (slab, index, pfn) = place.Value;
        return slab is null ? FreeLarge(pfn) : SlabFree(addr, slab, index);
    }

    public Result<ulong> Ksize(VirtAddr addr)
    {
        if (addr.Value <= KmallocSizes.ZeroSizePtr.Value)
        {
            return 0UL;
        }

        var place = LiveObject(addr);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        var (slab, _, pfn) = place.Value;
        return slab is null ? Pfn.PageSize << _largeOrder[pfn] : slab.Cache.Geometry.Size;
    }

    public Result<ulong> ReadWord(VirtAddr obj)
    {
        var place = LiveObject(obj);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        var (slab, index, pfn) = place.Value;
        return slab is null ? new NotSlabPage(obj, new Pfn((ulong)pfn)) : slab.Words[index];
    }

    public Result<Unit> WriteWord(VirtAddr obj, ulong value)
    {
        var place = LiveObject(obj);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        var (slab, index, pfn) = place.Value;
        if (slab is null)
        {
            return new NotSlabPage(obj, new Pfn((ulong)pfn));
        }

        slab.Words[index] = value;
        return Unit.Value;
    }

    public SlabSnapshot Snapshot() =>
        new(_caches.OfType<KmemCache>().Select(State), LargeIn(0, _largeHead.Length), Pages.Snapshot());

    /// <summary>
    /// The named caches and those with a slab in the frames, with their slabs there, found through the per-frame slab
    /// table (a slab's head frame points at a slab whose pfn is that frame): only the frames are walked, in pfn order,
    /// so each cache's slabs come out sorted.
    /// </summary>
    public SlabSnapshot SnapshotOf(IReadOnlyCollection<CacheId> caches, PfnRange frames)
    {
        var end = (int)Math.Min(frames.End.Value, (ulong)_slabOf.Length);
        var start = (int)Math.Min(frames.Start.Value, (ulong)end);
        var slabs = new Dictionary<KmemCache, List<SlabDescriptor>>();
        for (var pfn = start; pfn < end; pfn++)
        {
            if (_slabOf[pfn] is { } slab && slab.Pfn == pfn)
            {
                (slabs.TryGetValue(slab.Cache, out var list) ? list : slabs[slab.Cache] = []).Add(slab);
            }
        }

        var named = _caches.OfType<KmemCache>().Where(c => slabs.ContainsKey(c) || caches.Contains(c.Id));
        return new SlabSnapshot(named.Select(c => State(c, slabs.GetValueOrDefault(c) ?? [])), LargeIn(start, end),
            Pages.SnapshotOf(frames));
    }

    /// <summary>kmalloc_slab: kmalloc_size_index up to 192 bytes, fls(size - 1) above.</summary>
    private static int KmallocSlab(ulong size) =>
        size <= 192 ? KmallocSizeIndex[(size - 1) / 8] : BitOperations.Log2(size - 1);

    private static CacheState State(KmemCache cache) => State(cache, cache.Slabs().OrderBy(s => s.Pfn));

    private static CacheState State(KmemCache cache, IEnumerable<SlabDescriptor> slabs) =>
        new(cache.Id, cache.Name, cache.Geometry, cache.Ctor, cache.CtorCalls,
            [.. slabs.Select(s => new SlabState(new Pfn((ulong)s.Pfn), s.Order, s.List, SortedFreeIndices(s)))]);

    /// <summary>The large kmallocs that start in [start, end): frames that are their own head.</summary>
    private List<Block> LargeIn(int start, int end)
    {
        var large = new List<Block>();
        for (var pfn = start; pfn < end; pfn++)
        {
            if (_largeHead[pfn] == pfn)
            {
                large.Add(new Block(new Pfn((ulong)pfn), new Order(_largeOrder[pfn])));
            }
        }

        return large;
    }

    /// <summary>
    /// The freelist's indices in ascending order, by counting sort (indices are below the object count): O(objects),
    /// and an index the walk meets twice comes out twice, as a sort of the walk would give it.
    /// </summary>
    private static ImmutableArray<int> SortedFreeIndices(SlabDescriptor slab)
    {
        var seen = new int[slab.FreeNext.Length];
        var count = 0;
        foreach (var index in FreeIndices(slab))
        {
            seen[index]++;
            count++;
        }

        var sorted = ImmutableArray.CreateBuilder<int>(count);
        for (var index = 0; index < seen.Length; index++)
        {
            for (var times = 0; times < seen[index]; times++)
            {
                sorted.Add(index);
            }
        }

        return sorted.MoveToImmutable();
    }

    /// <summary>
    /// The freelist, walked at most one step past the object count, so a cycle shows as a repeated index, not a hang.
    /// </summary>
    private static IEnumerable<int> FreeIndices(SlabDescriptor slab)
    {
        var steps = 0;
        for (var i = slab.FreeHead; i >= 0 && steps <= slab.FreeNext.Length; i = slab.FreeNext[i], steps++)
        {
            yield return i;
        }
    }

    private KmemCache? Find(CacheId id) => id.Value >= 0 && id.Value < _caches.Count ? _caches[id.Value] : null;

    /// <summary>
    /// ___slab_alloc: the first partial slab, else the first empty one, else new_slab; then pop its freelist.
    /// </summary>
    private Result<VirtAddr> SlabAlloc(KmemCache cache)
    {
        var slab = cache.Head(SlabList.Partial) ?? cache.Head(SlabList.Empty) ?? NewSlab(cache);
        if (slab is null)
        {
            return new SlabOutOfMemory(cache.Name, cache.Geometry.Order);
        }

        var index = slab.FreeHead;
        slab.FreeHead = slab.FreeNext[index];
        slab.FreeNext[index] = SlabDescriptor.Allocated;
        slab.InUse++;
        cache.InUse++;
        cache.Move(slab, slab.InUse == cache.Geometry.ObjectsPerSlab ? SlabList.Full : SlabList.Partial);
        return DirectMap.Of(new Pfn((ulong)slab.Pfn), cache.Geometry.OffsetOf(index));
    }

    /// <summary>
    /// __slab_free: push on the slab's freelist; full -> partial, and to empty when nothing is left in use.
    /// </summary>
    private static Result<Unit> SlabFree(VirtAddr obj, SlabDescriptor slab, int index)
    {
        if (slab.FreeNext[index] != SlabDescriptor.Allocated)
        {
            return new ObjectAlreadyFree(obj, slab.Cache.Name);
        }

        slab.FreeNext[index] = slab.FreeHead;
        slab.FreeHead = index;
        slab.InUse--;
        slab.Cache.InUse--;
        slab.Cache.Move(slab, slab.InUse == 0 ? SlabList.Empty : SlabList.Partial);
        return Unit.Value;
    }

    /// <summary>
    /// new_slab / allocate_slab: pages from the buddy allocator, every frame pointing at the slab, objects constructed.
    /// </summary>
    private SlabDescriptor? NewSlab(KmemCache cache)
    {
        var pages = Pages.AllocPages(cache.Geometry.Order, ZoneType.Normal);
        if (!pages.IsOk)
        {
            return null;
        }

        var slab = cache.Descriptor();
        var pfn = (int)pages.Value.Value;
        slab.Init(pfn);
        Array.Fill(_slabOf, slab, pfn, 1 << cache.Geometry.Order.Value);
        if (cache.Ctor is not null)
        {
            cache.CtorCalls += cache.Geometry.ObjectsPerSlab;
        }

        return slab;
    }

    /// <summary>
    /// discard_slab: unlink, clear the frames' slab pointers, give the block back, keep the descriptor.
    /// </summary>
    private void DiscardSlab(SlabDescriptor slab)
    {
        slab.Cache.Unlink(slab);
        Array.Fill(_slabOf, null, slab.Pfn, 1 << slab.Order.Value);
        GiveBack(slab.Pfn, slab.Order);
        slab.Cache.Retire(slab);
    }

    /// <summary>kmalloc_large: a block of get_order(size), its frames marked as one large kmalloc.</summary>
    private Result<VirtAddr> KmallocLarge(ulong size)
    {
        var order = KmallocSizes.LargeOrder(size);
        var pages = Pages.AllocPages(order, ZoneType.Normal);
        if (!pages.IsOk)
        {
            return new LargeKmallocOutOfMemory(size, order);
        }

        var pfn = (int)pages.Value.Value;
        Array.Fill(_largeHead, pfn, pfn, 1 << order.Value);
        _largeOrder[pfn] = (byte)order.Value;
        return DirectMap.Of(pages.Value);
    }

    /// <summary>free_large_kmalloc.</summary>
    private Result<Unit> FreeLarge(int pfn)
    {
        var order = new Order(_largeOrder[pfn]);
        Array.Fill(_largeHead, NoLarge, pfn, 1 << order.Value);
        GiveBack(pfn, order);
        return Unit.Value;
    }

    private void GiveBack(int pfn, Order order)
    {
        var freed = Pages.FreePages(new Pfn((ulong)pfn), order);
        if (!freed.IsOk)
        {
            throw new InvalidOperationException(
                $"the buddy allocator refused the slab layer's block {new Block(new Pfn((ulong)pfn), order)}: "
                + $"{freed.Error}");
        }
    }

    /// <summary>
    /// virt_to_slab, made total: (slab, object index) for a slab object, (null, 0, head) for a large kmalloc.
    /// </summary>
    private Result<(SlabDescriptor? Slab, int Index, int Pfn)> VirtToSlab(VirtAddr addr)
    {
        if (!DirectMap.TryPfn(addr, Pages.Layout.FrameCount, out var frame, out _))
        {
            return new AddressOutsideDirectMap(addr);
        }

        var pfn = (int)frame.Value;
        if (_slabOf[pfn] is { } slab)
        {
            var offset = addr.Value - DirectMap.Of(new Pfn((ulong)slab.Pfn)).Value;
            var size = slab.Cache.Geometry.Size;
            return offset % size != 0 || offset / size >= (ulong)slab.FreeNext.Length
                ? new NotObjectStart(addr, slab.Cache.Name)
                : (slab, (int)(offset / size), slab.Pfn);
        }

        var head = _largeHead[pfn];
        if (head == NoLarge)
        {
            return new NotSlabPage(addr, frame);
        }

        return addr == DirectMap.Of(new Pfn((ulong)head)) ? (null, 0, head) : new NotObjectStart(addr, "large kmalloc");
    }

    private Result<(SlabDescriptor? Slab, int Index, int Pfn)> LiveObject(VirtAddr addr)
    {
        var place = VirtToSlab(addr);
        return place.IsOk && place.Value.Slab is { } slab
            && slab.FreeNext[place.Value.Index] != SlabDescriptor.Allocated
            ? new ObjectAlreadyFree(addr, slab.Cache.Name)
            : place;
    }
}
