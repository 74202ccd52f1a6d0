using FsCheck;
using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.MemorySystem;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.MemorySystem.Broken;

/// <summary>
/// Each deliberately broken part of the whole system (BrokenWatermarks.cs and BrokenSlowPaths.cs, each citing what
/// it re-enacts) is caught from the fixed seed within the cases recorded beside it, naming the rule it breaks: the
/// slow path's by the safe rules alone.
/// </summary>
public sealed class BrokenSystemTests(ITestOutputHelper output)
{
    private const Level Exact = Level.Safe | Level.Exact;

    private static readonly Dictionary<string, Func<Property>> Checked = new()
    {
        [nameof(WatermarksBeforeScaleFactor)] = () =>
            WatermarkSafeSpecification.Holds(new WatermarksBeforeScaleFactor(), Exact),
        [nameof(WatermarkWithoutLowmemReserve)] = () =>
            WatermarkSafeSpecification.Holds(new WatermarkWithoutLowmemReserve(), Exact),
        [nameof(OomForCostlyOrders)] = () => SlowPathSafeSpecification.Holds(new OomForCostlyOrders(), Level.Safe),
        [nameof(ReclaimRetriesForever)] = () =>
            SlowPathSafeSpecification.Holds(new ReclaimRetriesForever(), Level.Safe),
    };

    public static TheoryData<string, string, int> Variants => new()
    {
        { nameof(WatermarksBeforeScaleFactor), WatermarkRules.AsLinux, 1 },
        { nameof(WatermarkWithoutLowmemReserve), WatermarkRules.TestAsLinux, 6 },
        { nameof(OomForCostlyOrders), SlowPathRules.OomOnlyWhereItMayHelp, 25 },
        { nameof(ReclaimRetriesForever), SlowPathRules.ReclaimGivesUp, 20 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Broken_variant_is_caught_and_the_broken_rule_named(string variant, string rule, int casesAtSeed) =>
        BrokenVariant.AssertCaught(output, Checked[variant](), rule, casesAtSeed);
}
