using MMSpec.Impl.MemorySystem;
using MMSpec.Model.Buddy;
using MMSpec.Model.MemorySystem;
using Xunit;

namespace MMSpec.Properties.MemorySystem;

/// <summary>
/// Worked examples of the watermarks with answers derived by hand from Linux 6.18's mm/page_alloc.c, on the model and
/// the implementation, and of the gfp masks' rules.
/// </summary>
public sealed class WatermarkExamples
{
    public static TheoryData<string> Sides => ["model", "impl"];

    private static IWatermarks Create(string side) =>
        side == "model" ? new WatermarksModel() : new ZoneWatermarkTable();

    private static readonly ulong[] NoBlocks = new ulong[11];

    /// <summary>A zone's lowmem_reserve as /proc/zoneinfo's protection line lists it.</summary>
    private static string Reserve(ZoneMarks zone) => string.Join(", ", zone.LowmemReserve);

    [Theory]
    [MemberData(nameof(Sides))]
    public void One_normal_zone_of_4_gib_has_min_2048_low_3096_high_4144(string side)
    {
        // min_free_kbytes = int_sqrt(4194304 * 16) = 8192; min = 2048; delta = max(512, 1048576 * 10 / 10000).
        var setup = Create(side).Setup([0, 0, 1_048_576], 0, WatermarksModel.DefaultScaleFactor);
        Assert.Equal(8192UL, setup.MinFreeKbytes);
        var z = setup.Zones[2];
        Assert.Equal((ZoneType.Normal, 2048UL, 3096UL, 4144UL, 5192UL), (z.Zone, z.Min, z.Low, z.High, z.Promo));
        Assert.Equal("0, 0, 0", Reserve(z));
        Assert.Equal((0UL, 0UL), (setup.Zones[0].Min, setup.Zones[1].High));
    }

    [Fact]
    public void Zoneinfo_prints_the_marks_and_the_protection_line_as_zoneinfo_show_print()
    {
        var setup = new WatermarksModel().Setup([3977, 680_704, 3_335_680], 0, 10);
        var text = ZoneInfo.Render([new ZoneView(setup.Zones[0], 3840, 4095, 3998),
            new ZoneView(setup.Zones[2], 1_000_000, 3_407_872, 3_407_872)]);
        Assert.Equal(
            "Node 0, zone      DMA\n  pages free     3840\n        boost    0\n        min      3\n"
            + "        low      6\n        high     9\n        promo    12\n        spanned  4095\n"
            + "        present  3998\n        managed  3977\n        cma      0\n"
            + "        protection: (0, 2659, 15689, 15689, 15689)\n"
            + "Node 0, zone   Normal\n  pages free     1000000\n        boost    0\n        min      3327\n"
            + "        low      6662\n        high     9997\n        promo    13332\n        spanned  3407872\n"
            + "        present  3407872\n        managed  3335680\n        cma      0\n"
            + "        protection: (0, 0, 0, 0, 0)\n", text);
    }

    [Theory]
    [InlineData("model", 262_144UL, 4096UL)]
    [InlineData("impl", 262_144UL, 4096UL)]
    [InlineData("model", 4_194_304UL, 16384UL)]
    [InlineData("impl", 4_194_304UL, 16384UL)]
    [InlineData("model", 1024UL, 256UL)]
    [InlineData("impl", 1024UL, 256UL)]
    [InlineData("model", 100UL, 128UL)]
    [InlineData("impl", 100UL, 128UL)]
    [InlineData("model", 1UL << 34, 262144UL)]
    [InlineData("impl", 1UL << 34, 262144UL)]
    public void Min_free_kbytes_is_the_source_comments_table_clamped_to_128_and_262144(string side, ulong pages,
        ulong kbytes) =>
        Assert.Equal(kbytes, Create(side).Setup([pages], 0, WatermarksModel.DefaultScaleFactor).MinFreeKbytes);

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_larger_min_free_kbytes_the_user_set_is_kept_and_a_smaller_one_is_not(string side)
    {
        var watermarks = Create(side);
        Assert.Equal(65536UL, watermarks.Setup([1_048_576], 65536, 10).MinFreeKbytes);
        Assert.Equal(8192UL, watermarks.Setup([1_048_576], 4096, 10).MinFreeKbytes);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Three_zones_share_the_minimum_by_size_and_reserve_the_zones_above_by_their_ratios(string side)
    {
        // The protection line of a 16 GiB machine's /proc/zoneinfo: DMA (0, 2659, 15689), DMA32 (0, 0, 13030).
        var setup = Create(side).Setup([3977, 680_704, 3_335_680], 0, 10);
        Assert.Equal("0, 2659, 15689", Reserve(setup.Zones[0]));
        Assert.Equal("0, 0, 13030", Reserve(setup.Zones[1]));
        Assert.Equal("0, 0, 0", Reserve(setup.Zones[2]));

        // 4 020 361 pages of lowmem: min_free_kbytes = int_sqrt(257 303 104) = 16040, 4010 pages split by size.
        Assert.Equal(16040UL, setup.MinFreeKbytes);
        Assert.Equal([3UL, 678UL, 3327UL], setup.Zones.Select(z => z.Min));
        Assert.Equal(3327UL + 3335UL, setup.Zones[2].Low);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void An_empty_zone_reserves_nothing(string side)
    {
        var setup = Create(side).Setup([0, 1_000_000], 0, 10);
        Assert.Equal("0, 0", Reserve(setup.Zones[0]));
        Assert.Equal((0UL, 0UL), (setup.Zones[0].Min, setup.Zones[0].Low));
    }

    /// <summary>
    /// A mark of 1000 pages: GFP_KERNEL needs more than 1000 free, __GFP_HIGH with reclaim more than 500, GFP_ATOMIC
    /// more than 375 (500 less a quarter), an OOM victim's GFP_KERNEL more than 500.
    /// </summary>
    [Theory]
    [InlineData("model", Gfp.Kernel, false, 1000UL)]
    [InlineData("impl", Gfp.Kernel, false, 1000UL)]
    [InlineData("model", Gfp.Kernel | Gfp.High, false, 500UL)]
    [InlineData("impl", Gfp.Kernel | Gfp.High, false, 500UL)]
    [InlineData("model", Gfp.Atomic, false, 375UL)]
    [InlineData("impl", Gfp.Atomic, false, 375UL)]
    [InlineData("model", Gfp.Kernel, true, 500UL)]
    [InlineData("impl", Gfp.Kernel, true, 500UL)]
    [InlineData("model", Gfp.Atomic, true, 188UL)]
    [InlineData("impl", Gfp.Atomic, true, 188UL)]
    public void The_reserves_lower_the_min_mark_by_the_kernels_fractions(string side, Gfp gfp, bool victim,
        ulong edge)
    {
        var flags = GfpRules.SlowPathFlags(gfp, 0) | (victim ? AllocFlags.Oom : 0);
        var watermarks = Create(side);
        Assert.False(watermarks.ZoneWatermarkOk(edge, NoBlocks, 0, 1000, 0, flags));
        Assert.True(watermarks.ZoneWatermarkOk(edge + 1, NoBlocks, 0, 1000, 0, flags));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void An_order_above_0_needs_its_other_pages_above_the_mark_and_a_free_block_that_large(string side)
    {
        var watermarks = Create(side);
        var blocks = new ulong[11];
        blocks[2] = 1;
        Assert.True(watermarks.ZoneWatermarkOk(1004, blocks, 2, 1000, 0, AllocFlags.WmarkMin));
        Assert.False(watermarks.ZoneWatermarkOk(1003, blocks, 2, 1000, 0, AllocFlags.WmarkMin));
        Assert.False(watermarks.ZoneWatermarkOk(5000, blocks, 3, 1000, 0, AllocFlags.WmarkMin));
        Assert.False(watermarks.ZoneWatermarkOk(1100, NoBlocks, 0, 1000, 100, AllocFlags.WmarkMin));
        Assert.True(watermarks.ZoneWatermarkOk(1101, NoBlocks, 0, 1000, 100, AllocFlags.WmarkMin));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Setups_outside_the_limits_are_refused(string side)
    {
        var watermarks = Create(side);
        Refused(() => watermarks.Setup([], 0, 10), "managed", 0, "1 to 3 zones: DMA, DMA32, NORMAL");
        Refused(() => watermarks.Setup([1, 2, 3, 4], 0, 10), "managed", 4, "1 to 3 zones: DMA, DMA32, NORMAL");
        Refused(() => watermarks.Setup([1000], 0, 0), "scaleFactor", 0, "watermark_scale_factor 1..3000");
        Refused(() => watermarks.Setup([1000], 0, 3001), "scaleFactor", 3001, "watermark_scale_factor 1..3000");

        // The limits themselves are taken: one zone and three, watermark_scale_factor 1 and 3000.
        Assert.Single(watermarks.Setup([1000], 0, 1).Zones);
        Assert.Equal(3, watermarks.Setup([1000, 2000, 3000], 0, 3000).Zones.Length);
    }

    private static void Refused(Action setup, string parameter, int value, string message)
    {
        var refused = Assert.Throws<ArgumentOutOfRangeException>(setup);
        Assert.Equal((parameter, (object)value), (refused.ParamName, refused.ActualValue));
        Assert.StartsWith(message, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Int_sqrt_is_the_largest_root_whose_square_fits_on_both_sides()
    {
        ulong[] large =
        [
            (1UL << 32) - 1, 1UL << 32, (1UL << 32) + 1, 257_303_104, 67_108_864, 67_108_863, 1UL << 62,
            0xFFFF_FFFE_0000_0001, 0xFFFF_FFFE_0000_0000, ulong.MaxValue - 1, ulong.MaxValue,
        ];
        foreach (var x in Enumerable.Range(0, 5000).Select(n => (ulong)n).Concat(large))
        {
            var root = ZoneWatermarkTable.IntSqrt(x);
            Assert.True(root * root <= x && root + 1 > x / (root + 1), $"int_sqrt({x}) = {root}");
            Assert.Equal(WatermarksModel.IntSqrt(x), root);
        }
    }

    [Fact]
    public void The_gfp_composites_are_the_values_an_oom_report_prints()
    {
        Assert.Equal(0xcc0, (int)Gfp.Kernel);
        Assert.Equal(0x820, (int)Gfp.Atomic);
        Assert.Equal(0x100cca, (int)Gfp.HighUserMovable);
        Assert.Equal(0x2800, (int)Gfp.NoWait);
        Assert.Equal(0xc40, (int)Gfp.NoFs);
    }

    [Fact]
    public void The_slow_path_flags_follow_gfp_to_alloc_flags()
    {
        Assert.Equal(AllocFlags.Cpuset | AllocFlags.Kswapd, GfpRules.SlowPathFlags(Gfp.Kernel, 3));
        Assert.Equal(AllocFlags.MinReserve | AllocFlags.Kswapd | AllocFlags.NonBlock,
            GfpRules.SlowPathFlags(Gfp.Atomic, 0));
        Assert.Equal(AllocFlags.MinReserve | AllocFlags.Kswapd | AllocFlags.NonBlock | AllocFlags.HighAtomic,
            GfpRules.SlowPathFlags(Gfp.Atomic, 1));
        Assert.Equal(AllocFlags.Cpuset | AllocFlags.Kswapd | AllocFlags.NonBlock,
            GfpRules.SlowPathFlags(Gfp.NoWait, 0));
        Assert.Equal(AllocFlags.MinReserve | AllocFlags.Kswapd, GfpRules.SlowPathFlags(Gfp.Atomic | Gfp.NoMemalloc, 2));
        Assert.Equal((int)Gfp.High, (int)AllocFlags.MinReserve);
        Assert.Equal((int)Gfp.KswapdReclaim, (int)AllocFlags.Kswapd);
    }

    [Fact]
    public void Gfp_zone_names_the_highest_zone_and_refuses_two_zone_modifiers()
    {
        Assert.Equal(ZoneType.Normal, GfpRules.HighestZone(Gfp.HighUserMovable));
        Assert.Equal(ZoneType.Dma32, GfpRules.HighestZone(Gfp.Kernel | Gfp.Dma32));
        Assert.Equal(ZoneType.Dma, GfpRules.HighestZone(Gfp.Atomic | Gfp.Dma));
        Assert.Null(GfpRules.HighestZone(Gfp.Dma | Gfp.Dma32));
        Assert.Null(GfpRules.HighestZone(Gfp.Dma32 | Gfp.HighMem));
    }
}
