using MMSpec.Model.Core;

namespace MMSpec.Model.Buddy;

/// <summary>A zone's span of frames, [Start, End); a block never spans two zones.</summary>
public sealed record Zone(ZoneType Type, Pfn Start, Pfn End)
{
    public bool Contains(Pfn pfn) => pfn >= Start && pfn < End;

    /// <summary>Whether the whole block [pfn, pfn + 2^order) lies in this zone.</summary>
    public bool Contains(Pfn pfn, Order order) => pfn >= Start && pfn.Value + order.Pages <= End.Value;

    public override string ToString() => $"{ZoneNames.Of(Type)} [{Start}, {End})";
}

/// <summary>A range of frames the allocator never manages, [Start, End) (x86 reserves pfn 0; firmware holes).</summary>
public readonly record struct PfnRange(Pfn Start, Pfn End)
{
    public bool Contains(Pfn pfn) => pfn >= Start && pfn < End;

    public override string ToString() => $"[{Start}, {End})";
}
