using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Model.Buddy;
using MMSpec.Model.Slab;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Slab;

/// <summary>
/// Generators for slab scenarios. Machines are small (16..2100 frames) so that caches fill many slabs and the
/// buddy allocator runs out during slab growth, yet large enough now and then for an order-10 kmalloc. Steps come
/// in phases (mixed, bursts that fill one cache, fill-free-shrink, frees in random or reverse order, shrinks), with
/// invalid frees
/// and other bad input mixed into every phase.
/// </summary>
public static class SlabGen
{
    /// <summary>Sizes around every kmalloc class boundary, where an off-by-one shows.</summary>
    private static readonly long[] BoundarySizes =
        [
            1, 7, 8, 9, 16, 17, 24, 32, 33, 63, 64, 65, 72, 95, 96, 97, 127, 128, 129, 136, 191, 192, 193,
            255, 256, 257, 511, 512, 513, 1024, 1025, 2048, 4096, 4097, 8191, 8192,
        ];

    public static Arbitrary<SlabScenario> Scenarios() => MutationProfile.Arbitrary(Scenario(), ShrinkScenario);

    public static Gen<SlabScenario> Scenario() =>
        from frames in Gen.Frequency((3, Gen.Choose(16, 128)), (4, Gen.Choose(129, 1024)), (2, Gen.Choose(1025, 2100)))
        from reserveZero in Gen.Elements(true, false)
        from steps in Steps()
        select new SlabScenario(
            reserveZero ? MemoryLayout.X86((ulong)frames) : MemoryLayout.Flat((ulong)frames), steps);

    public static Gen<ImmutableArray<SlabStep>> Steps() =>
        Gen.Sized(size =>
            from phases in Gen.ListOf(Phase(Math.Max(4, size)), Math.Max(1, size / 20) + 1)
            select phases.SelectMany(p => p).ToImmutableArray());

    /// <summary>Simpler scenarios (<see cref="Shrink"/>): fewer steps, simpler steps, then a smaller layout.</summary>
    public static IEnumerable<SlabScenario> ShrinkScenario(SlabScenario scenario) =>
        Shrink.Sequence(scenario, scenario.Steps, static (s, steps) => s with { Steps = steps })
            .Concat(Shrink.Layout(scenario.Layout, 2).Select(layout => scenario with { Layout = layout }));

    private static Gen<IEnumerable<SlabStep>> Phase(int length) =>
        Gen.Frequency(
            (4, Gen.ListOf(MixedStep(), length).Select(l => l.AsEnumerable())),
            (3, FillBurst(length)),
            (2, FillFreeShrink(length)),
            (2, Gen.ListOf(
                    Gen.Frequency((8, FreeStep()), (2, InvalidStep()), (1, CacheStep(c => new ShrinkCache(c)))), length)
                .Select(l => l.AsEnumerable())),
            (1, Gen.ListOf(
                    Gen.Frequency(
                        (8, Gen.Constant<SlabStep>(new KfreeLast())),
                        (1, InvalidStep()),
                        (1, CacheStep(c => new ShrinkCache(c)))),
                    length)
                .Select(l => l.AsEnumerable())));

    /// <summary>Many allocations from one cache (a created one more often than not), to fill slab after slab.</summary>
    private static Gen<IEnumerable<SlabStep>> FillBurst(int length) =>
        from cache in Gen.Frequency((3, Gen.Choose(13, 20)), (1, Gen.Choose(0, 12)))
        from steps in Gen.ListOf(
            Gen.Frequency((12, Gen.Constant<SlabStep>(new CacheAlloc(cache))), (1, InvalidStep()), (1, FreeStep())),
            length * 2)
        select steps.AsEnumerable();

    /// <summary>
    /// Fill one cache, free the newest objects (emptying the last slabs, leaving one partial), then shrink it.
    /// </summary>
    private static Gen<IEnumerable<SlabStep>> FillFreeShrink(int length) =>
        from cache in Gen.Frequency((3, Gen.Choose(13, 20)), (1, Gen.Choose(0, 12)))
        from fill in Gen.Choose(length, length * 3)
        from free in Gen.Choose(1, fill)
        select Enumerable.Repeat<SlabStep>(new CacheAlloc(cache), fill)
            .Concat(Enumerable.Repeat<SlabStep>(new KfreeLast(), free))
            .Append(new ShrinkCache(cache));

    private static Gen<SlabStep> MixedStep() =>
        Gen.Frequency(
            (6, CreateStep()),
            (20, CacheStep(c => new CacheAlloc(c))),
            (16, KmallocGen()),
            (16, FreeStep()),
            (6, from h in Handle() from v in Gen.Choose(0, 1 << 20) select (SlabStep)new Write(h, (ulong)v)),
            (6, Handle().Select(h => (SlabStep)new Read(h))),
            (3, Handle().Select(h => (SlabStep)new KsizeStep(h))),
            (5, CacheStep(c => new ShrinkCache(c))),
            (3, CacheStep(c => new DestroyCache(c))),
            (14, InvalidStep()));

    private static Gen<SlabStep> CreateStep() =>
        from size in Gen.Frequency(
            (6, Gen.Choose(1, 300)),
            (3, Gen.Choose(301, 5000)),
            (1, Gen.Choose(5001, 70000)),
            (1, Gen.Elements(0, 4_194_296, 4_194_304, 4_194_305)))
        from align in Gen.Frequency(
            (5, Gen.Constant(0)), (3, Gen.Elements(8, 16, 32, 64, 256, 4096)), (1, Gen.Elements(3, 24, 100)))
        from ctor in Gen.Elements(true, false)
        select (SlabStep)new CreateCache(size, align, ctor);

    private static Gen<SlabStep> KmallocGen() =>
        Gen.Frequency(
            (5, Gen.Elements(BoundarySizes)),
            (4, Gen.Choose(0, (int)KmallocSizes.MaxCacheSize).Select(s => (long)s)),
            (2, Gen.Choose((int)KmallocSizes.MaxCacheSize + 1, 65536).Select(s => (long)s)),
            (1, Gen.Choose(65537, (int)KmallocSizes.MaxSize).Select(s => (long)s)),
            (1, Gen.Elements((long)KmallocSizes.MaxSize + 1, 1L << 40)),
            (2, Boundaries.Values(SlabBoundaries.Sizes).Select(s => (long)s)))
        .Select(size => (SlabStep)new KmallocStep(size));

    private static Gen<SlabStep> CacheStep(Func<int, SlabStep> make) =>
        Gen.Frequency((3, Gen.Choose(13, 20)), (1, Gen.Choose(0, 12))).Select(make);

    private static Gen<int> Handle() => Gen.Choose(0, 64);

    private static Gen<SlabStep> FreeStep() =>
        Gen.Frequency(
            (3, Handle().Select(h => (SlabStep)new KfreeStep(h))),
            (2, Handle().Select(h => (SlabStep)new CacheFree(h))),
            (1, Gen.Constant<SlabStep>(new KfreeLast())));

    private static Gen<SlabStep> InvalidStep() =>
        Gen.OneOf(
            from h in Handle()
            from o in Gen.Choose(0, 8191)
            select (SlabStep)new FreeInterior(h, o),
            Gen.Choose(0, 8).Select(h => (SlabStep)new FreeAgain(h)),
            from h in Gen.Choose(0, 8)
            from c in Gen.Choose(0, 24)
            select (SlabStep)new CacheFreeAgain(h, c),
            from h in Handle()
            from c in Gen.Choose(0, 20)
            select (SlabStep)new FreeWrongCache(h, c),
            from kind in Gen.Elements(RawPointer.BelowDirectMap, RawPointer.PastDirectMap, RawPointer.AnyByte)
            from value in Gen.Choose(0, int.MaxValue)
            select (SlabStep)new FreeRaw(kind, (ulong)value));
}
