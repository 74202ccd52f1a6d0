using System.Numerics;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Slab;

/// <summary>
/// A cache's layout, as mm/slub.c calculate_sizes and calculate_order derive it (Linux &gt;= 6.8, one CPU).
/// Size is the slot an object takes (s-&gt;size: the object rounded up to a word, plus the out-of-object free
/// pointer when there is a constructor, rounded up to the alignment); /proc/slabinfo prints it as objsize.
/// </summary>
public sealed record CacheGeometry(ulong ObjectSize, ulong Align, ulong Size, Order Order, int ObjectsPerSlab)
{
    /// <summary>slub_min_objects for one CPU: 4 * (fls(nr_cpu_ids) + 1) with nr_cpu_ids = 1.</summary>
    public const ulong MinObjects = 8;

    /// <summary>slub_max_order: PAGE_ALLOC_COSTLY_ORDER.</summary>
    public const int MaxOrder = 3;

    /// <summary>
    /// sizeof(void *): the word size, the minimum alignment (ARCH_SLAB_MINALIGN) and the free pointer's size.
    /// </summary>
    public const ulong Word = 8;

    /// <summary>One order-10 block: the largest slab there is.</summary>
    public const ulong MaxSlabBytes = Pfn.PageSize << Order.Max;

    public ulong SlabBytes => Pfn.PageSize << Order.Value;

    /// <summary>The byte offset of object <paramref name="index"/> in its slab.</summary>
    public ulong OffsetOf(int index) => (ulong)index * Size;

    /// <summary>The alignment check: 0 (the default) or a power of two.</summary>
    public static bool IsBadAlignment(ulong align) => align != 0 && !BitOperations.IsPow2(align);

    /// <summary>The size check before any layout: 1 byte to 4 MiB, the alignment at most 4 MiB.</summary>
    public static bool IsBadSize(ulong objectSize, ulong align) =>
        objectSize == 0 || objectSize > MaxSlabBytes || align > MaxSlabBytes;

    /// <summary>
    /// calculate_sizes: validate, lay out the slot, then pick the slab order; a typed error for bad input.
    /// </summary>
    public static Result<CacheGeometry> For(string name, ulong objectSize, ulong align, bool hasCtor)
    {
        if (IsBadAlignment(align))
        {
            return new InvalidAlignment(name, align);
        }

        if (IsBadSize(objectSize, align))
        {
            return new InvalidObjectSize(name, objectSize);
        }

        // calculate_alignment: at least ARCH_SLAB_MINALIGN, a multiple of the word.
        var alignment = AlignUp(Math.Max(align, Word), Word);
        // A constructed object keeps its contents while free, so the free pointer goes after it (s->offset = size).
        var size = AlignUp(AlignUp(objectSize, Word) + (hasCtor ? Word : 0), alignment);
        if (size > MaxSlabBytes)
        {
            return new InvalidObjectSize(name, objectSize);
        }

        var order = CalculateOrder(size);
        return new CacheGeometry(objectSize, alignment, size, new Order(order), (int)((Pfn.PageSize << order) / size));
    }

    /// <summary>get_order: the smallest order whose block holds <paramref name="bytes"/> (bytes &gt; 0).</summary>
    public static int GetOrder(ulong bytes)
    {
        var pages = (bytes - 1) >> Pfn.PageShift;
        return pages == 0 ? 0 : BitOperations.Log2(pages) + 1;
    }

    /// <summary>
    /// calculate_order: at least min_objects objects, then the smallest order up to slub_max_order whose leftover
    /// is at most 1/16, 1/8, 1/4, 1/2 of the slab (tried in that order); else the order one object needs.
    /// (The MAX_OBJS_PER_PAGE branch cannot trigger for objects of 8 bytes or more with min_objects 8.)
    /// </summary>
    private static int CalculateOrder(ulong size)
    {
        var maxObjects = Math.Max((Pfn.PageSize << MaxOrder) / size, 1);
        var minOrder = GetOrder(Math.Min(MinObjects, maxObjects) * size);
        for (var fraction = 16UL; fraction > 1; fraction /= 2)
        {
            var order = CalcSlabOrder(size, minOrder, fraction);
            if (order <= MaxOrder)
            {
                return order;
            }
        }

        return GetOrder(size);
    }

    /// <summary>
    /// calc_slab_order: the first order from min_order whose leftover (slab_size % size) is small enough.
    /// </summary>
    private static int CalcSlabOrder(ulong size, int minOrder, ulong fractLeftover)
    {
        var order = minOrder;
        for (; order <= MaxOrder; order++)
        {
            var slabSize = Pfn.PageSize << order;
            if (slabSize % size <= slabSize / fractLeftover)
            {
                break;
            }
        }

        return order;
    }

    private static ulong AlignUp(ulong value, ulong alignment) => (value + alignment - 1) & ~(alignment - 1);
}
