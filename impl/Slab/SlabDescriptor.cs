using MMSpec.Model.Buddy;
using MMSpec.Model.Slab;

namespace MMSpec.Impl.Slab;

/// <summary>
/// struct slab: the block, the in-use count, and the freelist as an index array (FreeNext[i] is the next free
/// object after i, or <see cref="End"/>; <see cref="Allocated"/> marks an object in use, so a double free is seen
/// in O(1)). The contents live beside the freelist, as SLUB keeps the free pointer outside constructed objects.
/// Descriptors are reused when a slab of the same cache is created again, so steady state allocates nothing.
/// </summary>
internal sealed class SlabDescriptor(KmemCache cache)
{
    public const int End = -1;
    public const int Allocated = -2;

    public KmemCache Cache { get; } = cache;

    public int[] FreeNext { get; } = new int[cache.Geometry.ObjectsPerSlab];

    public ulong[] Words { get; } = new ulong[cache.Geometry.ObjectsPerSlab];

    public int Pfn { get; set; }

    public int InUse { get; set; }

    public int FreeHead { get; set; }

    /// <summary>The list the slab is on, when <see cref="OnList"/>.</summary>
    public SlabList List { get; set; }

    public bool OnList { get; set; }

    // slab_list links.
    public SlabDescriptor? Next { get; set; }

    public SlabDescriptor? Prev { get; set; }

    public Order Order => Cache.Geometry.Order;

    /// <summary>
    /// allocate_slab / shuffle-free freelist init: objects in address order, each constructed once (setup_object).
    /// </summary>
    public void Init(int pfn)
    {
        Pfn = pfn;
        InUse = 0;
        FreeHead = 0;
        for (var i = 0; i < FreeNext.Length; i++)
        {
            FreeNext[i] = i + 1;
        }

        FreeNext[^1] = End;
        Array.Fill(Words, Cache.Ctor?.Pattern ?? 0);
    }
}
