using System.Collections.Immutable;
using MMSpec.Model.Core;

namespace MMSpec.Model.Buddy;

/// <summary>
/// The buddy allocator's invariants as named checks over a snapshot (docs/buddy.md, "Rules"). Each returns the
/// violations it finds; an empty result means the rule holds.
/// </summary>
public static class BuddyInvariants
{
    public const string OrderRange = "order-range";
    public const string NaturalAlignment = "natural-alignment";
    public const string ZoneContainment = "zone-containment";
    public const string Partition = "partition";
    public const string MaximalCoalescing = "maximal-coalescing";
    public const string Conservation = "conservation";

    public static IEnumerable<Violation> All(BuddySnapshot s) =>
        CheckOrderRange(s)
            .Concat(CheckNaturalAlignment(s))
            .Concat(CheckZoneContainment(s))
            .Concat(CheckPartition(s))
            .Concat(CheckMaximalCoalescing(s))
            .Concat(CheckConservation(s));

    /// <summary>
    /// The rules over one window aligned to MAX_PAGE_ORDER, for a snapshot of the blocks that start in it: every rule
    /// but conservation, which the window's partition implies for its frames. A subset of <see cref="All"/>: whatever
    /// breaks here breaks there.
    /// </summary>
    public static IEnumerable<Violation> Window(BuddySnapshot window, PfnRange frames) =>
        CheckOrderRange(window)
            .Concat(CheckNaturalAlignment(window))
            .Concat(CheckZoneContainment(window))
            .Concat(CheckPartition(window, frames))
            .Concat(CheckMaximalCoalescing(window));

    /// <summary>Every block has an order in 0..MAX_PAGE_ORDER and lies inside the machine.</summary>
    public static IEnumerable<Violation> CheckOrderRange(BuddySnapshot s) =>
        Blocks(s, OrderRange, static (b, layout) => !b.Order.IsValid || b.End > layout.FrameCount,
            "has a bad order or leaves the machine");

    /// <summary>pfn % 2^order == 0 for every block.</summary>
    public static IEnumerable<Violation> CheckNaturalAlignment(BuddySnapshot s) =>
        Blocks(s, NaturalAlignment, static (b, _) => b.Order.IsValid && b.Pfn.Value % b.Order.Pages != 0,
            "is not aligned to its order");

    /// <summary>A block never spans two zones.</summary>
    public static IEnumerable<Violation> CheckZoneContainment(BuddySnapshot s) =>
        Blocks(s, ZoneContainment,
            static (b, layout) => b.Order.IsValid && layout.ZoneOf(b.Pfn)?.Contains(b.Pfn, b.Order) != true,
            "crosses a zone boundary");

    /// <summary>Every frame is in exactly one free block, one allocated block, or one reserved range.</summary>
    public static IEnumerable<Violation> CheckPartition(BuddySnapshot s) =>
        CheckPartition(s, new PfnRange(new Pfn(0), new Pfn(s.Layout.FrameCount)));

    /// <summary>
    /// The partition rule over the frames of <paramref name="window"/>, for a snapshot of the blocks that start there
    /// (<see cref="BuddySnapshot.Within"/>): the lockstep's incremental check. A window aligned to MAX_PAGE_ORDER
    /// holds every valid block that meets it, so a gap at its start means a block that is misaligned or too large.
    /// </summary>
    public static IEnumerable<Violation> CheckPartition(BuddySnapshot s, PfnRange window)
    {
        var reserved = ReservedIn(s.Layout.Reserved.AsSpan(), window);
        var (free, allocated, held) = (0, 0, 0);
        var next = window.Start.Value;
        Piece? previous = null;
        for (var pieces = 0; pieces <= s.Free.Length + s.Allocated.Length + reserved.Length; pieces++)
        {
            free = SkipInvalid(s.Free, free);
            allocated = SkipInvalid(s.Allocated, allocated);
            Piece? piece = null;
            if (free < s.Free.Length)
            {
                piece = new Piece(s.Free[free].Pfn.Value, s.Free[free].End, "free", s.Free[free], default);
            }

            if (allocated < s.Allocated.Length
                && (piece is null || s.Allocated[allocated].Pfn.Value < piece.Value.Start))
            {
                piece = new Piece(
                    s.Allocated[allocated].Pfn.Value, s.Allocated[allocated].End, "allocated",
                    s.Allocated[allocated], default);
            }

            var range = held < reserved.Length ? reserved[held] : default;
            var rangeStart = Math.Max(range.Start.Value, window.Start.Value);
            if (held < reserved.Length && (piece is null || rangeStart < piece.Value.Start))
            {
                piece = new Piece(rangeStart, range.End.Value, "reserved", null, range);
            }

            if (piece is not { } current)
            {
                break;
            }

            (free, allocated, held) = current.Kind switch
            {
                "free" => (free + 1, allocated, held),
                "allocated" => (free, allocated + 1, held),
                _ => (free, allocated, held + 1),
            };
            if (current.Start != next)
            {
                var after = previous?.ToString()
                    ?? (window.Start.Value == 0 ? "the start of memory" : $"the start of the window at 0x{next:x}");
                yield return new Violation(Partition, current.Start < next
                    ? $"{current} overlaps {after}"
                    : $"frames [0x{next:x}, 0x{current.Start:x}) after {after} are in no block");
            }

            next = Math.Max(next, current.End);
            previous = current;
        }

        var end = Math.Min(window.End.Value, s.Layout.FrameCount);
        if (next < end)
        {
            yield return new Violation(Partition, $"frames [0x{next:x}, 0x{end:x}) at the end are in no block");
        }
    }

    /// <summary>
    /// The reserved ranges that meet the window: sorted and disjoint, so they are one run of the array, found by a
    /// scan that allocates only the (usually empty) result.
    /// </summary>
    private static PfnRange[] ReservedIn(ReadOnlySpan<PfnRange> reserved, PfnRange window)
    {
        var first = 0;
        while (first < reserved.Length && reserved[first].End <= window.Start)
        {
            first++;
        }

        var end = first;
        while (end < reserved.Length && reserved[end].Start < window.End)
        {
            end++;
        }

        return reserved[first..end].ToArray();
    }

    private static int SkipInvalid(ImmutableArray<Block> blocks, int index)
    {
        while (index < blocks.Length && !blocks[index].Order.IsValid)
        {
            index++;
        }

        return index;
    }

    /// <summary>
    /// No two free buddies of the same order below MAX_PAGE_ORDER in the same zone (__free_one_page merges them).
    /// The free blocks are sorted by pfn, so a buddy is looked up by binary search rather than in a set built for it.
    /// </summary>
    public static IEnumerable<Violation> CheckMaximalCoalescing(BuddySnapshot s)
    {
        for (var i = 0; i < s.Free.Length; i++)
        {
            var block = s.Free[i];
            if (block.Order.Value is < 0 or >= Order.Max || (block.Pfn.Value & block.Order.Pages) != 0)
            {
                continue;
            }

            var buddy = new Block(new Pfn(block.Pfn.Value + block.Order.Pages), block.Order);
            var zone = s.Layout.ZoneOf(block.Pfn);
            if (IsFree(s, buddy) && zone is not null && zone.Contains(buddy.Pfn))
            {
                yield return new Violation(MaximalCoalescing, $"free buddies {block} and {buddy} were not merged");
            }
        }
    }

    /// <summary>
    /// Whether the block is one of the free blocks: those that start at its pfn are adjacent in the sorted array.
    /// </summary>
    private static bool IsFree(BuddySnapshot s, Block block)
    {
        var free = s.Free.AsSpan();
        for (var at = BuddySnapshot.LowerBound(free, block.Pfn); at < free.Length && free[at].Pfn == block.Pfn; at++)
        {
            if (free[at] == block)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Free pages + allocated pages == managed pages: nothing is lost or created.</summary>
    public static IEnumerable<Violation> CheckConservation(BuddySnapshot s)
    {
        var total = 0UL;
        foreach (var block in s.Free.Concat(s.Allocated).Where(b => b.Order.IsValid))
        {
            total += block.Order.Pages;
        }

        if (total != s.Layout.ManagedFrames)
        {
            yield return new Violation(
                Conservation, $"free + allocated = {total} pages, but {s.Layout.ManagedFrames} are managed");
        }
    }

    /// <summary>A run of frames for the partition rule; its text is built only for a violation.</summary>
    private readonly record struct Piece(ulong Start, ulong End, string Kind, Block? Block, PfnRange Range)
    {
        public override string ToString() => $"{Kind} {(Block is { } block ? block.ToString() : Range.ToString())}";
    }

    /// <summary>
    /// One rule over every block, free ones first: a loop with a static (cached) predicate, where a LINQ chain would
    /// allocate a tuple a block and a closure a call.
    /// </summary>
    private static IEnumerable<Violation> Blocks(BuddySnapshot s, string rule, Func<Block, MemoryLayout, bool> broken,
        string what)
    {
        for (var allocated = 0; allocated < 2; allocated++)
        {
            foreach (var block in allocated == 0 ? s.Free : s.Allocated)
            {
                if (broken(block, s.Layout))
                {
                    yield return new Violation(rule, $"{(allocated == 0 ? "free" : "allocated")} block {block} {what}");
                }
            }
        }
    }
}
