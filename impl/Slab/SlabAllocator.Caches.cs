using MMSpec.Model.Core;
using MMSpec.Model.Slab;

namespace MMSpec.Impl.Slab;

/// <summary>
/// The kmem_cache API (mm/slab_common.c): kmem_cache_create, kmem_cache_alloc, kmem_cache_free,
/// kmem_cache_shrink and kmem_cache_destroy.
/// </summary>
public sealed partial class SlabAllocator
{
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
}
