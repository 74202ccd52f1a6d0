using System.Reflection;
using Xunit;

namespace MMSpec.Properties.Lockstep;

/// <summary>The mutation profile's data stays true: it names real tests, and its arithmetic is what it says.</summary>
public sealed class MutationProfileTests
{
    [Fact]
    public void Every_profiled_test_exists()
    {
        var tests = typeof(MutationProfileTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Where(m => m.GetCustomAttribute<FactAttribute>() is not null)
            .Select(m => m.Name)
            .ToHashSet();
        Assert.All(MutationProfile.Cases.Keys, name => Assert.Contains(name, tests));
    }

    [Theory]
    [InlineData("Falsifiable, after 6 tests (1363 shrinks) (20261124,1)", 6)]
    [InlineData("Falsifiable, after 1 test (7 shrinks)", 1)]
    [InlineData("Ok, passed 100 tests.", -1)]
    public void Cases_to_failure_is_read_from_the_report(string report, int cases) =>
        Assert.Equal(cases, MutationProfile.CasesToFailure(report));

    [Theory]
    [InlineData(1, 6)]
    [InlineData(5, 10)]
    [InlineData(35, 70)]
    public void A_broken_variant_gets_its_cases_and_as_many_again_at_least_five(int casesAtSeed, int budget) =>
        Assert.Equal(budget, MutationProfile.BrokenVariantBudget(casesAtSeed));

    [Theory]
    [InlineData("Test collection for MMSpec.Properties.Buddy.BuddyExamples", 0)]
    [InlineData("Test collection for MMSpec.Properties.Buddy.Broken.BrokenBuddyTests", 2)]
    [InlineData("Test collection for MMSpec.Properties.Slab.Broken.BrokenSlabTests", 2)]
    [InlineData("Test collection for MMSpec.Properties.Buddy.BuddyIncrementalTests", 3)]
    [InlineData("Test collection for MMSpec.Properties.Tlb.TlbIncrementalTests", 3)]
    [InlineData("Test collection for MMSpec.Properties.Lockstep.ConformanceRunnerTests", 3)]
    [InlineData("Test collection for MMSpec.Properties.Tlb.TlbFourLevelPcidProperties", 1)]
    public void Direct_tests_run_first_then_properties_then_broken_variants_then_agreements(string collection,
        int rank) =>
        Assert.Equal(rank, FastTestsFirst.Rank(collection));
}
