using System.Collections.Immutable;
using System.Text.Json.Serialization;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// Which page a frame holds: an anonymous page (Backing null), page PgOff of a file or shmem object, or the shared
/// zero page (<see cref="Zero"/>: Backing null too, but no page of this mapping's own).
/// </summary>
public readonly record struct PageOwner(MappedObject? Backing, ulong PgOff)
{
    /// <summary>An anonymous page of the mapping's own (MM_ANONPAGES).</summary>
    public static PageOwner Anon => default;

    /// <summary>
    /// The zero page (ZERO_PAGE, my_zero_pfn): mapped read-only by a read fault on private anonymous memory
    /// (do_anonymous_page), owned by no address space and counted in no RSS counter.
    /// </summary>
    public static PageOwner ZeroPage { get; } = new(null, 0) { Zero = true };

    /// <summary>Whether the entry maps the zero page.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Zero { get; init; }

    /// <summary>An anonymous page of the mapping's own: neither a page-cache page nor the zero page.</summary>
    [JsonIgnore]
    public bool IsAnon => Backing is null && !Zero;

    public override string ToString() => Zero ? "zero" : Backing is { } o ? $"{o}@{PgOff}" : "anon";
}

/// <summary>A present or PROT_NONE leaf entry: the page's address, its frame, its flags and whose page it is.</summary>
public readonly record struct PageState(
    [property: JsonConverter(typeof(AddressJsonConverter))] ulong Addr, Pfn Frame, PteFlags Flags, PageOwner Owner)
{
    /// <summary>Everything but the frame number, which each side picks for itself.</summary>
    public (ulong Addr, PteFlags Flags, PageOwner Owner) Logical => (Addr, Flags, Owner);

    public override string ToString() => $"{Addr:x} {Owner} [{PteFlagsText.Of(Flags)}] -> {Frame}";
}

/// <summary>A page-table page below the PGD: its walk depth, the index of the range it maps, and its frame.</summary>
public readonly record struct TableState(int Depth, ulong Index, Pfn Frame)
{
    public (int Depth, ulong Index) Key => (Depth, Index);
}

/// <summary>
/// One address space: its VMAs (merged as /proc/pid/maps shows them), break, PGD and lower tables, leaf
/// entries, and the counters Linux keeps (VmPTE = PgTablesBytes; RSS file, anon, shmem).
/// </summary>
public sealed record AddressSpaceState(
    AsId Id, ImmutableArray<Vma> Vmas, [property: JsonConverter(typeof(AddressJsonConverter))] ulong Brk, Pfn Pgd,
    ImmutableArray<TableState> Tables, ImmutableArray<PageState> Pages,
    ulong PgTablesBytes, long RssFile, long RssAnon, long RssShmem);

/// <summary>A page held by the page cache (a file page or a shmem page), whether or not anything maps it.</summary>
public readonly record struct CachedPage(MappedObject Backing, ulong PgOff, Pfn Frame);

/// <summary>A vmalloc area: start, pages (the guard page not counted) and the frames, in address order.</summary>
public sealed record VmallocArea([property: JsonConverter(typeof(AddressJsonConverter))] ulong Start,
    ImmutableArray<Pfn> Frames)
{
    public ulong Pages => (ulong)Frames.Length;

    /// <summary>The area with its guard page: get_vm_area_size + PAGE_SIZE.</summary>
    public ulong End => Start + ((Pages + 1) * Pfn.PageSize);
}

/// <summary>
/// The canonical state of a paging system. Lockstep compares the logical parts (<see cref="DiffFrom"/> ignores
/// which frame each side chose); the invariants use the frames to check ownership within one side. ZeroPage is the
/// frame of the shared zero page, taken at boot.
/// </summary>
public sealed record PagingSnapshot(
    PagingFormat Format, ImmutableArray<AddressSpaceState> Spaces, ImmutableArray<CachedPage> Cache,
    ImmutableArray<VmallocArea> Vmalloc,
    ImmutableArray<TableState> KernelTables, ImmutableArray<PageState> KernelPages, Pfn ZeroPage, BuddySnapshot Pages)
{
    /// <summary>
    /// Null when the two agree on everything but frame numbers; otherwise every difference, a line each.
    /// </summary>
    public string? DiffFrom(PagingSnapshot other)
    {
        if (Agrees(other))
        {
            return null;
        }

        var ids = Spaces.Select(s => s.Id).ToList();
        if (!ids.SequenceEqual(other.Spaces.Select(s => s.Id)))
        {
            return $"address spaces differ: here [{string.Join(' ', ids)}], "
                + $"there [{string.Join(' ', other.Spaces.Select(s => s.Id))}]";
        }

        var differences = Spaces.Zip(other.Spaces)
            .SelectMany(pair => DiffSpace(pair.First, pair.Second).Select(why => $"{pair.First.Id}: {why}"))
            .Concat(new[]
            {
                Differ("page cache",
                    Cache.Select(c => (c.Backing, c.PgOff)), other.Cache.Select(c => (c.Backing, c.PgOff))),
                Differ("vmalloc areas",
                    Vmalloc.Select(v => (v.Start, v.Pages)), other.Vmalloc.Select(v => (v.Start, v.Pages))),
                Differ("kernel tables", KernelTables.Select(t => t.Key), other.KernelTables.Select(t => t.Key)),
                Differ("kernel pages", KernelPages.Select(p => p.Logical), other.KernelPages.Select(p => p.Logical)),
                Differ("free frames", [Pages.FreePages], [other.Pages.FreePages]),
            }.OfType<string>())
            .ToList();
        return differences.Count == 0 ? null : string.Join('\n', differences);
    }

    /// <summary>What <see cref="DiffFrom"/> compares, without building text: the usual case, all agreeing.</summary>
    private bool Agrees(PagingSnapshot other) =>
        Same(Spaces, other.Spaces, (a, b) => a.Id == b.Id && a.Brk == b.Brk && a.PgTablesBytes == b.PgTablesBytes
            && (a.RssFile, a.RssAnon, a.RssShmem) == (b.RssFile, b.RssAnon, b.RssShmem)
            && Same(a.Vmas, b.Vmas, (x, y) => x == y) && Same(a.Tables, b.Tables, (x, y) => x.Key == y.Key)
            && Same(a.Pages, b.Pages, (x, y) => x.Logical == y.Logical))
        && Same(Cache, other.Cache, (x, y) => x.Backing == y.Backing && x.PgOff == y.PgOff)
        && Same(Vmalloc, other.Vmalloc, (x, y) => x.Start == y.Start && x.Pages == y.Pages)
        && Same(KernelTables, other.KernelTables, (x, y) => x.Key == y.Key)
        && Same(KernelPages, other.KernelPages, (x, y) => x.Logical == y.Logical)
        && Pages.FreePages == other.Pages.FreePages;

    private static bool Same<T>(ImmutableArray<T> mine, ImmutableArray<T> theirs, Func<T, T, bool> equal)
    {
        if (mine.Length != theirs.Length)
        {
            return false;
        }

        for (var i = 0; i < mine.Length; i++)
        {
            if (!equal(mine[i], theirs[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static IEnumerable<string> DiffSpace(AddressSpaceState mine, AddressSpaceState theirs) =>
        new[]
        {
            Differ("VMAs", mine.Vmas, theirs.Vmas),
            Differ("brk", [mine.Brk], [theirs.Brk]),
            Differ("tables", mine.Tables.Select(t => t.Key), theirs.Tables.Select(t => t.Key)),
            Differ("pages", mine.Pages.Select(p => p.Logical), theirs.Pages.Select(p => p.Logical)),
            Differ("VmPTE bytes", [mine.PgTablesBytes], [theirs.PgTablesBytes]),
            Differ("RSS file/anon/shmem",
                [(mine.RssFile, mine.RssAnon, mine.RssShmem)], [(theirs.RssFile, theirs.RssAnon, theirs.RssShmem)]),
        }.OfType<string>();

    private static string? Differ<T>(string what, IEnumerable<T> mine, IEnumerable<T> theirs)
    {
        var here = mine.ToList();
        var there = theirs.ToList();
        if (here.SequenceEqual(there))
        {
            return null;
        }

        var onlyHere = here.Except(there).Take(4);
        var onlyThere = there.Except(here).Take(4);
        return $"{what} differ: only here [{string.Join("; ", onlyHere)}], only there [{string.Join("; ", onlyThere)}]";
    }
}

/// <summary>Flags as short letters: P W U A D G X (X = executable, i.e. NX clear).</summary>
public static class PteFlagsText
{
    public static string Of(PteFlags flags) =>
        $"{(flags.HasFlag(PteFlags.Present) ? 'P' : '-')}{(flags.HasFlag(PteFlags.ReadWrite) ? 'W' : '-')}"
        + $"{(flags.HasFlag(PteFlags.User) ? 'U' : '-')}{(flags.HasFlag(PteFlags.Accessed) ? 'A' : '-')}"
        + $"{(flags.HasFlag(PteFlags.Dirty) ? 'D' : '-')}{(flags.HasFlag(PteFlags.Global) ? 'G' : '-')}"
        + $"{(flags.HasFlag(PteFlags.NoExecute) ? '-' : 'X')}";
}
