using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// What a teardown left behind, for the "restores everything" properties: each block still allocated that was not
/// allocated at the start, with what holds it (an address space's table or page, a page-cache page, a cache's slab,
/// a large kmalloc ...) or "nothing" for a leak, then how the free areas differ.
/// </summary>
public static class Teardown
{
    /// <summary>How many left-behind blocks the report names one by one; the rest are counted.</summary>
    public const int Named = 8;

    /// <summary>
    /// Null when <paramref name="after"/>'s free areas are <paramref name="initial"/>'s; else the blocks left behind,
    /// each with its holder from <paramref name="holders"/> (a frame and what holds it, as the component's snapshot
    /// says), and the free areas' difference.
    /// </summary>
    public static string? LeftBehind(BuddySnapshot initial, BuddySnapshot after,
        IEnumerable<(Pfn Frame, string Holder)> holders)
    {
        var diff = after.DiffFrom(initial);
        var kept = initial.Allocated.ToHashSet();
        var left = after.Allocated.Where(b => !kept.Contains(b)).ToList();
        if (diff is null && left.Count == 0)
        {
            return null;
        }

        var byFrame = new Dictionary<Pfn, string>();
        foreach (var (frame, holder) in holders)
        {
            byFrame.TryAdd(frame, holder);
        }

        var named = left.Take(Named).Select(b => $"{b} held by {HolderOf(b, byFrame)}");
        var more = left.Count > Named ? $"; and {left.Count - Named} more" : string.Empty;
        var frames = left.Sum(b => (long)b.Order.Pages);
        var blocks = left.Count == 1 ? "1 block" : $"{left.Count} blocks";
        return $"left behind {blocks} ({frames} frames): {string.Join("; ", named)}{more}"
            + (diff is null ? string.Empty : $"; free areas: {diff}");
    }

    /// <summary>What holds a frame of the block, or "nothing (leaked)".</summary>
    private static string HolderOf(Block block, Dictionary<Pfn, string> holders)
    {
        for (var frame = block.Pfn.Value; frame < block.End; frame++)
        {
            if (holders.TryGetValue(new Pfn(frame), out var holder))
            {
                return holder;
            }
        }

        return "nothing (leaked)";
    }
}
