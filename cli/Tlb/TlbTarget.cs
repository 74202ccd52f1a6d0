using MMSpec.Cli.Check;
using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.Protocol;
using MMSpec.Conformance.Tlb;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Impl.Tlb;
using MMSpec.Model.Buddy;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using Xunit.Abstractions;

namespace MMSpec.Cli.Tlb;

/// <summary>
/// The TLB check (4-level, PCIDs on) against the target: the process, each case a reset over its format, layout and
/// configuration, or the implementation's machine (set-associative TLBs on its paging system); exact demands Linux's
/// error precedence too.
/// </summary>
public sealed class TlbTarget(ITestOutputHelper output, Target target) : TlbExactSpecification(output)
{
    public override Level Level => target.Level >= Level.Exact ? Level.Exact : Level.Safe;

    protected override int Cases => target.Cases ?? base.Cases;

    protected override IMachine Create(PagingFormat format, MemoryLayout layout, MachineConfig config)
    {
        target.StartCase();
        return target.Session is { } session
            ? new ProcessMachine(session, format, layout, config)
            : new Machine(new PagingSystem(format, new BuddyAllocator(layout)), config,
                _ => new SetAssociativeTlb(config.Sets, config.Ways, config.PdeEntries));
    }
}
