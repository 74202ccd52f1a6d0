using System.Text.Json.Serialization;
using MMSpec.Model.Core;

namespace MMSpec.Model.Slab;

/// <summary>
/// A call into the slab allocator, as data: what a failing test prints and a trace replays (its JSON form, see
/// <see cref="MmJson"/>: the "op" property names the call, the record's name in snake case).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op")]
[JsonDerivedType(typeof(KmemCacheCreate), "kmem_cache_create")]
[JsonDerivedType(typeof(KmemCacheAlloc), "kmem_cache_alloc")]
[JsonDerivedType(typeof(KmemCacheFree), "kmem_cache_free")]
[JsonDerivedType(typeof(KmemCacheShrink), "kmem_cache_shrink")]
[JsonDerivedType(typeof(KmemCacheDestroy), "kmem_cache_destroy")]
[JsonDerivedType(typeof(Kmalloc), "kmalloc")]
[JsonDerivedType(typeof(Kfree), "kfree")]
[JsonDerivedType(typeof(Ksize), "ksize")]
[JsonDerivedType(typeof(ReadWord), "read_word")]
[JsonDerivedType(typeof(WriteWord), "write_word")]
public abstract record SlabOp;

public sealed record KmemCacheCreate(string Name, ulong Size, ulong Align, CacheCtor? Ctor) : SlabOp
{
    public override string ToString() =>
        $"kmem_cache_create(\"{Name}\", size={Size}, align={Align}, {(Ctor is { } c ? c.ToString() : "NULL")})";
}

public sealed record KmemCacheAlloc(CacheId Cache) : SlabOp
{
    public override string ToString() => $"kmem_cache_alloc(cache={Cache})";
}

public sealed record KmemCacheFree(CacheId Cache, VirtAddr Obj) : SlabOp
{
    public override string ToString() => $"kmem_cache_free(cache={Cache}, {Obj})";
}

public sealed record KmemCacheShrink(CacheId Cache) : SlabOp
{
    public override string ToString() => $"kmem_cache_shrink(cache={Cache})";
}

public sealed record KmemCacheDestroy(CacheId Cache) : SlabOp
{
    public override string ToString() => $"kmem_cache_destroy(cache={Cache})";
}

public sealed record Kmalloc(ulong Size) : SlabOp
{
    public override string ToString() => $"kmalloc({Size})";
}

public sealed record Kfree(VirtAddr Addr) : SlabOp
{
    public override string ToString() => $"kfree({Addr})";
}

public sealed record Ksize(VirtAddr Addr) : SlabOp
{
    public override string ToString() => $"ksize({Addr})";
}

/// <summary>*(unsigned long *)obj.</summary>
public sealed record ReadWord(VirtAddr Obj) : SlabOp
{
    public override string ToString() => $"read({Obj})";
}

/// <summary>*(unsigned long *)obj = value.</summary>
public sealed record WriteWord(VirtAddr Obj, ulong Value) : SlabOp
{
    public override string ToString() => $"write({Obj}, 0x{Value:x})";
}
