using System.Numerics;
using MMSpec.Model.Slab;

namespace MMSpec.Conformance.Slab;

/// <summary>
/// A generated slab operation. Live objects and caches are named by handle: #3 is the fourth live object (modulo
/// how many there are), cache #2 the third live cache (kmalloc caches first), resolved when the step runs, so a
/// sequence stays meaningful while it shrinks.
/// </summary>
public abstract record SlabStep
{
    /// <summary>Whether the step is meant to be rejected with a typed error (generated on purpose).</summary>
    public abstract bool IsInvalid { get; }
}

/// <summary>kmem_cache_create; size 0, over 4 MiB, or an alignment that is not a power of two is invalid.</summary>
public sealed record CreateCache(int Size, int Align, bool Ctor) : SlabStep
{
    public override bool IsInvalid =>
        Size <= 0 || (ulong)Size > CacheGeometry.MaxSlabBytes || (Align != 0 && !BitOperations.IsPow2(Align));

    public override string ToString() => $"create(size={Size}, align={Align}{(Ctor ? ", ctor" : string.Empty)})";
}

public sealed record CacheAlloc(int Cache) : SlabStep
{
    public override bool IsInvalid => false;

    public override string ToString() => $"cache_alloc(cache #{Cache})";
}

/// <summary>kmem_cache_free of live object #Handle with its own cache (kfree for a large kmalloc).</summary>
public sealed record CacheFree(int Handle) : SlabStep
{
    public override bool IsInvalid => false;

    public override string ToString() => $"cache_free(#{Handle})";
}

public sealed record KmallocStep(long Size) : SlabStep
{
    public override bool IsInvalid => (ulong)Size > KmallocSizes.MaxSize;

    public override string ToString() => $"kmalloc({Size})";
}

public sealed record KfreeStep(int Handle) : SlabStep
{
    public override bool IsInvalid => false;

    public override string ToString() => $"kfree(#{Handle})";
}

/// <summary>kfree of the newest live object: runs of these free in reverse order.</summary>
public sealed record KfreeLast : SlabStep
{
    public override bool IsInvalid => false;

    public override string ToString() => "kfree(#last)";
}

public sealed record Write(int Handle, ulong Value) : SlabStep
{
    public override bool IsInvalid => false;

    public override string ToString() => $"write(#{Handle}, 0x{Value:x})";
}

public sealed record Read(int Handle) : SlabStep
{
    public override bool IsInvalid => false;

    public override string ToString() => $"read(#{Handle})";
}

public sealed record KsizeStep(int Handle) : SlabStep
{
    public override bool IsInvalid => false;

    public override string ToString() => $"ksize(#{Handle})";
}

public sealed record ShrinkCache(int Cache) : SlabStep
{
    public override bool IsInvalid => false;

    public override string ToString() => $"shrink(cache #{Cache})";
}

/// <summary>kmem_cache_destroy; refused for a kmalloc cache or one with live objects.</summary>
public sealed record DestroyCache(int Cache) : SlabStep
{
    public override bool IsInvalid => false;

    public override string ToString() => $"destroy(cache #{Cache})";
}

/// <summary>kfree of an address inside live object #Handle, past its first byte.</summary>
public sealed record FreeInterior(int Handle, int Offset) : SlabStep
{
    public override bool IsInvalid => true;

    public override string ToString() => $"kfree_interior(#{Handle}, +{Offset})";
}

/// <summary>kfree again of the address freed #Handle-th most recently.</summary>
public sealed record FreeAgain(int Handle) : SlabStep
{
    public override bool IsInvalid => true;

    public override string ToString() => $"kfree_again(#{Handle})";
}

/// <summary>kmem_cache_free of live object #Handle with another cache (#Cache, or the next one).</summary>
public sealed record FreeWrongCache(int Handle, int Cache) : SlabStep
{
    public override bool IsInvalid => true;

    public override string ToString() => $"cache_free_wrong(#{Handle}, cache #{Cache})";
}

/// <summary>
/// kmem_cache_free again of the address freed #Handle-th most recently, with cache #Cache (its own or another), or
/// with a cache id that names none (a Cache of 20 or more): a double free that may name the wrong cache too.
/// </summary>
public sealed record CacheFreeAgain(int Handle, int Cache) : SlabStep
{
    public override bool IsInvalid => true;

    public override string ToString() => $"cache_free_again(#{Handle}, cache #{Cache})";
}

/// <summary>Where a raw pointer points: below the direct map, past its end, or any byte of memory.</summary>
public enum RawPointer
{
    BelowDirectMap,
    PastDirectMap,
    AnyByte,
}

/// <summary>kfree of an arbitrary pointer.</summary>
public sealed record FreeRaw(RawPointer Kind, ulong Value) : SlabStep
{
    public override bool IsInvalid => true;

    public override string ToString() => $"kfree_raw({Kind}, 0x{Value:x})";
}
