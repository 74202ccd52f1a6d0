using System.Collections.Immutable;
using System.Text.Json.Serialization;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;

namespace MMSpec.Model.Reclaim;

/// <summary>
/// One mapping of an address space: where it starts, its pages, what it maps, and the object (the file, or the
/// shmem object; -1 for anonymous memory).
/// </summary>
public sealed record MappingState(VirtAddr Start, ulong Pages, MapKind Kind, int Owner)
{
    [JsonIgnore]
    public ulong End => Start.Value + (Pages * Pfn.PageSize);

    public override string ToString() => $"{Start}+{Pages} {Kind}{(Owner >= 0 ? $" #{Owner}" : string.Empty)}";
}

/// <summary>
/// A page-table entry of a user page: present (a frame and its bits) or a swap entry. A file or shmem page that is
/// not in memory has no entry at all.
/// </summary>
public readonly record struct PteState(VirtAddr Addr, Pfn? Frame, SwapEntry? Swap, bool Writable, bool Young,
    bool Dirty)
{
    public override string ToString() =>
        Swap is { } entry ? $"{Addr} swap {entry}"
            : $"{Addr} -> {Frame} [{(Writable ? "W" : "-")}{(Young ? "A" : "-")}{(Dirty ? "D" : "-")}]";
}

/// <summary>
/// One address space: its mappings and entries (address order), and the counters of /proc/pid/status that
/// reclaim moves: RssAnon, RssFile, RssShmem and VmSwap, in pages.
/// </summary>
public sealed record MmState(AsId Id, ImmutableArray<MappingState> Mappings, ImmutableArray<PteState> Ptes)
{
    [JsonIgnore]
    public long VmSwap => Ptes.Count(p => p.Swap is not null);

    /// <summary>The entry of the page at <paramref name="addr"/> (binary search); null when it has none.</summary>
    public PteState? PteAt(VirtAddr addr)
    {
        var (low, high) = (0, Ptes.Length);
        var halvings = new LoopBound(64);
        while (low < high)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            halvings.Next();
            var middle = low + ((high - low) / 2);
            (low, high) = Ptes[middle].Addr.Value < addr.Value ? (middle + 1, high) : (low, middle);
        }

        return low < Ptes.Length && Ptes[low].Addr == addr ? Ptes[low] : null;
    }

    public override string ToString() => $"{Id}: {string.Join(", ", Mappings)}";
}

/// <summary>
/// An order-0 folio in memory: its frame, what it holds (the object and the page index in it; -1 and 0 for an
/// anonymous page), its flags, how many PTEs map it, its pins, its swap slot when in the swap cache, its content.
/// </summary>
public sealed record FolioState(Pfn Pfn, FolioKind Kind, int Owner, ulong Index, FolioFlags Flags, int MapCount,
    int Pins, SwapEntry? Swap, ulong Content)
{
    public override string ToString() =>
        $"{Pfn} {Kind}{(Owner >= 0 ? $" #{Owner}@{Index}" : string.Empty)} [{Flags}] map {MapCount}"
            + $"{(Pins > 0 ? $" pin {Pins}" : string.Empty)}{(Swap is { } s ? $" {s}" : string.Empty)} = {Content:x}";
}

/// <summary>A used slot of a swap area: the swap_map count, SWAP_HAS_CACHE, and what the device holds there.</summary>
public readonly record struct SlotState(ulong Offset, int Count, bool HasCache, ulong Content);

/// <summary>
/// A swap area that is on: its type, priority, size in slots (the header included) and its used slots.
/// </summary>
public sealed record SwapAreaState(SwapType Type, int Priority, ulong Slots, ImmutableArray<SlotState> Used)
{
    /// <summary>The slots pages can use: all but the header.</summary>
    [JsonIgnore]
    public ulong Usable => Slots - 1;

    /// <summary>Slots a page holds (a count or the cache): what si->inuse_pages counts.</summary>
    [JsonIgnore]
    public ulong InUse => (ulong)Used.Length;
}

/// <summary>A page of a shmem object that is swapped out: the shmem mapping holds its swap entry.</summary>
public readonly record struct ShmemSwapped(int Owner, ulong Index, SwapEntry Entry);

/// <summary>A file page on disk whose content differs from what the disk held at boot.</summary>
public readonly record struct DiskPage(int File, ulong PgOff, ulong Content);

/// <summary>A translation one CPU's TLB caches: address space, page, frame, and whether a write may use it.</summary>
public readonly record struct TlbEntry(CpuId Cpu, AsId Mm, VirtAddr Addr, Pfn Frame, bool Writable, bool Dirty)
{
    public override string ToString() => $"{Cpu} {Mm} {Addr} -> {Frame}{(Writable ? " W" : string.Empty)}";
}

/// <summary>
/// The whole state: configuration and swappiness, the address spaces, the folios (pfn order), the five LRU lists
/// (head first, in enum lru_list order), the swap areas, shmem pages on swap, the disk pages written, the TLBs, the
/// kernel allocations, the reclaim costs (lruvec anon_cost, file_cost), the /proc/vmstat events and the frames.
/// </summary>
public sealed record ReclaimSnapshot(
    ReclaimConfig Config, Swappiness Swappiness, ImmutableArray<MmState> Mms, ImmutableArray<FolioState> Folios,
    ImmutableArray<ImmutableArray<Pfn>> Lru, ImmutableArray<SwapAreaState> Swap, ImmutableArray<ShmemSwapped> ShmemSwap,
    ImmutableArray<DiskPage> Disk, ImmutableArray<TlbEntry> Tlb, ImmutableArray<Block> KernelPages,
    ulong AnonCost, ulong FileCost, VmEvents Events, BuddySnapshot Pages, ulong Watermark = 0)
{
    /// <summary>Whether two snapshots hold the same state (arrays compared element by element).</summary>
    public bool SameAs(ReclaimSnapshot other) => DiffFrom(other) is null;

    /// <summary>The first part that differs from <paramref name="other"/>, named; null when none does.</summary>
    public string? DiffFrom(ReclaimSnapshot other) =>
        ReferenceEquals(this, other) ? null
        : Config != other.Config ? $"config {Config} vs {other.Config}"
        : Swappiness != other.Swappiness ? $"swappiness {Swappiness} vs {other.Swappiness}"
        : Differ("address spaces", Mms, other.Mms, (a, b) => a.Id == b.Id && a.Mappings.SequenceEqual(b.Mappings))
        ?? Mms.Zip(other.Mms).Select(p => Differ($"{p.First.Id}'s entries", p.First.Ptes, p.Second.Ptes,
            (a, b) => a == b)).FirstOrDefault(d => d is not null)
        ?? Differ("folios", Folios, other.Folios, (a, b) => a == b)
        ?? Differ("LRU lists", Lru, other.Lru, (a, b) => a.SequenceEqual(b))
        ?? Differ("swap areas", Swap, other.Swap, (a, b) => a.Type == b.Type && a.Priority == b.Priority
            && a.Slots == b.Slots && a.Used.SequenceEqual(b.Used))
        ?? Differ("shmem swap entries", ShmemSwap, other.ShmemSwap, (a, b) => a == b)
        ?? Differ("disk", Disk, other.Disk, (a, b) => a == b)
        ?? Differ("TLB entries", Tlb, other.Tlb, (a, b) => a == b)
        ?? Differ("kernel pages", KernelPages, other.KernelPages, (a, b) => a == b)
        ?? ((AnonCost, FileCost) != (other.AnonCost, other.FileCost)
            ? $"costs anon {AnonCost} file {FileCost} vs anon {other.AnonCost} file {other.FileCost}" : null)
        ?? (Events != other.Events ? $"vmstat {Events.Differences(other.Events)}" : null)
        ?? (Watermark != other.Watermark ? $"watermark {Watermark} vs {other.Watermark}" : null)
        ?? Pages.DiffFrom(other.Pages);

    private static string? Differ<T>(string what, ImmutableArray<T> mine, ImmutableArray<T> theirs,
        Func<T, T, bool> same)
    {
        if (mine == theirs)
        {
            return null;
        }

        for (var i = 0; i < Math.Min(mine.Length, theirs.Length); i++)
        {
            if (!same(mine[i], theirs[i]))
            {
                return $"{what} differ at {i}: {mine[i]} vs {theirs[i]}";
            }
        }

        return mine.Length == theirs.Length ? null
            : $"{what}: {mine.Length} vs {theirs.Length} ({(mine.Length > theirs.Length
                ? mine[theirs.Length] : theirs[mine.Length])} only on one side)";
    }
}
