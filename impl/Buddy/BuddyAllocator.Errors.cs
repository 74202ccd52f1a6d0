using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Impl.Buddy;

/// <summary>The buddy allocator's bad-input checks (the model's side: BuddyModel.Errors.cs).</summary>
public sealed partial class BuddyAllocator
{
    /// <summary>
    /// The validation free_pages_check would do, in Linux's precedence (BuddyModel.FreePrecedence): the first check
    /// that fails, as the exact level demands.
    /// </summary>
    private MmError? CheckFree(Pfn pfn, Order order)
    {
        if (!order.IsValid)
        {
            return new InvalidOrder(order.Value);
        }

        var pages = (ulong)_flags.Length;
        if (pages < order.Pages || pfn.Value > pages - order.Pages)
        {
            return new PfnOutOfRange(pfn, order, pages);
        }

        var frame = (int)pfn.Value;
        if ((frame & ((1 << order.Value) - 1)) != 0)
        {
            return new MisalignedPfn(pfn, order);
        }

        if (ZoneIndexOf(frame) != ZoneIndexOf(frame + (1 << order.Value) - 1))
        {
            return new BlockSpansZones(pfn, order);
        }

        var flags = _flags[frame];
        if ((flags & HeadFlag) != 0)
        {
            return (flags & OrderMask) == order.Value
                ? null
                : new OrderMismatch(pfn, order, new Order(flags & OrderMask));
        }

        return InFreeBlock(frame) ? new DoubleFree(pfn, order) : new NotAllocated(pfn, order);
    }

    /// <summary>Whether a frame lies in a free block: its head is the frame rounded down to some order.</summary>
    private bool InFreeBlock(int frame)
    {
        for (var order = 0; order <= Order.Max; order++)
        {
            var head = frame & ~((1 << order) - 1);
            if (_flags[head] == (BuddyFlag | order))
            {
                return true;
            }
        }

        return false;
    }
}
