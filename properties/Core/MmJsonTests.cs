using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Slab;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Core;

/// <summary>
/// Operations and errors as JSON (<see cref="MmJson"/>): every operation of every component goes there and back
/// unchanged, quantities are numbers and addresses hex strings, and malformed JSON is a <see cref="JsonException"/>.
/// </summary>
public sealed class MmJsonTests
{
    private static readonly VirtAddr Kernel = new(0xffff_c900_0000_1000);

    /// <summary>One of every operation, each with every field set away from its default.</summary>
    public static TheoryData<object> Operations =>
    [
        new AllocPages(new Order(3), ZoneType.Dma32),
        new FreePages(new Pfn(512), new Order(9)),
        new KmemCacheCreate("dentry", 192, 8, new CacheCtor(0xdead)),
        new KmemCacheCreate("plain", 64, 0, null),
        new KmemCacheAlloc(new CacheId(13)),
        new KmemCacheFree(new CacheId(13), Kernel),
        new KmemCacheShrink(new CacheId(14)),
        new KmemCacheDestroy(new CacheId(15)),
        new Kmalloc(4096),
        new Kfree(Kernel),
        new Ksize(Kernel),
        new ReadWord(Kernel),
        new WriteWord(Kernel, ulong.MaxValue),
        new CreateAddressSpace(),
        new DestroyAddressSpace(new AsId(2)),
        new Mmap(new AsId(1), new MmapRequest(4, VmProt.Read | VmProt.Write, 3, 2, true, new VirtAddr(0x4000_0000))),
        new Mmap(new AsId(1), new MmapRequest(1, VmProt.None, null, 0, false)),
        new Munmap(new AsId(1), new VirtAddr(0x4000_0000), 2),
        new Mprotect(new AsId(1), new VirtAddr(0x4000_1000), 1, VmProt.Exec),
        new Brk(new AsId(1), new VirtAddr(0x60_0000)),
        new MigratePage(new AsId(3), new VirtAddr(0x7fff_f000)),
        new AccessByte(new AsId(1), new VirtAddr(0x4000_0010), Access.Write, Privilege.Supervisor, 0xab),
        new Vmalloc(3),
        new Vfree(Kernel),
        new MachineOp.Access(new CpuId(1), new VirtAddr(0x4000_0000), Access.Fetch, Privilege.User),
        new MachineOp.CreateAddressSpace(),
        new MachineOp.DestroyAddressSpace(new AsId(4)),
        new MachineOp.SwitchMm(new CpuId(2), new AsId(4)),
        new MachineOp.Invlpg(new CpuId(0), Kernel),
        new MachineOp.WriteCr3(new CpuId(3), true),
        new MachineOp.TogglePge(new CpuId(1)),
        new MachineOp.Invpcid(new CpuId(0), InvpcidType.SingleContext, new Pcid(4095), new VirtAddr(0x1000)),
        new MachineOp.Mmap(new CpuId(1), new MmapRequest(2, VmProt.Read, null, 0, true)),
        new MachineOp.Munmap(new CpuId(1), new VirtAddr(0x4000_0000), 1),
        new MachineOp.Mprotect(new CpuId(1), new VirtAddr(0x4000_0000), 1, VmProt.Read | VmProt.Exec),
        new MachineOp.Brk(new CpuId(0), new VirtAddr(0x60_1000)),
        new MachineOp.MigratePage(new CpuId(1), new AsId(2), new VirtAddr(0x4000_0000)),
        new MachineOp.Vmalloc(9),
        new MachineOp.Vfree(new CpuId(2), Kernel),
    ];

    [Theory]
    [MemberData(nameof(Operations))]
    public void Every_operation_goes_to_json_and_back_unchanged(object op)
    {
        var type = BaseOf(op.GetType());
        var json = JsonSerializer.Serialize(op, type, MmJson.Options);
        Assert.Equal(op, JsonSerializer.Deserialize(json, type, MmJson.Options));
        Assert.Equal(json, JsonSerializer.Serialize(JsonSerializer.Deserialize(json, type, MmJson.Options), type,
            MmJson.Options));
    }

    [Fact]
    public void Every_operation_type_has_a_json_name_and_a_sample_here()
    {
        var sampled = ((IEnumerable<object[]>)Operations).Select(row => row[0].GetType()).ToHashSet();
        foreach (var root in new[] { typeof(BuddyOp), typeof(SlabOp), typeof(PagingOp), typeof(MachineOp) })
        {
            var named = root.GetCustomAttributes<JsonDerivedTypeAttribute>().Select(a => a.DerivedType).ToHashSet();
            var concrete = root.Assembly.GetTypes().Where(t => t.IsSubclassOf(root) && !t.IsAbstract).ToHashSet();
            Assert.Equal(concrete.OrderBy(t => t.Name), named.OrderBy(t => t.Name));
            Assert.Subset(sampled, concrete);
        }
    }

    [Fact]
    public void Quantities_are_numbers_addresses_hex_strings_and_enums_names()
    {
        Assert.Equal("""{"op":"free_pages","pfn":512,"order":9}""", MmJson.Serialize<BuddyOp>(
            new FreePages(new Pfn(512), new Order(9))));
        Assert.Equal("""{"op":"kfree","addr":"0xffffc90000001000"}""", MmJson.Serialize<SlabOp>(new Kfree(Kernel)));
        Assert.Equal(
            """{"op":"access_byte","mm":1,"addr":"0x10","access":"write","privilege":"user","value":7}""",
            MmJson.Serialize<PagingOp>(new AccessByte(new AsId(1), new VirtAddr(0x10), Access.Write,
                Privilege.User, 7)));
        Assert.Equal(
            "{\"error\":\"PfnOutOfRange\",\"message\":\"block pfn 0x11170 order 2 ends beyond the last frame "
            + "(65536 frames)\",\"pfn\":70000,\"order\":2,\"frame_count\":65536}",
            MmJson.Serialize<MmError>(new PfnOutOfRange(new Pfn(70000), new Order(2), 65536)));
    }

    public static TheoryData<MmError> Errors =>
    [
        new PfnOutOfRange(new Pfn(70000), new Order(2), 65536),
        new OutOfMemory(new Order(10), ZoneType.Normal),
        new WrongCache(Kernel, "dentry", "kmalloc-64"),
        new SegmentationFault(new VirtAddr(0x10), Access.Read, Privilege.User,
            new PageFault(new VirtAddr(0x10), FaultKind.NotPresent, PageLevel.Pte)),
        new PageFault(new VirtAddr(1UL << 47), FaultKind.NonCanonical, null),
        new InvalidInstruction(new CpuId(3), "INVPCID type 4"),
    ];

    [Theory]
    [MemberData(nameof(Errors))]
    public void Every_error_goes_to_json_with_its_kind_and_message_and_back(MmError error)
    {
        var json = MmJson.Serialize(error);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(error.GetType().Name, document.RootElement.GetProperty("error").GetString());
        Assert.Equal(error.Message, document.RootElement.GetProperty("message").GetString());
        Assert.Equal(error, MmJson.Deserialize<MmError>(json));
    }

    [Fact]
    public void Every_error_kind_of_the_model_is_known_by_name() =>
        Assert.Contains("DoubleFree", MmErrorJsonConverter.Kinds.Keys);

    [Theory]
    [InlineData("""{"op":"free_pagez","pfn":1,"order":0}""")]
    [InlineData("""{"op":"free_pages","pfn":-1,"order":0}""")]
    [InlineData("""{"op":"free_pages","pfn":1,"order":0,"zone":"dma"}""")]
    [InlineData("""{"op":"free_pages","pfn":"1","order":0}""")]
    [InlineData("""[1, 2]""")]
    public void A_malformed_buddy_operation_is_a_json_exception(string json) =>
        Assert.Throws<JsonException>(() => MmJson.Deserialize<BuddyOp>(json));

    [Theory]
    [InlineData("""{"op":"kfree","addr":"ffff"}""")]
    [InlineData("""{"op":"kfree","addr":"0x"}""")]
    [InlineData("""{"op":"kfree","addr":"0xzz"}""")]
    [InlineData("""{"op":"kfree","addr":"0x10000000000000000"}""")]
    [InlineData("""{"op":"kfree","addr":4096}""")]
    [InlineData("""{"op":"kfree"}""")]
    public void A_malformed_address_is_a_json_exception(string json) =>
        Assert.Throws<JsonException>(() => MmJson.Deserialize<SlabOp>(json));

    [Theory]
    [InlineData("""{"error":"NoSuchError"}""", "unknown error kind \"NoSuchError\"")]
    [InlineData("""{"message":"no kind"}""", "an error needs its kind in \"error\"")]
    [InlineData("""{"error":"DoubleFree","pfn":1}""", "")]
    [InlineData("""{"error":"DoubleFree","pfn":1,"order":0,"extra":2}""", "")]
    [InlineData("""{"error":"Violation","rule":"x","detail":"y"}""", "unknown error kind \"Violation\"")]
    [InlineData("\"DoubleFree\"", "an error must be a JSON object with its kind in \"error\"")]
    public void A_malformed_error_is_a_json_exception_that_says_what_is_wrong(string json, string message) =>
        Assert.Contains(message, Assert.Throws<JsonException>(() => MmJson.Deserialize<MmError>(json)).Message,
            StringComparison.Ordinal);

    [Fact]
    public void An_error_of_another_kind_than_the_one_asked_for_is_a_json_exception() =>
        Assert.Contains("unknown error kind \"DoubleFree\"", Assert.Throws<JsonException>(() =>
            MmJson.Deserialize<InvalidOrder>("""{"error":"DoubleFree","pfn":1,"order":0}""")).Message,
            StringComparison.Ordinal);

    [Fact]
    public void A_malformed_address_says_what_an_address_looks_like() =>
        Assert.Contains("not an address: ffff (\"0x\" and hex digits)", Assert.Throws<JsonException>(() =>
            MmJson.Deserialize<SlabOp>("""{"op":"kfree","addr":"ffff"}""")).Message, StringComparison.Ordinal);

    [Fact]
    public void A_json_null_where_an_operation_is_expected_says_so() =>
        Assert.Equal("null where a BuddyOp was expected",
            Assert.Throws<JsonException>(() => MmJson.Deserialize<BuddyOp>("null")).Message);

    [Fact]
    public void A_null_where_none_is_allowed_is_a_json_exception() =>
        Assert.Throws<JsonException>(() => MmJson.Deserialize<SlabOp>(
            """{"op":"kmem_cache_create","name":null,"size":64,"align":0,"ctor":null}"""));

    [Fact]
    public void An_enum_as_a_number_is_a_json_exception() =>
        Assert.Throws<JsonException>(() => MmJson.Deserialize<BuddyOp>(
            """{"op":"alloc_pages","order":0,"highest_zone":2}"""));

    [Fact]
    public void A_result_prints_its_value_its_error_or_null() =>
        Assert.Equal(["0x10", "DoubleFree: pfn 0x1 order 0 is already free", "null"],
            new[]
            {
                OpResult.Of(Result<Pfn>.Ok(new Pfn(16))),
                OpResult.Of(Result<Unit>.Fail(new DoubleFree(new Pfn(1), new Order(0)))),
                new OpResult(null, null),
            }.Select(r => r.ToString()));

    [Fact]
    public void A_result_is_ok_with_its_value_or_the_error_and_goes_back_unchanged()
    {
        Result<Pfn> pfn = new Pfn(16);
        Result<Unit> failed = new DoubleFree(new Pfn(1), new Order(0));
        Result<VirtAddr> addr = new VirtAddr(0x1000);
        Assert.Equal("""{"ok":16}""", MmJson.Serialize(pfn));
        Assert.Equal("""{"ok":"0x1000"}""", MmJson.Serialize(addr));
        Assert.Equal("""{"ok":{}}""", MmJson.Serialize(Result<Unit>.Ok(Unit.Value)));
        Assert.StartsWith("""{"error":"DoubleFree","message":""", MmJson.Serialize(failed), StringComparison.Ordinal);
        Assert.Equal(pfn, MmJson.Deserialize<Result<Pfn>>(MmJson.Serialize(pfn)));
        Assert.Equal(failed, MmJson.Deserialize<Result<Unit>>(MmJson.Serialize(failed)));
        Assert.Equal(addr, MmJson.Deserialize<Result<VirtAddr>>(MmJson.Serialize(addr)));
        Assert.Equal(Result<Unit>.Ok(Unit.Value), MmJson.Deserialize<Result<Unit>>("""{"ok":{}}"""));
    }

    [Theory]
    [InlineData("""{"ok":1,"more":2}""", "a result is {\"ok\": value} or an error {\"error\": kind, ...}")]
    [InlineData("""{}""", "a result is {\"ok\": value} or an error {\"error\": kind, ...}")]
    [InlineData("""{"ok":null}""", "a result is {\"ok\": value} or an error {\"error\": kind, ...}")]
    [InlineData("""[1]""", "a result is a JSON object: {\"ok\": value} or an error {\"error\": kind, ...}")]
    [InlineData("""{"error":"NoSuchError"}""", "unknown error kind \"NoSuchError\"")]
    public void A_malformed_result_is_a_json_exception_that_says_what_is_wrong(string json, string message) =>
        Assert.Equal(message, Assert.Throws<JsonException>(() => MmJson.Deserialize<Result<Pfn>>(json)).Message);

    [Fact]
    public void An_untyped_result_goes_to_json_and_back_with_the_type_of_its_value()
    {
        var byteRead = OpResult.Of(Result<byte>.Ok(7));
        var refused = OpResult.Of(Result<AsId>.Fail(new UnknownAddressSpace(new AsId(3))));
        Assert.Equal("""{"ok":7}""", byteRead.ToJson());
        Assert.Equal(byteRead, OpResult.FromJson(byteRead.ToJson(), typeof(byte)));
        Assert.Equal(refused, OpResult.FromJson(refused.ToJson(), typeof(AsId)));
    }

    [Theory]
    [InlineData("""{"ok":7} {"ok":8}""")]
    [InlineData("""{"ok":7,"more":1}""")]
    [InlineData("""{"ok":null}""")]
    [InlineData("")]
    public void An_untyped_result_that_is_malformed_or_followed_by_more_is_a_json_exception(string json) =>
        Assert.ThrowsAny<JsonException>(() => OpResult.FromJson(json, typeof(byte)));

    private static Type BaseOf(Type type) =>
        type.BaseType is { } parent && parent != typeof(object) ? BaseOf(parent) : type;
}
