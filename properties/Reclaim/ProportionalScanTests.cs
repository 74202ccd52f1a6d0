using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// shrink_lruvec's proportional scaling, written out by hand and run on both sides: once a pass below DEF_PRIORITY
/// has reclaimed SWAP_CLUSTER_MAX with both types still to scan, the type with less left stops and the other's lists
/// are cut to what their targets leave. It takes get_scan_count's SCAN_FRACT (no cache trim mode: the inactive file
/// list is low against the active one) and both types large enough that a pass reclaims 32 with some left, which
/// the generated machines reach too rarely for a mutation run's budget. The model and the implementation must
/// reclaim the same pages, scan the same counts and leave the same lists.
/// </summary>
public sealed class ProportionalScanTests
{
    private static readonly ReclaimConfig Machine = new(4096, 1, 1, 2048);

    /// <summary>
    /// File pages 0 to <paramref name="dirty"/> written (dirty), the next <paramref name="clean"/> read once, 1024 to
    /// 2047 read twice (active); <paramref name="anon"/> anonymous pages written; then swap and direct reclaim.
    /// </summary>
    [Theory]
    [InlineData(0, 64, 1024, 60)]
    [InlineData(0, 64, 1024, 150)]
    [InlineData(20, 64, 512, 60)]
    [InlineData(40, 512, 128, 150)]
    [InlineData(0, 64, 128, 150)]
    [InlineData(0, 64, 512, 100)]
    [InlineData(0, 256, 1024, 150)]
    [InlineData(20, 64, 512, 150)]
    [InlineData(20, 256, 512, 60)]
    [InlineData(20, 512, 1024, 100)]
    [InlineData(40, 64, 512, 60)]
    [InlineData(40, 512, 512, 100)]
    public void The_type_with_less_left_stops_and_the_other_is_scaled_as_the_model_does(int dirty, int clean,
        int anon, int swappiness)
    {
        var runs = ReclaimSides.Names.Select(side =>
        {
            var system = ReclaimSides.Create(side, Machine);
            Assert.True(system.SetSwappiness(swappiness).IsOk);
            for (var pgoff = 0UL; pgoff < (ulong)dirty; pgoff++)
            {
                Assert.True(system.WriteFile(0, pgoff, pgoff + 1).IsOk);
            }

            for (var pgoff = (ulong)dirty; pgoff < (ulong)(dirty + clean); pgoff++)
            {
                Assert.True(system.ReadFile(0, pgoff).IsOk);
            }

            for (var pgoff = 1024UL; pgoff < 2048; pgoff++)
            {
                Assert.True(system.ReadFile(0, pgoff).IsOk && system.ReadFile(0, pgoff).IsOk);
            }

            var mm = system.CreateMm().Value;
            var start = system.Mmap(mm, MapKind.Anon, 0, (ulong)anon).Value;
            for (var page = 0UL; page < (ulong)anon; page++)
            {
                Assert.True(system.Access(mm, new CpuId(0), new VirtAddr(start.Value + (page * Pfn.PageSize)), true,
                    page).IsOk);
            }

            Assert.True(system.Swapon(2048, null).IsOk);
            return (Reclaimed: system.TryToFreePages().Value, State: system.Snapshot());
        }).ToList();
        var (model, impl) = (runs[0].State, runs[1].State);
        Assert.True(impl.SameAs(model), impl.DiffFrom(model));
        Assert.Equal(runs[0].Reclaimed, runs[1].Reclaimed);
        Assert.InRange(runs[0].Reclaimed, 32UL, 128UL);
        Assert.True(model.Events.PgScanAnon > 0 && model.Events.PgScanFile > 0, model.Events.ToString());
    }
}
