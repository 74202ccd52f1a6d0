using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text.Json.Serialization;
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

    /// <summary>
    /// The same from immutable arrays (an allocator's scan builds them at their exact size): kept as they are when
    /// already in pfn order, so a snapshot costs no copy.
    /// </summary>
    [JsonConstructor]
    public BuddySnapshot(MemoryLayout layout, ImmutableArray<Block> free, ImmutableArray<Block> allocated)
    {
        Layout = layout;
        Free = InOrder(free.AsSpan()) ? free : Sorted(free);
        Allocated = InOrder(allocated.AsSpan()) ? allocated : Sorted(allocated);
    }

    public MemoryLayout Layout { get; }

    public ImmutableArray<Block> Free { get; }

    public ImmutableArray<Block> Allocated { get; }

    /// <summary>The blocks that start in <paramref name="frames"/>.</summary>
    public BuddySnapshot Within(PfnRange frames) => new(Layout, Slice(Free, frames), Slice(Allocated, frames));

    /// <summary>
    /// The same blocks: what <see cref="DiffFrom"/> reports as null, without building its text. Compared as spans
    /// (Block is IEquatable), which neither boxes the arrays nor calls a comparer per element.
    /// </summary>
    public bool SameBlocks(BuddySnapshot other) =>
        Layout.Equals(other.Layout) && Free.AsSpan().SequenceEqual(other.Free.AsSpan())
        && Allocated.AsSpan().SequenceEqual(other.Allocated.AsSpan());

    /// <summary>The first index at or after <paramref name="pfn"/> in pfn-sorted blocks, by binary search.</summary>
    public static int LowerBound(ReadOnlySpan<Block> sorted, Pfn pfn)
    {
        var (low, high) = (0, sorted.Length);
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            (low, high) = sorted[middle].Pfn < pfn ? (middle + 1, high) : (low, middle);
        }

        return low;
    }

    public ulong FreePages => Free.Aggregate(0UL, (sum, b) => sum + b.Order.Pages);

    /// <summary>nr_free of free_area[order] in a zone: the number of free blocks of that order.</summary>
    public int CountOf(Zone zone, Order order) => Free.Count(b => b.Order == order && zone.Contains(b.Pfn));

    /// <summary>The per-order counts of every zone, as /proc/buddyinfo shows them.</summary>
    public IReadOnlyDictionary<ZoneType, int[]> Counts() =>
        Layout.Zones.ToDictionary(
            z => z.Type,
            z => Enumerable.Range(0, Order.Count).Select(o => CountOf(z, new Order(o))).ToArray());

    /// <summary>Null when equal; otherwise the first blocks that differ, for a readable failure.</summary>
    public string? DiffFrom(BuddySnapshot other)
    {
        if (ReferenceEquals(this, other))
        {
            return null;
        }

        if (!Layout.Equals(other.Layout))
        {
            return $"layouts differ: {Layout} vs {other.Layout}";
        }

        return Diff("free", Free, other.Free) ?? Diff("allocated", Allocated, other.Allocated);
    }

    public override string ToString() =>
        $"free: {string.Join(' ', Free)}\nallocated: {string.Join(' ', Allocated)}";

    /// <summary>
    /// Sorted by pfn; input already in pfn order (every allocator's scan) is only checked, not sorted. The array is
    /// this snapshot's own, so it is wrapped as it is rather than copied once more.
    /// </summary>
    private static ImmutableArray<Block> Sorted(IEnumerable<Block> blocks)
    {
        var array = blocks.ToArray();
        if (!InOrder(array))
        {
            Array.Sort(array, (a, b) => a.Pfn.CompareTo(b.Pfn));
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(array);
    }

    private static bool InOrder(ReadOnlySpan<Block> blocks)
    {
        for (var i = 1; i < blocks.Length; i++)
        {
            if (blocks[i].Pfn < blocks[i - 1].Pfn)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The blocks of a pfn-sorted array that start in the frames: two binary searches and one copy.</summary>
    private static ImmutableArray<Block> Slice(ImmutableArray<Block> sorted, PfnRange frames)
    {
        var from = LowerBound(sorted.AsSpan(), frames.Start);
        var to = Math.Max(from, LowerBound(sorted.AsSpan(), frames.End));
        return sorted.Slice(from, to - from);
    }

    private static string? Diff(string what, ImmutableArray<Block> mine, ImmutableArray<Block> theirs)
    {
        var onlyMine = mine.Except(theirs).Take(8).ToList();
        var onlyTheirs = theirs.Except(mine).Take(8).ToList();
        return onlyMine.Count == 0 && onlyTheirs.Count == 0
            ? null
            : $"{what} blocks differ: only here [{string.Join(' ', onlyMine)}], "
                + $"only there [{string.Join(' ', onlyTheirs)}]";
    }
}
