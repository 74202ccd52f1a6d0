using MMSpec.Model.Core;

namespace MMSpec.Model.Buddy;

/// <summary>A block of 2^order frames starting at pfn: one entry of a free list, or one allocation.</summary>
public readonly record struct Block(Pfn Pfn, Order Order) : IComparable<Block>
{
    /// <summary>One past the last frame; for a valid order only.</summary>
    public ulong End => Pfn.Value + Order.Pages;

    public bool Contains(Pfn frame) => frame >= Pfn && frame.Value < End;

    public int CompareTo(Block other)
    {
        var byPfn = Pfn.CompareTo(other.Pfn);
        return byPfn != 0 ? byPfn : Order.CompareTo(other.Order);
    }

    public static bool operator <(Block left, Block right) => left.CompareTo(right) < 0;

    public static bool operator >(Block left, Block right) => left.CompareTo(right) > 0;

    public static bool operator <=(Block left, Block right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Block left, Block right) => left.CompareTo(right) >= 0;

    public override string ToString() => $"{Pfn}/{Order}";
}
