using MMSpec.Impl.MemorySystem;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.MemorySystem;

/// <summary>
/// The whole system at its edges, on the models and the implementations: a fork with no pid left, vmalloc's lowest
/// fit into a hole of exactly the area and its guard page, a system built without its parts.
/// </summary>
public sealed class SystemEdgeExamples
{
    private static readonly SystemConfig Small = new(1024, Cpus: 1, Files: 1, FilePages: 8, PidMax: 301);

    [Theory]
    [MemberData(nameof(SystemExamples.Sides), MemberType = typeof(SystemExamples))]
    public void A_fork_with_no_pid_left_is_refused_and_changes_nothing(string side)
    {
        // pid_max 301: pids 1 to 300, init holds 1, so 299 forks succeed.
        var system = SystemExamples.Create(side, Small);
        for (var fork = 0; fork < 299; fork++)
        {
            Assert.True(system.Fork(Pid.Init).IsOk, $"fork {fork}");
        }

        var full = system.Snapshot();
        Assert.Equal(new NoPidLeft(301), system.Fork(Pid.Init).Error);
        Assert.Null(system.Snapshot().DiffFrom(full));
    }

    [Theory]
    [MemberData(nameof(SystemExamples.Sides), MemberType = typeof(SystemExamples))]
    public void Vmalloc_takes_the_lowest_hole_that_holds_the_area_and_its_guard_page_exactly(string side)
    {
        var system = SystemExamples.Create(side, Small);
        var first = system.Vmalloc(1).Value;
        var second = system.Vmalloc(1).Value;
        Assert.Equal(PagingFormat.FourLevel.VmallocStart, first.Value);
        Assert.Equal(first.Value + (2 * Pfn.PageSize), second.Value);
        Assert.True(system.Vfree(first).IsOk);

        // The hole before the second area is two pages: one page and its guard page fit exactly.
        Assert.Equal(first, system.Vmalloc(1).Value);
        Assert.Equal(second.Value + (2 * Pfn.PageSize), system.Vmalloc(2).Value.Value);
    }

    [Fact]
    public void A_system_without_its_config_or_parts_is_refused()
    {
        var config = new SystemConfig(256);
        Assert.Throws<ArgumentNullException>(() =>
            new Model.MemorySystem.MemorySystem(null!, SystemParts.Models(config)));
        Assert.Throws<ArgumentNullException>(() => new Model.MemorySystem.MemorySystem(config, null!));
        Assert.Throws<ArgumentNullException>(() => ImplSystem.Parts(null!));
    }

    [Theory]
    [MemberData(nameof(SystemExamples.Sides), MemberType = typeof(SystemExamples))]
    public void A_refused_mask_says_why(string side)
    {
        var system = SystemExamples.Create(side, Small);
        Assert.Equal("gfp Dma, Dma32, Kernel: its zone modifiers name no zone (GFP_ZONE_BAD)",
            system.AllocPages(Gfp.Kernel | Gfp.Dma | Gfp.Dma32, new Order(0)).Error!.Message);
        Assert.Equal("gfp Kernel, NoFail: __GFP_NOFAIL loops until memory comes; it is not simulated",
            system.AllocPages(Gfp.Kernel | Gfp.NoFail, new Order(0)).Error!.Message);
    }
}
