using MMSpec.Impl.Tlb;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Tlb;

/// <summary>
/// Worked examples of the PDE cache on a 4-level machine: what a walk caches, that a miss walks from the cached
/// page table, and what each instruction, a page fault and the shootdown leave in it (SDM 4.10.3, 4.10.4.1).
/// </summary>
public sealed class PdeCacheExamples
{
    private static readonly PagingFormat Format = PagingFormat.FourLevel;
    private static readonly VirtAddr Text = new(UserLayout.TextStart(Format));
    private static readonly VirtAddr Stack = new(UserLayout.StackTop(Format) - Pfn.PageSize);
    private static readonly ulong StackRegion = Stack.Value & ~(Format.PageTableSpan - 1);

    public static TheoryData<InvpcidType, string[]> InvpcidEffects => new()
    {
        { InvpcidType.IndividualAddress, ["pcid1 400000", "pcid1 7fffffe00000"] },
        { InvpcidType.SingleContext, ["pcid1 400000", "pcid1 7fffffe00000"] },
        { InvpcidType.AllIncludingGlobal, [] },
        { InvpcidType.AllExceptGlobal, [] },
    };

    [Fact]
    public void A_walk_caches_the_page_table_of_a_user_region_and_never_a_kernel_one()
    {
        var (machine, cpu, _) = TlbExamples.Boot(true);
        Assert.True(machine.Access(cpu, Text, Access.Read, Privilege.User, 0).IsOk);
        var vmalloc = machine.Vmalloc(1).Value;
        Assert.True(machine.Access(cpu, vmalloc, Access.Write, Privilege.Supervisor, 1).IsOk);
        var leaf = machine.Paging.Snapshot().Spaces.Single().Tables.Single(t => t.Depth == Format.Depth - 1);
        Assert.Equal([new PdeCacheEntry(new Pcid(1), 0x40_0000, leaf.Frame)], machine.TlbOf(cpu).PageTables());
    }

    [Fact]
    public void A_miss_walks_from_the_cached_page_table_whatever_it_holds()
    {
        var (machine, cpu, _) = TlbExamples.Boot(true);
        var table = Forged(machine, 0x5A);
        machine.TlbOf(cpu).FillPageTable(new PdeCacheEntry(new Pcid(1), StackRegion, table));
        Assert.Equal((byte)0x5A, machine.Access(cpu, Stack, Access.Read, Privilege.User, 0).Value);
        Assert.Empty(machine.Paging.Snapshot().Spaces.Single().Pages);
    }

    [Fact]
    public void Over_the_model_a_walk_from_a_table_that_is_not_the_region_s_is_a_typed_error()
    {
        var config = new MachineConfig(1, true);
        var machine = new Machine(new PagingModel(Format, new BuddyModel(MemoryLayout.Flat(64))), config, _ =>
            new SetAssociativeTlb(config.Sets, config.Ways, config.PdeEntries));
        var cpu = new CpuId(0);
        Assert.True(machine.SwitchMm(cpu, machine.CreateAddressSpace().Value).IsOk);
        var table = Forged(machine, 0x5A);
        machine.TlbOf(cpu).FillPageTable(new PdeCacheEntry(new Pcid(1), StackRegion, table));
        Assert.Equal(new StaleTableWalk(Stack, table), machine.Access(cpu, Stack, Access.Read, Privilege.User,
            0).Error);
    }

    [Fact]
    public void A_page_fault_drops_the_entry_its_address_used_so_the_retry_walks_from_cr3()
    {
        var (machine, cpu, _) = TlbExamples.Boot(true);
        var empty = machine.Paging.Pages.AllocPages(new Order(0), ZoneType.Normal).Value;
        machine.TlbOf(cpu).FillPageTable(new PdeCacheEntry(new Pcid(1), StackRegion, empty));
        Assert.Equal((byte)3, machine.Access(cpu, Stack, Access.Write, Privilege.User, 3).Value);
        var leaf = machine.Paging.Snapshot().Spaces.Single().Tables.Single(t => t.Depth == Format.Depth - 1);
        Assert.Equal([new PdeCacheEntry(new Pcid(1), StackRegion, leaf.Frame)], machine.TlbOf(cpu).PageTables());
    }

    [Fact]
    public void Invlpg_drops_every_entry_of_the_current_pcid_whatever_the_address()
    {
        var (machine, cpu) = TwoPcids();
        Assert.True(machine.Invlpg(cpu, new VirtAddr(0x1234_5000)).IsOk);
        Assert.Equal(["pcid2 400000"], Regions(machine, cpu));
    }

    [Fact]
    public void A_cr3_write_with_the_no_flush_bit_keeps_the_entries_and_without_it_drops_the_pcid_s()
    {
        var (machine, cpu) = TwoPcids();
        Assert.True(machine.WriteCr3(cpu, true).IsOk);
        Assert.Equal(["pcid1 400000", "pcid1 7fffffe00000", "pcid2 400000"], Regions(machine, cpu));
        Assert.True(machine.WriteCr3(cpu, false).IsOk);
        Assert.Equal(["pcid2 400000"], Regions(machine, cpu));
        var (withoutPcid, other, _) = TlbExamples.Boot(false);
        Assert.True(withoutPcid.Access(other, Text, Access.Read, Privilege.User, 0).IsOk);
        Assert.True(withoutPcid.WriteCr3(other, false).IsOk);
        Assert.Empty(withoutPcid.TlbOf(other).PageTables());
    }

    [Fact]
    public void Toggling_pge_drops_every_entry()
    {
        var (machine, cpu) = TwoPcids();
        Assert.True(machine.TogglePge(cpu).IsOk);
        Assert.Empty(machine.TlbOf(cpu).PageTables());
    }

    [Theory]
    [MemberData(nameof(InvpcidEffects))]
    public void Invpcid_drops_the_entries_its_type_names(InvpcidType type, string[] left)
    {
        var (machine, cpu) = TwoPcids();
        Assert.True(machine.Invpcid(cpu, type, new Pcid(2), Stack).IsOk);
        Assert.Equal(left, Regions(machine, cpu));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_shootdown_after_munmap_drops_the_other_cpu_s_entries(bool pcid)
    {
        var (machine, cpu, mm) = TlbExamples.Boot(pcid);
        var other = new CpuId(1);
        Assert.True(machine.SwitchMm(other, mm).IsOk);
        Assert.True(machine.Access(other, Text, Access.Read, Privilege.User, 0).IsOk);
        Assert.True(machine.Access(cpu, Stack, Access.Read, Privilege.User, 0).IsOk);
        Assert.True(machine.Munmap(cpu, Text, UserLayout.TextPages + UserLayout.DataPages + UserLayout.BssPages).IsOk);
        Assert.Empty(machine.TlbOf(other).PageTables());
        Assert.Empty(machine.TlbOf(cpu).PageTables());
    }

    [Fact]
    public void A_reused_pcid_starts_without_the_old_address_space_s_entries()
    {
        var (machine, cpu, _) = TlbExamples.Boot(true);
        Assert.True(machine.Access(cpu, Text, Access.Read, Privilege.User, 0).IsOk);
        for (var i = 0; i < Machine.DynamicAsids; i++)
        {
            Assert.True(machine.SwitchMm(cpu, machine.CreateAddressSpace().Value).IsOk);
        }

        Assert.Equal(new Pcid(1), machine.Snapshot().Cpus[0].Pcid);
        Assert.Empty(machine.TlbOf(cpu).PageTables());
    }

    /// <summary>
    /// CPU 0 with the text and stack regions cached under pcid1 (mm0) and the text region under pcid2 (mm1).
    /// </summary>
    private static (Machine Machine, CpuId Cpu) TwoPcids()
    {
        var (machine, cpu, mm) = TlbExamples.Boot(true);
        Assert.True(machine.Access(cpu, Text, Access.Read, Privilege.User, 0).IsOk);
        Assert.True(machine.Access(cpu, Stack, Access.Read, Privilege.User, 0).IsOk);
        Assert.True(machine.SwitchMm(cpu, machine.CreateAddressSpace().Value).IsOk);
        Assert.True(machine.Access(cpu, Text, Access.Read, Privilege.User, 0).IsOk);
        Assert.True(machine.SwitchMm(cpu, mm).IsOk);
        Assert.Equal(["pcid1 400000", "pcid1 7fffffe00000", "pcid2 400000"], Regions(machine, cpu));
        return (machine, cpu);
    }

    /// <summary>
    /// A frame laid out as a page table whose stack entry maps a page holding <paramref name="value"/> at offset 0.
    /// </summary>
    private static Pfn Forged(Machine machine, byte value)
    {
        var table = machine.Paging.Pages.AllocPages(new Order(0), ZoneType.Normal).Value;
        var page = machine.Paging.Pages.AllocPages(new Order(0), ZoneType.Normal).Value;
        var entry = PagingFormat.MakeEntry(page, PteFlags.Present | PteFlags.User);
        var at = (ulong)Format.IndexOf(Stack.Value, Format.Depth - 1) * (ulong)Format.EntryBytes;
        for (var b = 0; b < Format.EntryBytes; b++)
        {
            machine.Paging.WriteFrame(table, at + (ulong)b, (byte)(entry >> (8 * b)));
        }

        machine.Paging.WriteFrame(page, 0, value);
        return table;
    }

    private static string[] Regions(Machine machine, CpuId cpu) =>
        [.. machine.TlbOf(cpu).PageTables().Select(p => $"{p.Pcid} {p.Region:x}").Order()];
}
