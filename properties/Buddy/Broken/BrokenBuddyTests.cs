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
    private const ulong Seed = 20261124;

    public static TheoryData<string, string> Variants => new()
    {
        { nameof(MergePastMaxOrder), BuddyInvariants.OrderRange },
        { nameof(BuddyByAddition), BuddyInvariants.MaximalCoalescing },
        { nameof(MergeIgnoringOrder), BuddyInvariants.Partition },
        { nameof(MergeAcrossZones), BuddyInvariants.ZoneContainment },
        { nameof(ExpandUpperHalf), BuddyRules.SnapshotsEqual },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Broken_variant_is_caught_and_the_broken_rule_named(string variant, string rule)
    {
        var property = BuddyProperties.Lockstepped(layout => Create(variant, layout), BuddyChecks.All);
        var failure = Assert.Throws<PropertyFailedException>(() => PropertyRunner.CheckFrom(output, property, 200, Seed));
        Assert.Contains($"rule broken: {rule}", failure.Message, StringComparison.Ordinal);
    }

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
