using System.Text.Json;
using System.Text.Json.Nodes;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Core;

/// <summary>
/// The JSON text of snapshots, pinned on small samples (what a constructor takes, snake case, pfns as numbers,
/// addresses hex, flags by name, the paging format by its name), and malformed snapshots refused with a
/// <see cref="JsonException"/> that says what is wrong.
/// </summary>
public sealed class SnapshotJsonFormatTests
{
    private const string TinyLayout =
        """{"frame_count":8,"dma32_start":2,"normal_start":4,"reserved":[{"start":0,"end":1}]}""";

    /// <summary>A buddy snapshot of the tiny layout up to its layout.</summary>
    private const string Tiny = """{"layout":""" + TinyLayout;

    private const string TinyBuddy =
        Tiny + ""","free":[{"pfn":1,"order":0},{"pfn":2,"order":1},{"pfn":6,"order":1}],"allocated":"""
        + """[{"pfn":4,"order":1}]}""";

    /// <summary>The zone boundaries of the tiny layout.</summary>
    private const string Zones = "\"dma32_start\":2,\"normal_start\":4";

    /// <summary>The fields of a private anonymous read-only VMA after its bounds.</summary>
    private const string Anon = "\"prot\":\"read\",\"backing\":null,\"pg_off\":0,\"shared\":false";

    private const PteFlags UserPage =
        PteFlags.Present | PteFlags.ReadWrite | PteFlags.User | PteFlags.Accessed | PteFlags.Dirty | PteFlags.NoExecute;

    [Fact]
    public void A_tiny_layout_and_its_buddy_snapshot_have_this_json()
    {
        var layout = new MemoryLayout(8, new Pfn(2), new Pfn(4), [new PfnRange(new Pfn(0), new Pfn(1))]);
        var buddy = new BuddyModel(layout);
        Assert.Equal(new Pfn(4), buddy.AllocPages(new Order(1), ZoneType.Normal).Value);
        Assert.Equal(TinyLayout, MmJson.Serialize(layout));
        Assert.Equal(TinyBuddy, MmJson.Serialize(buddy.Snapshot()));
        Assert.True(MmJson.Deserialize<BuddySnapshot>(TinyBuddy).SameBlocks(buddy.Snapshot()));
    }

    [Fact]
    public void Paging_parts_write_addresses_in_hex_flags_and_protections_by_name_and_the_format_by_its_name()
    {
        Assert.Equal("\"4-level 48-bit\"", MmJson.Serialize(PagingFormat.FourLevel));
        Assert.Equal(
            """{"start":"0x400000","end":"0x402000","prot":"read, exec","backing":{"shmem":false,"id":3},"pg_off":"""
            + """10,"shared":true}""",
            MmJson.Serialize(new Vma(0x40_0000, 0x40_2000, VmProt.Read | VmProt.Exec, new MappedObject(false, 3), 10,
                true)));
        Assert.Equal(
            """{"addr":"0x7ffffffff000","frame":5,"flags":"present, read_write, user, """
            + """accessed, dirty, no_execute","owner":{"backing":null,"pg_off":0}}""",
            MmJson.Serialize(new PageState(0x7fff_ffff_f000, new Pfn(5), UserPage, new PageOwner(null, 0))));
        Assert.Equal("\"none\"", MmJson.Serialize(PteFlags.None));
        Assert.Equal("""{"start":"0xffffc90000000000","frames":[8,9]}""",
            MmJson.Serialize(new VmallocArea(0xffff_c900_0000_0000, [new Pfn(8), new Pfn(9)])));
    }

    [Fact]
    public void Tlb_parts_write_a_vpn_as_a_number_and_a_region_in_hex()
    {
        Assert.Equal(
            """{"pcid":1,"vpn":1024,"translation":{"frame":5,"flags":"present, global"},"global":true}""",
            MmJson.Serialize(new TlbEntry(new Pcid(1), 0x400, new Translation(new Pfn(5),
                PteFlags.Present | PteFlags.Global), true)));
        Assert.Equal("""{"pcid":1,"region":"0x400000","page_table":9}""",
            MmJson.Serialize(new PdeCacheEntry(new Pcid(1), 0x40_0000, new Pfn(9))));
        Assert.Equal("""{"cpus":2,"pcid_enabled":true,"sets":16,"ways":4,"pde_entries":32}""",
            MmJson.Serialize(new MachineConfig(2, true)));
    }

    [Theory]
    [InlineData("""{"frame_count":8,""" + Zones + "}", "missing required properties including: 'reserved'")]
    [InlineData("""{"frame_count":8,""" + Zones + ""","reserved":[],"zones":[]}""", "'zones' could not be mapped")]
    [InlineData("""{"frame_count":8,""" + Zones + ""","reserved":null}""", "$.reserved")]
    [InlineData("""{"frame_count":"8",""" + Zones + ""","reserved":[]}""", "$.frame_count")]
    [InlineData("""{"frame_count":8,"dma32_start":4,"normal_start":2,"reserved":[]}""",
        "DMA32 starts at 0x4, after Normal at 0x2")]
    [InlineData("""{"frame_count":8,""" + Zones + ""","reserved":[{"start":7,"end":9}]}""",
        "reserved range [0x7, 0x9) overlaps another or leaves the machine")]
    [InlineData("""{"frame_count":0,""" + Zones + ""","reserved":[]}""", "a layout has 1..1073741824 frames")]
    [InlineData("""[8, 2, 4]""", "MemoryLayout")]
    [InlineData("""null""", "null where a MemoryLayout was expected")]
    public void A_malformed_layout_is_a_json_exception_that_says_what_is_wrong(string json, string message) =>
        Assert.Contains(message, Refused<MemoryLayout>(json), StringComparison.Ordinal);

    [Theory]
    [InlineData(Tiny + ""","free":[]}""", "missing required properties including: 'allocated'")]
    [InlineData(Tiny + ""","free":[],"allocated":[],"free_pages":0}""", "'free_pages' could not be mapped")]
    [InlineData(Tiny + ""","free":[{"pfn":1,"order":0,"end":2}],"allocated":[]}""", "'end' could not be mapped")]
    [InlineData(Tiny + ""","free":[{"pfn":-1,"order":0}],"allocated":[]}""", "$.free[0].pfn")]
    [InlineData("""{"layout":null,"free":[],"allocated":[]}""", "$.layout")]
    [InlineData("""{"layout":{"frame_count":8,"dma32_start":4,"normal_start":2,"reserved":[]},"free":[],"allocated":"""
        + """[]}""", "not a valid BuddySnapshot: DMA32 starts at 0x4")]
    public void A_malformed_buddy_snapshot_is_a_json_exception_that_says_what_is_wrong(string json, string message) =>
        Assert.Contains(message, Refused<BuddySnapshot>(json), StringComparison.Ordinal);

    [Theory]
    [InlineData("""{"start":"400000","end":"0x402000",""" + Anon + "}", "not an address: 400000")]
    [InlineData("""{"start":4194304,"end":"0x402000",""" + Anon + "}", "$.start")]
    [InlineData("""{"start":"0x400000","end":"0xzz",""" + Anon + "}", "not an address: 0xzz")]
    [InlineData("""{"start":"0x400000","end":"0x402000","prot":"read","backing":null,"pg_off":0}""", "'shared'")]
    [InlineData("""{"start":"0x400000","end":"0x402000",""" + Anon + ""","pages":2}""", "'pages' could not be mapped")]
    [InlineData("""{"start":"0x400000","end":"0x402000","prot":5,"backing":null,"pg_off":0,"shared":false}""",
        "$.prot")]
    public void A_malformed_vma_is_a_json_exception_that_says_what_is_wrong(string json, string message) =>
        Assert.Contains(message, Refused<Vma>(json), StringComparison.Ordinal);

    [Theory]
    [InlineData("\"present, huge\"")]
    [InlineData("1")]
    [InlineData("[\"present\"]")]
    public void A_flag_the_enum_does_not_name_is_a_json_exception(string json) =>
        Assert.Throws<JsonException>(() => MmJson.Deserialize<PteFlags>(json));

    [Fact]
    public void A_paging_format_is_one_of_the_three_by_name()
    {
        Assert.All(PagingFormat.All, f => Assert.Same(f, MmJson.Deserialize<PagingFormat>(MmJson.Serialize(f))));
        Assert.Equal("not a paging format: 3-level (one of \"2-level 32-bit\", \"4-level 48-bit\", \"5-level 57-bit\")",
            Refused<PagingFormat>("\"3-level\""));
        Assert.Contains("PagingFormat", Refused<PagingFormat>("4"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_machine_config_needs_every_member_even_one_with_a_default() =>
        Assert.Contains("missing required properties including: 'sets'",
            Refused<MachineConfig>("""{"cpus":2,"pcid_enabled":true,"ways":4,"pde_entries":32}"""),
            StringComparison.Ordinal);

    /// <summary>Edits deep inside a real machine snapshot, each refused as a whole.</summary>
    [Theory]
    [InlineData("a cpu without its misses", "missing required properties including: 'misses'")]
    [InlineData("a vma with an extra field", "'extra' could not be mapped")]
    [InlineData("a tlb entry's flags as a number", "$.cpus[0].entries[0].translation.flags")]
    [InlineData("a vmalloc area at a bad address", "not an address: 0xg")]
    [InlineData("an unknown paging format", "not a paging format: 3-level")]
    [InlineData("zones out of order", "not a valid MachineSnapshot: DMA32 starts at 0x100, after Normal at 0x1")]
    public void A_real_machine_snapshot_edited_wrongly_is_a_json_exception(string edit, string message)
    {
        var json = JsonNode.Parse(MmJson.Serialize(SnapshotJsonTests.Machine(SnapshotJsonTests.Model)))!;
        var paging = json["paging"]!;
        switch (edit)
        {
            case "a cpu without its misses":
                json["cpus"]![1]!.AsObject().Remove("misses");
                break;
            case "a vma with an extra field":
                paging["spaces"]![0]!["vmas"]![0]!["extra"] = 1;
                break;
            case "a tlb entry's flags as a number":
                json["cpus"]![0]!["entries"]![0]!["translation"]!["flags"] = 1;
                break;
            case "a vmalloc area at a bad address":
                paging["vmalloc"]![0]!["start"] = "0xg";
                break;
            case "an unknown paging format":
                paging["format"] = "3-level";
                break;
            default:
                paging["pages"]!["layout"]!["normal_start"] = 1;
                break;
        }

        Assert.Contains(message, Refused<MachineSnapshot>(json.ToJsonString()), StringComparison.Ordinal);
    }

    private static string Refused<T>(string json) =>
        Assert.Throws<JsonException>(() => MmJson.Deserialize<T>(json)).Message;
}
