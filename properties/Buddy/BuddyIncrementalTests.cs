using FsCheck.Fluent;
using MMSpec.Impl.Buddy;
using MMSpec.Model.Buddy;
using MMSpec.Properties.Buddy.Broken;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Buddy;

/// <summary>
/// The buddy lockstep's incremental check (one MAX_PAGE_ORDER window a step) finds what the full check finds, on
/// both placement policies and on every broken allocator, at every level.
/// </summary>
public sealed class BuddyIncrementalTests(ITestOutputHelper output)
{
    private const int Cases = 40;

    public static TheoryData<string> Allocators =>
        new(["HeadOfList", "LowestAddress", .. BrokenBuddyTests.Variants.Select(row => (string)row[0])]);

    [Theory]
    [MemberData(nameof(Allocators))]
    public void Incremental_check_finds_exactly_what_the_full_check_finds(string allocator) =>
        PropertyRunner.Check(output, Prop.ForAll(BuddyGen.Scenarios(), scenario =>
            IncrementalCheck.Agrees(
                () => new BuddyLockstep(
                    Create(allocator, scenario.Layout), new BuddyModel(scenario.Layout), Level.Safe),
                scenario.Steps)), Cases);

    private static IBuddyAllocator Create(string allocator, MemoryLayout layout) => allocator switch
    {
        "HeadOfList" => new BuddyAllocator(layout, Placement.HeadOfList),
        "LowestAddress" => new BuddyAllocator(layout, Placement.LowestAddress),
        _ => BrokenBuddyTests.Create(allocator, layout),
    };
}
