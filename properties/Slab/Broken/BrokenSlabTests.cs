using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Slab.Broken;

/// <summary>
/// Each deliberately broken slab allocator, modelled on a real class of bug, must be caught by the lockstep
/// properties from a fixed seed (deterministic), within the cases recorded beside it, and the report must name the rule
/// it breaks.
/// </summary>
public sealed class BrokenSlabTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, int> Variants => new()
    {
        { nameof(FreeToWrongList), SlabInvariants.ListMembership, 2 },
        { nameof(NewSlabWhilePartialHasRoom), SlabRules.NewSlabOnlyWhenNeeded, 1 },
        { nameof(KmallocOffByOne), SlabRules.KmallocSizeClass, 43 },
        { nameof(ConstructorOnEveryAlloc), SlabInvariants.ConstructorCount, 54 },
        { nameof(DoubleFreeUndetected), SlabRules.OnlyLiveObjects, 13 },
        { nameof(RoundupAboveMaxSizeToZero), SlabRules.ObjectInSlab, 9 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Broken_variant_is_caught_and_the_broken_rule_named(string variant, string rule, int casesAtSeed) =>
        BrokenVariant.AssertCaught(output,
            SlabSafeSpecification.Lockstepped(layout => Create(variant, new BuddyModel(layout)), Level.All),
            rule, casesAtSeed);

    [Fact]
    public void Constructor_on_every_alloc_wipes_what_the_last_user_left_and_counts_each_call()
    {
        var slab = new ConstructorOnEveryAlloc(new BuddyModel(MemoryLayout.Flat(16)));
        var cache = slab.KmemCacheCreate("inode", 24, 0, new CacheCtor(0xabc)).Value;
        var obj = slab.KmemCacheAlloc(cache).Value;
        Assert.True(slab.WriteWord(obj, 0x55).IsOk);
        Assert.True(slab.KmemCacheFree(cache, obj).IsOk);
        Assert.Equal(obj, slab.KmemCacheAlloc(cache).Value);
        Assert.Equal(0xabcUL, slab.ReadWord(obj).Value);
        Assert.Equal(128 + 2, slab.Snapshot().Cache(cache)!.CtorCalls);
    }

    internal static SlabModel Create(string variant, IBuddyAllocator pages) => variant switch
    {
        nameof(FreeToWrongList) => new FreeToWrongList(pages),
        nameof(NewSlabWhilePartialHasRoom) => new NewSlabWhilePartialHasRoom(pages),
        nameof(KmallocOffByOne) => new KmallocOffByOne(pages),
        nameof(ConstructorOnEveryAlloc) => new ConstructorOnEveryAlloc(pages),
        nameof(DoubleFreeUndetected) => new DoubleFreeUndetected(pages),
        nameof(RoundupAboveMaxSizeToZero) => new RoundupAboveMaxSizeToZero(pages),
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "no such broken variant"),
    };
}
