using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// The model's mm_struct: VMAs, the break, the PGD's frame, and the page tables as the flat map the spec
/// describes: leaf entries by page address, lower tables by (depth, index of the range they map).
/// </summary>
public sealed class ModelMm(AsId id, Pfn pgd, VmaSet vmas, ulong brk)
{
    public AsId Id { get; } = id;

    public Pfn Pgd { get; } = pgd;

    public VmaSet Vmas { get; set; } = vmas;

    public ulong Brk { get; set; } = brk;

    public SortedDictionary<ulong, PageState> Ptes { get; } = [];

    public SortedDictionary<(int Depth, ulong Index), Pfn> Tables { get; } = [];
}
