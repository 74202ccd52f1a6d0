using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.MemorySystem;
using MMSpec.Model.MemorySystem;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.MemorySystem.Broken;

/// <summary>
/// Each deliberately broken slow path (BrokenSlowPaths.cs, each citing what it re-enacts) is caught by the safe
/// rules alone from the fixed seed, within the cases recorded beside it, naming the rule it breaks.
/// </summary>
public sealed class BrokenSlowPathTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, int> Variants => new()
    {
        { nameof(OomForCostlyOrders), SlowPathRules.OomOnlyWhereItMayHelp, 25 },
        { nameof(ReclaimRetriesForever), SlowPathRules.ReclaimGivesUp, 20 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Broken_variant_is_caught_and_the_broken_rule_named(string variant, string rule, int casesAtSeed) =>
        BrokenVariant.AssertCaught(output, SlowPathSafeSpecification.Holds(Create(variant), Level.Safe), rule,
            casesAtSeed);

    private static ISlowPath Create(string variant) => variant switch
    {
        nameof(OomForCostlyOrders) => new OomForCostlyOrders(),
        nameof(ReclaimRetriesForever) => new ReclaimRetriesForever(),
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "no such broken slow path"),
    };
}
