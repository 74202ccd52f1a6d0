using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// IReclaimSystem.SetWatermark and Counters on both sides: every kind of allocation stops at the watermark with a
/// typed error and nothing changed, reclaim still frees below it, the counters equal what the snapshot implies.
/// </summary>
public sealed class WatermarkFloorTests
{
    private static readonly ReclaimConfig Machine = new(128, 1, 1, 8);

    private static readonly CpuId Cpu0 = new(0);

    private static void Unchanged(IReclaimSystem system, ReclaimSnapshot before, MmError expected, MmError? error)
    {
        Assert.Equal(expected, error);
        Assert.True(system.Snapshot().SameAs(before), system.Snapshot().DiffFrom(before));
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Faults_file_io_and_kernel_allocations_stop_at_the_watermark(string side)
    {
        var system = ReclaimSides.Create(side, Machine);
        var mm = system.CreateMm().Value;
        var anon = system.Mmap(mm, MapKind.Anon, 0, 4).Value;
        Assert.True(system.SetWatermark(126).IsOk);
        Assert.Equal(0UL, system.Access(mm, Cpu0, anon, true, 1).Value);
        Assert.Equal(0UL, system.Access(mm, Cpu0, new VirtAddr(anon.Value + Pfn.PageSize), true, 2).Value);
        Assert.Equal(126UL, system.Counters().FreePages);
        var before = system.Snapshot();
        Unchanged(system, before, new ReclaimOutOfMemory(1, 0),
            system.Access(mm, Cpu0, new VirtAddr(anon.Value + (2 * Pfn.PageSize)), true, 3).Error);
        Unchanged(system, before, new ReclaimOutOfMemory(1, 0), system.ReadFile(0, 0).Error);
        Unchanged(system, before, new ReclaimOutOfMemory(1, 0), system.KernelAlloc(new Order(0)).Error);
        Assert.True(system.SetWatermark(124).IsOk);
        Assert.Equal(new ReclaimOutOfMemory(4, 2), system.KernelAlloc(new Order(2)).Error);
        Assert.True(system.KernelAlloc(new Order(1)).IsOk);
        Assert.Equal(124UL, system.Counters().FreePages);
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Reclaim_frees_below_the_watermark_and_a_bad_watermark_is_refused(string side)
    {
        var system = ReclaimSides.Create(side, Machine);
        Assert.True(system.Swapon(64, null).IsOk);
        var mm = system.CreateMm().Value;
        var anon = system.Mmap(mm, MapKind.Anon, 0, 64).Value;
        for (var page = 0UL; page < 64; page++)
        {
            Assert.True(system.Access(mm, Cpu0, new VirtAddr(anon.Value + (page * Pfn.PageSize)), true, page).IsOk);
        }

        Assert.True(system.SetWatermark(Machine.Frames).IsOk);
        Assert.True(system.TryToFreePages().Value > 0);
        var before = system.Snapshot();
        Unchanged(system, before, new InvalidWatermark(129, 128), system.SetWatermark(129).Error);
        Assert.Equal(Machine.Frames, before.Watermark);
        var counters = system.Counters();
        Assert.True(counters.SameAs(ZoneCounters.Of(before)), $"{counters} vs {ZoneCounters.Of(before)}");
        Assert.Equal(63UL - before.Swap[0].InUse, counters.FreeSwapSlots);
        Assert.Equal((ulong)before.Folios.Length, counters.LruPages.Aggregate(0UL, (a, b) => a + b));
    }
}
