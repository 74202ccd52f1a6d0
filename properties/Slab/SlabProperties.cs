using MMSpec.Impl.Buddy;
using MMSpec.Impl.Slab;
using MMSpec.Model.Buddy;
using MMSpec.Model.Slab;
using Xunit.Abstractions;

namespace MMSpec.Properties.Slab;

/// <summary>
/// The slab allocator's properties, every level: the implementation on the fast buddy allocator against the model
/// on the buddy model (which adopts the implementation's pages). Exactly the conformance kit's
/// SlabExactSpecification, as an outside user runs it.
/// </summary>
public sealed class SlabOnBuddyImplProperties(ITestOutputHelper output) : SlabExactSpecification(output)
{
    protected override ISlabAllocator Create(MemoryLayout layout) => new SlabAllocator(new BuddyAllocator(layout));
}

/// <summary>
/// The stacks swapped: the implementation on the buddy model against the model on the fast buddy allocator with the
/// lowest-address placement (both buddy sides then pick the lowest address), levels 1 and 2.
/// </summary>
public sealed class SlabOnBuddyModelProperties(ITestOutputHelper output) : SlabLiveSpecification(output)
{
    protected override ISlabAllocator Create(MemoryLayout layout) => new SlabAllocator(new BuddyModel(layout));

    protected override IBuddyAllocator ModelPages(MemoryLayout layout) =>
        new BuddyAllocator(layout, Placement.LowestAddress);
}
