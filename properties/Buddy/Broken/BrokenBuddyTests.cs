using MMSpec.Model.Buddy;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Buddy.Broken;

/// <summary>
/// Each deliberately broken allocator, modelled on a real bug, must be caught by the lockstep properties from a
/// fixed seed (deterministic), and the report must name the rule it breaks.
/// </summary>
public sealed class BrokenBuddyTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, int> Variants => new()
    {
        { nameof(MergePastMaxOrder), BuddyInvariants.OrderRange, 6 },
        { nameof(BuddyByAddition), BuddyInvariants.MaximalCoalescing, 35 },
        { nameof(MergeIgnoringOrder), BuddyInvariants.Partition, 1 },
        { nameof(MergeAcrossZones), BuddyInvariants.ZoneContainment, 2 },
        { nameof(ExpandUpperHalf), BuddyRules.SnapshotsEqual, 6 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Broken_variant_is_caught_and_the_broken_rule_named(string variant, string rule, int casesAtSeed) =>
        BrokenVariant.AssertCaught(output,
            BuddySafeSpecification.Lockstepped(layout => Create(variant, layout), Level.All), rule, casesAtSeed);

    internal static IBuddyAllocator Create(string variant, MemoryLayout layout) => variant switch
    {
        nameof(MergePastMaxOrder) => new MergePastMaxOrder(layout),
        nameof(BuddyByAddition) => new BuddyByAddition(layout),
        nameof(MergeIgnoringOrder) => new MergeIgnoringOrder(layout),
        nameof(MergeAcrossZones) => new MergeAcrossZones(layout),
        nameof(ExpandUpperHalf) => new ExpandUpperHalf(layout),
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "no such broken variant"),
    };
}
