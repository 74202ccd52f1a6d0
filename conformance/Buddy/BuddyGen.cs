using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Buddy;

/// <summary>
/// Generators for buddy scenarios. Layouts are small (1..8192 frames) so a step is cheap, with zone boundaries
/// at the real places or anywhere, and reserved holes, so that zone and alignment rules are exercised. Steps come
/// in phases (mixed, allocation bursts to exhaustion, frees in reverse or random order) with invalid steps mixed in.
/// </summary>
public static class BuddyGen
{
    public static Arbitrary<BuddyScenario> Scenarios() => MutationProfile.Arbitrary(Scenario(), ShrinkScenario);

    public static Gen<BuddyScenario> Scenario() =>
        from layout in Layout()
        from edges in Gen.ListOf(FreeAtBoundary(layout), 3)
        from steps in Steps()
        select new BuddyScenario(layout, [.. edges, .. steps]);

    public static Gen<MemoryLayout> Layout() =>
        from frames in Gen.Frequency(
            (2, Gen.Choose(1, 64)),
            (4, Gen.Choose(64, 1100)),
            (4, Gen.Choose(1024, 8192)))
        from dma32 in Gen.Frequency(
            (3, Gen.Constant((int)MemoryLayout.DefaultDma32Start.Value)),
            (7, Gen.Choose(0, frames)))
        from normal in Gen.Frequency(
            (3, Gen.Constant((int)MemoryLayout.DefaultNormalStart.Value)),
            (7, Gen.Choose(dma32, Math.Max(dma32, frames + 16))))
        from reserveZero in Gen.Elements(true, false)
        from holes in Gen.ListOf(Hole(frames), 3).Select(list => list.Take(3).ToList())
        from holeCount in Gen.Choose(0, 3)
        select Build((ulong)frames, dma32, normal, reserveZero, holes.Take(holeCount));

    public static Gen<ImmutableArray<BuddyStep>> Steps() =>
        Gen.Sized(size =>
            from phases in Gen.ListOf(Phase(Math.Max(4, size)), Math.Max(1, size / 20) + 1)
            select phases.SelectMany(p => p).ToImmutableArray());

    /// <summary>
    /// Simpler scenarios (<see cref="Shrink"/>): fewer steps, simpler steps (an allocation from ZONE_NORMAL too), a
    /// smaller layout.
    /// </summary>
    public static IEnumerable<BuddyScenario> ShrinkScenario(BuddyScenario scenario) =>
        Shrink.Sequence(scenario, scenario.Steps, static (s, steps) => s with { Steps = steps })
            .Concat(Shrink.EachStep(scenario.Steps, NormalZone).Select(steps => scenario with { Steps = steps }))
            .Concat(Shrink.Layout(scenario.Layout, 1).Select(layout => scenario with { Layout = layout }));

    private static IEnumerable<BuddyStep> NormalZone(BuddyStep step) =>
        step is Alloc { Zone: not ZoneType.Normal } a ? [a with { Zone = ZoneType.Normal }] : [];

    private static MemoryLayout Build(ulong frames, int dma32, int normal, bool reserveZero,
        IEnumerable<PfnRange> holes)
    {
        var reserved = new List<PfnRange>();
        if (reserveZero)
        {
            reserved.Add(new PfnRange(new Pfn(0), new Pfn(1)));
        }

        foreach (var hole in holes.OrderBy(h => h.Start))
        {
            if (hole.End.Value <= frames && reserved.All(r => hole.Start >= r.End || hole.End <= r.Start))
            {
                reserved.Add(hole);
            }
        }

        return new MemoryLayout(frames, new Pfn((ulong)dma32), new Pfn((ulong)normal), reserved);
    }

    private static Gen<PfnRange> Hole(int frames) =>
        from start in Gen.Choose(0, Math.Max(0, frames - 1))
        from length in Gen.Frequency((3, Gen.Choose(1, 4)), (1, Gen.Choose(5, 64)))
        select new PfnRange(new Pfn((ulong)start), new Pfn((ulong)Math.Min(frames, start + length)));

    /// <summary>free_pages one frame below, at or above a zone boundary, a hole's end or the end of memory, at order 0
    /// or 10; run first, while every frame is free, each is refused (not allocated, reserved, out of range).</summary>
    private static Gen<BuddyStep> FreeAtBoundary(MemoryLayout layout) =>
        from pfn in Boundaries.Values(BuddyBoundaries.Frames(layout))
        from order in Gen.Elements(0, Order.Max)
        select (BuddyStep)new FreeRaw(pfn, order);

    private static Gen<IEnumerable<BuddyStep>> Phase(int length) =>
        Gen.Frequency(
            (4, Gen.ListOf(MixedStep(), length).Select(l => l.AsEnumerable())),
            (2, Gen.ListOf(BurstStep(), length).Select(l => l.AsEnumerable())),
            (2, Gen.ListOf(Gen.Frequency((15, Gen.Constant<BuddyStep>(new FreeLast())), (1, InvalidStep())),
                length).Select(l => l.AsEnumerable())),
            (2, Gen.ListOf(Gen.Frequency((15, FreeStep()), (1, InvalidStep())), length).Select(l => l.AsEnumerable())));

    private static Gen<BuddyStep> MixedStep() =>
        Gen.Frequency(
            (40, AllocStep(Gen.Frequency((6, Gen.Choose(0, 3)), (3, Gen.Choose(4, 9)), (1, Gen.Constant(Order.Max)),
                (1, Boundaries.Values(BuddyBoundaries.Orders).Select(o => (int)o))))),
            (30, FreeStep()),
            (10, Gen.Constant<BuddyStep>(new FreeLast())),
            (15, InvalidStep()));

    private static Gen<BuddyStep> BurstStep() =>
        Gen.Frequency((15, AllocStep(Gen.Choose(0, 4))), (1, InvalidStep()));

    private static Gen<BuddyStep> AllocStep(Gen<int> order) =>
        from o in order
        from zone in Gen.Frequency((6, Gen.Constant(ZoneType.Normal)), (3, Gen.Constant(ZoneType.Dma32)),
            (1, Gen.Constant(ZoneType.Dma)))
        select (BuddyStep)new Alloc(o, zone);

    private static Gen<BuddyStep> FreeStep() => Gen.Choose(0, 64).Select(h => (BuddyStep)new Free(h));

    private static Gen<BuddyStep> InvalidStep() =>
        Gen.OneOf(
            from h in Gen.Choose(0, 64)
            from d in Gen.Elements(-2, -1, 1, 2, 11)
            select (BuddyStep)new FreeWrongOrder(h, d),
            from h in Gen.Choose(0, 64)
            from o in Gen.Choose(0, 1023)
            select (BuddyStep)new FreeInterior(h, o),
            Gen.Choose(0, 8).Select(h => (BuddyStep)new FreeAgain(h)),
            from pfn in Gen.Choose(0, 9000)
            from o in Gen.Choose(-1, 12)
            select (BuddyStep)new FreeRaw((ulong)pfn, o),
            from o in Gen.Elements(-1, 11, 12, 64)
            from zone in Gen.Elements(ZoneType.Dma, ZoneType.Normal)
            select (BuddyStep)new Alloc(o, zone));
}
