using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Buddy;

namespace MMSpec.Conformance.Buddy;

/// <summary>
/// The boundaries the buddy specification names: orders 0 and MAX_PAGE_ORDER (10), targeted by alloc_pages one order
/// below, at and one above; and per layout the frames where a zone starts, each reserved hole's ends and the end of
/// memory, targeted by free_pages one frame below, at and one above (at order 0 and 10).
/// </summary>
public static class BuddyBoundaries
{
    public static IReadOnlyList<Boundary> Orders { get; } =
    [
        new("order 0", 0, 1, "order"),
        new("MAX_PAGE_ORDER", (ulong)Order.Max, 1, "order"),
    ];

    /// <summary>The frame boundaries of <paramref name="layout"/>.</summary>
    public static IReadOnlyList<Boundary> Frames(MemoryLayout layout) =>
    [
        Frame("ZONE_DMA32", layout.Dma32Start.Value),
        Frame("ZONE_NORMAL", layout.NormalStart.Value),
        Frame("the end of memory", layout.FrameCount),
        .. layout.Reserved.SelectMany(r => new[] { Frame("a hole's start", r.Start.Value),
            Frame("a hole's end", r.End.Value) }),
    ];

    private static Boundary Frame(string name, ulong pfn) => new(name, pfn, 1, "frame");
}
