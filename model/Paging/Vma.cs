using System.Text.Json.Serialization;
using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// A vm_area_struct: [Start, End) page-aligned, its protection, and what backs it: anonymous memory (Backing
/// null), a file at page offset PgOff, or a shmem object. Shared says MAP_SHARED (writes reach the object).
/// </summary>
public sealed record Vma(
    [property: JsonConverter(typeof(AddressJsonConverter))] ulong Start,
    [property: JsonConverter(typeof(AddressJsonConverter))] ulong End,
    VmProt Prot, MappedObject? Backing, ulong PgOff, bool Shared)
{
    public ulong Pages => (End - Start) / Pfn.PageSize;

    /// <summary>vma_is_accessible: VM_READ, VM_WRITE or VM_EXEC, that is anything but PROT_NONE.</summary>
    public bool IsAccessible => Prot != VmProt.None;

    public bool Contains(ulong addr) => addr >= Start && addr < End;

    public bool Intersects(ulong start, ulong end) => Start < end && start < End;

    /// <summary>The object page that backs <paramref name="addr"/> (linear_page_index).</summary>
    public ulong PgOffOf(ulong addr) => PgOff + ((addr - Start) / Pfn.PageSize);

    /// <summary>The part of this VMA in [start, end), with its file offset moved along (split_vma).</summary>
    public Vma Slice(ulong start, ulong end)
    {
        var from = Math.Max(start, Start);
        return this with { Start = from, End = Math.Min(end, End), PgOff = Backing is null ? 0 : PgOffOf(from) };
    }

    /// <summary>Whether <paramref name="next"/> continues this VMA so that vma_merge would join them.</summary>
    public bool MergesWith(Vma next) =>
        End == next.Start && Prot == next.Prot && Shared == next.Shared && Backing == next.Backing
        && (Backing is null || PgOffOf(End) == next.PgOff);

    public override string ToString() =>
        $"{Start:x}-{End:x} {VmProtText.Of(Prot)}{(Shared ? 's' : 'p')} {(Backing is { } o ? $"{o}@{PgOff}" : "anon")}";
}
