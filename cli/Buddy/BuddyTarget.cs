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
    /// <summary>What predicts a pipelining process's answers: MMSpec's own allocator with the model's
    /// placement.</summary>
    public static IBuddyAllocator Predictor(MemoryLayout layout) =>
        new BuddyAllocator(layout, Placement.LowestAddress);

    protected override int Cases => target.Cases ?? base.Cases;

    protected override IBuddyAllocator Create(MemoryLayout layout)
    {
        target.StartCase();
        return target.Session is { } session
            ? new ProcessBuddy(session, layout, Predictor)
            : new BuddyAllocator(layout);
    }
}
