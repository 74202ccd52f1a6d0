using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// One mapping (a vm_area_struct): its first page, its length, what it maps and the object behind it (the file or
/// the shmem object; -1 for anonymous memory). Page numbers are virtual page numbers (address / PAGE_SIZE).
/// </summary>
internal sealed record Mapping(ulong FirstVpn, ulong Pages, MapKind Kind, int Object)
{
    public ulong EndVpn => FirstVpn + Pages;

    /// <summary>linear_page_index: the page of the object this virtual page maps (every mapping starts at 0).</summary>
    public ulong PgOff(ulong vpn) => vpn - FirstVpn;

    public bool Covers(ulong vpn) => vpn >= FirstVpn && vpn < EndVpn;

    public MappingState State => new(new VirtAddr(FirstVpn * Pfn.PageSize), Pages, Kind, Object);
}

/// <summary>
/// A page-table entry of a user page: present (a frame and the W, A, D bits) or a swap entry (Frame -1). A page
/// with no entry has none in the table at all (pte_none).
/// </summary>
internal struct Pte
{
    public int Frame;
    public int SwapType;
    public ulong SwapOffset;
    public bool Writable;
    public bool Young;
    public bool Dirty;

    public readonly bool IsSwap => Frame < 0;

    public readonly SwapEntry Swap => new(new SwapType(SwapType), SwapOffset);

    public static Pte Present(int frame, bool writable, bool young, bool dirty) =>
        new() { Frame = frame, SwapType = -1, Writable = writable, Young = young, Dirty = dirty };

    public static Pte SwapOut(int type, ulong offset) => new() { Frame = -1, SwapType = type, SwapOffset = offset };
}

/// <summary>
/// An address space (an mm_struct): its mappings by start (the maple tree, here a list kept in address order since
/// every mapping goes after the last) and its page table (one entry per virtual page that has one).
/// </summary>
internal sealed class ReclaimMm(AsId id)
{
    public AsId Id { get; } = id;

    public List<Mapping> Mappings { get; } = [];

    public Dictionary<ulong, Pte> Ptes { get; } = [];

    /// <summary>find_vma: the mapping covering the virtual page, by binary search, or null.</summary>
    public Mapping? Find(ulong vpn)
    {
        var (low, high) = (0, Mappings.Count);
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            (low, high) = Mappings[middle].EndVpn <= vpn ? (middle + 1, high) : (low, middle);
        }

        return low < Mappings.Count && Mappings[low].Covers(vpn) ? Mappings[low] : null;
    }

    /// <summary>Where the next mapping goes: after the highest end, or at the first user address.</summary>
    public ulong NextVpn(ulong firstVpn) => Mappings.Count == 0 ? firstVpn : Mappings[^1].EndVpn;
}
