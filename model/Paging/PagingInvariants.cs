using System.Collections.Immutable;
using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// The paging invariants as named checks over one side's snapshot (docs/paging.md, "Rules"). Each returns the
/// violations it finds; an empty result means the rule holds.
/// </summary>
public static class PagingInvariants
{
    public const string FrameOwnership = "one-owner-per-frame";
    public const string EntriesPointAtOwners = "entries-point-at-their-pages";
    public const string EntriesInsideVmas = "entries-inside-vmas-with-their-rights";
    public const string TablesOnlyWhereNeeded = "tables-only-where-needed";
    public const string PgTablesBytes = "vmpte-accounting";
    public const string RssCounters = "rss-counters";

    public static IEnumerable<Violation> All(PagingSnapshot s) => CheckFrameOwnership(s).Concat(PerSpace(s));

    /// <summary>
    /// The rules on a snapshot holding only some address spaces (<see cref="IPagingSystem.SnapshotOf"/>): each one
    /// of <see cref="All"/>, but an allocated frame none of them owns may belong to a space left out, so a leak is
    /// left to the whole snapshot.
    /// </summary>
    public static IEnumerable<Violation> Within(PagingSnapshot s) =>
        CheckFrameOwnership(s, complete: false).Concat(PerSpace(s));

    /// <summary>
    /// Every allocated frame has exactly one owner (a PGD, a table, an anonymous page, a page-cache page, a
    /// vmalloc page, the zero page) and every owned frame is allocated: nothing owned twice, nothing leaked. The zero
    /// page is owned once, however many entries map it.
    /// </summary>
    public static IEnumerable<Violation> CheckFrameOwnership(PagingSnapshot s) =>
        CheckFrameOwnership(s, complete: true);

    /// <summary>The frames first, without their owners' names: those are spelt out when the rule is broken.</summary>
    private static IEnumerable<Violation> CheckFrameOwnership(PagingSnapshot s, bool complete)
    {
        var allocated = new HashSet<Pfn>((int)s.Pages.Allocated.Sum(b => (long)b.Order.Pages));
        foreach (var block in s.Pages.Allocated)
        {
            for (var i = 0UL; i < block.Order.Pages; i++)
            {
                allocated.Add(new Pfn(block.Pfn.Value + i));
            }
        }

        var owned = new HashSet<Pfn>(allocated.Count);
        var clean = true;
        foreach (var frame in OwnedFrames(s))
        {
            clean &= owned.Add(frame) && allocated.Contains(frame);
        }

        // Owned frames all distinct and allocated: as many of them as allocated frames means none leaked.
        return clean && (!complete || owned.Count == allocated.Count) ? [] : Ownership(s, allocated, complete);
    }

    private static IEnumerable<Violation> Ownership(PagingSnapshot s, HashSet<Pfn> allocated, bool complete)
    {
        var owners = Owners(s).ToList();
        foreach (var twice in owners.GroupBy(o => o.Frame).Where(g => g.Count() > 1).Take(4))
        {
            yield return new Violation(
                FrameOwnership, $"frame {twice.Key} is owned by {string.Join(" and ", twice.Select(o => o.Owner))}");
        }

        var owned = owners.Select(o => o.Frame).ToHashSet();
        var leaked = complete ? allocated.Except(owned).Order().Take(8).ToList() : [];
        var free = owners.Where(o => !allocated.Contains(o.Frame)).Take(8).ToList();
        if (leaked.Count > 0 || free.Count > 0)
        {
            yield return new Violation(
                FrameOwnership,
                $"allocated but owned by nobody [{string.Join(' ', leaked)}], "
                + $"owned but free [{string.Join("; ", free)}]");
        }
    }

    private static IEnumerable<Violation> PerSpace(PagingSnapshot s) =>
        CheckEntriesPointAtOwners(s)
            .Concat(CheckEntriesInsideVmas(s))
            .Concat(CheckTablesOnlyWhereNeeded(s))
            .Concat(CheckAccounting(s));

    /// <summary>
    /// An anonymous entry's frame is its own; a file or shmem entry points at the page-cache page of its offset; a
    /// zero-page entry at the zero page.
    /// </summary>
    public static IEnumerable<Violation> CheckEntriesPointAtOwners(PagingSnapshot s)
    {
        var cache = s.Cache.ToDictionary(c => (c.Backing, c.PgOff), c => c.Frame);
        return (from space in s.Spaces
                from page in space.Pages
                where page.Owner.Backing is { } obj && cache.GetValueOrDefault((obj, page.Owner.PgOff)) != page.Frame
                select new Violation(
                    EntriesPointAtOwners, $"{space.Id}: {page} is not the page-cache page of {page.Owner}"))
            .Concat(from space in s.Spaces
                    from page in space.Pages
                    where page.Owner.Zero && page.Frame != s.ZeroPage
                    select new Violation(
                        EntriesPointAtOwners, $"{space.Id}: {page} is not the zero page {s.ZeroPage}"));
    }

    /// <summary>
    /// Every user entry lies in a VMA of the same backing (the zero page: an anonymous one) and grants no more than the
    /// VMA: user-accessible, writable only with PROT_WRITE (and never a private mapping's page-cache page, nor the zero
    /// page), NX unless PROT_EXEC.
    /// Kernel entries are supervisor-only.
    /// </summary>
    public static IEnumerable<Violation> CheckEntriesInsideVmas(PagingSnapshot s)
    {
        foreach (var space in s.Spaces)
        {
            foreach (var page in space.Pages)
            {
                var vma = space.Vmas.FirstOrDefault(v => v.Contains(page.Addr));
                var why = vma is null ? "outside every VMA"
                    : page.Owner.Backing is { } obj
                        && (obj != vma.Backing || page.Owner.PgOff != vma.PgOffOf(page.Addr))
                        ? $"backed by {page.Owner}, not by {vma}"
                    : page.Owner.Zero && vma.Backing is not null ? $"the zero page in {vma}"
                    : !page.Flags.HasFlag(PteFlags.User) ? "not user-accessible"
                    : page.Flags.HasFlag(PteFlags.ReadWrite)
                        && (!vma.Prot.HasFlag(VmProt.Write) || page.Owner.Zero
                            || (page.Owner.Backing is not null && !vma.Shared))
                        ? $"writable in {vma}"
                    : s.Format.HasNx && !vma.Prot.HasFlag(VmProt.Exec) && !page.Flags.HasFlag(PteFlags.NoExecute)
                        ? $"executable in {vma}"
                    : page.Flags.HasFlag(PteFlags.Present) == (vma.Prot == VmProt.None)
                        ? $"present bit disagrees with {vma}"
                    : null;
                if (why is not null)
                {
                    yield return new Violation(EntriesInsideVmas, $"{space.Id}: {page} {why}");
                }
            }
        }

        foreach (var page in s.KernelPages.Where(p => p.Flags.HasFlag(PteFlags.User)))
        {
            yield return new Violation(EntriesInsideVmas, $"kernel page {page} is user-accessible");
        }
    }

    /// <summary>
    /// A user table exists only while a VMA meets its range, and only under tables that exist (free_pgtables).
    /// </summary>
    public static IEnumerable<Violation> CheckTablesOnlyWhereNeeded(PagingSnapshot s)
    {
        foreach (var space in s.Spaces)
        {
            var keys = space.Tables.Select(t => t.Key).ToHashSet();
            foreach (var table in space.Tables)
            {
                var span = s.Format.SpanOf(table.Depth - 1);
                var start = table.Index * span;
                var parent = (table.Depth - 1, start / s.Format.SpanOf(table.Depth - 2));
                var orphan = table.Depth > 1 && !keys.Contains(parent);
                if (orphan || !MeetsAVma(space.Vmas, start, start + span))
                {
                    var level = PageLevelText.Of(s.Format.Levels[table.Depth]);
                    var why = orphan ? "has no parent table" : "maps no VMA";
                    yield return new Violation(TablesOnlyWhereNeeded,
                        $"{space.Id}: {level} table for {start:x} (frame {table.Frame}) {why}");
                }
            }
        }
    }

    private static bool MeetsAVma(ImmutableArray<Vma> vmas, ulong start, ulong end)
    {
        foreach (var vma in vmas)
        {
            if (vma.Intersects(start, end))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// VmPTE is the PTE, PMD and PUD tables times 4 KiB; the RSS counters count the mapped pages by kind.
    /// </summary>
    public static IEnumerable<Violation> CheckAccounting(PagingSnapshot s)
    {
        foreach (var space in s.Spaces)
        {
            var bytes = (ulong)space.Tables.Count(t => PagingFormat.IsAccounted(s.Format.Levels[t.Depth]))
                * Pfn.PageSize;
            if (space.PgTablesBytes != bytes)
            {
                yield return new Violation(
                    PgTablesBytes, $"{space.Id}: VmPTE {space.PgTablesBytes} bytes, its tables make {bytes}");
            }

            var rss = (
                space.Pages.Count(p => p.Owner.Backing is { Shmem: false }),
                space.Pages.Count(p => p.Owner.IsAnon),
                space.Pages.Count(p => p.Owner.Backing is { Shmem: true }));
            if ((space.RssFile, space.RssAnon, space.RssShmem) != rss)
            {
                yield return new Violation(
                    RssCounters,
                    $"{space.Id}: RSS file/anon/shmem {space.RssFile}/{space.RssAnon}/{space.RssShmem}, "
                    + $"its pages make {rss.Item1}/{rss.Item2}/{rss.Item3}");
            }
        }
    }

    /// <summary>The frames of <see cref="Owners"/>, in the same order.</summary>
    private static IEnumerable<Pfn> OwnedFrames(PagingSnapshot s)
    {
        foreach (var space in s.Spaces)
        {
            yield return space.Pgd;
            foreach (var table in space.Tables)
            {
                yield return table.Frame;
            }

            foreach (var page in space.Pages.Where(p => p.Owner.IsAnon))
            {
                yield return page.Frame;
            }
        }

        yield return s.ZeroPage;
        var shared = s.Cache.Select(c => c.Frame).Concat(s.KernelTables.Select(t => t.Frame));
        foreach (var frame in shared.Concat(s.Vmalloc.SelectMany(a => a.Frames)))
        {
            yield return frame;
        }
    }

    /// <summary>
    /// Every frame the paging layer owns, with its owner: PGDs, tables, anonymous pages, the zero page, page-cache
    /// pages, vmalloc pages.
    /// </summary>
    public static IEnumerable<(Pfn Frame, string Owner)> Owners(PagingSnapshot s) =>
        s.Spaces.SelectMany(space =>
                new[] { (space.Pgd, $"{space.Id} PGD") }
                    .Concat(space.Tables.Select(t =>
                        (t.Frame, $"{space.Id} {PageLevelText.Of(s.Format.Levels[t.Depth])} table {t.Index:x}")))
                    .Concat(space.Pages.Where(p => p.Owner.IsAnon)
                        .Select(p => (p.Frame, $"{space.Id} anon page {p.Addr:x}"))))
            .Append((s.ZeroPage, "the zero page"))
            .Concat(s.Cache.Select(c => (c.Frame, $"page cache {c.Backing}@{c.PgOff}")))
            .Concat(s.KernelTables.Select(t =>
                (t.Frame, $"kernel {PageLevelText.Of(s.Format.Levels[t.Depth])} table {t.Index:x}")))
            .Concat(s.Vmalloc.SelectMany(a =>
                a.Frames.Select((f, i) => (f, $"vmalloc page {a.Start + ((ulong)i * Pfn.PageSize):x}"))));
}
