using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Reclaim;

public partial class ReclaimModel
{
    /// <summary>The free frames every allocation must leave (IReclaimSystem.SetWatermark).</summary>
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

    /// <summary>The counters, read off the state: free blocks by order, the lists, the areas' free slots.</summary>
    public ZoneCounters Counters()
    {
        var free = _pages.Snapshot().Free;
        return new ZoneCounters(
            [.. Enumerable.Range(0, Order.Max + 1).Select(o => (ulong)free.Count(b => b.Order.Value == o))],
            [.. _lru.Select(list => (ulong)list.Count)],
            (ulong)_swap.Values.Sum(area => area.Usable - area.Used));
    }
}
