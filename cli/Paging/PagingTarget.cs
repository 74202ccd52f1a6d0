using MMSpec.Cli.Check;
using MMSpec.Conformance.Paging;
using MMSpec.Conformance.Protocol;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Model.Buddy;
using MMSpec.Model.Paging;
using Xunit.Abstractions;

namespace MMSpec.Cli.Paging;

/// <summary>
/// The paging specification (4-level) against the target: the process, each case a reset over its format and
/// layout, or the implementation's paging system.
/// </summary>
public sealed class PagingTarget(ITestOutputHelper output, Target target) : PagingExactSpecification(output)
{
    protected override int Cases => target.Cases ?? base.Cases;

    protected override IPagingSystem Create(PagingFormat format, MemoryLayout layout)
    {
        target.StartCase();
        return target.Session is { } session
            ? new ProcessPaging(session, format, layout)
            : new PagingSystem(format, new BuddyAllocator(layout));
    }
}
