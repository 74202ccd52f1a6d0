using MMSpec.Impl.Buddy;
using MMSpec.Impl.Slab;
using MMSpec.Model.Buddy;
using MMSpec.Model.Slab;
using Xunit;

namespace MMSpec.Properties.Slab;

/// <summary>
/// The two sides example tests run on: the model on the buddy model, the implementation on the buddy implementation.
/// </summary>
public static class SlabSides
{
    public static TheoryData<string> Sides => new() { "model", "impl" };

    public static ISlabAllocator Create(string side, ulong frames) => side switch
    {
        "model" => new SlabModel(new BuddyModel(MemoryLayout.Flat(frames))),
        "impl" => new SlabAllocator(new BuddyAllocator(MemoryLayout.Flat(frames))),
        _ => throw new ArgumentOutOfRangeException(nameof(side), side, "no such side"),
    };
}
