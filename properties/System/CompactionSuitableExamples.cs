using MMSpec.Impl.MemorySystem;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using Xunit;
using MMSpec.Properties.Core;

namespace MMSpec.Properties.MemorySystem;

/// <summary>
/// compaction_zonelist_suitable as the whole system answers it for the slow path: __compaction_suitable's order-0
/// check with the reclaimable pages counted as free, at the min mark plus compact_gap (2 &lt;&lt; order), or at
/// the low mark above PAGE_ALLOC_COSTLY_ORDER. A 1024-frame machine (min 64, low 80) with 30 clean file pages in
/// the page cache and free pages taken by GFP_ATOMIC (which reclaims nothing) to the sum each case needs.
/// </summary>
public sealed class CompactionSuitableExamples
{
    /// <summary>A slow path that first asks its world the question, then runs MMSpec's.</summary>
    private sealed class Asking : ISlowPath
    {
        public bool? Suitable { get; set; }

        public SlowPathRun Run(SlowPathRequest request, ISlowPathWorld world)
        {
            Suitable = world.CompactionZonelistSuitable();
            return new SlowPathModel().Run(request, world);
        }
    }

    public static TheoryData<string, int, ulong, bool> Cases => new()
    {
        // order 1: min 64 + 4; 66 do not pass, 75 do (and would not at low 80 + 4)
        { "model", 1, 66, false }, { "impl", 1, 66, false }, { "model", 1, 75, true }, { "impl", 1, 75, true },
        // order 3 is not costly: min 64 + 16; order 4 is: low 80 + 32 (at min 96 it would pass)
        { "model", 3, 85, true }, { "impl", 3, 85, true }, { "model", 4, 100, false }, { "impl", 4, 100, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reclaim_could_make_compaction_suitable_when_free_and_reclaimable_pass_the_mark_and_gap(string side,
        int order, ulong freeAndReclaimable, bool suitable)
    {
        var config = new SystemConfig(1024, Cpus: 1, Files: 1, FilePages: 30);
        var asking = new Asking();
        var parts = side == "model" ? SystemParts.Models(config) : ImplSystem.Parts(config);
        var system = new Model.MemorySystem.MemorySystem(config, parts with { SlowPath = asking });
        var reader = system.Fork(Pid.Init).Value;
        var file = system.Mmap(reader, MapKind.File, 0, 30).Value;
        for (var page = 0UL; page < 30; page++)
        {
            Assert.True(system.Access(reader, new CpuId(0), PageAddresses.Page(file, page), false, 0).IsOk);
        }

        var reclaimable = ZoneCounters.Of(system.Snapshot().Reclaim).ReclaimablePages;
        Assert.Equal(30UL, reclaimable);
        while (system.Snapshot().Reclaim.Pages.FreePages + reclaimable > freeAndReclaimable)
        {
            Assert.True(system.AllocPages(Gfp.Atomic, new Order(0)).IsOk);
        }

        Assert.Equal(freeAndReclaimable, system.Snapshot().Reclaim.Pages.FreePages + reclaimable);
        asking.Suitable = null;
        system.AllocPages(Gfp.Kernel, new Order(order));
        Assert.Equal(suitable, asking.Suitable);
    }
}
