using MMSpec.Model.Core;

namespace MMSpec.Model.Buddy;

/// <summary>
/// The buddy allocator's invariants as named checks over a snapshot (SPEC.md, "Physical memory and the buddy
/// allocator"). Each returns the violations it finds; an empty result means the rule holds.
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
    public static IEnumerable<Violation> CheckPartition(BuddySnapshot s)
    {
        var pieces = Blocks(s).Where(b => b.Block.Order.IsValid)
            .Select(b => (Start: b.Block.Pfn.Value, End: b.Block.End, What: $"{b.Kind} {b.Block}"))
            .Concat(s.Layout.Reserved.Select(r => (Start: r.Start.Value, End: r.End.Value, What: $"reserved {r}")))
            .OrderBy(p => p.Start);
        var next = 0UL;
        var previous = "the start of memory";
        foreach (var piece in pieces)
        {
            if (piece.Start != next)
            {
                yield return new Violation(Partition, piece.Start < next
                    ? $"{piece.What} overlaps {previous}"
                    : $"frames [0x{next:x}, 0x{piece.Start:x}) after {previous} are in no block");
            }

            next = Math.Max(next, piece.End);
            previous = piece.What;
        }

        if (next < s.Layout.FrameCount)
        {
            yield return new Violation(Partition, $"frames [0x{next:x}, 0x{s.Layout.FrameCount:x}) at the end are in no block");
        }
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
        var valid = Blocks(s).Where(b => b.Block.Order.IsValid).ToList();
        var total = valid.Aggregate(0UL, (sum, b) => sum + b.Block.Order.Pages);
        if (total != s.Layout.ManagedFrames)
        {
            yield return new Violation(Conservation, $"free + allocated = {total} pages, but {s.Layout.ManagedFrames} are managed");
        }
    }

    private static IEnumerable<(string Kind, Block Block)> Blocks(BuddySnapshot s) =>
        s.Free.Select(b => ("free", b)).Concat(s.Allocated.Select(b => ("allocated", b)));
}
