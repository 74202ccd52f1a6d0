using MMSpec.Cli.Check;
using MMSpec.Conformance.Buddy;
using MMSpec.Conformance.Protocol;
using MMSpec.Impl.Buddy;
using MMSpec.Model.Buddy;
using Xunit.Abstractions;

namespace MMSpec.Cli.Buddy;

/// <summary>
/// The buddy specification (every level's tests; the command picks a level's) against the target: the process,
/// each case a reset over its layout, or the implementation's allocator.
/// </summary>
public sealed class BuddyTarget(ITestOutputHelper output, Target target) : BuddyExactSpecification(output)
{
    protected override int Cases => target.Cases ?? base.Cases;

    protected override IBuddyAllocator Create(MemoryLayout layout)
    {
        target.StartCase();
        return target.Session is { } session ? new ProcessBuddy(session, layout) : new BuddyAllocator(layout);
    }
}
