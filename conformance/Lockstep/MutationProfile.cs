using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// What a test run costs under a mutant, set by <c>MMSPEC_PROFILE=mutation</c> (mutation/run exports it). A mutant
/// is killed by any failing case, so the profile does not shrink (the smallest counterexample is for people, not for
/// Stryker) and does not replay a failing lockstep run in full for its trace, gives each lockstep property the number
/// of cases below, and lets a broken-variant test run only as many cases as its variant needs at its seed (plus a
/// margin) instead of 200.
/// </summary>
public static partial class MutationProfile
{
    public const string Variable = "MMSPEC_PROFILE";

    /// <summary>
    /// Cases per lockstep property under the profile: about the most any broken variant of the component needs at
    /// the fixed seed (casesAtSeed in MMSpec's Broken*Tests: buddy 35, slab 54, paging 23, TLB 21), so a bug as hard to
    /// reach as the hardest planted one is still found from a fresh seed; the incremental-check agreements get
    /// three; the other tests keep MMSPEC_SCALE.
    /// </summary>
    public static IReadOnlyDictionary<string, int> Cases { get; } = new Dictionary<string, int>
    {
        ["Level1_safe_impl_agrees_with_model_and_keeps_invariants"] = 40,
        ["Level2_live_request_succeeds_iff_a_free_aligned_block_exists"] = 40,
        ["Level2_live_freeing_everything_restores_the_initial_free_areas"] = 40,
        ["Level3_exact_free_area_counts_follow_linux_step_for_step"] = 40,
        ["Level1_safe_impl_agrees_with_model_objects_never_overlap_and_invariants_hold"] = 60,
        ["Level2_live_allocation_fails_only_when_cache_and_buddy_are_exhausted"] = 60,
        ["Level2_live_freeing_everything_and_shrinking_restores_the_buddy_free_areas"] = 60,
        ["Level3_exact_partial_then_empty_then_new_slab_constructor_once_linux_size_classes"] = 60,
        ["Level1_safe_every_access_agrees_with_the_model_frames_have_one_owner_bad_input_changes_nothing"] = 25,
        ["Level2_live_destroying_every_address_space_and_vfreeing_restores_the_free_areas"] = 25,
        ["Level3_exact_same_tables_entries_and_vmpte_bytes_as_the_model"] = 25,
        ["Transparent_coherent_and_isolated_every_access_as_walking_every_entry_fresh_or_less_permissive"] = 25,
        [IncrementalAgreement] = 3,
    };

    /// <summary>
    /// The incremental-check agreement of every component. It checks the checker (conformance/, never mutated): under
    /// a mutant of the model or the implementation both of its passes fail alike and it passes, so the profile runs
    /// three cases of it, enough to fail on a mutant that only one pass sees (FastTestsFirst runs it last).
    /// </summary>
    public const string IncrementalAgreement = "Incremental_check_finds_exactly_what_the_full_check_finds";

    public static bool Active =>
        string.Equals(Environment.GetEnvironmentVariable(Variable), "mutation", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The profile's cases for a test (its method name; a specification's class before it and a theory's arguments
    /// after it are ignored), or null.
    /// </summary>
    public static int? CasesFor(string testName)
    {
        var method = testName.Split('(')[0];
        return Active && Cases.TryGetValue(method[(method.LastIndexOf('.') + 1)..], out var cases) ? cases : null;
    }

    /// <summary>A broken variant's budget: the cases it needs at its seed, and as many again (at least five).</summary>
    public static int BrokenVariantBudget(int casesAtSeed) => casesAtSeed + Math.Max(5, casesAtSeed);

    /// <summary>The generator with its shrinker, or without under the profile.</summary>
    public static Arbitrary<T> Arbitrary<T>(Gen<T> gen, Func<T, IEnumerable<T>> shrink) =>
        Active ? Arb.From(gen) : Arb.From(gen, shrink);

    /// <summary>How many cases FsCheck ran before the failure it reports ("Falsifiable, after 6 tests").</summary>
    public static int CasesToFailure(string report) =>
        AfterTests().Match(report) is { Success: true } match
            ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : -1;

    [GeneratedRegex(@"Falsifiable, after (\d+) tests?")]
    private static partial Regex AfterTests();
}
