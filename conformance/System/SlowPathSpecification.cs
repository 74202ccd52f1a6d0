using FsCheck;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.MemorySystem;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>
/// The allocator's slow path: subclass, override <see cref="Create"/>, and generated allocations (fifteen gfp masks,
/// orders 0 to 10, OOM victims) meet scripted worlds (freelists that fail, reclaim that frees or not, every
/// compaction result, the OOM killer's three outcomes): no reclaim without __GFP_DIRECT_RECLAIM, no OOM kill where it
/// cannot help, reclaim retries that give up, and at the exact level Linux 6.18's steps in Linux's order.
/// <code>
/// public sealed class MySlowPathConforms(ITestOutputHelper output) : SlowPathExactSpecification(output)
/// {
///     protected override ISlowPath Create() => new MySlowPath();
/// }
/// </code>
/// </summary>
public abstract class SlowPathSafeSpecification(ITestOutputHelper output) : Specification(output)
{
    public override Level Level => Level.Safe;

    /// <summary>The slow path under test.</summary>
    protected abstract ISlowPath Create();

    /// <summary>Generated allocations per property.</summary>
    protected virtual int Cases => 300;

    [Fact]
    public void No_reclaim_when_atomic_no_oom_where_it_cannot_help_and_retries_that_give_up() =>
        Check(Holds(Create(), Level), Cases);

    /// <summary>The property for any slow path at <paramref name="checks"/>: what every test here runs.</summary>
    public static Property Holds(ISlowPath subject, Level checks) =>
        RuleProperty.ForAll(SlowPathCase.Arbitrary(), c => SlowPathRules.FirstBroken(subject, c, checks));
}

/// <summary>The slow path at the exact level: every step Linux 6.18 takes, in its order, and the outcome.</summary>
public abstract class SlowPathExactSpecification(ITestOutputHelper output) : SlowPathSafeSpecification(output)
{
    public override Level Level => Level.Exact;
}
