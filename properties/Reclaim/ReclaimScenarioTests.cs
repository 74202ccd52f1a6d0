using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using Xunit;
using static MMSpec.Properties.Core.PageAddresses;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// Direct reclaim over lru states the generated campaign seldom builds, on both sides: mapped executable file text
/// read twice, anonymous memory with no swap (get_scan_count's SCAN_FILE), a file lru too small to scan (SCAN_ANON),
/// anonymous memory aged with swap and then without it, mapped dirty file pages, and folios referenced once. Three
/// try_to_free_pages calls in a row; both sides must reclaim the same pages and leave the same state after each.
/// </summary>
public sealed class ReclaimScenarioTests
{
    private static readonly ReclaimConfig Machine = new(2048, 1, 2, 1024);

    private static readonly CpuId Cpu0 = new(0);

    /// <summary>Every page of a new mapping accessed <paramref name="times"/> times (written when asked).</summary>
    private static void Touch(IReclaimSystem system, AsId mm, MapKind kind, int file, ulong pages, int times,
        bool write)
    {
        var start = system.Mmap(mm, kind, file, pages).Value;
        for (var round = 0; round < times; round++)
        {
            for (var i = 0UL; i < pages; i++)
            {
                Assert.True(system.Access(mm, Cpu0, Page(start, i), write, i + 1).IsOk);
            }
        }
    }

    private static void Read(IReclaimSystem system, int file, ulong from, ulong to, int times)
    {
        for (var round = 0; round < times; round++)
        {
            for (var pgoff = from; pgoff < to; pgoff++)
            {
                Assert.True(system.ReadFile(file, pgoff).IsOk);
            }
        }
    }

    private static void Build(IReclaimSystem system, string name)
    {
        var mm = system.CreateMm().Value;
        switch (name)
        {
            case "referenced executable text":
                Assert.True(system.Swapon(1024, null).IsOk);
                Read(system, 0, 0, 400, 2);
                Touch(system, mm, MapKind.FileExec, 1, 64, 2, write: false);
                Read(system, 1, 64, 300, 1);
                Touch(system, mm, MapKind.Anon, 0, 200, 1, write: true);
                break;
            case "anonymous memory without swap":
                Touch(system, mm, MapKind.Anon, 0, 700, 2, write: true);
                Read(system, 0, 0, 300, 1);
                Read(system, 1, 0, 200, 2);
                break;
            case "mapped dirty file pages":
                Assert.True(system.Swapon(512, null).IsOk);
                Touch(system, mm, MapKind.File, 0, 300, 1, write: true);
                Read(system, 1, 0, 300, 1);
                Touch(system, mm, MapKind.Anon, 0, 100, 2, write: true);
                break;
            case "file pages referenced once":
                Assert.True(system.Swapon(256, 0).IsOk);
                Read(system, 0, 0, 600, 1);
                Touch(system, mm, MapKind.File, 1, 200, 1, write: false);
                Touch(system, mm, MapKind.Shmem, 0, 100, 1, write: true);
                break;
            case "a tiny file lru":
                // File pages and free pages together under the high mark (134 of 2048): SCAN_ANON.
                Assert.True(system.Swapon(2048, null).IsOk);
                Touch(system, mm, MapKind.Anon, 0, 1950, 1, write: true);
                Read(system, 0, 0, 10, 1);
                break;
            case "active anonymous memory, swap then off":
                // Reclaim with a tiny file lru scans only anonymous memory; touched again before each pass, its
                // folios are activated (referenced twice). After swapoff the active list outweighs the inactive
                // one and nothing ages it (can_age_anon_pages: no swap); file pages read after are what reclaim takes.
                Assert.True(system.Swapon(2048, null).IsOk);
                var anon = system.Mmap(mm, MapKind.Anon, 0, 1950).Value;
                Read(system, 0, 0, 10, 1);
                for (var pass = 0; pass < 4; pass++)
                {
                    for (var i = 0UL; i < 1950; i++)
                    {
                        Assert.True(system.Access(mm, Cpu0, Page(anon, i), true, i).IsOk);
                    }

                    Assert.True(system.TryToFreePages().IsOk);
                }

                Assert.True(system.Swapoff(new SwapType(0)).IsOk);
                var lru = system.Snapshot().Lru;
                Assert.True(lru[(int)LruList.ActiveAnon].Length > lru[(int)LruList.InactiveAnon].Length,
                    $"{lru[(int)LruList.ActiveAnon].Length} active, {lru[(int)LruList.InactiveAnon].Length} inactive");
                Read(system, 1, 0, 60, 1);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "no such scenario");
        }
    }

    [Theory]
    [InlineData("referenced executable text")]
    [InlineData("anonymous memory without swap")]
    [InlineData("mapped dirty file pages")]
    [InlineData("file pages referenced once")]
    [InlineData("a tiny file lru")]
    [InlineData("active anonymous memory, swap then off")]
    public void Both_sides_reclaim_the_scenario_alike(string name)
    {
        var systems = ReclaimSides.Names.Select(side => ReclaimSides.Create(side, Machine)).ToList();
        systems.ForEach(system => Build(system, name));
        var total = 0UL;
        for (var call = 0; call < 3; call++)
        {
            var reclaimed = systems.Select(system => system.TryToFreePages().Value).ToList();
            var (model, impl) = (systems[0].Snapshot(), systems[1].Snapshot());
            Assert.Equal(reclaimed[0], reclaimed[1]);
            Assert.True(impl.SameAs(model), $"call {call}: {impl.DiffFrom(model)}");
            total += reclaimed[0];
        }

        Assert.True(total > 0, "the calls reclaim");
    }
}
