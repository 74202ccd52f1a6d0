using MMSpec.Cli.Check;
using MMSpec.Conformance.Slab;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Slab;
using MMSpec.Model.Buddy;
using MMSpec.Model.Slab;
using Xunit.Abstractions;

namespace MMSpec.Cli.Slab;

/// <summary>The slab specification against the implementation's slab allocator on its buddy allocator.</summary>
public sealed class SlabTarget(ITestOutputHelper output, Target target) : SlabExactSpecification(output)
{
    protected override int Cases => target.Cases ?? base.Cases;

    protected override ISlabAllocator Create(MemoryLayout layout)
    {
        target.StartCase();
        return new SlabAllocator(new BuddyAllocator(layout));
    }
}
