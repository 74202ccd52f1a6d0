using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>The allocator's watermark and the counters its checks read (SetWatermark, Counters).</summary>
public sealed partial class ReclaimSystem
{
    private ulong _watermark;

    public Result<Unit> SetWatermark(ulong pages)
    {
        if (pages > Config.Frames)
        {
            return new InvalidWatermark(pages, Config.Frames);
        }

        _watermark = pages;
        return Unit.Value;
    }

    /// <summary>The buddy allocator's nr_free per order, the LRU size counters, the areas' free slots.</summary>
    public ZoneCounters Counters()
    {
        var nrFree = new ulong[Order.Count];
        for (var order = 0; order < Order.Count; order++)
        {
            nrFree[order] = (ulong)_buddy.NrFree(ZoneType.Normal, new Order(order));
        }

        var lru = new ulong[Lists];
        for (var list = 0; list < Lists; list++)
        {
            lru[list] = (ulong)_lruSize[list];
        }

        var swapFree = 0UL;
        foreach (var area in _swap)
        {
            swapFree += area?.Free ?? 0;
        }

        return new ZoneCounters(ImmutableArray.Create(nrFree), ImmutableArray.Create(lru), swapFree);
    }
}
