using Xunit;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("MMSpec.Properties.Lockstep.FastTestsFirst", "MMSpec.Properties")]

namespace MMSpec.Properties.Lockstep;

/// <summary>
/// Runs the direct tests (examples, bad input, known answers: milliseconds each) before the lockstep properties
/// (seconds each), those before the fixed-seed broken variants, and the incremental-check agreements last. Under a
/// mutant Stryker stops a run at its first failing test, so a mutant that a direct test kills costs milliseconds,
/// not a property's run. The broken variants come after the properties because they kill least: they show that a
/// planted bug is caught, which a mutant seldom undoes; in the mutation reports of 2026-12-08 (model-Core, 165
/// killed, and impl-Reclaim's ReclaimSystem.Swapon.cs, 58) no mutant's first failing test was one, while the
/// Swapon.cs mutants that only a property kills timed out behind them (BrokenReclaimTests alone run for seconds).
/// An agreement checks the checker, not the code under test: under a mutant of the model or the implementation its
/// fast pass and its full check fail alike, so it passes. Measured under the mutation
/// profile (2026-12-01, `dotnet test` with a TRX logger), the agreements were 57% of the suite's test time.
/// </summary>
public sealed class FastTestsFirst : ITestCollectionOrderer
{
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(c => Rank(c.DisplayName)).ThenBy(c => c.DisplayName, StringComparer.Ordinal);

    /// <summary>
    /// 0 direct tests, 1 lockstep properties (class name *Properties), 2 fixed-seed broken variants, 3 the
    /// incremental-check agreements (*IncrementalTests), the conformance kit's own tests (namespace
    /// MMSpec.Properties.Lockstep: they check the checker, as the agreements do) and the protocol's and the
    /// command's (they start processes).
    /// </summary>
    public static int Rank(string collection)
    {
        var type = collection.Split(' ')[^1];
        var name = type[(type.LastIndexOf('.') + 1)..];
        if (name.EndsWith("IncrementalTests", StringComparison.Ordinal)
            || type.StartsWith("MMSpec.Properties.Lockstep.", StringComparison.Ordinal)
            || type.StartsWith("MMSpec.Properties.Protocol.", StringComparison.Ordinal)
            || type.StartsWith("MMSpec.Properties.Cli.", StringComparison.Ordinal))
        {
            return 3;
        }

        if (name.EndsWith("Properties", StringComparison.Ordinal))
        {
            return 1;
        }

        return type.Contains(".Broken.", StringComparison.Ordinal) ? 2 : 0;
    }
}
