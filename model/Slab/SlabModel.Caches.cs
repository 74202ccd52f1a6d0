using MMSpec.Model.Core;

namespace MMSpec.Model.Slab;

/// <summary>
/// The kmem_cache API (mm/slab_common.c and its SLUB back end): kmem_cache_create, kmem_cache_alloc,
/// kmem_cache_free, kmem_cache_shrink and kmem_cache_destroy, each checking its cache and object first.
/// </summary>
public partial class SlabModel
{
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

    public Result<VirtAddr> KmemCacheAlloc(CacheId cache) =>
        Find(cache) is { } found ? Allocate(found) : new UnknownCache(cache);

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
}
