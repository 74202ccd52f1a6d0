using MMSpec.Model.Core;

namespace MMSpec.Model.Buddy;

/// <summary>Order outside 0..MAX_PAGE_ORDER.</summary>
public sealed record InvalidOrder(int Order) : MmError
{
    public override string Message => $"order {Order} is outside 0..{Buddy.Order.Max}";
}

/// <summary>The block [pfn, pfn + 2^order) does not lie inside the machine.</summary>
public sealed record PfnOutOfRange(Pfn Pfn, Order Order, ulong FrameCount) : MmError
{
    public override string Message => $"block pfn {Pfn} order {Order} ends beyond the last frame ({FrameCount} frames)";
}

/// <summary>The pfn is not a multiple of 2^order: no block of that order starts there.</summary>
public sealed record MisalignedPfn(Pfn Pfn, Order Order) : MmError
{
    public override string Message => $"pfn {Pfn} is not aligned to order {Order} ({Order.Pages} pages)";
}

/// <summary>The block would cross a zone boundary; no block ever does.</summary>
public sealed record BlockSpansZones(Pfn Pfn, Order Order) : MmError
{
    public override string Message => $"block pfn {Pfn} order {Order} crosses a zone boundary";
}

/// <summary>The first frame of the block is already free (PageBuddy, or inside a free block).</summary>
public sealed record DoubleFree(Pfn Pfn, Order Order) : MmError
{
    public override string Message => $"pfn {Pfn} order {Order} is already free";
}

/// <summary>No allocated block starts at this pfn: reserved, or the interior of another allocation.</summary>
public sealed record NotAllocated(Pfn Pfn, Order Order) : MmError
{
    public override string Message => $"no allocated block starts at pfn {Pfn}";
}

/// <summary>The block was allocated with another order than the one given to free_pages.</summary>
public sealed record OrderMismatch(Pfn Pfn, Order Given, Order Allocated) : MmError
{
    public override string Message => $"pfn {Pfn} was allocated with order {Allocated}, freed with order {Given}";
}

/// <summary>No zone at or below the highest allowed one has a free block of the order asked for.</summary>
public sealed record OutOfMemory(Order Order, ZoneType HighestZone) : MmError
{
    public override string Message => $"no free block of order {Order} in {ZoneNames.Of(HighestZone)} or below";
}

/// <summary>take_page_off_buddy of a frame that is not free: allocated, reserved, or outside every zone.</summary>
public sealed record FrameNotFree(Pfn Pfn) : MmError
{
    public override string Message => $"pfn {Pfn} is not a free frame";
}
