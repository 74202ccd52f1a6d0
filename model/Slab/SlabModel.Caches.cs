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

    /// <summary>kmem_cache_free: when every check of <see cref="FreePrecedence"/> passes, frees the object.</summary>
    public Result<Unit> KmemCacheFree(CacheId cache, VirtAddr obj)
    {
        if (FreeErrors(new KmemCacheFree(cache, obj)) is [var error, ..])
        {
            return Result<Unit>.Fail(error);
        }

        var (owner, slab, index, _) = Locate(obj).Value;
        return FreeObject(obj, owner!, slab!, index);
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
        if (DestroyErrors(new KmemCacheDestroy(cache)) is [var error, ..])
        {
            return Result<Unit>.Fail(error);
        }

        var found = Find(cache)!;
        foreach (var slab in found.Slabs.Values.ToList())
        {
            DiscardSlab(found, slab);
        }

        _caches[cache.Value] = null;
        return Unit.Value;
    }
}
