using MMSpec.Model.Core;

namespace MMSpec.Model.Buddy;

/// <summary>
/// The reference buddy allocator: free blocks kept as one ordered set per zone and order (zone->free_area[order]),
/// allocations in a set ordered by pfn. Written for reading, not speed.
/// Relational: <see cref="Adopt"/> accepts any block Linux could have handed out and carries on from it;
/// run alone, <see cref="AllocPages"/> picks the lowest address.
/// The rules are protected virtual so that a broken variant can be written in a few lines and shown to be caught.
/// </summary>
public partial class BuddyModel : IBuddyAllocator
{
    private readonly Dictionary<(ZoneType Zone, int Order), SortedSet<Pfn>> _freeArea;
    private readonly SortedSet<Block> _allocated = new(Comparer<Block>.Create((a, b) => a.Pfn.CompareTo(b.Pfn)));

    public BuddyModel(MemoryLayout layout)
    {
        Layout = layout;

        // Room for every free list from the start: a model is made for each generated case, and growing the table
        // while seeding cost more than the seeding.
        _freeArea = new(layout.Zones.Length * Order.Count);
        foreach (var zone in layout.Zones)
        {
            foreach (var (start, end) in UsableRanges(zone))
            {
                SeedRange(start, end);
            }
        }
    }

    public MemoryLayout Layout { get; }

    private const int WindowCapacity = 32;

    /// <summary>
    /// At most one merge per order, and one more for a variant whose <see cref="MergeLimit"/> is too high.
    /// </summary>
    private const int MergeSteps = Order.Count + 1;

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
        var pfn = FreeList(zone, from).Min;
        Take(zone, pfn, from, order);
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

        if (!FreeList(zone, from).Contains(observed.Value))
        {
            return $"returned pfn {observed.Value}, which does not start a free block of order {from} in {zone}"
                + " (__rmqueue_smallest takes a block of the smallest sufficient order"
                + " from the first zone that has one)";
        }

        Take(zone, observed.Value, from, op.Order);
        return null;
    }

    public Result<Unit> FreePages(Pfn pfn, Order order)
    {
        if (FreeErrors(pfn, order) is [var error, ..])
        {
            return Result<Unit>.Fail(error);
        }

        _allocated.Remove(new Block(pfn, order));
        FreeOnePage(pfn, order);
        return Unit.Value;
    }

    /// <summary>
    /// Every free list, then every allocation. A loop into a list sized for all of them: the paging and TLB checks take
    /// this snapshot at every step, and nested SelectMany made two iterators a list and a growing buffer.
    /// </summary>
    public BuddySnapshot Snapshot()
    {
        var count = 0;
        foreach (var list in _freeArea.Values)
        {
            count += list.Count;
        }

        var free = new List<Block>(count);
        foreach (var ((_, order), list) in _freeArea)
        {
            foreach (var pfn in list)
            {
                free.Add(new Block(pfn, new Order(order)));
            }
        }

        return new BuddySnapshot(Layout, free, _allocated);
    }

    /// <summary>The blocks that start in <paramref name="frames"/>: range queries on the ordered sets.</summary>
    public BuddySnapshot SnapshotOf(PfnRange frames)
    {
        // Sized for a typical window (a few blocks of each order), so the lists rarely grow.
        var free = new List<Block>(WindowCapacity);
        var allocated = new List<Block>(WindowCapacity);
        if (frames.End > frames.Start)
        {
            var last = new Pfn(frames.End.Value - 1);
            foreach (var ((_, order), list) in _freeArea)
            {
                if (list.Count > 0 && list.Min <= last && list.Max >= frames.Start)
                {
                    foreach (var pfn in list.GetViewBetween(frames.Start, last))
                    {
                        free.Add(new Block(pfn, new Order(order)));
                    }
                }
            }

            foreach (var block in _allocated.GetViewBetween(new Block(frames.Start, default), new Block(last, default)))
            {
                allocated.Add(block);
            }
        }

        return new BuddySnapshot(Layout, free, allocated);
    }

    /// <summary>__find_buddy_pfn: the buddy of a block differs from it in exactly bit 'order'.</summary>
    protected virtual Pfn BuddyOf(Pfn pfn, Order order) => new(pfn.Value ^ order.Pages);

    /// <summary>page_is_buddy: the buddy is a free block of exactly this order, in the same zone.</summary>
    protected virtual bool IsMergeable(Zone zone, Pfn buddy, Order order) =>
        FreeList(zone, order.Value).Contains(buddy);

    /// <summary>
    /// expand(): while high &gt; low, halve the block, put the upper half on free list 'high' and keep splitting
    /// the lower half, which the caller gets.
    /// </summary>
    protected virtual Pfn Expand(Zone zone, Pfn pfn, int high, Order low)
    {
        var bound = new LoopBound(Order.Count);
        while (high > low.Value)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            high--;
            FreeList(zone, high).Add(new Pfn(pfn.Value + (1UL << high)));
        }

        return pfn;
    }

    /// <summary>
    /// zone->free_area[order], kept sorted by pfn; created on first use (a broken variant may reach order 11).
    /// </summary>
    protected SortedSet<Pfn> FreeList(Zone zone, int order)
    {
        if (!_freeArea.TryGetValue((zone.Type, order), out var list))
        {
            list = [];
            _freeArea[(zone.Type, order)] = list;
        }

        return list;
    }

    /// <summary>
    /// __rmqueue with zone fallback: the first zone, highest allowed first, with a block of order &gt;= k.
    /// </summary>
    private Result<(Zone Zone, int From)> Plan(Order order, ZoneType highestZone)
    {
        if (!order.IsValid)
        {
            return new InvalidOrder(order.Value);
        }

        // The zonelist: from the highest zone allowed down to ZONE_DMA (zones are listed lowest first).
        for (var z = Layout.Zones.Length - 1; z >= 0; z--)
        {
            var zone = Layout.Zones[z];
            if (zone.Type > highestZone)
            {
                continue;
            }

            for (var current = order.Value; current <= Order.Max; current++)
            {
                if (FreeList(zone, current).Count > 0)
                {
                    return (zone, current);
                }
            }
        }

        return new OutOfMemory(order, highestZone);
    }

    private void Take(Zone zone, Pfn pfn, int from, Order order)
    {
        FreeList(zone, from).Remove(pfn);
        _allocated.Add(new Block(Expand(zone, pfn, from, order), order));
    }

    /// <summary>__free_one_page: merge with the buddy while it is free at the same order, then insert.</summary>
    private void FreeOnePage(Pfn pfn, Order order)
    {
        var zone = Layout.ZoneOf(pfn)!;
        var current = order.Value;
        var bound = new LoopBound(MergeSteps);
        while (current < MergeLimit)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            var buddy = BuddyOf(pfn, new Order(current));
            if (!IsMergeable(zone, buddy, new Order(current)))
            {
                break;
            }

            FreeList(zone, current).Remove(buddy);
            pfn = new Pfn(pfn.Value & buddy.Value);
            current++;
        }

        FreeList(zone, current).Add(pfn);
    }

    /// <summary>
    /// __free_pages_memory (mm/memblock.c): free a range in the largest aligned blocks that fit (tzcnt(0) is 64).
    /// </summary>
    private void SeedRange(ulong start, ulong end)
    {
        var blocks = new LoopBound((long)(end - start));
        while (start < end)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            blocks.Next();
            var order = Math.Min(Order.Max, System.Numerics.BitOperations.TrailingZeroCount(start));
            var halvings = new LoopBound(Order.Count);
            while (start + (1UL << order) > end)
            {
                // Stryker disable once Statement : a loop bound that a correct loop never reaches
                halvings.Next();
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
