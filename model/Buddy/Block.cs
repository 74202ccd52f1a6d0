using MMSpec.Model.Core;

namespace MMSpec.Model.Buddy;

/// <summary>A block of 2^order frames starting at pfn: one entry of a free list, or one allocation.</summary>
public readonly record struct Block(Pfn Pfn, Order Order)
{
    /// <summary>One past the last frame; for a valid order only.</summary>
    public ulong End => Pfn.Value + Order.Pages;

    public bool Contains(Pfn frame) => frame >= Pfn && frame.Value < End;

    public override string ToString() => $"{Pfn}/{Order}";
}
