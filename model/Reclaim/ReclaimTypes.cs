using System.Text.Json;
using System.Text.Json.Serialization;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Reclaim;

/// <summary>
/// The five LRU lists of a lruvec, in the kernel's order (enum lru_list): for_each_evictable_lru walks 0..3.
/// shmem pages are swap-backed and live on the anon lists.
/// </summary>
public enum LruList
{
    InactiveAnon = 0,
    ActiveAnon = 1,
    InactiveFile = 2,
    ActiveFile = 3,
    Unevictable = 4,
}

/// <summary>folio_lru_list for an evictable folio: file or anon by PG_swapbacked, active by PG_active.</summary>
public static class LruLists
{
    public static LruList Of(FolioFlags flags) =>
        ((flags & FolioFlags.SwapBacked) != 0 ? LruList.InactiveAnon : LruList.InactiveFile)
        + ((flags & FolioFlags.Active) != 0 ? 1 : 0);
}

/// <summary>What a folio holds: a private anonymous page, a page of a regular file, or a shmem page.</summary>
public enum FolioKind
{
    Anon,
    File,
    Shmem,
}

/// <summary>The page flags reclaim reads and writes (include/linux/page-flags.h), on one order-0 folio.</summary>
[Flags]
public enum FolioFlags
{
    None = 0,
    Referenced = 1 << 0,
    Dirty = 1 << 1,
    Active = 1 << 2,
    Workingset = 1 << 3,
    Writeback = 1 << 4,
    Reclaim = 1 << 5,
    SwapBacked = 1 << 6,
    SwapCache = 1 << 7,
}

/// <summary>One swap area (a swap_info_struct), by its swap type: the index swapon gave it.</summary>
[JsonConverter(typeof(JsonScalarConverter<SwapType>))]
public readonly record struct SwapType(int Value) : IJsonScalar<SwapType>
{
    /// <summary>MAX_SWAPFILES with no migration or device entries configured: 32 areas.</summary>
    public const int Max = 32;

    public static SwapType ReadJson(ref Utf8JsonReader reader) => new(reader.GetInt32());

    public void WriteJson(Utf8JsonWriter writer) => writer.WriteNumberValue(Value);

    public override string ToString() => $"swap{Value}";
}

/// <summary>
/// A swap entry (swp_entry_t): the area and the slot's offset in it. Slot 0 is the header, never used.
/// </summary>
public readonly record struct SwapEntry(SwapType Type, ulong Offset)
{
    public override string ToString() => $"{Type}:{Offset}";
}

/// <summary>
/// /proc/sys/vm/swappiness: 0..200 (MIN_SWAPPINESS, MAX_SWAPPINESS; 0..100 before 5.8), default 60. The IO cost of
/// anonymous pages against file pages: 100 means equal.
/// </summary>
[JsonConverter(typeof(JsonScalarConverter<Swappiness>))]
public readonly record struct Swappiness(int Value) : IJsonScalar<Swappiness>
{
    public const int Min = 0;
    public const int Max = 200;

    /// <summary>vm_swappiness's initial value (mm/vmscan.c).</summary>
    public static Swappiness Default => new(60);

    public bool IsValid => Value is >= Min and <= Max;

    public static Swappiness ReadJson(ref Utf8JsonReader reader) => new(reader.GetInt32());

    public void WriteJson(Utf8JsonWriter writer) => writer.WriteNumberValue(Value);

    public override string ToString() => $"{Value}";
}

/// <summary>What a mapping maps: private anonymous memory, a file MAP_SHARED (text when executable), shmem.</summary>
public enum MapKind
{
    Anon,
    File,
    FileExec,
    Shmem,
}

/// <summary>enum scan_balance: how get_scan_count splits the scan between anon and file.</summary>
public enum ScanBalance
{
    Equal,
    Fract,
    Anon,
    File,
}

/// <summary>enum compact_result, in the kernel's order: try_to_compact_pages returns the largest over zones.</summary>
public enum CompactResult
{
    NotSuitableZone,
    Skipped,
    Deferred,
    NoSuitablePage,
    Continue,
    Complete,
    PartialSkipped,
    Contended,
    Success,
}

/// <summary>The machine reclaim runs on: frames, CPUs, files and their sizes.</summary>
/// <param name="Frames">Frames of the one zone, ZONE_NORMAL.</param>
/// <param name="Cpus">CPUs, each with a TLB that caches the translations its accesses made.</param>
/// <param name="Files">Regular files on a disk that is never full, numbered 0..Files-1.</param>
/// <param name="FilePages">Pages in each file.</param>
public sealed record ReclaimConfig(ulong Frames, int Cpus, int Files, ulong FilePages)
{
    /// <summary>pageblock_order on x86-64: min(HUGETLB_PAGE_ORDER 9, PAGE_BLOCK_MAX_ORDER 10).</summary>
    public const int PageblockOrder = 9;

    public const ulong PageblockPages = 1UL << PageblockOrder;

    public const int MaxCpus = 64;

    /// <summary>The machine's memory: one zone, ZONE_NORMAL, over every frame, nothing reserved.</summary>
    public static MemoryLayout LayoutOf(ReclaimConfig config) =>
        new(config.Frames, new Pfn(0), new Pfn(0), []);

    /// <summary>A file page's content before anything wrote it: what the disk holds at boot.</summary>
    public static ulong InitialContent(int file, ulong pgoff) => ((ulong)(file + 1) << 32) | (pgoff + 1);

    public override string ToString() => $"{Frames} frames, {Cpus} CPUs, {Files} files of {FilePages} pages";
}
