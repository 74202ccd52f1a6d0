using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Reclaim;

namespace MMSpec.Conformance.Reclaim;

/// <summary>A generated machine and the reclaim operations run on it; prints one call per line.</summary>
public sealed record ReclaimScenario(ReclaimConfig Config, ImmutableArray<ReclaimStep> Steps)
{
    public double InvalidShare => Steps.IsEmpty ? 0 : Steps.Count(s => s.IsInvalid) / (double)Steps.Length;

    public override string ToString() => ScenarioReport.Format(Config, Steps);
}

/// <summary>
/// Generators for reclaim scenarios. Machines are small (48..2100 frames: one to four pageblocks) so that mappings
/// outgrow memory and reclaim, swap and compaction have work; the largest have three pageblocks at least, the fewest
/// the holes-then-compact phase fills (compaction moves nothing with fewer). A setup (address spaces, mappings of every
/// kind, a swap area more often than not) comes first, then phases: mixed steps, memory pressure (writes over every
/// page), reclaim bursts, fork then write, dirty files and writeback, fragmentation then compaction, swappiness and
/// swap areas changing. Invalid steps are mixed into every phase.
/// </summary>
public static class ReclaimGen
{
    public static Arbitrary<ReclaimScenario> Scenarios() => MutationProfile.Arbitrary(Scenario(), ShrinkScenario);

    public static Gen<ReclaimScenario> Scenario() =>
        from frames in Gen.Frequency(
            (3, Gen.Choose(48, 256)), (3, Gen.Choose(257, 1100)), (1, Gen.Choose(MinHolesFrames, 2100)))
        from cpus in Gen.Choose(1, 3)
        from files in Gen.Choose(1, 3)
        from filePages in Gen.Choose(8, 96)
        from setup in Setup(frames)
        from steps in Steps(frames)
        select new ReclaimScenario(
            new ReclaimConfig((ulong)frames, cpus, files, (ulong)filePages), [.. setup.Concat(steps)]);

    /// <summary>Simpler scenarios: fewer steps, simpler steps, then a smaller machine.</summary>
    public static IEnumerable<ReclaimScenario> ShrinkScenario(ReclaimScenario scenario) =>
        Shrink.Sequence(scenario, scenario.Steps, static (s, steps) => s with { Steps = steps })
            .Concat(SmallerConfigs(scenario.Config).Select(config => scenario with { Config = config }));

    private static IEnumerable<ReclaimConfig> SmallerConfigs(ReclaimConfig config)
    {
        if (config.Cpus > 1)
        {
            yield return config with { Cpus = 1 };
        }

        if (config.Frames > 64)
        {
            yield return config with { Frames = Math.Max(64, config.Frames / 2) };
        }
    }

    private static Gen<IEnumerable<ReclaimStep>> Setup(int frames) =>
        from spaces in Gen.Choose(1, 2)
        from count in Gen.Choose(2, 4)
        from maps in Gen.ListOf(MapGen(), count)
        from swap in Gen.Frequency((2, Gen.Constant(false)), (5, Gen.Constant(true)))
        from slots in Gen.Choose(8, Math.Max(9, frames / 2))
        select Enumerable.Repeat<ReclaimStep>(new NewMm(), spaces).Concat(maps)
            .Concat(swap ? [new SwaponStep(slots, null)] : []);

    private static Gen<IEnumerable<ReclaimStep>> Steps(int frames) =>
        Gen.Sized(size =>
            from phases in Gen.ListOf(Phase(Math.Max(8, size), frames), Math.Max(1, size / 20) + 1)
            select phases.SelectMany(p => p));

    private static Gen<IEnumerable<ReclaimStep>> Phase(int length, int frames) =>
        Gen.Frequency(
            (4, Gen.ListOf(MixedStep(), length).Select(l => l.AsEnumerable())),
            (4, Gen.ListOf(Gen.Frequency((10, Touch(write: true)), (2, Touch(write: false)), (1, Invalid())),
                length * 3).Select(l => l.AsEnumerable())),
            (3, Gen.ListOf(Gen.Frequency((3, Gen.Constant<ReclaimStep>(new ReclaimNow())), (4, Touch(write: false)),
                (3, Touch(write: true)), (1, Invalid())), length).Select(l => l.AsEnumerable())),
            (2, ForkThenWrite(length)),
            (2, DirtyFiles(length)),
            (2, FragmentThenCompact(length)),
            (frames >= MinHolesFrames ? 3 : 0, HolesThenCompact(frames)),
            (1, SwapChanges()));

    private static Gen<ReclaimStep> MixedStep() =>
        Gen.Frequency(
            (2, Gen.Constant<ReclaimStep>(new NewMm())),
            (2, Gen.Choose(0, 8).Select(h => (ReclaimStep)new ForkMm(h))),
            (1, Gen.Choose(0, 8).Select(h => (ReclaimStep)new ExitMm(h))),
            (3, MapGen()),
            (1, from mm in Handle() from m in Handle() select (ReclaimStep)new UnmapStep(mm, m)),
            (14, Touch(write: true)),
            (10, Touch(write: false)),
            (4, FileIo()),
            (2, Pin()),
            (3, from mm in Handle() from m in Handle() from p in Page()
                select (ReclaimStep)new PageOutStep(mm, m, p)),
            (4, Gen.Constant<ReclaimStep>(new ReclaimNow())),
            (2, Gen.Elements(false, true).Select(end => (ReclaimStep)new WritebackStep(end))),
            (2, Gen.Choose(0, 10).Select(o => (ReclaimStep)new CompactStep(o, false))),
            (2, Gen.Choose(0, 3).Select(o => (ReclaimStep)new KernelAllocStep(o))),
            (1, Handle().Select(h => (ReclaimStep)new KernelFreeStep(h, false))),
            (1, from a in Gen.Choose(0, 3) from o in Gen.Choose(0, 80) select (ReclaimStep)new SwapSlotStep(a, o)),
            (5, Invalid()));

    private static Gen<ReclaimStep> MapGen() =>
        from mm in Handle()
        from kind in Gen.Frequency((6, Gen.Constant(MapKind.Anon)), (3, Gen.Constant(MapKind.File)),
            (1, Gen.Constant(MapKind.FileExec)), (2, Gen.Constant(MapKind.Shmem)))
        from file in Gen.Choose(0, 2)
        from pages in Gen.Frequency((3, Gen.Choose(1, 16)), (3, Gen.Choose(17, 96)), (1, Gen.Choose(97, 400)))
        select (ReclaimStep)new MapStep(mm, kind, file, pages);

    private static Gen<ReclaimStep> Touch(bool write) =>
        from mm in Handle()
        from mapping in Handle()
        from page in Page()
        from cpu in Gen.Choose(0, 3)
        from value in Gen.Choose(1, int.MaxValue)
        select (ReclaimStep)new TouchStep(mm, mapping, page, cpu, write, (ulong)value);

    private static Gen<ReclaimStep> Pin() =>
        from mm in Handle()
        from mapping in Handle()
        from page in Page()
        from unpin in Gen.Elements(true, false)
        select (ReclaimStep)new PinStep(mm, mapping, page, unpin);

    private static Gen<ReclaimStep> FileIo() =>
        from file in Gen.Choose(0, 2)
        from pgoff in Gen.Choose(0, 95)
        from write in Gen.Elements(true, false, false)
        from value in Gen.Choose(1, int.MaxValue)
        select (ReclaimStep)new FileIoStep(file, pgoff, write, (ulong)value);

    /// <summary>Fork an address space, then write to pages both share, then reclaim and read them back.</summary>
    private static Gen<IEnumerable<ReclaimStep>> ForkThenWrite(int length) =>
        from mm in Handle()
        from touches in Gen.ListOf(Gen.Frequency((4, Touch(write: true)), (4, Touch(write: false)),
            (2, Gen.Constant<ReclaimStep>(new ReclaimNow())), (1, Invalid())), length)
        select touches.Prepend(new ForkMm(mm));

    /// <summary>Writes to file pages (mapped and by pwrite), reclaim, writeback, reclaim again.</summary>
    private static Gen<IEnumerable<ReclaimStep>> DirtyFiles(int length) =>
        from writes in Gen.ListOf(Gen.Frequency((3, FileIo()), (3, Touch(write: true)), (1, Invalid())), length)
        select writes.Concat([new ReclaimNow(), new WritebackStep(false), new ReclaimNow(), new WritebackStep(true),
            new ReclaimNow()]);

    /// <summary>
    /// Kernel allocations between user pages (some pinned), some freed, then compaction for a high order.
    /// </summary>
    private static Gen<IEnumerable<ReclaimStep>> FragmentThenCompact(int length) =>
        from steps in Gen.ListOf(Gen.Frequency((3, Gen.Choose(0, 2).Select(o => (ReclaimStep)new KernelAllocStep(o))),
            (5, Touch(write: true)), (2, Handle().Select(h => (ReclaimStep)new KernelFreeStep(h, false))),
            (1, Pin()), (1, Invalid())), length)
        from order in Gen.Frequency((2, Gen.Choose(1, 3)), (3, Gen.Choose(4, 9)), (1, Gen.Constant(10)))
        select steps.Concat([new CompactStep(order, false), new CompactStep(Math.Max(0, order - 2), false)]);

    /// <summary>
    /// Small mappings written whole until memory is full, a kernel page or a pin between some of them, then
    /// every other mapping unmapped (from the end: mapping #-2, #-3, ...): free holes everywhere between pages that
    /// must stay, then compaction for an order the holes are too small for. Only on machines of
    /// <see cref="MinHolesFrames"/> frames or more: compaction moves nothing with fewer than three pageblocks (the
    /// zone's first is taken whole, and the free scanner never enters the migration scanner's block).
    /// </summary>
    private static Gen<IEnumerable<ReclaimStep>> HolesThenCompact(int frames) =>
        from count in Gen.Choose(Math.Max(4, frames / 5), Math.Max(6, frames / 4))
        from pieces in Gen.ListOf(Piece(), count)
        from order in Gen.Frequency((1, Gen.Choose(1, 3)), (3, Gen.Choose(4, 9)))
        select pieces.SelectMany(p => p)
            .Concat(Enumerable.Range(2, count / 2).Select(i => (ReclaimStep)new UnmapStep(0, -i)))
            .Concat([new CompactStep(order, false), new CompactStep(Math.Max(1, order - 3), false)]);

    private static Gen<IEnumerable<ReclaimStep>> Piece() =>
        from pages in Gen.Choose(2, 8)
        from extra in Gen.Frequency((2, Gen.Constant(0)), (1, Gen.Constant(1)), (2, Gen.Constant(2)))
        select Enumerable.Range(0, pages).Select(p => (ReclaimStep)new TouchStep(0, -1, p, 0, true, (ulong)p + 1))
            .Prepend(new MapStep(0, MapKind.Anon, 0, pages))
            .Concat(extra switch
            {
                1 => [new KernelAllocStep(0)],
                2 => [new PinStep(0, -1, 0, false)],
                _ => [],
            });

    private static Gen<IEnumerable<ReclaimStep>> SwapChanges() =>
        from swappiness in Gen.Elements(0, 1, 60, 100, 199, 200)
        from slots in Gen.Frequency((3, Gen.Choose(2, 64)), (1, Gen.Choose(65, 600)))
        from priority in Gen.Frequency((3, Gen.Constant<int?>(null)), (1, Gen.Choose(0, 5).Select(p => (int?)p)))
        from off in Gen.Choose(0, 3)
        select (IEnumerable<ReclaimStep>)[new SwappinessStep(swappiness), new SwaponStep(slots, priority),
            new ReclaimNow(), new SwapoffStep(off)];

    private static Gen<ReclaimStep> Invalid() =>
        Gen.Frequency(
            (3, from kind in Gen.Elements(Enum.GetValues<BadAccessKind>()) from v in Gen.Choose(0, 40)
                select (ReclaimStep)new BadAccessStep(kind, v)),
            (1, Gen.Elements(-1, 201, 1000).Select(v => (ReclaimStep)new SwappinessStep(v))),
            (1, Gen.Elements(0L, 1L, (long)ReclaimModel.MaxSwapSlots + 1)
                .Select(s => (ReclaimStep)new SwaponStep(s, null))),
            (1, Gen.Elements(-1, ReclaimModel.MaxSwapPriority + 1).Select(p => (ReclaimStep)new SwaponStep(16, p))),
            (1, Gen.Choose(32, 40).Select(a => (ReclaimStep)new SwapoffStep(a))),
            (1, Gen.Elements((-1, false), (11, false), (3, true))
                .Select(c => (ReclaimStep)new CompactStep(c.Item1, c.Item2))),
            (1, Gen.Elements(-1, 11).Select(o => (ReclaimStep)new KernelAllocStep(o))),
            (1, Gen.Choose(0, 3000).Select(h => (ReclaimStep)new KernelFreeStep(h, true))));

    /// <summary>The smallest machine the holes-then-compact phase fills: three pageblocks.</summary>
    private const int MinHolesFrames = 3 * (int)ReclaimConfig.PageblockPages;

    private static Gen<int> Handle() => Gen.Choose(0, 8);

    private static Gen<int> Page() => Gen.Choose(0, 400);
}
