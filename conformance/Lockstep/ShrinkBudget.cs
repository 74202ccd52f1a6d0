namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// A bound on the work one property's shrinking may do, counted in the steps of the candidates it tries (each is run
/// whole), so a counterexample that needs thousands of steps (reclaim's filled machines) shrinks for seconds, not for
/// an hour. It is counted, not timed: a replay shrinks to the same sequence. Armed by <see cref="PropertyRunner"/>
/// for each property it runs; outside one (a test calling <see cref="Shrink"/> directly) nothing is bounded.
/// </summary>
public static class ShrinkBudget
{
    /// <summary>
    /// The candidate steps one property's shrinking may run: over twice the most any broken variant's shrinking
    /// needed before the bound (about 21,600, a slab variant), so only the long reclaim sequences reach it.
    /// </summary>
    public const long Steps = 50_000;

    [ThreadStatic]
    private static long? _left;

    [ThreadStatic]
    private static bool _spent;

    /// <summary>Whether the last property run on this thread stopped shrinking because the budget ran out.</summary>
    public static bool Spent => _spent;

    /// <summary>Gives the property about to run on this thread the whole budget.</summary>
    public static void Arm()
    {
        _left = Steps;
        _spent = false;
    }

    /// <summary>Lifts the bound once the property has run (<see cref="Spent"/> stays until the next Arm).</summary>
    public static void Disarm() => _left = null;

    /// <summary>
    /// <paramref name="candidates"/> while the budget lasts: each costs its <paramref name="steps"/>, and the first
    /// that costs more than is left ends the enumeration (FsCheck then keeps the smallest failure it has).
    /// </summary>
    public static IEnumerable<T> Take<T>(IEnumerable<T> candidates, Func<T, int> steps)
    {
        foreach (var candidate in candidates)
        {
            if (_left is { } left)
            {
                var cost = steps(candidate);
                if (cost > left)
                {
                    _spent = true;
                    yield break;
                }

                _left = left - cost;
            }

            yield return candidate;
        }
    }
}
