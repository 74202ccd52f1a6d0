using System.Text.Json.Serialization;
using MMSpec.Model.Core;

namespace MMSpec.Model.Buddy;

/// <summary>
/// A call into the buddy allocator, as data: what a failing test prints and a trace replays (its JSON form, see
/// <see cref="MmJson"/>: the "op" property names the call, the record's name in snake case).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op")]
[JsonDerivedType(typeof(AllocPages), "alloc_pages")]
[JsonDerivedType(typeof(FreePages), "free_pages")]
public abstract record BuddyOp;

/// <summary>alloc_pages(gfp, order), with the gfp zone modifier as the highest zone allowed.</summary>
public sealed record AllocPages(Order Order, ZoneType HighestZone) : BuddyOp
{
    public override string ToString() => $"alloc_pages(order={Order}, zone<={ZoneNames.Of(HighestZone)})";
}

/// <summary>__free_pages(pfn_to_page(pfn), order).</summary>
public sealed record FreePages(Pfn Pfn, Order Order) : BuddyOp
{
    public override string ToString() => $"free_pages(pfn={Pfn}, order={Order})";
}
