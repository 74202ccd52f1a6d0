using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Slab;

/// <summary>kmem_cache_create with size 0, or an object whose slot needs more than one order-10 slab.</summary>
public sealed record InvalidObjectSize(string Cache, ulong Size) : MmError
{
    public override string Message =>
        $"cache {Cache}: object size {Size} is 0 or needs more than one order-{Order.Max} slab "
        + $"({CacheGeometry.MaxSlabBytes} bytes)";
}

/// <summary>kmem_cache_create with an alignment that is not a power of two (0 means the default).</summary>
public sealed record InvalidAlignment(string Cache, ulong Align) : MmError
{
    public override string Message => $"cache {Cache}: alignment {Align} is not a power of two";
}

/// <summary>A cache handle that was never created, or was destroyed.</summary>
public sealed record UnknownCache(CacheId Cache) : MmError
{
    public override string Message => $"no cache {Cache} (never created, or destroyed)";
}

/// <summary>kmem_cache_destroy of a cache with live objects (shutdown_cache: "Slab cache still has objects").</summary>
public sealed record ObjectsRemaining(string Cache, long Objects) : MmError
{
    public override string Message => $"kmem_cache_destroy {Cache}: Slab cache still has objects ({Objects})";
}

/// <summary>kmem_cache_destroy of a kmalloc cache: kmalloc would lose its size class.</summary>
public sealed record BootCache(string Cache) : MmError
{
    public override string Message => $"{Cache} is a kmalloc cache and is never destroyed";
}

/// <summary>
/// The cache has no free object and the buddy allocator has no block of the slab order (allocate_slab fails).
/// </summary>
public sealed record SlabOutOfMemory(string Cache, Order Order) : MmError
{
    public override string Message =>
        $"cache {Cache}: no free object and no free block of order {Order} for a new slab";
}

/// <summary>kmalloc_large: the buddy allocator has no block of the order the size needs.</summary>
public sealed record LargeKmallocOutOfMemory(ulong Size, Order Order) : MmError
{
    public override string Message => $"kmalloc({Size}): no free block of order {Order}";
}

/// <summary>kmalloc above KMALLOC_MAX_SIZE.</summary>
public sealed record KmallocTooLarge(ulong Size) : MmError
{
    public override string Message => $"kmalloc({Size}) exceeds KMALLOC_MAX_SIZE ({KmallocSizes.MaxSize})";
}

/// <summary>A pointer that maps none of the machine's frames through the direct map.</summary>
public sealed record AddressOutsideDirectMap(VirtAddr Addr) : MmError
{
    public override string Message => $"address {Addr} is outside the direct map";
}

/// <summary>A pointer into a page that is neither a slab nor a large kmalloc (virt_to_slab is NULL).</summary>
public sealed record NotSlabPage(VirtAddr Addr, Pfn Pfn) : MmError
{
    public override string Message => $"address {Addr} is in pfn {Pfn}, which is not a slab or large kmalloc page";
}

/// <summary>A pointer inside a slab or large kmalloc that is not the start of an object.</summary>
public sealed record NotObjectStart(VirtAddr Addr, string Cache) : MmError
{
    public override string Message => $"address {Addr} in a {Cache} page is not the start of an object";
}

/// <summary>The object is free: a double free, or a use after free (SLUB debug: "Object already free").</summary>
public sealed record ObjectAlreadyFree(VirtAddr Addr, string Cache) : MmError
{
    public override string Message => $"object {Addr} of {Cache} is already free";
}

/// <summary>kmem_cache_free with another cache than the object's (cache_from_obj: "Wrong slab cache").</summary>
public sealed record WrongCache(VirtAddr Addr, string Given, string Actual) : MmError
{
    public override string Message => $"Wrong slab cache. {Given} but object {Addr} is from {Actual}";
}
