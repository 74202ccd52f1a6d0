using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Slab;

/// <summary>
/// The relational side: whether SLUB could have answered an allocation as the implementation did, and if so
/// taking the same object, slab or large block (and the same pages from the page allocator).
/// </summary>
public partial class SlabModel
{
    /// <summary>
    /// Whether SLUB could have answered the allocation <paramref name="op"/> with <paramref name="observed"/>; if
    /// so the model takes the same object (and the same pages) and returns null, otherwise it changes nothing and
    /// returns why not.
    /// </summary>
    public string? Adopt(SlabOp op, Result<VirtAddr> observed) => op switch
    {
        KmemCacheAlloc a => Find(a.Cache) is { } cache
            ? AdoptObject(cache, observed)
            : Same(new UnknownCache(a.Cache), observed),
        Kmalloc { Size: 0 } => Same(KmallocSizes.ZeroSizePtr, observed),
        Kmalloc { Size: <= KmallocSizes.MaxCacheSize } k => AdoptObject(_caches[KmallocIndex(k.Size)]!, observed),
        Kmalloc { Size: > KmallocSizes.MaxSize } k => Same(new KmallocTooLarge(k.Size), observed),
        Kmalloc k => AdoptLarge(k.Size, observed),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "only allocations are adopted"),
    };

    private static string? Same<T>(Result<T> expected, Result<T> observed) =>
        expected == observed ? null : $"expected {expected}, got {observed}";

    private string? AdoptObject(ModelCache cache, Result<VirtAddr> observed)
    {
        var source = cache.On(SlabList.Partial).Any() ? SlabList.Partial
            : cache.On(SlabList.Empty).Any() ? SlabList.Empty
            : (SlabList?)null;
        if (source is { } list)
        {
            if (!observed.IsOk)
            {
                return $"expected an object from a {list} slab of {cache.Name}, got {observed.Error}";
            }

            var place = Locate(observed.Value);
            if (!place.IsOk || place.Value.Cache != cache || place.Value.Slab!.List != list
                || !place.Value.Slab.Free.Contains(place.Value.Index))
            {
                return $"returned {observed.Value}, which is not a free object on a {list} slab of {cache.Name}"
                    + " (___slab_alloc takes a partial slab first, then an empty one)";
            }

            Take(cache, place.Value.Slab, place.Value.Index);
            return null;
        }

        var order = cache.Geometry.Order;
        if (!observed.IsOk)
        {
            return Equals(observed.Error, new SlabOutOfMemory(cache.Name, order))
                ? AdoptPages(order, new OutOfMemory(order, ZoneType.Normal))
                : $"expected an object of a new {cache.Name} slab, got {observed.Error}";
        }

        if (!DirectMap.TryPfn(observed.Value, Pages.Layout.FrameCount, out var pfn, out _))
        {
            return $"returned {observed.Value}, which is outside the direct map";
        }

        var head = new Pfn(pfn.Value & ~(order.Pages - 1));
        var offset = observed.Value.Value - DirectMap.Of(head).Value;
        if (offset % cache.Geometry.Size != 0 || offset / cache.Geometry.Size >= (ulong)cache.Geometry.ObjectsPerSlab)
        {
            return $"returned {observed.Value}, which is not an object of a new order-{order} {cache.Name} slab "
                + $"at pfn {head}";
        }

        if (AdoptPages(order, head) is { } why)
        {
            return why;
        }

        Take(cache, NewSlab(cache, head), (int)(offset / cache.Geometry.Size));
        return null;
    }

    private string? AdoptLarge(ulong size, Result<VirtAddr> observed)
    {
        var order = KmallocSizes.LargeOrder(size);
        if (!observed.IsOk)
        {
            return Equals(observed.Error, new LargeKmallocOutOfMemory(size, order))
                ? AdoptPages(order, new OutOfMemory(order, ZoneType.Normal))
                : $"expected a block of order {order}, got {observed.Error}";
        }

        if (!DirectMap.TryPfn(observed.Value, Pages.Layout.FrameCount, out var pfn, out var offset) || offset != 0)
        {
            return $"returned {observed.Value}, which is not the start of a page in the direct map";
        }

        if (AdoptPages(order, pfn) is { } why)
        {
            return why;
        }

        _large.Add(pfn, order);
        return null;
    }

    /// <summary>
    /// The model's pages follow the implementation's: a BuddyModel adopts them, any other allocator must agree.
    /// </summary>
    private string? AdoptPages(Order order, Result<Pfn> observed)
    {
        if (Pages is BuddyModel buddy)
        {
            return buddy.Adopt(new AllocPages(order, ZoneType.Normal), observed) is { } why
                ? $"page allocator: {why}"
                : null;
        }

        var own = Pages.AllocPages(order, ZoneType.Normal);
        if (own == observed)
        {
            return null;
        }

        if (own.IsOk)
        {
            GiveBack(own.Value, order);
        }

        return $"the model's page allocator answered {own} where the implementation's answered {observed}";
    }
}
