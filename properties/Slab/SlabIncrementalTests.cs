using FsCheck.Fluent;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Slab;
using MMSpec.Model.Buddy;
using MMSpec.Model.Slab;
using MMSpec.Properties.Lockstep;
using MMSpec.Properties.Slab.Broken;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Slab;

/// <summary>
/// The slab lockstep's incremental check (the caches a step names and the MAX_PAGE_ORDER window of its address)
/// finds what the full check finds, for the implementation on both buddy stacks and for every broken slab allocator.
/// </summary>
public sealed class SlabIncrementalTests(ITestOutputHelper output)
{
    private const int Cases = 40;

    public static TheoryData<string> Allocators =>
        new(["impl-on-buddy-impl", "impl-on-buddy-model", .. BrokenSlabTests.Variants.Select(row => (string)row[0])]);

    [Theory]
    [MemberData(nameof(Allocators))]
    public void Incremental_check_finds_exactly_what_the_full_check_finds(string allocator) =>
        PropertyRunner.Check(output, Prop.ForAll(SlabGen.Scenarios(), scenario =>
            IncrementalCheck.Agrees(() => Subject(allocator, scenario.Layout), scenario.Steps)), Cases);

    private static SlabLockstep Subject(string allocator, MemoryLayout layout) =>
        new(Create(allocator, layout), new SlabModel(ModelPages(allocator, layout)), Level.Safe);

    private static ISlabAllocator Create(string allocator, MemoryLayout layout) => allocator switch
    {
        "impl-on-buddy-impl" => new SlabAllocator(new BuddyAllocator(layout)),
        "impl-on-buddy-model" => new SlabAllocator(new BuddyModel(layout)),
        _ => BrokenSlabTests.Create(allocator, new BuddyModel(layout)),
    };

    /// <summary>The model's pages as <see cref="SlabProperties"/> pairs them: the other buddy allocator.</summary>
    private static IBuddyAllocator ModelPages(string allocator, MemoryLayout layout) =>
        allocator == "impl-on-buddy-model"
        ? new BuddyAllocator(layout, Placement.LowestAddress)
        : new BuddyModel(layout);
}
