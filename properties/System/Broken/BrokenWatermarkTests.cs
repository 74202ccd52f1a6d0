using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.MemorySystem;
using MMSpec.Model.MemorySystem;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.MemorySystem.Broken;

/// <summary>
/// Each deliberately broken watermark setup or test (BrokenWatermarks.cs, each citing what it re-enacts) is caught
/// from the fixed seed within the cases recorded beside it, naming the rule it breaks.
/// </summary>
public sealed class BrokenWatermarkTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, int> Variants => new()
    {
        { nameof(WatermarksBeforeScaleFactor), WatermarkRules.AsLinux, 1 },
        { nameof(WatermarkWithoutLowmemReserve), WatermarkRules.TestAsLinux, 6 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Broken_variant_is_caught_and_the_broken_rule_named(string variant, string rule, int casesAtSeed) =>
        BrokenVariant.AssertCaught(output, WatermarkSafeSpecification.Holds(Create(variant), Level.Safe | Level.Exact),
            rule, casesAtSeed);

    private static IWatermarks Create(string variant) => variant switch
    {
        nameof(WatermarksBeforeScaleFactor) => new WatermarksBeforeScaleFactor(),
        nameof(WatermarkWithoutLowmemReserve) => new WatermarkWithoutLowmemReserve(),
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "no such broken watermarks"),
    };
}
