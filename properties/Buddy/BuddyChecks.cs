namespace MMSpec.Properties.Buddy;

/// <summary>
/// The conformance levels (docs/README.md, "Conformance levels"), as the groups of checks a lockstep run makes
/// after each step.
/// </summary>
[Flags]
public enum BuddyChecks
{
    /// <summary>
    /// Level 1: the model permits the result, invariants hold, bad input changes nothing, snapshots agree.
    /// </summary>
    Safe = 1,

    /// <summary>
    /// Level 2: a request succeeds if and only if a free aligned block of its order exists in an allowed zone.
    /// </summary>
    Live = 2,

    /// <summary>
    /// Level 3: the free-area counts change exactly as __rmqueue_smallest, expand and __free_one_page say.
    /// </summary>
    Exact = 4,

    All = Safe | Live | Exact,
}
