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
        Blocks(s).Where(b => !b.Block.Order.IsValid || b.Block.End > s.Layout.FrameCount)
            .Select(b => new Violation(OrderRange, $"{b.Kind} block {b.Block} has a bad order or leaves the machine"));

    /// <summary>pfn % 2^order == 0 for every block.</summary>
    public static IEnumerable<Violation> CheckNaturalAlignment(BuddySnapshot s) =>
        Blocks(s).Where(b => b.Block.Order.IsValid && b.Block.Pfn.Value % b.Block.Order.Pages != 0)
            .Select(b => new Violation(NaturalAlignment, $"{b.Kind} block {b.Block} is not aligned to its order"));

    /// <summary>A block never spans two zones.</summary>
    public static IEnumerable<Violation> CheckZoneContainment(BuddySnapshot s) =>
        Blocks(s).Where(b => b.Block.Order.IsValid && s.Layout.ZoneOf(b.Block.Pfn)?.Contains(b.Block.Pfn, b.Block.Order) != true)
            .Select(b => new Violation(ZoneContainment, $"{b.Kind} block {b.Block} crosses a zone boundary"));

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
        var reserved = s.Layout.Reserved.Where(r => r.End > window.Start && r.Start < window.End).ToArray();
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

            if (allocated < s.Allocated.Length && (piece is null || s.Allocated[allocated].Pfn.Value < piece.Value.Start))
            {
                piece = new Piece(s.Allocated[allocated].Pfn.Value, s.Allocated[allocated].End, "allocated", s.Allocated[allocated], default);
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

    private static int SkipInvalid(ImmutableArray<Block> blocks, int index)
    {
        while (index < blocks.Length && !blocks[index].Order.IsValid)
        {
            index++;
        }

        return index;
    }

    /// <summary>No two free buddies of the same order below MAX_PAGE_ORDER in the same zone (__free_one_page merges them).</summary>
    public static IEnumerable<Violation> CheckMaximalCoalescing(BuddySnapshot s)
    {
        var free = s.Free.ToHashSet();
        var lowerHalves = s.Free.Where(b => b.Order.Value is >= 0 and < Order.Max && (b.Pfn.Value & b.Order.Pages) == 0);
        foreach (var block in lowerHalves)
        {
            var buddy = new Block(new Pfn(block.Pfn.Value + block.Order.Pages), block.Order);
            var zone = s.Layout.ZoneOf(block.Pfn);
            if (free.Contains(buddy) && zone is not null && zone.Contains(buddy.Pfn))
            {
                yield return new Violation(MaximalCoalescing, $"free buddies {block} and {buddy} were not merged");
            }
        }
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
            yield return new Violation(Conservation, $"free + allocated = {total} pages, but {s.Layout.ManagedFrames} are managed");
        }
    }

    /// <summary>A run of frames for the partition rule; its text is built only for a violation.</summary>
    private readonly record struct Piece(ulong Start, ulong End, string Kind, Block? Block, PfnRange Range)
    {
        public override string ToString() => $"{Kind} {(Block is { } block ? block.ToString() : Range.ToString())}";
    }

    private static IEnumerable<(string Kind, Block Block)> Blocks(BuddySnapshot s) =>
        s.Free.Select(b => ("free", b)).Concat(s.Allocated.Select(b => ("allocated", b)));
}
