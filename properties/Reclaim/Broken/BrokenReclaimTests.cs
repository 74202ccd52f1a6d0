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

    internal static ReclaimModel Create(string variant, ReclaimConfig config) => variant switch
    {
        nameof(UnmapWithoutFlush) => new UnmapWithoutFlush(config),
        nameof(DirtyBitLostOnUnmap) => new DirtyBitLostOnUnmap(config),
        nameof(ForkWithoutSwapDuplicate) => new ForkWithoutSwapDuplicate(config),
        nameof(MappedBeforeSwapRead) => new MappedBeforeSwapRead(config),
        nameof(CompactionMovesPinned) => new CompactionMovesPinned(config),
        nameof(AnonReclaimedWithoutSwap) => new AnonReclaimedWithoutSwap(config),
        nameof(CostInPages) => new CostInPages(config),
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "no such broken variant"),
    };
}
