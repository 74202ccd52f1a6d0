using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Slab;

namespace MMSpec.Conformance.Slab;

/// <summary>
/// The kmalloc sizes the slab specification names, in bytes: 0 (ZERO_SIZE_PTR), KMALLOC_MAX_CACHE_SIZE (the largest
/// kmalloc cache; a byte more goes to the page allocator) and KMALLOC_MAX_SIZE (a byte more is refused); kmalloc is
/// generated one byte below, at and one byte above each.
/// </summary>
public static class SlabBoundaries
{
    public static IReadOnlyList<Boundary> Sizes { get; } =
    [
        new("0", 0, 1, "byte"),
        new("KMALLOC_MAX_CACHE_SIZE", KmallocSizes.MaxCacheSize, 1, "byte"),
        new("KMALLOC_MAX_SIZE", KmallocSizes.MaxSize, 1, "byte"),
    ];
}
