using System.Diagnostics;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Impl.Buddy;

/// <summary>
/// What compaction's scanners need from the allocator: the free blocks they step over or isolate (PageBuddy), one
/// free frame taken off its free block (take_page_off_buddy), and the free-area counts its watermark and
/// fragmentation checks read (nr_free).
/// </summary>
public sealed partial class BuddyAllocator
{
    /// <summary>
    /// take_page_off_buddy / break_down_buddy_pages: the free block holding <paramref name="pfn"/> leaves its free
    /// list and is split around the frame, each half without it going back at its order; the frame becomes an
    /// allocated order-0 block. A frame that is not free (allocated, reserved, or outside the machine) is refused
    /// and nothing changes.
    /// </summary>
    public Result<Unit> TakePageOffBuddy(Pfn pfn)
    {
        var high = pfn.Value < (ulong)_flags.Length ? FreeOrderAround((int)pfn.Value) : -1;
        if (high < 0)
        {
            return new FrameNotFree(pfn);
        }

        var frame = (int)pfn.Value;
        var head = frame & ~((1 << high) - 1);
        var zone = ZoneIndexOf(head);
        DeleteFromFreeList(head, zone, high);
        _flags[head] = 0;
        var bound = new LoopBound(Order.Count);
        while (high > 0)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            high--;
            var size = 1 << high;
            var upper = frame >= head + size;
            AddToFreeList(upper ? head : head + size, zone, high);
            head = upper ? head + size : head;
        }

        Debug.Assert(head == frame, "the split ends at the frame taken");
        _flags[frame] = HeadFlag;
        _snapshot = null;
        return Unit.Value;
    }

    /// <summary>
    /// PageBuddy and buddy_order: the order of the free block whose first frame <paramref name="pfn"/> is, or -1 for
    /// any other frame (allocated, inside a free block, or outside the machine).
    /// </summary>
    public int FreeBlockOrder(Pfn pfn) =>
        pfn.Value < (ulong)_flags.Length && (_flags[pfn.Value] & BuddyFlag) != 0 ? _flags[pfn.Value] & OrderMask : -1;

    /// <summary>free_area[order].nr_free of one zone: its free blocks of that order; 0 for a missing zone.</summary>
    public int NrFree(ZoneType zone, Order order)
    {
        var index = Array.IndexOf(_zoneType, zone);
        return index < 0 || !order.IsValid ? 0 : _nrFree[(index * Order.Count) + order.Value];
    }

    /// <summary>The order of the free block holding the frame (its head is the frame rounded down), or -1.</summary>
    private int FreeOrderAround(int frame)
    {
        for (var order = 0; order <= Order.Max; order++)
        {
            var head = frame & ~((1 << order) - 1);
            if (_flags[head] == (BuddyFlag | order))
            {
                return order;
            }
        }

        return -1;
    }
}
