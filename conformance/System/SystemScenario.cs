using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Reclaim;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>
/// A generated whole-system sequence. A setup comes first (processes forked from init, each with mappings, their
/// oom_score_adj at -1000, 0, 1000 or between, no swap, a little or a lot), two processes growing, then phases:
/// several processes growing
/// their anonymous memory until the OOM killer fires, fork then writes to the shared pages, exits and reaper and
/// kswapd events under pressure, kernel allocations with every mask (GFP_ATOMIC below the min mark among them),
/// kmalloc, slab caches and vmalloc, file reads and writeback. Invalid calls are mixed into every phase.
/// </summary>
public sealed record SystemScenario(SystemConfig Config, ImmutableArray<SystemStep> Steps)
{
    /// <summary>The gfp masks kernel allocations use.</summary>
    public static readonly ImmutableArray<Gfp> KernelMasks =
        [Gfp.Kernel, Gfp.Atomic, Gfp.NoWait, Gfp.Kernel | Gfp.NoRetry, Gfp.Kernel | Gfp.RetryMayFail, Gfp.NoFs];

    /// <summary>kmalloc sizes: kmalloc caches' objects up to 8 KiB, then whole pages of orders 2, 4 and 6.</summary>
    public static readonly ImmutableArray<ulong> KmallocSizes = [8, 24, 96, 192, 700, 2048, 8192, 12288, 40000, 200000];

    public double InvalidShare => Steps.IsEmpty ? 0 : Steps.Count(s => s.IsInvalid) / (double)Steps.Length;

    public override string ToString() => ScenarioReport.Format(Config, Steps);

    public static Arbitrary<SystemScenario> Arbitrary() => MutationProfile.Arbitrary(Generator(), Shrink);

    public static Gen<SystemScenario> Generator() =>
        from frames in Gen.Frequency((3, Gen.Choose(128, 384)), (2, Gen.Choose(385, 1024)))
        from cpus in Gen.Choose(1, 2)
        from files in Gen.Choose(1, 2)
        from filePages in Gen.Choose(8, 64)
        from setup in Setup(frames)
        from pressure in Gen.Frequency(
            (3, Gen.ListOf(Grow(frames), 2).Select(grows => grows.SelectMany(g => g))),
            (1, Twins(frames)))
        from phases in Gen.Sized(size => Gen.ListOf(Phase(Math.Max(8, size), frames), Math.Max(1, size / 25) + 1))
        select new SystemScenario(new SystemConfig((ulong)frames, cpus, files, (ulong)filePages),
            [.. setup, .. pressure, .. phases.SelectMany(p => p)]);

    /// <summary>Processes forked from init, each with an anonymous mapping of its own, and more mappings.</summary>
    private static Gen<IEnumerable<SystemStep>> Setup(int frames) =>
        from procs in Gen.Choose(1, 4)
        from sizes in Gen.ListOf(Gen.Choose(frames / 2, 2 * frames), procs)
        from maps in Gen.ListOf(MapGen(frames), procs)
        from adjs in Gen.ListOf(Adj(), procs)
        from swap in Gen.Frequency((2, Gen.Constant(0)), (2, Gen.Choose(8, 32)), (1, Gen.Choose(33, frames)))
        from cache in Gen.Elements(24, 200, 1000)
        select Enumerable.Repeat<SystemStep>(new ForkProc(0), procs).Append(new CacheCreateProc(cache))
            .Concat(sizes.Select((pages, i) => (SystemStep)new MapProc(i + 1, MapKind.Anon, 0, pages)))
            .Concat(maps).Concat(adjs).Concat(swap > 0 ? [new SwapProc(true, (ulong)swap)] : []);

    private static Gen<SystemStep> MapGen(int frames) =>
        from proc in Gen.Choose(1, 4)
        from kind in Gen.Frequency((5, Gen.Constant(MapKind.Anon)), (2, Gen.Constant(MapKind.File)),
            (1, Gen.Constant(MapKind.FileExec)), (2, Gen.Constant(MapKind.Shmem)))
        from file in Gen.Choose(0, 1)
        from pages in kind switch
        {
            MapKind.Anon => Gen.Choose(frames / 4, frames),
            MapKind.Shmem => Gen.Choose(2, Math.Max(2, frames / 4)),
            _ => Gen.Choose(2, 8),
        }
        select (SystemStep)new MapProc(proc, kind, file, pages);

    private static Gen<SystemStep> Adj() =>
        from proc in Gen.Choose(1, 4)
        from value in Gen.Frequency((2, Gen.Elements(-1000, 0, 1000)), (1, Gen.Choose(-999, 999)))
        select (SystemStep)new AdjProc(proc, value, false, true);

    private static Gen<IEnumerable<SystemStep>> Phase(int length, int frames) => Gen.Frequency(
        (4, Grow(frames)),
        (2, ShmemToSwapThenExit(frames)),
        (3, Gen.ListOf(Mixed(), length).Select(l => l.AsEnumerable())),
        (2, from fork in Gen.Choose(0, 4) from writes in Gen.ListOf(Touch(true), Math.Max(4, length / 2))
            select new SystemStep[] { new ForkProc(fork) }.Concat(writes)),
        (2, Gen.ListOf(Gen.Frequency((3, Event()), (3, Touch(true)), (1, KernelAlloc()), (2, KernelObject()),
            (1, Bad())), length).Select(l => l.AsEnumerable())));

    /// <summary>
    /// A process writes page after page of one mapping, enough for a few of them to run memory out; then what
    /// pressure brings: the reaper or the victim's exit, GFP_ATOMIC allocations, kswapd, an exit, a bad call. Now and
    /// then every process is protected first (oom_score_adj -1000), so nothing is killable, or the grower alone, so
    /// a smaller process dies for it.
    /// </summary>
    private static Gen<IEnumerable<SystemStep>> Grow(int frames) =>
        from protect in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
        from protectGrower in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
        from proc in Gen.Choose(1, 4)
        from target in Gen.Frequency((4, Gen.Constant(TouchProc.Largest)), (1, Gen.Constant(TouchProc.LargestShmem)))
        from start in Gen.Choose(0, 16)
        from count in Gen.Choose(frames / 2, 2 * frames)
        from value in Gen.Choose(1, int.MaxValue)
        from tail in Gen.ListOf(Gen.Frequency((3, Event()), (2, Gen.Constant<SystemStep>(new KernelAllocProc(1, 0))),
            (2, KernelObject()),
            (1, Gen.Choose(1, 6).Select(p => (SystemStep)new ExitProc(p))), (1, Bad())), 6)
        select (protect ? Enumerable.Range(1, 6).Select(p => (SystemStep)new AdjProc(p, -1000, false, true))
                : protectGrower ? [new AdjProc(proc, -1000, false, true)] : [])
            .Concat(Enumerable.Range(start, count)
                .Select(page => (SystemStep)new TouchProc(proc, target, page, 0, true,
                    (ulong)value + (ulong)page)))
            .Concat(tail);

    /// <summary>
    /// The first process writes three quarters of the machine and forks: parent and child have the same badness, and
    /// kernel allocations then run memory out, so the OOM killer meets a tie (the child, scanned last, wins it).
    /// </summary>
    private static Gen<IEnumerable<SystemStep>> Twins(int frames) =>
        from value in Gen.Choose(1, int.MaxValue)
        select Enumerable.Range(0, frames * 3 / 4)
            .Select(page => (SystemStep)new TouchProc(1, TouchProc.Largest, page, 0, true, (ulong)value + (ulong)page))
            .Append(new ForkProc(1))
            .Concat(Enumerable.Repeat<SystemStep>(new KernelAllocProc(0, 0), frames / 2));

    /// <summary>
    /// A process fills a shmem mapping, another one's anonymous memory pushes it out to swap, and the first exits:
    /// the shmem object goes with its pages on swap (shmem_undo_range frees their slots).
    /// </summary>
    private static Gen<IEnumerable<SystemStep>> ShmemToSwapThenExit(int frames) =>
        from holder in Gen.Choose(1, 4)
        from pusher in Gen.Choose(1, 4)
        from value in Gen.Choose(1, int.MaxValue)
        select new SystemStep[] { new MapProc(holder, MapKind.Shmem, 0, frames / 3), new SwapProc(true, (ulong)frames) }
            .Concat(Enumerable.Range(0, frames / 3).Select(page =>
                (SystemStep)new TouchProc(holder, TouchProc.LargestShmem, page, 0, true, (ulong)value + (ulong)page)))
            .Concat(Enumerable.Range(0, frames).Select(page =>
                (SystemStep)new TouchProc(pusher, TouchProc.Largest, page, 0, true, (ulong)value + (ulong)page)))
            .Append(new ExitProc(holder));

    private static Gen<SystemStep> Mixed() => Gen.Frequency(
        (6, Touch(true)), (4, Touch(false)),
        (1, Gen.Choose(0, 6).Select(p => (SystemStep)new ForkProc(p))),
        (1, Gen.Choose(1, 6).Select(p => (SystemStep)new ExitProc(p))),
        (1, MapGen(256)),
        (1, from p in Gen.Choose(0, 6) from m in Gen.Choose(0, 3) select (SystemStep)new UnmapProc(p, m)),
        (1, Adj()),
        (1, from p in Gen.Choose(1, 6) from legacy in Gen.Elements(true, false)
            from v in legacy ? Gen.Elements(-18, -17, 0, 15, 16) : Gen.Elements(-1001, -1000, 0, 1000, 1001)
            from cap in Gen.Elements(true, false)
            select (SystemStep)new AdjProc(p, v, legacy, cap)),
        (2, KernelAlloc()),
        (1, Gen.Choose(0, 8).Select(k => (SystemStep)new KernelFreeProc(k))),
        (3, KernelObject()),
        (2, Event()),
        (1, Gen.Elements<SystemStep>(new SwapProc(true, 16), new SwapProc(false, 0))),
        (1, Bad()));

    private static Gen<SystemStep> Touch(bool write) =>
        from proc in Gen.Choose(0, 6)
        from mapping in Gen.Choose(0, 3)
        from page in Gen.Choose(0, 400)
        from cpu in Gen.Choose(0, 1)
        from value in Gen.Choose(1, int.MaxValue)
        select (SystemStep)new TouchProc(proc, mapping, page, cpu, write, (ulong)value);

    private static Gen<SystemStep> KernelAlloc() =>
        from mask in Gen.Choose(0, KernelMasks.Length - 1)
        from order in Gen.Frequency((6, Gen.Constant(0)), (2, Gen.Choose(1, 3)), (1, Gen.Choose(4, 6)))
        select (SystemStep)new KernelAllocProc(mask, order);

    /// <summary>The slab layer and vmalloc: kmalloc, kmem_cache_alloc, their frees, vmalloc and vfree.</summary>
    private static Gen<SystemStep> KernelObject() => Gen.Frequency(
        (3, from mask in Gen.Choose(0, KernelMasks.Length - 1) from size in Gen.Choose(0, KmallocSizes.Length - 1)
            select (SystemStep)new KmallocProc(mask, size)),
        (2, from cache in Gen.Choose(0, 2) from mask in Gen.Choose(0, KernelMasks.Length - 1)
            select (SystemStep)new CacheAllocProc(cache, mask)),
        (2, Gen.Choose(0, 16).Select(o => (SystemStep)new ObjectFreeProc(o))),
        (1, Gen.Elements(24, 200).Select(size => (SystemStep)new CacheCreateProc(size))),
        (1, Gen.Elements(1, 4, 16, 64).Select(pages => (SystemStep)new VmallocProc(pages))),
        (1, Gen.Choose(0, 4).Select(a => (SystemStep)new VfreeProc(a))));

    private static Gen<SystemStep> Event() =>
        from kind in Gen.Frequency((3, Gen.Constant(SystemEventKind.Kswapd)), (3, Gen.Constant(SystemEventKind.Reap)),
            (2, Gen.Constant(SystemEventKind.VictimExit)),
            (1, Gen.Constant(SystemEventKind.Writeback)), (1, Gen.Constant(SystemEventKind.WritebackEnd)))
        from proc in Gen.Choose(0, 6)
        select (SystemStep)new TimeEvent(kind, proc);

    private static Gen<SystemStep> Bad() =>
        from kind in Gen.Choose(0, BadCall.Kinds - 1)
        from offset in Gen.Choose(0, 3)
        select (SystemStep)new BadCall(kind, offset);

    /// <summary>Simpler: fewer steps (the generic sequence shrinker), then a machine of half the frames.</summary>
    public static IEnumerable<SystemScenario> Shrink(SystemScenario s) =>
        Lockstep.Shrink.Sequence(s, s.Steps, static (scenario, steps) => scenario with { Steps = [.. steps] })
            .Concat(s.Config.Frames > 128 ? [s with { Config = s.Config with { Frames = s.Config.Frames / 2 } }] : []);
}
