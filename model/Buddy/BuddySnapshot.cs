using System.Collections.Immutable;
using MMSpec.Model.Core;

namespace MMSpec.Model.Buddy;

/// <summary>
/// The canonical state of a buddy allocator: free blocks and allocated blocks, each sorted by pfn.
/// Two allocators are in the same state exactly when their snapshots are equal.
/// </summary>
public sealed class BuddySnapshot
{
    public BuddySnapshot(MemoryLayout layout, IEnumerable<Block> free, IEnumerable<Block> allocated)
    {
        Layout = layout;
        Free = Sorted(free);
        Allocated = Sorted(allocated);
    }

    public MemoryLayout Layout { get; }

    public ImmutableArray<Block> Free { get; }

    public ImmutableArray<Block> Allocated { get; }

    /// <summary>The blocks that start in <paramref name="frames"/>.</summary>
    public BuddySnapshot Within(PfnRange frames) =>
        new(Layout, Free.Where(b => b.Pfn >= frames.Start && b.Pfn < frames.End),
            Allocated.Where(b => b.Pfn >= frames.Start && b.Pfn < frames.End));

    /// <summary>The same blocks: what <see cref="DiffFrom"/> reports as null, without building its text.</summary>
    public bool SameBlocks(BuddySnapshot other) =>
        Layout.Equals(other.Layout) && Free.SequenceEqual(other.Free) && Allocated.SequenceEqual(other.Allocated);

    public ulong FreePages => Free.Aggregate(0UL, (sum, b) => sum + b.Order.Pages);

    /// <summary>nr_free of free_area[order] in a zone: the number of free blocks of that order.</summary>
    public int CountOf(Zone zone, Order order) => Free.Count(b => b.Order == order && zone.Contains(b.Pfn));

    /// <summary>The per-order counts of every zone, as /proc/buddyinfo shows them.</summary>
    public IReadOnlyDictionary<ZoneType, int[]> Counts() =>
        Layout.Zones.ToDictionary(z => z.Type, z => Enumerable.Range(0, Order.Count).Select(o => CountOf(z, new Order(o))).ToArray());

    /// <summary>Null when equal; otherwise the first blocks that differ, for a readable failure.</summary>
    public string? DiffFrom(BuddySnapshot other)
    {
        if (!Layout.Equals(other.Layout))
        {
            return $"layouts differ: {Layout} vs {other.Layout}";
        }

        return Diff("free", Free, other.Free) ?? Diff("allocated", Allocated, other.Allocated);
    }

    public override string ToString() =>
        $"free: {string.Join(' ', Free)}\nallocated: {string.Join(' ', Allocated)}";

    /// <summary>Sorted by pfn; input already in pfn order (every allocator's scan) is only checked, not sorted.</summary>
    private static ImmutableArray<Block> Sorted(IEnumerable<Block> blocks)
    {
        var array = blocks.ToArray();
        for (var i = 1; i < array.Length; i++)
        {
            if (array[i].Pfn < array[i - 1].Pfn)
            {
                Array.Sort(array, (a, b) => a.Pfn.CompareTo(b.Pfn));
                break;
            }
        }

        return ImmutableArray.Create(array);
    }

    private static string? Diff(string what, ImmutableArray<Block> mine, ImmutableArray<Block> theirs)
    {
        var onlyMine = mine.Except(theirs).Take(8).ToList();
        var onlyTheirs = theirs.Except(mine).Take(8).ToList();
        return onlyMine.Count == 0 && onlyTheirs.Count == 0
            ? null
            : $"{what} blocks differ: only here [{string.Join(' ', onlyMine)}], only there [{string.Join(' ', onlyTheirs)}]";
    }
}
