using MMSpec.Cli.Check;
using MMSpec.Conformance.Protocol;
using MMSpec.Conformance.Reclaim;
using MMSpec.Impl.Reclaim;
using MMSpec.Model.Reclaim;
using Xunit.Abstractions;

namespace MMSpec.Cli.Reclaim;

/// <summary>
/// The reclaim, swap, writeback and compaction specification against the target: the process, each case a reset
/// over its machine, or the implementation's reclaim system.
/// </summary>
public sealed class ReclaimTarget(ITestOutputHelper output, Target target) : ReclaimExactSpecification(output)
{
    protected override int Cases => target.Cases ?? base.Cases;

    protected override IReclaimSystem Create(ReclaimConfig config)
    {
        target.StartCase();
        return target.Session is { } session ? new ProcessReclaim(session, config) : new ReclaimSystem(config);
    }
}
