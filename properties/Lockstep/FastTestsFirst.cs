using Xunit;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("MMSpec.Properties.Lockstep.FastTestsFirst", "MMSpec.Properties")]

namespace MMSpec.Properties.Lockstep;

/// <summary>
/// Runs the direct tests (examples, bad input, known answers: milliseconds each) before the fixed-seed broken
/// variants and incremental-check agreements, and those before the lockstep properties (seconds each). Under a
/// mutant Stryker stops a run at its first failing test, so a mutant that a direct test kills costs milliseconds,
/// not a property's run. Measured: the lockstep properties are over 90% of the covering-test time of a mutant.
/// </summary>
public sealed class FastTestsFirst : ITestCollectionOrderer
{
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(c => Rank(c.DisplayName)).ThenBy(c => c.DisplayName, StringComparer.Ordinal);

    /// <summary>
    /// 0 direct tests, 1 fixed-seed broken variants and agreements, 2 lockstep properties (class name *Properties).
    /// </summary>
    public static int Rank(string collection)
    {
        var type = collection.Split(' ')[^1];
        var name = type[(type.LastIndexOf('.') + 1)..];
        if (name.EndsWith("Properties", StringComparison.Ordinal))
        {
            return 2;
        }

        var pinned = type.Contains(".Broken.", StringComparison.Ordinal)
            || name.EndsWith("IncrementalTests", StringComparison.Ordinal);
        return pinned ? 1 : 0;
    }
}
