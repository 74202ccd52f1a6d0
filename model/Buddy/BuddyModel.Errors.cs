using System.Collections.Immutable;
using MMSpec.Model.Core;

namespace MMSpec.Model.Buddy;

/// <summary>
/// The buddy allocator's bad-input checks, in Linux's order (<see cref="ErrorPrecedence"/>): the declared tables the
/// documentation shows, and every error that applies to a call.
/// </summary>
public partial class BuddyModel
{
    /// <summary>
    /// alloc_pages: the order first (__alloc_pages warns and fails above MAX_PAGE_ORDER), then memory.
    /// </summary>
    public static ErrorPrecedence AllocPrecedence { get; } = new("alloc_pages",
    [
        new(nameof(InvalidOrder), $"the order is outside 0..{Order.Max}", Gates: true),
        new(nameof(OutOfMemory), "no zone allowed (the highest allowed first) has a free block of the order or above"),
    ]);

    /// <summary>
    /// free_pages: the checks __free_pages leaves to debug options (free_pages_check, bad_page), made total; the
    /// block's shape first, then what the frames hold.
    /// </summary>
    public static ErrorPrecedence FreePrecedence { get; } = new("free_pages",
    [
        new(nameof(InvalidOrder), $"the order is outside 0..{Order.Max}", Gates: true),
        new(nameof(PfnOutOfRange), "the block ends beyond the last frame"),
        new(nameof(MisalignedPfn), "the pfn is not a multiple of 2^order"),
        new(nameof(BlockSpansZones), "the block does not lie inside one zone"),
        new(nameof(OrderMismatch), "a block allocated with another order starts at the pfn"),
        new(nameof(DoubleFree), "no allocated block starts at the pfn, and the pfn lies inside a free block"),
        new(nameof(NotAllocated), "no allocated block starts at the pfn, and the pfn lies inside no free block"),
    ]);

    /// <summary>
    /// Every error that applies to free_pages(pfn, order), Linux's first (what <see cref="FreePages(Pfn, Order)"/>
    /// returns); empty when the free is valid.
    /// </summary>
    public IReadOnlyList<MmError> FreeErrors(Pfn pfn, Order order)
    {
        if (!order.IsValid)
        {
            return [new InvalidOrder(order.Value)];
        }

        var errors = ImmutableArray.CreateBuilder<MmError>();
        if (Layout.FrameCount < order.Pages || pfn.Value > Layout.FrameCount - order.Pages)
        {
            errors.Add(new PfnOutOfRange(pfn, order, Layout.FrameCount));
        }

        if (pfn.Value % order.Pages != 0)
        {
            errors.Add(new MisalignedPfn(pfn, order));
        }

        if (Layout.ZoneOf(pfn)?.Contains(pfn, order) != true)
        {
            errors.Add(new BlockSpansZones(pfn, order));
        }

        if (_allocated.TryGetValue(new Block(pfn, order), out var allocated))
        {
            if (allocated.Order != order)
            {
                errors.Add(new OrderMismatch(pfn, order, allocated.Order));
            }
        }
        else
        {
            errors.Add(InsideFreeBlock(pfn) ? new DoubleFree(pfn, order) : new NotAllocated(pfn, order));
        }

        return errors.ToImmutable();
    }

    private bool InsideFreeBlock(Pfn pfn) =>
        _freeArea.Any(list => list.Value.Any(head => new Block(head, new Order(list.Key.Order)).Contains(pfn)));
}
