using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Properties.Buddy.Broken;

/// <summary>
/// The merge loop runs one order too far (the MAX_ORDER / MAX_PAGE_ORDER off-by-one of Linux 6.4-6.8).
/// </summary>
public sealed class MergePastMaxOrder(MemoryLayout layout) : BuddyModel(layout)
{
    protected override int MergeLimit => Order.Max + 1;
}

/// <summary>The buddy computed as pfn + 2^order instead of pfn ^ 2^order: wrong for every upper half.</summary>
public sealed class BuddyByAddition(MemoryLayout layout) : BuddyModel(layout)
{
    protected override Pfn BuddyOf(Pfn pfn, Order order) => new(pfn.Value + order.Pages);
}

/// <summary>page_is_buddy without the buddy_order check: merges with a free block of another order.</summary>
public sealed class MergeIgnoringOrder(MemoryLayout layout) : BuddyModel(layout)
{
    protected override bool IsMergeable(Zone zone, Pfn buddy, Order order) =>
        Enumerable.Range(0, Order.Count).Any(o => FreeList(zone, o).Contains(buddy));
}

/// <summary>page_is_buddy without the zone check (the reason page_zone_id is compared): merges across zones.</summary>
public sealed class MergeAcrossZones(MemoryLayout layout) : BuddyModel(layout)
{
    protected override bool IsMergeable(Zone zone, Pfn buddy, Order order) =>
        Layout.ZoneOf(buddy) is { } other && FreeList(other, order.Value).Contains(buddy);
}

/// <summary>expand() hands out the upper half and frees the lower halves.</summary>
public sealed class ExpandUpperHalf(MemoryLayout layout) : BuddyModel(layout)
{
    protected override Pfn Expand(Zone zone, Pfn pfn, int high, Order low)
    {
        while (high > low.Value)
        {
            high--;
            FreeList(zone, high).Add(pfn);
            pfn = new Pfn(pfn.Value + (1UL << high));
        }

        return pfn;
    }
}
