using MMSpec.Impl.Buddy;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using Xunit;

namespace MMSpec.Properties.Buddy;

/// <summary>
/// The pieces of the incremental check, pinned directly: a window snapshot holds exactly the blocks that start in
/// it, on every side; snapshots compare equal only when layout, free and allocated blocks all agree; and every rule
/// the window check runs reports through it.
/// </summary>
public sealed class BuddyWindowTests
{
    // DMA [0, 8), DMA32 [8, 16); pfn 0 reserved.
    private static readonly MemoryLayout Layout =
        new(16, new Pfn(8), new Pfn(16), [new PfnRange(new Pfn(0), new Pfn(1))]);

    [Fact]
    public void Within_keeps_exactly_the_blocks_that_start_in_the_frames()
    {
        var snapshot = Snapshot([B(1, 0), B(2, 1), B(8, 3)], [B(4, 2)]);
        var window = snapshot.Within(Range(2, 8));
        Assert.Equal([B(2, 1)], window.Free.ToArray());
        Assert.Equal([B(4, 2)], window.Allocated.ToArray());
        Assert.Equal([B(8, 3)], snapshot.Within(Range(8, 16)).Free.ToArray());
        Assert.Empty(snapshot.Within(Range(3, 4)).Free);
        Assert.Empty(snapshot.Within(Range(3, 4)).Allocated);
    }

    [Fact]
    public void Same_blocks_needs_the_same_layout_free_and_allocated_blocks()
    {
        var snapshot = Snapshot([B(1, 0), B(2, 1), B(8, 3)], [B(4, 2)]);
        Assert.True(snapshot.SameBlocks(Snapshot([B(1, 0), B(2, 1), B(8, 3)], [B(4, 2)])));
        Assert.False(snapshot.SameBlocks(Snapshot([B(1, 0), B(2, 1), B(8, 3)], [B(4, 1)])));
        Assert.False(snapshot.SameBlocks(Snapshot([B(1, 0), B(2, 1)], [B(4, 2)])));
        Assert.False(snapshot.SameBlocks(new BuddySnapshot(MemoryLayout.Flat(16), snapshot.Free, snapshot.Allocated)));
    }

    [Theory]
    [InlineData("model")]
    [InlineData("impl-head")]
    [InlineData("impl-lowest")]
    public void Every_side_answers_a_window_as_its_whole_snapshot_filtered(string side)
    {
        var layout = MemoryLayout.X86(3000);
        IBuddyAllocator buddy = side switch
        {
            "model" => new BuddyModel(layout),
            "impl-head" => new BuddyAllocator(layout, Placement.HeadOfList),
            _ => new BuddyAllocator(layout, Placement.LowestAddress),
        };
        var taken = Enumerable.Range(0, 40)
            .Select(i => buddy.AllocPages(new Order(i % 4), ZoneType.Normal).Value)
            .ToList();
        foreach (var pfn in taken.Where((_, i) => i % 3 == 0))
        {
            Assert.True(buddy.FreePages(pfn, new Order(taken.IndexOf(pfn) % 4)).IsOk);
        }

        var whole = buddy.Snapshot();
        var windows = new[] { (0, 1024), (1024, 2048), (2048, 3000), (5, 6), (0, 0), (2999, 3000), (2990, 4000) };
        foreach (var (start, end) in windows)
        {
            var expected = whole.Within(Range((ulong)start, (ulong)end));
            var window = buddy.SnapshotOf(Range((ulong)start, (ulong)end));
            Assert.True(window.SameBlocks(expected), $"{side} [{start}, {end})");
        }
    }

    [Fact]
    public void The_window_check_reports_every_rule_it_runs()
    {
        var frames = Range(0, 16);
        Assert.Empty(BuddyInvariants.Window(Snapshot([B(1, 0), B(2, 1), B(8, 3)], [B(4, 2)]), frames));
        Assert.Contains(BuddyInvariants.OrderRange, Rules(Snapshot([B(0, 11)], [])));
        Assert.Equal([BuddyInvariants.NaturalAlignment], Rules(Snapshot([B(1, 0), B(6, 1), B(8, 3)], [B(2, 2)])));
        Assert.Contains(BuddyInvariants.ZoneContainment, Rules(Snapshot([B(0, 4)], [])));
        Assert.Equal([BuddyInvariants.Partition], Rules(Snapshot([B(1, 0), B(2, 1), B(8, 3)], [])));
        Assert.Equal(
            [BuddyInvariants.MaximalCoalescing], Rules(Snapshot([B(1, 0), B(2, 1), B(8, 2), B(12, 2)], [B(4, 2)])));

        string[] Rules(BuddySnapshot s) => [.. BuddyInvariants.Window(s, frames).Select(v => v.Rule).Distinct()];
    }

    [Fact]
    public void A_window_names_its_start_when_its_first_frames_are_in_no_block() =>
        Assert.Equal(
            [new Violation(
                BuddyInvariants.Partition, "frames [0x8, 0xc) after the start of the window at 0x8 are in no block")],
            BuddyInvariants.CheckPartition(Snapshot([B(12, 2)], []), Range(8, 16)));

    private static BuddySnapshot Snapshot(Block[] free, Block[] allocated) => new(Layout, free, allocated);

    private static Block B(ulong pfn, int order) => new(new Pfn(pfn), new Order(order));

    private static PfnRange Range(ulong start, ulong end) => new(new Pfn(start), new Pfn(end));
}
