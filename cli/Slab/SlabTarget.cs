using MMSpec.Cli.Check;
using MMSpec.Conformance.Protocol;
using MMSpec.Conformance.Slab;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Slab;
using MMSpec.Model.Buddy;
using MMSpec.Model.Slab;
using Xunit.Abstractions;

namespace MMSpec.Cli.Slab;

/// <summary>
/// The slab specification against the target: the process, each case a reset over its layout, or the
/// implementation's slab allocator on its buddy allocator.
/// </summary>
public sealed class SlabTarget(ITestOutputHelper output, Target target) : SlabExactSpecification(output)
{
    protected override int Cases => target.Cases ?? base.Cases;

    protected override ISlabAllocator Create(MemoryLayout layout)
    {
        target.StartCase();
        return target.Session is { } session
            ? new ProcessSlab(session, layout)
            : new SlabAllocator(new BuddyAllocator(layout));
    }
}
