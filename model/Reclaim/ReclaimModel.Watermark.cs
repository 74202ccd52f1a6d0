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
        return new ZoneCounters(
            ZoneCounters.NrFreeOf(_pages.Snapshot()),
            [.. _lru.Select(list => (ulong)list.Count)],
            (ulong)_swap.Values.Sum(area => area.Usable - area.Used));
    }
}
