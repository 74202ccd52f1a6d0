using FsCheck;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Lockstep;

/// <summary>
/// The one assertion every Broken*Tests makes: from the fixed seed the property fails, names the rule, and needs at
/// most the recorded number of cases (data kept beside each variant, so a mutant that hides the bug costs a few
/// cases, not 200, and a generator change that moves the failure later says so).
/// </summary>
public static class BrokenVariant
{
    public const ulong Seed = 20261124;

    /// <summary>The case count the recorded numbers were measured at; fewer cases keep its sizes (see below).</summary>
    public const int ReferenceCases = 200;

    public static void AssertCaught(ITestOutputHelper output, Property property, string rule, int casesAtSeed,
        [System.Runtime.CompilerServices.CallerMemberName] string testName = "",
        [System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        // FsCheck grows the size linearly to endSize over the run's cases: scaling endSize with the budget gives
        // case n the size it has in a run of ReferenceCases, so the cases (and the one that fails) stay the same.
        var budget = MutationProfile.BrokenVariantBudget(casesAtSeed);
        var endSize = Math.Max(1, 100 * budget / ReferenceCases);
        var failure = Assert.Throws<PropertyFailedException>(() =>
            PropertyRunner.CheckFrom(output, property, budget, Seed, endSize, testName, sourceFile));
        // Under the mutation profile nothing shrinks, and a long case may break another rule of the variant first
        // (BuddyByAddition: partition before maximal-coalescing); the rule is named for people, so the profile only
        // asks that some rule broke.
        Assert.Contains(MutationProfile.Active ? "rule broken: " : $"rule broken: {rule}", failure.Message,
            StringComparison.Ordinal);
        var cases = MutationProfile.CasesToFailure(failure.Message);
        Assert.True(cases > 0 && cases <= casesAtSeed,
            $"caught after {cases} cases at seed {Seed}, recorded at most {casesAtSeed}: update casesAtSeed");
    }
}
