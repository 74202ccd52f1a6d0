using MMSpec.Model.Buddy;
using MMSpec.Model.MemorySystem;
using Xunit;

namespace MMSpec.Properties.MemorySystem;

/// <summary>
/// The page allocator at its marks, one page at a time on a 1024-frame machine (min 64, low 80, high 96; nothing
/// reclaimable): __zone_watermark_ok passes at free_pages &gt; mark, so the fast path takes pages down to 80 free,
/// the slow path's retry at min down to 64, and the next request finds nothing to reclaim.
/// </summary>
public sealed class WatermarkFloorExamples
{
    private static void Take(IMemorySystem system, int pages)
    {
        for (var page = 0; page < pages; page++)
        {
            Assert.True(system.AllocPages(Gfp.Kernel, new Order(0)).IsOk, $"page {page} of {pages}");
        }
    }

    [Theory]
    [MemberData(nameof(SystemExamples.Sides), MemberType = typeof(SystemExamples))]
    public void The_fast_path_leaves_the_low_mark_and_the_slow_path_the_min_mark(string side)
    {
        var system = SystemExamples.Create(side, SystemExamples.Small);

        // 81 free pass the low mark (81 > 80): the last fast-path page leaves 80, and kswapd sleeps on.
        Take(system, 1024 - 80);
        var atLow = system.Snapshot();
        Assert.Equal((80UL, false), (atLow.Reclaim.Pages.FreePages, atLow.KswapdAwake));

        // 80 do not: the slow path wakes kswapd and its retry at min takes the page.
        Take(system, 1);
        var belowLow = system.Snapshot();
        Assert.Equal((79UL, true), (belowLow.Reclaim.Pages.FreePages, belowLow.KswapdAwake));
        Assert.Equal(new AllocStalls(0, 0), belowLow.AllocStalls);

        // Down to 64 at min (65 > 64); then direct reclaim stalls once per try and frees nothing.
        Take(system, 79 - 64);
        Assert.Equal(64UL, system.Snapshot().Reclaim.Pages.FreePages);
        Assert.Equal(new AllocStalls(0, 0), system.Snapshot().AllocStalls);
        Assert.False(system.AllocPages(Gfp.Kernel, new Order(0)).IsOk);
        var atMin = system.Snapshot();
        Assert.Equal(64UL, atMin.Reclaim.Pages.FreePages);
        Assert.True(atMin.AllocStalls.Normal > 0, $"{atMin.AllocStalls}");
    }

    [Theory]
    [MemberData(nameof(SystemExamples.Sides), MemberType = typeof(SystemExamples))]
    public void The_reclaim_systems_watermark_is_back_at_0_after_every_call(string side)
    {
        // Each call runs with the reclaim system's watermark at its floor, and puts it back when done, failed or not.
        var system = SystemExamples.Create(side, SystemExamples.Small);
        Take(system, 1024 - 64);
        Assert.Equal(0UL, system.Snapshot().Reclaim.Watermark);
        Assert.False(system.AllocPages(Gfp.Kernel, new Order(0)).IsOk);
        Assert.Equal(0UL, system.Snapshot().Reclaim.Watermark);
    }
}
