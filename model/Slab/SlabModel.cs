using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Slab;

/// <summary>
/// The reference slab allocator, written for reading: caches in a list by id, slabs in a sorted dictionary per
/// cache, free objects as sorted sets, pages from any <see cref="IBuddyAllocator"/>.
/// Relational: <see cref="Adopt"/> accepts any object SLUB could have handed out (any free object of any partial
/// slab, else of any empty slab, else of a new slab at any block the page allocator permits) and carries on from
/// it; run alone, allocation picks the lowest address. The rules are protected virtual so that a broken variant
/// can be written in a few lines and shown to be caught.
/// </summary>
public class SlabModel : ISlabAllocator
{
    private readonly List<ModelCache?> _caches = [];
    private readonly SortedDictionary<Pfn, Order> _large = [];

    public SlabModel(IBuddyAllocator pages)
    {
        Pages = pages;
        // create_kmalloc_caches: kmalloc-8 ... kmalloc-8k, ARCH_KMALLOC_MINALIGN, no constructor.
        foreach (var size in KmallocSizes.CacheSizes)
        {
            var name = KmallocSizes.NameOf(size);
            _caches.Add(new ModelCache(new CacheId(_caches.Count), name, CacheGeometry.For(name, size, CacheGeometry.Word, false).Value, null));
        }
    }

    public IBuddyAllocator Pages { get; }

    /// <summary>Whether the constructor runs on every allocation instead of once per object when its slab is created.</summary>
    protected virtual bool ConstructsOnAllocation => false;

    /// <summary>Whether freeing a free object is refused.</summary>
    protected virtual bool DetectsDoubleFree => true;

    public Result<CacheId> KmemCacheCreate(string name, ulong size, ulong align, CacheCtor? ctor)
    {
        var geometry = CacheGeometry.For(name, size, align, ctor is not null);
        if (!geometry.IsOk)
        {
            return geometry.Error!;
        }

        var id = new CacheId(_caches.Count);
        _caches.Add(new ModelCache(id, name, geometry.Value, ctor));
        return id;
    }

    public Result<VirtAddr> KmemCacheAlloc(CacheId cache) => Find(cache) is { } found ? Allocate(found) : new UnknownCache(cache);

    /// <summary>kmalloc: kmalloc_slab for up to 8 KiB, kmalloc_large above.</summary>
    public Result<VirtAddr> Kmalloc(ulong size)
    {
        if (size == 0)
        {
            return KmallocSizes.ZeroSizePtr;
        }

        if (size <= KmallocSizes.MaxCacheSize)
        {
            return Allocate(_caches[KmallocIndex(size)]!);
        }

        if (size > KmallocSizes.MaxSize)
        {
            return new KmallocTooLarge(size);
        }

        var order = KmallocSizes.LargeOrder(size);
        var pages = Pages.AllocPages(order, ZoneType.Normal);
        if (!pages.IsOk)
        {
            return new LargeKmallocOutOfMemory(size, order);
        }

        _large.Add(pages.Value, order);
        return DirectMap.Of(pages.Value);
    }

    /// <summary>
    /// Whether SLUB could have answered the allocation <paramref name="op"/> with <paramref name="observed"/>; if
    /// so the model takes the same object (and the same pages) and returns null, otherwise it changes nothing and
    /// returns why not.
    /// </summary>
    public string? Adopt(SlabOp op, Result<VirtAddr> observed) => op switch
    {
        KmemCacheAlloc a => Find(a.Cache) is { } cache ? AdoptObject(cache, observed) : Same(new UnknownCache(a.Cache), observed),
        Kmalloc { Size: 0 } => Same(KmallocSizes.ZeroSizePtr, observed),
        Kmalloc { Size: <= KmallocSizes.MaxCacheSize } k => AdoptObject(_caches[KmallocIndex(k.Size)]!, observed),
        Kmalloc { Size: > KmallocSizes.MaxSize } k => Same(new KmallocTooLarge(k.Size), observed),
        Kmalloc k => AdoptLarge(k.Size, observed),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "only allocations are adopted"),
    };

    public Result<Unit> KmemCacheFree(CacheId cache, VirtAddr obj)
    {
        if (Find(cache) is not { } given)
        {
            return new UnknownCache(cache);
        }

        var place = Locate(obj);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        var (owner, slab, index, pfn) = place.Value;
        if (slab is null)
        {
            return new NotSlabPage(obj, pfn);
        }

        return owner != given ? new WrongCache(obj, given.Name, owner!.Name) : FreeObject(obj, owner, slab, index);
    }

    /// <summary>__kmem_cache_do_shrink: every slab with no object in use goes back to the buddy allocator.</summary>
    public Result<Unit> KmemCacheShrink(CacheId cache)
    {
        if (Find(cache) is not { } found)
        {
            return new UnknownCache(cache);
        }

        foreach (var slab in found.Slabs.Values.Where(s => s.InUse == 0).ToList())
        {
            DiscardSlab(found, slab);
        }

        return Unit.Value;
    }

    /// <summary>kmem_cache_destroy: __kmem_cache_shutdown refuses while objects remain.</summary>
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

        var live = found.Slabs.Values.Sum(s => (long)s.InUse);
        if (live > 0)
        {
            return new ObjectsRemaining(found.Name, live);
        }

        foreach (var slab in found.Slabs.Values.ToList())
        {
            DiscardSlab(found, slab);
        }

        _caches[cache.Value] = null;
        return Unit.Value;
    }

    /// <summary>kfree: nothing for ZERO_OR_NULL_PTR; otherwise virt_to_slab finds a slab object or a large kmalloc.</summary>
    public Result<Unit> Kfree(VirtAddr addr)
    {
        if (addr.Value <= KmallocSizes.ZeroSizePtr.Value)
        {
            return Unit.Value;
        }

        var place = Locate(addr);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        var (cache, slab, index, pfn) = place.Value;
        if (slab is null)
        {
            GiveBack(pfn, _large[pfn]);
            _large.Remove(pfn);
            return Unit.Value;
        }

        return FreeObject(addr, cache!, slab, index);
    }

    /// <summary>__ksize: the slot size (slab_ksize), or the whole block of a large kmalloc; 0 for ZERO_OR_NULL_PTR.</summary>
    public Result<ulong> Ksize(VirtAddr addr)
    {
        if (addr.Value <= KmallocSizes.ZeroSizePtr.Value)
        {
            return 0UL;
        }

        var place = LocateLive(addr);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        return place.Value.Cache is { } cache ? cache.Geometry.Size : Pfn.PageSize << _large[place.Value.Pfn].Value;
    }

    public Result<ulong> ReadWord(VirtAddr obj)
    {
        var place = LocateLive(obj);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        return place.Value.Slab is { } slab ? slab.Words[place.Value.Index] : new NotSlabPage(obj, place.Value.Pfn);
    }

    public Result<Unit> WriteWord(VirtAddr obj, ulong value)
    {
        var place = LocateLive(obj);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        if (place.Value.Slab is not { } slab)
        {
            return new NotSlabPage(obj, place.Value.Pfn);
        }

        slab.Words[place.Value.Index] = value;
        return Unit.Value;
    }

    public SlabSnapshot Snapshot() =>
        new(_caches.OfType<ModelCache>().Select(c => c.State()), _large.Select(l => new Block(l.Key, l.Value)), Pages.Snapshot());

    /// <summary>The named caches and those with a slab in the frames, with only those slabs; large kmallocs, pages.</summary>
    public SlabSnapshot SnapshotOf(IReadOnlyCollection<CacheId> caches, PfnRange frames) =>
        new(_caches.OfType<ModelCache>().Where(c => caches.Contains(c.Id) || c.SlabsIn(frames).Any())
                .Select(c => c.State(frames)),
            _large.Where(l => frames.Contains(l.Key)).Select(l => new Block(l.Key, l.Value)), Pages.SnapshotOf(frames));

    /// <summary>kmalloc_slab: the kmalloc cache for 1..8192 bytes.</summary>
    protected virtual int KmallocIndex(ulong size) => KmallocSizes.IndexOf(size);

    /// <summary>get_partial, then an empty slab; null means allocate a new one. The default takes the lowest address.</summary>
    protected virtual ModelSlab? ChooseSlab(ModelCache cache) =>
        cache.On(SlabList.Partial).FirstOrDefault() ?? cache.On(SlabList.Empty).FirstOrDefault();

    /// <summary>__slab_free: the list a slab moves to once an object is back (full -> partial -> empty).</summary>
    protected virtual SlabList ListAfterFree(ModelSlab slab) => slab.ListByInUse;

    private ModelCache? Find(CacheId id) => id.Value >= 0 && id.Value < _caches.Count ? _caches[id.Value] : null;

    private static string? Same<T>(Result<T> expected, Result<T> observed) =>
        expected == observed ? null : $"expected {expected}, got {observed}";

    /// <summary>___slab_alloc: an object of the chosen slab, or of a new slab from the buddy allocator.</summary>
    private Result<VirtAddr> Allocate(ModelCache cache)
    {
        var slab = ChooseSlab(cache);
        if (slab is null)
        {
            var pages = Pages.AllocPages(cache.Geometry.Order, ZoneType.Normal);
            if (!pages.IsOk)
            {
                return new SlabOutOfMemory(cache.Name, cache.Geometry.Order);
            }

            slab = NewSlab(cache, pages.Value);
        }

        return Take(cache, slab, slab.Free.Min);
    }

    private string? AdoptObject(ModelCache cache, Result<VirtAddr> observed)
    {
        var source = cache.On(SlabList.Partial).Any() ? SlabList.Partial : cache.On(SlabList.Empty).Any() ? SlabList.Empty : (SlabList?)null;
        if (source is { } list)
        {
            if (!observed.IsOk)
            {
                return $"expected an object from a {list} slab of {cache.Name}, got {observed.Error}";
            }

            var place = Locate(observed.Value);
            if (!place.IsOk || place.Value.Cache != cache || place.Value.Slab!.List != list || !place.Value.Slab.Free.Contains(place.Value.Index))
            {
                return $"returned {observed.Value}, which is not a free object on a {list} slab of {cache.Name}"
                    + " (___slab_alloc takes a partial slab first, then an empty one)";
            }

            Take(cache, place.Value.Slab, place.Value.Index);
            return null;
        }

        var order = cache.Geometry.Order;
        if (!observed.IsOk)
        {
            return Equals(observed.Error, new SlabOutOfMemory(cache.Name, order))
                ? AdoptPages(order, new OutOfMemory(order, ZoneType.Normal))
                : $"expected an object of a new {cache.Name} slab, got {observed.Error}";
        }

        if (!DirectMap.TryPfn(observed.Value, Pages.Layout.FrameCount, out var pfn, out _))
        {
            return $"returned {observed.Value}, which is outside the direct map";
        }

        var head = new Pfn(pfn.Value & ~(order.Pages - 1));
        var offset = observed.Value.Value - DirectMap.Of(head).Value;
        if (offset % cache.Geometry.Size != 0 || offset / cache.Geometry.Size >= (ulong)cache.Geometry.ObjectsPerSlab)
        {
            return $"returned {observed.Value}, which is not an object of a new order-{order} {cache.Name} slab at pfn {head}";
        }

        if (AdoptPages(order, head) is { } why)
        {
            return why;
        }

        Take(cache, NewSlab(cache, head), (int)(offset / cache.Geometry.Size));
        return null;
    }

    private string? AdoptLarge(ulong size, Result<VirtAddr> observed)
    {
        var order = KmallocSizes.LargeOrder(size);
        if (!observed.IsOk)
        {
            return Equals(observed.Error, new LargeKmallocOutOfMemory(size, order))
                ? AdoptPages(order, new OutOfMemory(order, ZoneType.Normal))
                : $"expected a block of order {order}, got {observed.Error}";
        }

        if (!DirectMap.TryPfn(observed.Value, Pages.Layout.FrameCount, out var pfn, out var offset) || offset != 0)
        {
            return $"returned {observed.Value}, which is not the start of a page in the direct map";
        }

        if (AdoptPages(order, pfn) is { } why)
        {
            return why;
        }

        _large.Add(pfn, order);
        return null;
    }

    /// <summary>The model's pages follow the implementation's: a BuddyModel adopts them, any other allocator must agree.</summary>
    private string? AdoptPages(Order order, Result<Pfn> observed)
    {
        if (Pages is BuddyModel buddy)
        {
            return buddy.Adopt(new AllocPages(order, ZoneType.Normal), observed) is { } why ? $"page allocator: {why}" : null;
        }

        var own = Pages.AllocPages(order, ZoneType.Normal);
        if (own == observed)
        {
            return null;
        }

        if (own.IsOk)
        {
            GiveBack(own.Value, order);
        }

        return $"the model's page allocator answered {own} where the implementation's answered {observed}";
    }

    /// <summary>allocate_slab: every object constructed once, here (setup_object).</summary>
    private static ModelSlab NewSlab(ModelCache cache, Pfn pfn)
    {
        var slab = new ModelSlab(pfn, cache.Geometry.Order, cache.Geometry.ObjectsPerSlab, cache.Ctor?.Pattern ?? 0);
        if (cache.Ctor is not null)
        {
            cache.CtorCalls += slab.Objects;
        }

        cache.Slabs.Add(pfn, slab);
        return slab;
    }

    private VirtAddr Take(ModelCache cache, ModelSlab slab, int index)
    {
        slab.Free.Remove(index);
        if (ConstructsOnAllocation && cache.Ctor is { } ctor)
        {
            cache.CtorCalls++;
            slab.Words[index] = ctor.Pattern;
        }

        slab.List = slab.ListByInUse;
        return DirectMap.Of(slab.Pfn, cache.Geometry.OffsetOf(index));
    }

    private Result<Unit> FreeObject(VirtAddr obj, ModelCache cache, ModelSlab slab, int index)
    {
        if (DetectsDoubleFree && slab.Free.Contains(index))
        {
            return new ObjectAlreadyFree(obj, cache.Name);
        }

        slab.Free.Add(index);
        slab.List = ListAfterFree(slab);
        return Unit.Value;
    }

    /// <summary>discard_slab: the slab's block goes back to the buddy allocator.</summary>
    private void DiscardSlab(ModelCache cache, ModelSlab slab)
    {
        GiveBack(slab.Pfn, slab.Order);
        cache.Slabs.Remove(slab.Pfn);
    }

    private void GiveBack(Pfn pfn, Order order)
    {
        var freed = Pages.FreePages(pfn, order);
        if (!freed.IsOk)
        {
            throw new InvalidOperationException($"the buddy allocator refused the slab layer's block {new Block(pfn, order)}: {freed.Error}");
        }
    }

    /// <summary>virt_to_slab, made total: the slab object or large kmalloc an address starts, or the typed error.</summary>
    private Result<Place> Locate(VirtAddr addr)
    {
        if (!DirectMap.TryPfn(addr, Pages.Layout.FrameCount, out var pfn, out _))
        {
            return new AddressOutsideDirectMap(addr);
        }

        foreach (var cache in _caches.OfType<ModelCache>())
        {
            foreach (var slab in cache.Slabs.Values.Where(s => s.Block.Contains(pfn)))
            {
                var offset = addr.Value - DirectMap.Of(slab.Pfn).Value;
                return offset % cache.Geometry.Size != 0 || offset / cache.Geometry.Size >= (ulong)slab.Objects
                    ? new NotObjectStart(addr, cache.Name)
                    : new Place(cache, slab, (int)(offset / cache.Geometry.Size), slab.Pfn);
            }
        }

        foreach (var (head, order) in _large.Where(l => new Block(l.Key, l.Value).Contains(pfn)))
        {
            return addr == DirectMap.Of(head) ? new Place(null, null, 0, head) : new NotObjectStart(addr, "large kmalloc");
        }

        return new NotSlabPage(addr, pfn);
    }

    private Result<Place> LocateLive(VirtAddr addr)
    {
        var place = Locate(addr);
        return place.IsOk && place.Value.Slab is { } slab && slab.Free.Contains(place.Value.Index)
            ? new ObjectAlreadyFree(addr, place.Value.Cache!.Name)
            : place;
    }

    /// <summary>Where an address points: a slab object (cache, slab, index) or, with no slab, a large kmalloc at pfn.</summary>
    private readonly record struct Place(ModelCache? Cache, ModelSlab? Slab, int Index, Pfn Pfn);
}
