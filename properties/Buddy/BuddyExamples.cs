using MMSpec.Impl.Buddy;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using Xunit;

namespace MMSpec.Properties.Buddy;

/// <summary>Worked examples with known answers, run on the model and on both implementation policies.</summary>
public sealed class BuddyExamples
{
    public static TheoryData<string> Sides => new() { "model", "impl-head", "impl-lowest" };

    [Fact]
    public void Layout_has_the_zones_a_machine_of_its_size_reaches()
    {
        Assert.Equal([ZoneType.Dma], MemoryLayout.X86(1024).Zones.Select(z => z.Type));
        Assert.Equal([ZoneType.Dma, ZoneType.Dma32], MemoryLayout.X86(1UL << 20).Zones.Select(z => z.Type));
        var big = MemoryLayout.X86((1UL << 20) + 1);
        Assert.Equal([ZoneType.Dma, ZoneType.Dma32, ZoneType.Normal], big.Zones.Select(z => z.Type));
        Assert.Equal(new Pfn(4096), big.Zones[1].Start);
        Assert.Equal(new Pfn(1UL << 20), big.Zones[2].Start);
        Assert.Equal((1UL << 20), big.ManagedFrames);
    }

    [Fact]
    public void Layout_rejects_overlapping_reserved_ranges_and_inverted_zones()
    {
        var start = new Pfn(0);
        Assert.StartsWith("DMA32 starts at 0x8, after Normal at 0x4",
            Assert.Throws<ArgumentException>(() => new MemoryLayout(64, new Pfn(8), new Pfn(4), [])).Message,
                StringComparison.Ordinal);
        Assert.StartsWith("reserved range [0x2, 0x6) overlaps another or leaves the machine",
            Assert.Throws<ArgumentException>(() => new MemoryLayout(64, new Pfn(8), new Pfn(16),
                [new(start, new Pfn(4)), new(new Pfn(2), new Pfn(6))])).Message,
            StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new MemoryLayout(64, new Pfn(8), new Pfn(16),
            [new(new Pfn(60), new Pfn(70))]));
        Assert.Contains("a layout has 1..1073741824 frames",
            Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryLayout(0, new Pfn(8), new Pfn(16), [])).Message,
                StringComparison.Ordinal);
        Assert.Equal(2, new MemoryLayout(64, new Pfn(8), new Pfn(8), []).Zones.Length);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Initial_free_areas_are_the_largest_aligned_blocks_of_each_zone(string side)
    {
        // 16 MiB + 40 KiB with pfn 0 reserved: DMA [1, 4096) and DMA32 [4096, 4106).
        var buddy = Create(side, MemoryLayout.X86(4106));
        var free = buddy.Snapshot().Free;
        Assert.Equal(new Block(new Pfn(1), new Order(0)), free[0]);
        Assert.Equal(new Block(new Pfn(2), new Order(1)), free[1]);
        Assert.Equal(new Block(new Pfn(1024), new Order(10)), free[10]);
        Assert.Equal([new Block(new Pfn(4096), new Order(3)), new Block(new Pfn(4104), new Order(1))], free.Skip(13));
        Assert.Equal(4105UL, buddy.Snapshot().FreePages);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Buddyinfo_is_byte_for_byte_the_linux_format(string side)
    {
        var buddy = Create(side, MemoryLayout.X86(4106));
        Assert.Equal(
            "Node 0, zone      DMA      1      1      1      1      1      1      1      1      1      1      3 \n"
            + "Node 0, zone    DMA32      0      1      0      1      0      0      0      0      0      0      0 \n",
            BuddyInfo.Render(buddy.Snapshot()));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Alloc_splits_the_smallest_sufficient_block_and_free_merges_it_back(string side)
    {
        var buddy = Create(side, MemoryLayout.Flat(16));
        var pfn = buddy.AllocPages(new Order(0), ZoneType.Normal);
        Assert.True(pfn.IsOk);
        Assert.Equal([1, 1, 1, 1, 0], Counts(buddy).Take(5));
        Assert.Equal(Unit.Value, buddy.FreePages(pfn.Value, new Order(0)).Value);
        Assert.Equal([0, 0, 0, 0, 1], Counts(buddy).Take(5));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Bad_input_gets_the_typed_error_that_names_it_and_changes_nothing(string side)
    {
        var layout = new MemoryLayout(64, new Pfn(32), new Pfn(64), [new PfnRange(new Pfn(0), new Pfn(1))]);
        var buddy = Create(side, layout);
        var two = buddy.AllocPages(new Order(2), ZoneType.Dma).Value;
        var before = buddy.Snapshot();

        Assert.Equal(new InvalidOrder(11), buddy.AllocPages(new Order(11), ZoneType.Normal).Error);
        Assert.Equal(new InvalidOrder(-1), buddy.FreePages(two, new Order(-1)).Error);
        Assert.Equal(new PfnOutOfRange(new Pfn(64), new Order(0), 64),
            buddy.FreePages(new Pfn(64), new Order(0)).Error);
        Assert.Equal(new PfnOutOfRange(new Pfn(0), new Order(7), 64), buddy.FreePages(new Pfn(0), new Order(7)).Error);
        Assert.Equal(new MisalignedPfn(new Pfn(6), new Order(2)), buddy.FreePages(new Pfn(6), new Order(2)).Error);
        Assert.Equal(new BlockSpansZones(new Pfn(0), new Order(6)), buddy.FreePages(new Pfn(0), new Order(6)).Error);
        Assert.Equal(new OrderMismatch(two, new Order(1), new Order(2)), buddy.FreePages(two, new Order(1)).Error);
        Assert.Equal(new NotAllocated(new Pfn(two.Value + 1), new Order(0)),
            buddy.FreePages(new Pfn(two.Value + 1), new Order(0)).Error);
        Assert.Equal(new NotAllocated(new Pfn(0), new Order(0)), buddy.FreePages(new Pfn(0), new Order(0)).Error);
        Assert.Equal(new DoubleFree(new Pfn(40), new Order(3)), buddy.FreePages(new Pfn(40), new Order(3)).Error);
        Assert.Null(before.DiffFrom(buddy.Snapshot()));

        Assert.True(buddy.FreePages(two, new Order(2)).IsOk);
        Assert.Equal(new DoubleFree(two, new Order(2)), buddy.FreePages(two, new Order(2)).Error);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Exhaustion_is_out_of_memory_and_a_request_falls_back_to_lower_zones(string side)
    {
        var buddy = Create(side, new MemoryLayout(8, new Pfn(4), new Pfn(6), []));
        Assert.Equal(new Pfn(6), buddy.AllocPages(new Order(1), ZoneType.Normal).Value);
        Assert.Equal(new Pfn(4), buddy.AllocPages(new Order(1), ZoneType.Normal).Value);
        Assert.Equal(new Pfn(0), buddy.AllocPages(new Order(2), ZoneType.Normal).Value);
        Assert.Equal(new OutOfMemory(new Order(0), ZoneType.Normal), buddy.AllocPages(new Order(0),
            ZoneType.Normal).Error);
        Assert.Equal("OutOfMemory: no free block of order 0 in Normal or below",
            buddy.AllocPages(new Order(0), ZoneType.Normal).Error!.ToString());
    }

    [Fact]
    public void Layout_accepts_up_to_max_frames_and_drops_empty_reserved_ranges()
    {
        Assert.Equal(MemoryLayout.MaxFrames, MemoryLayout.X86(MemoryLayout.MaxFrames).FrameCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => MemoryLayout.X86(MemoryLayout.MaxFrames + 1));
        Assert.Empty(new MemoryLayout(8, new Pfn(4), new Pfn(8), [new PfnRange(new Pfn(3), new Pfn(3))]).Reserved);
        Assert.Equal(16UL, new MemoryLayout(16, new Pfn(4), new Pfn(8),
            [new PfnRange(new Pfn(3), new Pfn(3)), new PfnRange(new Pfn(3), new Pfn(4))]).ManagedFrames + 1);
    }

    [Fact]
    public void Model_adopts_any_block_linux_could_take_and_rejects_the_rest()
    {
        var layout = new MemoryLayout(16, new Pfn(8), new Pfn(16), []);
        var model = new BuddyModel(layout);
        var dma32 = new AllocPages(new Order(3), ZoneType.Dma32);
        Assert.Equal("expected a block, got OutOfMemory: no free block of order 3 in DMA32 or below: DMA32 [0x8, 0x10) "
            + "has a free block of order 3",
            model.Adopt(dma32, new OutOfMemory(new Order(3), ZoneType.Dma32)));
        Assert.Equal(
            "returned pfn 0x0, which does not start a free block of order 3 in DMA32 [0x8, 0x10)"
            + " (__rmqueue_smallest takes a block of the smallest sufficient order from the first zone that has one)",
            model.Adopt(dma32, new Pfn(0)));
        Assert.Null(model.Adopt(dma32, new Pfn(8)));
        Assert.Equal("expected OutOfMemory: no free block of order 3 in DMA32 or below, got 0x0",
            new BuddyModel(new MemoryLayout(16, new Pfn(8), new Pfn(16),
                [new PfnRange(new Pfn(1), new Pfn(2)), new PfnRange(new Pfn(9), new Pfn(10))]))
                .Adopt(dma32, new Pfn(0)));
        Assert.Null(model.Adopt(new AllocPages(new Order(11), ZoneType.Normal), new InvalidOrder(11)));
        Assert.Equal(new Block(new Pfn(8), new Order(3)), Assert.Single(model.Snapshot().Allocated));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_frame_just_past_a_free_block_is_not_free(string side)
    {
        var buddy = Create(side, new MemoryLayout(16, new Pfn(16), new Pfn(16),
            [new PfnRange(new Pfn(8), new Pfn(9))]));
        Assert.Equal(new Block(new Pfn(0), new Order(3)), buddy.Snapshot().Free[0]);
        Assert.Equal(new NotAllocated(new Pfn(8), new Order(0)), buddy.FreePages(new Pfn(8), new Order(0)).Error);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Snapshots_list_blocks_by_ascending_pfn(string side)
    {
        var buddy = Create(side, MemoryLayout.Flat(64));
        for (var i = 0; i < 6; i++)
        {
            Assert.True(buddy.AllocPages(new Order(i % 3), ZoneType.Normal).IsOk);
        }

        var snapshot = buddy.Snapshot();
        Assert.Equal(snapshot.Allocated.OrderBy(b => b.Pfn), snapshot.Allocated);
        Assert.Equal(snapshot.Free.OrderBy(b => b.Pfn), snapshot.Free);
        Assert.Equal(6, snapshot.Allocated.Length);
    }

    [Fact]
    public void Impl_metadata_fits_in_16_bytes_per_frame()
    {
        // One flags byte and two int links per frame; the lowest-address index adds a bit per block of each order.
        Assert.Equal(9.0, new BuddyAllocator(MemoryLayout.X86(1 << 16)).MetadataBytesPerFrame);
        var lowest = new BuddyAllocator(MemoryLayout.X86(1 << 16), Placement.LowestAddress).MetadataBytesPerFrame;
        Assert.InRange(lowest, 9.25, 9.27);
    }

    private static int[] Counts(IBuddyAllocator buddy) => buddy.Snapshot().Counts().Values.Single();

    private static IBuddyAllocator Create(string side, MemoryLayout layout) => side switch
    {
        "model" => new BuddyModel(layout),
        "impl-head" => new BuddyAllocator(layout, Placement.HeadOfList),
        "impl-lowest" => new BuddyAllocator(layout, Placement.LowestAddress),
        _ => throw new ArgumentOutOfRangeException(nameof(side), side, "no such side"),
    };
}
