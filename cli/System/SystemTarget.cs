using MMSpec.Cli.Check;
using MMSpec.Conformance.MemorySystem;
using MMSpec.Conformance.Protocol;
using MMSpec.Impl.MemorySystem;
using MMSpec.Model.MemorySystem;
using Xunit.Abstractions;

namespace MMSpec.Cli.MemorySystem;

/// <summary>
/// The whole-system specification against the target: the process, each case a reset over its machine, or MMSpec's
/// implementations composed.
/// </summary>
public sealed class SystemTarget(ITestOutputHelper output, Target target) : SystemExactSpecification(output)
{
    protected override int Cases => target.Cases ?? base.Cases;

    protected override IMemorySystem Create(SystemConfig config)
    {
        target.StartCase();
        return target.Session is { } session ? new ProcessSystem(session, config) : ImplSystem.Create(config);
    }
}
