using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using Xunit;

namespace MMSpec.Properties.Buddy;

/// <summary>
/// Each invariant, given a snapshot that breaks exactly it, reports exactly that (and a sound one, nothing).
/// </summary>
public sealed class BuddyInvariantTests
{
    // DMA [0, 8), DMA32 [8, 16); pfn 0 reserved.
    private static readonly MemoryLayout Layout = new(16, new Pfn(8), new Pfn(16),
        [new PfnRange(new Pfn(0), new Pfn(1))]);

    [Fact]
    public void A_sound_snapshot_breaks_no_rule() =>
        Assert.Empty(BuddyInvariants.All(Snapshot([B(1, 0), B(2, 1), B(8, 3)], [B(4, 2)])));

    [Fact]
    public void Order_range_catches_order_11_and_blocks_past_the_end() =>
        Assert.Equal(
            [
                new Violation(BuddyInvariants.OrderRange, "free block 0x0/11 has a bad order or leaves the machine"),
                new Violation(BuddyInvariants.OrderRange,
                    "allocated block 0x10/0 has a bad order or leaves the machine"),
            ],
            BuddyInvariants.CheckOrderRange(Snapshot([B(0, 11)], [B(16, 0)])));

    [Fact]
    public void Natural_alignment_catches_a_misaligned_block() =>
        Assert.Equal(
            [new Violation(BuddyInvariants.NaturalAlignment, "allocated block 0x2/2 is not aligned to its order")],
            BuddyInvariants.All(Snapshot([B(1, 0), B(6, 1), B(8, 3)], [B(2, 2)])));

    [Fact]
    public void Zone_containment_catches_a_block_across_the_boundary() =>
        Assert.Equal(
            [new Violation(BuddyInvariants.ZoneContainment, "free block 0x0/4 crosses a zone boundary")],
            BuddyInvariants.CheckZoneContainment(Snapshot([B(0, 4)], [])));

    [Fact]
    public void Partition_catches_overlaps_and_frames_in_no_block()
    {
        Assert.Equal(
            [new Violation(BuddyInvariants.Partition, "allocated 0x2/0 overlaps free 0x2/1")],
            BuddyInvariants.CheckPartition(Snapshot([B(1, 0), B(2, 1), B(4, 2), B(8, 3)], [B(2, 0)])));
        Assert.Equal(
            [
                new Violation(BuddyInvariants.Partition, "frames [0x2, 0x4) after allocated 0x1/0 are in no block"),
                new Violation(BuddyInvariants.Partition, "frames [0x8, 0x10) at the end are in no block"),
            ],
            BuddyInvariants.CheckPartition(Snapshot([], [B(1, 0), B(4, 2)])));
        Assert.Equal(
            [new Violation(BuddyInvariants.Partition, "frames [0x1, 0x2) after reserved [0x0, 0x1) are in no block")],
            BuddyInvariants.CheckPartition(Snapshot([B(2, 1), B(4, 2), B(8, 3)], [])));
    }

    [Fact]
    public void Maximal_coalescing_catches_order_0_buddies_left_apart() =>
        Assert.Equal(
            [new Violation(BuddyInvariants.MaximalCoalescing, "free buddies 0x2/0 and 0x3/0 were not merged")],
            BuddyInvariants.CheckMaximalCoalescing(Snapshot([B(1, 0), B(2, 0), B(3, 0), B(8, 3)], [B(4, 2)])));

    [Fact]
    public void Maximal_coalescing_catches_free_buddies_left_apart_but_not_across_zones()
    {
        Assert.Equal(
            [new Violation(BuddyInvariants.MaximalCoalescing, "free buddies 0x8/2 and 0xc/2 were not merged")],
            BuddyInvariants.All(Snapshot([B(1, 0), B(2, 1), B(8, 2), B(12, 2)], [B(4, 2)])));
        var split = new MemoryLayout(16, new Pfn(4), new Pfn(16), []);
        Assert.Empty(BuddyInvariants.All(new BuddySnapshot(split, [B(0, 2), B(4, 2), B(8, 3)], [])));
        Assert.Empty(BuddyInvariants.CheckMaximalCoalescing(new BuddySnapshot(MemoryLayout.Flat(2048),
            [B(0, 10), B(1024, 10)], [])));
    }

    [Fact]
    public void All_reports_every_rule_a_snapshot_breaks_in_rule_order()
    {
        var broken = Snapshot([B(0, 11), B(8, 1), B(10, 1), B(12, 2)], [B(3, 1), B(6, 0)]);
        Assert.Equal(
            [BuddyInvariants.OrderRange, BuddyInvariants.NaturalAlignment, BuddyInvariants.Partition,
                BuddyInvariants.Partition, BuddyInvariants.Partition,
                BuddyInvariants.MaximalCoalescing, BuddyInvariants.Conservation],
            BuddyInvariants.All(broken).Select(v => v.Rule));
        Assert.Equal(
            [BuddyInvariants.NaturalAlignment, BuddyInvariants.ZoneContainment, BuddyInvariants.Partition,
                BuddyInvariants.Conservation],
            BuddyInvariants.All(Snapshot([B(1, 0), B(2, 1), B(4, 3)], [])).Select(v => v.Rule));
    }

    [Fact]
    public void Partition_names_a_gap_at_the_start_of_memory() =>
        Assert.Equal(
            [new Violation(BuddyInvariants.Partition, "frames [0x0, 0x8) after the start of memory are in no block")],
            BuddyInvariants.CheckPartition(new BuddySnapshot(MemoryLayout.Flat(16), [B(8, 3)], [])));

    [Fact]
    public void Conservation_catches_lost_frames() =>
        Assert.Equal(
            [new Violation(BuddyInvariants.Conservation, "free + allocated = 14 pages, but 15 are managed")],
            BuddyInvariants.CheckConservation(Snapshot([B(2, 1), B(8, 3)], [B(4, 2)])));

    private static Block B(ulong pfn, int order) => new(new Pfn(pfn), new Order(order));

    private static BuddySnapshot Snapshot(Block[] free, Block[] allocated) => new(Layout, free, allocated);
}
