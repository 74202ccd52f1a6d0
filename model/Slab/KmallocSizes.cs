using System.Collections.Immutable;
using System.Globalization;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Slab;

/// <summary>
/// The kmalloc size classes (docs/slab.md, "Constants"; include/linux/slab.h, mm/slab_common.c), as the spec
/// states them.
/// </summary>
public static class KmallocSizes
{
    /// <summary>KMALLOC_MAX_CACHE_SIZE: above this, kmalloc goes to the buddy allocator.</summary>
    public const ulong MaxCacheSize = 8192;

    /// <summary>KMALLOC_MAX_SIZE: one order-10 block.</summary>
    public const ulong MaxSize = Pfn.PageSize << Order.Max;

    /// <summary>ZERO_SIZE_PTR: what kmalloc(0) returns; kfree of it (or of NULL) does nothing.</summary>
    public static readonly VirtAddr ZeroSizePtr = new(16);

    /// <summary>The object sizes of the 13 kmalloc caches, in creation (and CacheId) order.</summary>
    public static ImmutableArray<ulong> CacheSizes { get; } =
        [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];

    /// <summary>kmalloc-8 ... kmalloc-192, kmalloc-256, kmalloc-512, kmalloc-1k ... kmalloc-8k.</summary>
    public static string NameOf(ulong size) =>
        size >= 1024
            ? $"kmalloc-{(size / 1024).ToString(CultureInfo.InvariantCulture)}k"
            : $"kmalloc-{size.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The cache for 1..8192 bytes: 65..96 and 129..192 have their own; otherwise the next power of two, at least 8.
    /// </summary>
    public static int IndexOf(ulong size)
    {
        var cacheSize = size switch
        {
            > 64 and <= 96 => 96UL,
            > 128 and <= 192 => 192UL,
            _ => Math.Max(8UL, System.Numerics.BitOperations.RoundUpToPowerOf2(size)),
        };
        return CacheSizes.IndexOf(cacheSize);
    }

    /// <summary>kmalloc_large: order = ceil(log2(pages)).</summary>
    public static Order LargeOrder(ulong size) => new(CacheGeometry.GetOrder(size));
}
