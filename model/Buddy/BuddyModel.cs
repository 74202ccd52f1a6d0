using MMSpec.Model.Core;

namespace MMSpec.Model.Buddy;

/// <summary>
/// The reference buddy allocator: free blocks kept as one ordered set per order (free_area[order]; a zone's
/// list is the part of the set inside the zone), allocations in a dictionary. Written for reading, not speed.
/// Relational: <see cref="Adopt"/> accepts any block Linux could have handed out and carries on from it;
/// run alone, <see cref="AllocPages"/> picks the lowest address.
/// The rules are protected virtual so that a broken variant can be written in a few lines and shown to be caught.
/// </summary>
public class BuddyModel : IBuddyAllocator
{
    private readonly SortedDictionary<int, SortedSet<Pfn>> _freeArea = [];
    private readonly SortedDictionary<Pfn, Order> _allocated = [];

    public BuddyModel(MemoryLayout layout)
    {
        Layout = layout;
        foreach (var zone in layout.Zones)
        {
            foreach (var (start, end) in UsableRanges(zone))
            {
                SeedRange(start, end);
            }
        }
    }

    public MemoryLayout Layout { get; }

    /// <summary>The merge loop's bound: __free_one_page merges while order &lt; MAX_PAGE_ORDER.</summary>
    protected virtual int MergeLimit => Order.Max;

    public Result<Pfn> AllocPages(Order order, ZoneType highestZone)
    {
        var plan = Plan(order, highestZone);
        if (!plan.IsOk)
        {
            return plan.Error!;
        }

        var (zone, from) = plan.Value;
        var pfn = FreeList(from).GetViewBetween(zone.Start, new Pfn(zone.End.Value - 1)).Min;
        Take(pfn, from, order);
        return pfn;
    }

    /// <summary>
    /// Whether Linux could have answered <paramref name="op"/> with <paramref name="observed"/>; if so the model
    /// takes the same block and returns null, otherwise it changes nothing and returns why not.
    /// </summary>
    public string? Adopt(AllocPages op, Result<Pfn> observed)
    {
        var plan = Plan(op.Order, op.HighestZone);
        if (!plan.IsOk)
        {
            return observed == Result<Pfn>.Fail(plan.Error!) ? null : $"expected {plan.Error}, got {observed}";
        }

        var (zone, from) = plan.Value;
        if (!observed.IsOk)
        {
            return $"expected a block, got {observed.Error}: {zone} has a free block of order {from}";
        }

        if (!zone.Contains(observed.Value) || !FreeList(from).Contains(observed.Value))
        {
            return $"returned pfn {observed.Value}, which does not start a free block of order {from} in {zone}"
                + " (__rmqueue_smallest takes a block of the smallest sufficient order from the first zone that has one)";
        }

        Take(observed.Value, from, op.Order);
        return null;
    }

    public Result<Unit> FreePages(Pfn pfn, Order order)
    {
        var error = CheckFree(pfn, order);
        if (error is not null)
        {
            return error;
        }

        _allocated.Remove(pfn);
        FreeOnePage(pfn, order);
        return Unit.Value;
    }

    public BuddySnapshot Snapshot() =>
        new(Layout,
            _freeArea.SelectMany(list => list.Value.Select(pfn => new Block(pfn, new Order(list.Key)))),
            _allocated.Select(a => new Block(a.Key, a.Value)));

    /// <summary>__find_buddy_pfn: the buddy of a block differs from it in exactly bit 'order'.</summary>
    protected virtual Pfn BuddyOf(Pfn pfn, Order order) => new(pfn.Value ^ order.Pages);

    /// <summary>page_is_buddy: the buddy is a free block of exactly this order, in the same zone.</summary>
    protected virtual bool IsMergeable(Zone zone, Pfn buddy, Order order) =>
        zone.Contains(buddy) && FreeList(order.Value).Contains(buddy);

    /// <summary>
    /// expand(): while high &gt; low, halve the block, put the upper half on free list 'high' and keep splitting
    /// the lower half, which the caller gets.
    /// </summary>
    protected virtual Pfn Expand(Pfn pfn, int high, Order low)
    {
        while (high > low.Value)
        {
            high--;
            FreeList(high).Add(new Pfn(pfn.Value + (1UL << high)));
        }

        return pfn;
    }

    /// <summary>The free list of one order across all zones (the zone's own list is its range of this set).</summary>
    protected SortedSet<Pfn> FreeList(int order)
    {
        if (!_freeArea.TryGetValue(order, out var list))
        {
            list = [];
            _freeArea[order] = list;
        }

        return list;
    }

    /// <summary>__rmqueue with zone fallback: the first zone, highest allowed first, with a block of order &gt;= k.</summary>
    private Result<(Zone Zone, int From)> Plan(Order order, ZoneType highestZone)
    {
        if (!order.IsValid)
        {
            return new InvalidOrder(order.Value);
        }

        foreach (var zone in Layout.Zones.Where(z => z.Type <= highestZone).Reverse())
        {
            for (var current = order.Value; current <= Order.Max; current++)
            {
                if (FreeList(current).GetViewBetween(zone.Start, new Pfn(zone.End.Value - 1)).Count > 0)
                {
                    return (zone, current);
                }
            }
        }

        return new OutOfMemory(order, highestZone);
    }

    private void Take(Pfn pfn, int from, Order order)
    {
        FreeList(from).Remove(pfn);
        _allocated.Add(Expand(pfn, from, order), order);
    }

    /// <summary>The checks __free_pages leaves to debug options (free_pages_check, bad_page), made total.</summary>
    private MmError? CheckFree(Pfn pfn, Order order)
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

        if (_allocated.TryGetValue(pfn, out var allocated))
        {
            return allocated == order ? null : new OrderMismatch(pfn, order, allocated);
        }

        return _freeArea.Any(list => list.Value.Any(head => new Block(head, new Order(list.Key)).Contains(pfn)))
            ? new DoubleFree(pfn, order)
            : new NotAllocated(pfn, order);
    }

    /// <summary>__free_one_page: merge with the buddy while it is free at the same order, then insert.</summary>
    private void FreeOnePage(Pfn pfn, Order order)
    {
        var zone = Layout.ZoneOf(pfn)!;
        var current = order.Value;
        while (current < MergeLimit)
        {
            var buddy = BuddyOf(pfn, new Order(current));
            if (!IsMergeable(zone, buddy, new Order(current)))
            {
                break;
            }

            FreeList(current).Remove(buddy);
            pfn = new Pfn(pfn.Value & buddy.Value);
            current++;
        }

        FreeList(current).Add(pfn);
    }

    /// <summary>__free_pages_memory (mm/memblock.c): free a range in the largest aligned blocks that fit.</summary>
    private void SeedRange(ulong start, ulong end)
    {
        while (start < end)
        {
            var order = start == 0 ? Order.Max : Math.Min(Order.Max, System.Numerics.BitOperations.TrailingZeroCount(start));
            while (start + (1UL << order) > end)
            {
                order--;
            }

            FreeOnePage(new Pfn(start), new Order(order));
            start += 1UL << order;
        }
    }

    /// <summary>The zone's span minus the reserved ranges.</summary>
    private IEnumerable<(ulong Start, ulong End)> UsableRanges(Zone zone)
    {
        var start = zone.Start.Value;
        foreach (var reserved in Layout.Reserved.Where(r => r.End > zone.Start && r.Start < zone.End))
        {
            if (reserved.Start.Value > start)
            {
                yield return (start, reserved.Start.Value);
            }

            start = Math.Max(start, reserved.End.Value);
        }

        if (start < zone.End.Value)
        {
            yield return (start, zone.End.Value);
        }
    }
}
