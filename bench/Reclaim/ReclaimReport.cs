using System.Diagnostics;
using MMSpec.Impl.Reclaim;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;

namespace MMSpec.Bench.Reclaim;

/// <summary>
/// `dotnet run -c Release --project bench -- reclaim [impl|model]`: pages reclaimed per second and pages compacted per
/// second, the implementation against the model, on machines of 10 240, 102 400 and 1 024 000 frames (the model on
/// the first two). Reclaim: the
/// page cache filled with clean file pages (nine tenths of the frames, read once: inactive, unreferenced), then
/// direct reclaim (try_to_free_pages, 32 pages a call) until half of them are freed. Compaction: the frames filled
/// with written anonymous pages, one unmovable kernel page at the start of every 1024-frame block (so no order-10
/// block can form and compaction runs until its scanners meet), every other 1023-page mapping unmapped, then one
/// compact_zone for order 10; its pgmigrate_success are the pages compacted. Setup is not timed; each figure is the
/// median of several runs (25 on the smallest machine, whose runs take a millisecond, 10 and 3 on the larger; each
/// timed run capped at 20 s), with the bytes the timed part allocated per page. Each side
/// first runs both on the smallest machine untimed (<see cref="WarmUp"/>), so that no figure is of tier-0 code.
/// </summary>
internal static class ReclaimReport
{
    private const ulong Block = 1024;

    private static readonly ulong[] Sizes = [10 * Block, 100 * Block, 1000 * Block];

    private static readonly string[] Sides = ["impl", "model"];

    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(20);

    public static void Print(TextWriter output, string only)
    {
        output.WriteLine("side   frames     reclaim pages/s   ns/page  B/page    compact pages/s   ns/page  B/page");
        foreach (var side in Sides.Where(s => only.Length == 0 || only == s))
        {
            WarmUp(side);
            // The model recomputes its free blocks per question (clarity over speed): its cost per page grows with
            // the machine, and filling a million frames would take it hours.
            foreach (var frames in side == "model" ? Sizes[..2] : Sizes)
            {
                var runs = (int)Math.Clamp(Sizes[^1] / frames, 3, 25);
                var reclaim = Median(runs, () => Reclaim(side, frames));
                var compact = Median(runs, () => Compact(side, frames));
                output.WriteLine($"{side,-6} {frames,9} {Row(reclaim)}    {Row(compact)}");
            }
        }
    }

    /// <summary>
    /// Tiered compilation runs a method's first calls unoptimised and compiles the hot ones again in the background
    /// (counting calls only once no method has been compiled for 100 ms, promoting after 30): without this the
    /// smallest machine, measured first, ran at a fifth of its speed. Five runs of each, each followed by a pause that
    /// lets the counting start and the background compiler finish.
    /// </summary>
    private static void WarmUp(string side)
    {
        for (var run = 0; run < 5; run++)
        {
            Reclaim(side, Sizes[0]);
            Compact(side, Sizes[0]);
            Thread.Sleep(TimeSpan.FromMilliseconds(300));
        }
    }

    /// <summary>Pages, seconds and bytes allocated of one timed run.</summary>
    private readonly record struct Run(ulong Pages, double Seconds, long Bytes)
    {
        public double PerSecond => Pages / Seconds;
    }

    private static string Row(Run run) =>
        $"{run.PerSecond,17:N0} {run.Seconds * 1e9 / run.Pages,9:N0} {(double)run.Bytes / run.Pages,7:N1}";

    private static Run Median(int runs, Func<Run> measure) =>
        Enumerable.Range(0, runs).Select(_ => measure()).OrderBy(r => r.PerSecond).ElementAt(runs / 2);

    private static IReclaimSystem Create(string side, ReclaimConfig config) =>
        side == "impl" ? new ReclaimSystem(config) : new ReclaimModel(config);

    private static Run Reclaim(string side, ulong frames)
    {
        var cached = frames * 9 / 10;
        var system = Create(side, new ReclaimConfig(frames, 1, 1, cached));
        for (var pgoff = 0UL; pgoff < cached; pgoff++)
        {
            Require(system.ReadFile(0, pgoff).IsOk, "the page cache fills");
        }

        return Timed(() =>
        {
            var freed = 0UL;
            var clock = Stopwatch.StartNew();
            while (freed < cached / 2 && clock.Elapsed < Cap)
            {
                freed += system.TryToFreePages().Value;
            }

            return freed;
        });
    }

    private static Run Compact(string side, ulong frames)
    {
        var system = Create(side, new ReclaimConfig(frames, 1, 1, 8));
        var mm = system.CreateMm().Value;
        var (heads, bodies) = (new List<VirtAddr>(), new List<VirtAddr>());
        for (var block = 0UL; block < frames / Block; block++)
        {
            // The lowest free frame goes to each fault (lowest-address placement): the 1-page mapping takes the
            // block's first frame, the 1023-page one the rest.
            heads.Add(Fill(system, mm, 1));
            bodies.Add(Fill(system, mm, Block - 1));
        }

        foreach (var head in heads)
        {
            Require(system.Munmap(mm, head).IsOk, "a block's first page unmaps");
            Require(system.KernelAlloc(new Order(0)).IsOk, "a kernel page takes the block's first frame");
        }

        for (var i = 0; i < bodies.Count; i += 2)
        {
            Require(system.Munmap(mm, bodies[i]).IsOk, "every other block's pages unmap");
        }

        var before = system.Snapshot().Events.PgMigrateSuccess;
        var timed = Timed(() =>
        {
            var run = system.Compact(ZoneType.Normal, 10).Value;
            Require(run.Result == CompactResult.Complete, $"compaction runs until the scanners meet, not {run}");
            return 0;
        });

        // The snapshot is read after the clock stops: it costs more than the compaction.
        return timed with { Pages = system.Snapshot().Events.PgMigrateSuccess - before };
    }

    /// <summary>A mapping of <paramref name="pages"/> anonymous pages, each written.</summary>
    private static VirtAddr Fill(IReclaimSystem system, AsId mm, ulong pages)
    {
        var start = system.Mmap(mm, MapKind.Anon, 0, pages).Value;
        for (var page = 0UL; page < pages; page++)
        {
            Require(system.Access(mm, new CpuId(0), new VirtAddr(start.Value + (page * Pfn.PageSize)), true, page).IsOk,
                "the machine has room for every page");
        }

        return start;
    }

    private static Run Timed(Func<ulong> work)
    {
        GC.Collect();
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var pages = work();
        var seconds = clock.Elapsed.TotalSeconds;
        return new Run(pages, seconds, GC.GetAllocatedBytesForCurrentThread() - bytes);
    }

    private static void Require(bool holds, string what)
    {
        if (!holds)
        {
            throw new InvalidOperationException($"the benchmark's setup failed: {what}");
        }
    }
}
