using MMSpec.Model.Core;

namespace MMSpec.Model.Buddy;

public partial class BuddyModel
{
    /// <summary>
    /// take_page_off_buddy: the free frame <paramref name="pfn"/> taken out of the free block that holds it, which
    /// is split around it (break_down_buddy_pages: each half without the frame goes back on its free list); the
    /// frame becomes an allocated order-0 block. What compaction's free scanner does to the pages it isolates.
    /// A frame that is not free (allocated or reserved) is <see cref="FrameNotFree"/>.
    /// </summary>
    public Result<Unit> TakePageOffBuddy(Pfn pfn)
    {
        if (Layout.ZoneOf(pfn) is not { } zone)
        {
            return new PfnOutOfRange(pfn, new Order(0), Layout.FrameCount);
        }

        for (var order = 0; order <= Order.Max; order++)
        {
            var head = new Pfn(pfn.Value & ~((1UL << order) - 1));
            if (FreeList(zone, order).Contains(head))
            {
                FreeList(zone, order).Remove(head);
                BreakDown(zone, head, order, pfn);
                _allocated.Add(new Block(pfn, new Order(0)));
                return Unit.Value;
            }
        }

        return new FrameNotFree(pfn);
    }

    /// <summary>
    /// break_down_buddy_pages: halve the block, free the half without the target, go on in the other.
    /// </summary>
    private void BreakDown(Zone zone, Pfn head, int order, Pfn target)
    {
        var low = head.Value;
        for (var current = order; current > 0; current--)
        {
            var half = 1UL << (current - 1);
            var upper = low + half;
            if (target.Value >= upper)
            {
                FreeList(zone, current - 1).Add(new Pfn(low));
                low = upper;
            }
            else
            {
                FreeList(zone, current - 1).Add(new Pfn(upper));
            }
        }
    }
}
