using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Buddy;

/// <summary>
/// Independent re-derivations of the spec over snapshots, used by the live and exact checks: they do not call the
/// model, so a bug shared by model and implementation still shows.
/// </summary>
public static class BuddyRules
{
    public const string ModelPermits = SharedRules.ModelPermits;
    public const string UnchangedOnError = SharedRules.UnchangedOnError;
    public const string SnapshotsEqual = SharedRules.SameState;
    public const string SucceedsIffFree = "succeeds-iff-free-block";
    public const string LinuxCounts = "linux-free-area-counts";
    public const string RestoresInitial = "free-all-restores-initial";

    /// <summary>Whether some naturally aligned 2^order run of free frames lies inside one allowed zone.</summary>
    public static bool FreeAlignedBlockExists(BuddySnapshot s, Order order, ZoneType highest)
    {
        var free = new bool[s.Layout.FrameCount];
        foreach (var block in s.Free)
        {
            for (var f = block.Pfn.Value; f < block.End; f++)
            {
                free[f] = true;
            }
        }

        foreach (var zone in s.Layout.Zones.Where(z => z.Type <= highest))
        {
            var first = (zone.Start.Value + order.Pages - 1) / order.Pages * order.Pages;
            for (var start = first; start + order.Pages <= zone.End.Value; start += order.Pages)
            {
                var all = true;
                for (var f = start; f < start + order.Pages && all; f++)
                {
                    all = free[f];
                }

                if (all)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Counts after alloc_pages: one block of order j leaves, one block of each order k..j-1 arrives.
    /// </summary>
    public static Dictionary<ZoneType, int[]> CountsAfterAlloc(BuddySnapshot before, Order order, ZoneType highest)
    {
        var counts = Copy(before.Counts());
        foreach (var zone in before.Layout.Zones.Where(z => z.Type <= highest).Reverse())
        {
            var list = counts[zone.Type];
            for (var j = order.Value; j <= Order.Max; j++)
            {
                if (list[j] > 0)
                {
                    list[j]--;
                    for (var k = order.Value; k < j; k++)
                    {
                        list[k]++;
                    }

                    return counts;
                }
            }
        }

        return counts;
    }

    /// <summary>Counts after __free_one_page: each merge takes one block of that order, the result adds one.</summary>
    public static Dictionary<ZoneType, int[]> CountsAfterFree(BuddySnapshot before, Pfn pfn, Order order)
    {
        var counts = Copy(before.Counts());
        var zone = before.Layout.ZoneOf(pfn)!;
        var free = before.Free.ToHashSet();
        var head = pfn.Value;
        var current = order.Value;
        while (current < Order.Max)
        {
            var buddy = new Block(new Pfn(head ^ (1UL << current)), new Order(current));
            if (!zone.Contains(buddy.Pfn) || !free.Contains(buddy))
            {
                break;
            }

            counts[zone.Type][current]--;
            head &= buddy.Pfn.Value;
            current++;
        }

        counts[zone.Type][current]++;
        return counts;
    }

    public static string? CountsDiffer(IReadOnlyDictionary<ZoneType, int[]> expected,
        IReadOnlyDictionary<ZoneType, int[]> actual)
    {
        foreach (var (zone, counts) in expected)
        {
            if (!actual.TryGetValue(zone, out var other) || !counts.SequenceEqual(other))
            {
                return $"{ZoneNames.Of(zone)}: expected [{string.Join(' ', counts)}], got "
                    + $"[{string.Join(' ', other ?? [])}]";
            }
        }

        return null;
    }

    private static Dictionary<ZoneType, int[]> Copy(IReadOnlyDictionary<ZoneType, int[]> counts) =>
        counts.ToDictionary(c => c.Key, c => (int[])c.Value.Clone());
}
