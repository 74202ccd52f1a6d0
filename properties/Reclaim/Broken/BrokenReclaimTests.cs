using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.Reclaim;
using MMSpec.Model.Reclaim;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Reclaim.Broken;

/// <summary>
/// Each deliberately broken reclaim model, re-enacting a real kernel bug (cited in BrokenReclaims.cs), must be caught
/// by the lockstep properties from the fixed seed, within the cases recorded beside it, naming the rule it breaks
/// (CompactionMovesPinned by a written-out scenario: PinnedCompactionTests).
/// </summary>
public sealed class BrokenReclaimTests(ITestOutputHelper output)
{
    /// <summary>
    /// Variant, the rule, the cases it needs at the seed, and the checks: the safe and live rules alone where the bug
    /// breaks one of them (the exact lockstep would name the first state that differs, before the harm shows).
    /// </summary>
    public static TheoryData<string, string, int, Level> Variants => new()
    {
        { nameof(UnmapWithoutFlush), ReclaimInvariants.TlbCoherence, 30, SafeAndLive },
        { nameof(DirtyBitLostOnUnmap), ReclaimRules.NoDataLost, 200, SafeAndLive },
        { nameof(ForkWithoutSwapDuplicate), ReclaimInvariants.SwapCounts, 30, SafeAndLive },
        { nameof(MappedBeforeSwapRead), ReclaimRules.NoDataLost, 31, SafeAndLive },
        { nameof(MigrateWithoutFlush), ReclaimInvariants.TlbCoherence, 110, SafeAndLive },
        { nameof(AnonReclaimedWithoutSwap), ReclaimRules.AnonKeptWithoutSwap, 5, SafeAndLive },
        { nameof(CostInPages), SharedRules.SameState, 1, Level.All },
    };

    private const Level SafeAndLive = Level.Safe | Level.Live;

    [Theory]
    [MemberData(nameof(Variants))]
    public void Broken_variant_is_caught_and_the_broken_rule_named(string variant, string rule, int casesAtSeed,
        Level checks) =>
        BrokenVariant.AssertCaught(output,
            ReclaimSafeSpecification.Lockstepped(config => Create(variant, config), checks), rule, casesAtSeed);

    /// <summary>
    /// The written-out live rule swap-round-trip, held to a variant: it must catch it from the fixed seed and name the
    /// rule. (compaction-makes-the-block was shown able to fail by a model whose migration changed the words it
    /// copied; no kernel bug of that shape is re-enacted here.)
    /// </summary>
    [Fact]
    public void Swap_in_without_reading_the_slot_breaks_swap_round_trip() =>
        BrokenVariant.AssertCaught(output,
            ReclaimLiveSpecification.SwapRoundTripHolds(config => new MappedBeforeSwapRead(config)),
            ReclaimRules.SwapRoundTrip, 5);

    internal static ReclaimModel Create(string variant, ReclaimConfig config) => variant switch
    {
        nameof(UnmapWithoutFlush) => new UnmapWithoutFlush(config),
        nameof(DirtyBitLostOnUnmap) => new DirtyBitLostOnUnmap(config),
        nameof(ForkWithoutSwapDuplicate) => new ForkWithoutSwapDuplicate(config),
        nameof(MappedBeforeSwapRead) => new MappedBeforeSwapRead(config),
        nameof(CompactionMovesPinned) => new CompactionMovesPinned(config),
        nameof(MigrateWithoutFlush) => new MigrateWithoutFlush(config),
        nameof(AnonReclaimedWithoutSwap) => new AnonReclaimedWithoutSwap(config),
        nameof(CostInPages) => new CostInPages(config),
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "no such broken variant"),
    };
}
