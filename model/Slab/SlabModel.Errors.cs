using System.Collections.Immutable;
using MMSpec.Model.Core;

namespace MMSpec.Model.Slab;

/// <summary>
/// The calls that can break several checks at once (kmem_cache_create, kmem_cache_free, kmem_cache_destroy): their
/// checks in Linux's order (<see cref="ErrorPrecedence"/>), the tables the documentation shows, and every error
/// that applies to a call. The other calls have one applicable error at a time (docs/slab.md, "Typed errors").
/// </summary>
public partial class SlabModel
{
    /// <summary>kmem_cache_create: calculate_sizes validates the alignment, then the size.</summary>
    public static ErrorPrecedence CreatePrecedence { get; } = new("kmem_cache_create",
    [
        new(nameof(InvalidAlignment), "the alignment is neither 0 nor a power of two"),
        new(nameof(InvalidObjectSize),
            "the size is 0 or above 4 MiB, the alignment is above 4 MiB, or (with a valid alignment) the slot needs"
            + " more than one order-10 slab"),
    ]);

    /// <summary>
    /// kmem_cache_free: the cache, then virt_to_slab on the address, then cache_from_obj, then SLUB's debug check.
    /// </summary>
    public static ErrorPrecedence FreePrecedence { get; } = new("kmem_cache_free",
    [
        new(nameof(UnknownCache), "the cache was never created, or was destroyed"),
        new(nameof(AddressOutsideDirectMap), "the address maps none of the machine's frames", Gates: true),
        new(nameof(NotObjectStart), "the address is inside a slab or large kmalloc but not at an object's start",
            Gates: true),
        new(nameof(NotSlabPage), "the page is no slab (neither one nor a large kmalloc, or a large kmalloc)",
            Gates: true),
        new(nameof(WrongCache), "the object's slab belongs to another cache than the one given"),
        new(nameof(ObjectAlreadyFree), "the object is free"),
    ]);

    /// <summary>kmem_cache_destroy: the cache, then the boot caches, then __kmem_cache_shutdown.</summary>
    public static ErrorPrecedence DestroyPrecedence { get; } = new("kmem_cache_destroy",
    [
        new(nameof(UnknownCache), "the cache was never created, or was destroyed", Gates: true),
        new(nameof(BootCache), "the cache is a kmalloc cache"),
        new(nameof(ObjectsRemaining), "objects of the cache are live"),
    ]);

    /// <summary>Every error that applies to kmem_cache_create, Linux's first; empty when it can succeed.</summary>
    public static IReadOnlyList<MmError> CreateErrors(KmemCacheCreate op)
    {
        var geometry = CacheGeometry.For(op.Name, op.Size, op.Align, op.Ctor is not null);
        if (geometry.IsOk)
        {
            return [];
        }

        // With a bad alignment the slot cannot be laid out; the size check before the layout still can be made.
        return CacheGeometry.IsBadAlignment(op.Align) && CacheGeometry.IsBadSize(op.Size, op.Align)
            ? [new InvalidAlignment(op.Name, op.Align), new InvalidObjectSize(op.Name, op.Size)]
            : [geometry.Error!];
    }

    /// <summary>Every error that applies to kmem_cache_free, Linux's first; empty when the free is valid.</summary>
    public IReadOnlyList<MmError> FreeErrors(KmemCacheFree op)
    {
        var errors = ImmutableArray.CreateBuilder<MmError>();
        var given = Find(op.Cache);
        if (given is null)
        {
            errors.Add(new UnknownCache(op.Cache));
        }

        var place = Locate(op.Obj);
        if (!place.IsOk || place.Value.Slab is not { } slab)
        {
            errors.Add(place.IsOk ? new NotSlabPage(op.Obj, place.Value.Pfn) : place.Error!);
            return errors.ToImmutable();
        }

        var owner = place.Value.Cache!;
        if (given is not null && owner != given)
        {
            errors.Add(new WrongCache(op.Obj, given.Name, owner.Name));
        }

        if (DetectsDoubleFree && slab.Free.Contains(place.Value.Index))
        {
            errors.Add(new ObjectAlreadyFree(op.Obj, owner.Name));
        }

        return errors.ToImmutable();
    }

    /// <summary>Every error that applies to kmem_cache_destroy, Linux's first; empty when it can succeed.</summary>
    public IReadOnlyList<MmError> DestroyErrors(KmemCacheDestroy op)
    {
        if (Find(op.Cache) is not { } found)
        {
            return [new UnknownCache(op.Cache)];
        }

        var errors = ImmutableArray.CreateBuilder<MmError>();
        if (op.Cache.Value < KmallocSizes.CacheSizes.Length)
        {
            errors.Add(new BootCache(found.Name));
        }

        var live = found.Slabs.Values.Sum(s => (long)s.InUse);
        if (live > 0)
        {
            errors.Add(new ObjectsRemaining(found.Name, live));
        }

        return errors.ToImmutable();
    }
}
