using FsCheck;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.MemorySystem;
using Xunit.Abstractions;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>
/// The allocator's slow path: subclass, override Create, and generated allocations (fifteen gfp masks,
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
public abstract class SlowPathSafeSpecification(ITestOutputHelper output) : CaseSpecification<ISlowPath>(output)
{
    public override Level Level => Level.Safe;

    protected sealed override Property Checked(ISlowPath subject, Level checks) => Holds(subject, checks);

    /// <summary>The property for any slow path at <paramref name="checks"/>: what every test here runs.</summary>
    public static Property Holds(ISlowPath subject, Level checks) =>
        RuleProperty.ForAll(SlowPathCase.Arbitrary(), c => SlowPathRules.FirstBroken(subject, c, checks));
}

/// <summary>The slow path at the exact level: every step Linux 6.18 takes, in its order, and the outcome.</summary>
public abstract class SlowPathExactSpecification(ITestOutputHelper output) : SlowPathSafeSpecification(output)
{
    public override Level Level => Level.Exact;
}
