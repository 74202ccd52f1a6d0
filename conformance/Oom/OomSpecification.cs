using FsCheck;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Oom;
using Xunit.Abstractions;

namespace MMSpec.Conformance.Oom;

/// <summary>
/// The OOM killer's check: subclass, override Create, and generated process tables (init and kernel
/// threads, oom_score_adj from -1000 to 1000, ties, tasks without an mm or in vfork, victims pending and reaped, an
/// oom_task_origin) are scanned: the victim may be killed, no new victim is chosen while one is pending, "no killable
/// processes" only when none may be killed.
/// <code>
/// public sealed class MyOomKillerConforms(ITestOutputHelper output) : OomSafeSpecification(output)
/// {
///     protected override IOomKiller Create() => new MyOomKiller();
/// }
/// </code>
/// </summary>
public abstract class OomSafeSpecification(ITestOutputHelper output) : CaseSpecification<IOomKiller>(output)
{
    public override Level Level => Level.Safe;

    protected sealed override Property Checked(IOomKiller subject, Level checks) => Holds(subject, checks);

    /// <summary>The property for any OOM killer at <paramref name="checks"/>: what every test here runs.</summary>
    public static Property Holds(IOomKiller subject, Level checks) =>
        RuleProperty.ForAll(OomScan.Arbitrary(), scan => OomRules.FirstBroken(subject, scan, checks));
}

/// <summary>
/// The OOM killer at the exact level, the safe rules included: the victim Linux 6.18 picks (highest oom_badness,
/// the last of equal ones, the scan's aborts), and every task's oom_badness and /proc/&lt;pid&gt;/oom_score.
/// </summary>
public abstract class OomExactSpecification(ITestOutputHelper output) : OomSafeSpecification(output)
{
    public override Level Level => Level.Exact;
}
