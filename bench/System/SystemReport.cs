using System.Diagnostics;
using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.MemorySystem;
using MMSpec.Impl.MemorySystem;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using ComposedSystem = MMSpec.Model.MemorySystem.MemorySystem;

namespace MMSpec.Bench.MemorySystem;

/// <summary>
/// `dotnet run -c Release --project bench -- system`: the whole system's speed. First checked operations per second:
/// the test suite's campaign (SystemCampaign, MMSpec's implementations composed, safe and live rules) for 100 000
/// operations from seed 1, after a 20 000-operation warm-up, on one thread and then on one per core. Then allocations
/// per second through the slow path under pressure, the implementations composed against the models composed: a
/// machine whose page cache holds clean file pages read once on all but its low mark's frames, then GFP_KERNEL order-0
/// allocations, each below the low mark (so each goes through the slow path, and direct reclaim frees the page it
/// takes), until a quarter of the frames are taken. Setup is not timed; the median of five runs.
/// </summary>
internal static class SystemReport
{
    private static readonly ulong[] Machines = [4096, 16384];

    public static void Print(TextWriter output)
    {
        foreach (var jobs in new[] { 1, Environment.ProcessorCount }.Distinct())
        {
            SystemCampaign.Run(ImplSystem.Create, Level.Safe | Level.Live, 1, 20_000, jobs: jobs);
            var campaign = SystemCampaign.Run(ImplSystem.Create, Level.Safe | Level.Live, 1, 100_000, jobs: jobs);
            output.WriteLine($"checked whole-system operations on {jobs} thread(s): {campaign.Operations} in "
                + $"{campaign.Seconds:0.00} s, {campaign.OperationsPerSecond:0}/s ({campaign.Workloads} workloads, "
                + $"{campaign.OomKills} OOM kills)");
        }

        output.WriteLine("side   frames   slow-path allocations/s   us/allocation");
        foreach (var side in new[] { "impl", "model" })
        {
            SlowPath(side, 1024);
            foreach (var frames in Machines)
            {
                var seconds = Enumerable.Range(0, 5).Select(_ => SlowPath(side, frames)).Order().ElementAt(2);
                var allocations = frames / 4;
                output.WriteLine(
                    $"{side,-6} {frames,6}   {allocations / seconds,23:0}   {seconds * 1e6 / allocations,13:0.0}");
            }
        }
    }

    /// <summary>One timed run: the seconds the allocations took.</summary>
    private static double SlowPath(string side, ulong frames)
    {
        var config = new SystemConfig(frames, Cpus: 1, Files: 1, FilePages: frames);
        var system = side == "impl" ? ImplSystem.Create(config) : ComposedSystem.Model(config);
        var reader = system.Fork(Pid.Init).Value;
        var file = system.Mmap(reader, MapKind.File, 0, frames).Value;
        for (var page = 0UL; page < frames; page++)
        {
            if (!system.Access(reader, new CpuId(0), new VirtAddr(file.Value + (page * Pfn.PageSize)), false, 0).IsOk)
            {
                break;
            }
        }

        Assert(system.Munmap(reader, file).IsOk, "the file mapping goes, its pages stay cached");
        var clock = Stopwatch.StartNew();
        for (var taken = 0UL; taken < frames / 4; taken++)
        {
            Assert(system.AllocPages(Gfp.Kernel, new Order(0)).IsOk, "reclaim frees the page each allocation takes");
        }

        return clock.Elapsed.TotalSeconds;
    }

    private static void Assert(bool holds, string what)
    {
        if (!holds)
        {
            throw new InvalidOperationException($"the benchmark's machine misbehaved: {what}");
        }
    }
}
