using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MyMemory;

/// <summary>
/// A small buddy allocator of its own, written as an outside user would write one: one sorted set of free block
/// heads per order for the whole machine, and the allocated heads in a dictionary. A request takes the lowest free
/// block of the smallest sufficient order from the highest allowed zone that has one and splits it; a free merges
/// with its buddy while the buddy is free at the same order in the same zone.
/// </summary>
public class TinyBuddy : IBuddyAllocator
{
    private readonly SortedSet<ulong>[] _free =
        [.. Enumerable.Range(0, Order.Count).Select(_ => new SortedSet<ulong>())];
    private readonly Dictionary<ulong, Order> _allocated = [];

    public TinyBuddy(MemoryLayout layout)
    {
        Layout = layout;
        for (var frame = 0UL; frame < layout.FrameCount; frame++)
        {
            if (!layout.Reserved.Any(r => r.Contains(new Pfn(frame))))
            {
                Release(frame, 0);
            }
        }
    }

    public MemoryLayout Layout { get; }

    public Result<Pfn> AllocPages(Order order, ZoneType highestZone)
    {
        if (!order.IsValid)
        {
            return new InvalidOrder(order.Value);
        }

        foreach (var zone in Layout.Zones.Reverse().Where(z => z.Type <= highestZone))
        {
            for (var from = order.Value; from <= Order.Max; from++)
            {
                foreach (var head in _free[from].GetViewBetween(zone.Start.Value, zone.End.Value - 1))
                {
                    _free[from].Remove(head);
                    for (var half = from - 1; half >= order.Value; half--)
                    {
                        _free[half].Add(head + (1UL << half));
                    }

                    _allocated[head] = order;
                    return new Pfn(head);
                }
            }
        }

        return new OutOfMemory(order, highestZone);
    }

    public Result<Unit> FreePages(Pfn pfn, Order order)
    {
        if (!order.IsValid)
        {
            return new InvalidOrder(order.Value);
        }

        if (Layout.FrameCount < order.Pages || pfn.Value > Layout.FrameCount - order.Pages)
        {
            return new PfnOutOfRange(pfn, order, Layout.FrameCount);
        }

        if (pfn.Value % order.Pages != 0)
        {
            return new MisalignedPfn(pfn, order);
        }

        if (Layout.ZoneOf(pfn)?.Contains(pfn, order) != true)
        {
            return new BlockSpansZones(pfn, order);
        }

        if (_allocated.TryGetValue(pfn.Value, out var allocated))
        {
            if (allocated != order)
            {
                return new OrderMismatch(pfn, order, allocated);
            }

            _allocated.Remove(pfn.Value);
            Release(pfn.Value, order.Value);
            return Unit.Value;
        }

        return InsideFreeBlock(pfn.Value) ? new DoubleFree(pfn, order) : new NotAllocated(pfn, order);
    }

    public BuddySnapshot Snapshot() => new(
        Layout,
        _free.SelectMany((heads, order) => heads.Select(head => new Block(new Pfn(head), new Order(order)))),
        _allocated.Select(a => new Block(new Pfn(a.Key), a.Value)));

    /// <summary>Whether a block of this order starting at <paramref name="head"/> is free.</summary>
    protected bool IsFree(ulong head, int order) => _free[order].Contains(head);

    /// <summary>page_is_buddy: the buddy is a free block of the same order, in the same zone.</summary>
    protected virtual bool IsFreeBuddy(Zone zone, ulong buddy, int order) =>
        zone.Contains(new Pfn(buddy)) && IsFree(buddy, order);

    /// <summary>Puts a block back, merging it with its buddy as long as the buddy is a free buddy.</summary>
    private void Release(ulong head, int order)
    {
        var zone = Layout.ZoneOf(new Pfn(head))!;
        while (order < Order.Max && IsFreeBuddy(zone, head ^ (1UL << order), order))
        {
            _free[order].Remove(head ^ (1UL << order));
            head &= ~(1UL << order);
            order++;
        }

        _free[order].Add(head);
    }

    /// <summary>Whether a frame lies inside a free block: its head is the frame rounded down to the order.</summary>
    private bool InsideFreeBlock(ulong frame)
    {
        for (var order = 0; order <= Order.Max; order++)
        {
            if (_free[order].Contains(frame & ~((1UL << order) - 1)))
            {
                return true;
            }
        }

        return false;
    }
}
