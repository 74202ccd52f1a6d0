using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Impl.Tlb;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Tlb;

/// <summary>
/// Worked examples: the set-associative TLB's replacement and invalidations, and the machine's instructions and errors.
/// </summary>
public sealed class TlbExamples
{
    private static readonly Translation Frame7 = new(new Pfn(7), PteFlags.Present | PteFlags.User | PteFlags.Accessed);

    [Fact]
    public void A_full_set_evicts_its_least_recently_used_way()
    {
        var tlb = new SetAssociativeTlb(2, 2, 1);
        tlb.Fill(Entry(1, 0));
        tlb.Fill(Entry(1, 2));
        Assert.True(tlb.TryLookup(new Pcid(1), 0, out _));
        tlb.Fill(Entry(1, 4));
        Assert.True(tlb.TryLookup(new Pcid(1), 0, out _));
        Assert.False(tlb.TryLookup(new Pcid(1), 2, out _));
        Assert.True(tlb.TryLookup(new Pcid(1), 4, out _));
        tlb.Fill(Entry(1, 1));
        Assert.Equal(3, tlb.Entries().Count);
        Assert.Equal((3L, 1L), (tlb.Hits, tlb.Misses));
        tlb.Fill(Entry(1, 4) with { Translation = Frame7 with { Frame = new Pfn(8) } });
        Assert.Equal(new Pfn(8), tlb.Entries().Single(e => e.Vpn == 4).Translation.Frame);
        Assert.StartsWith("0 sets of 4 ways: a TLB needs at least one entry",
            Assert.Throws<ArgumentOutOfRangeException>(() => new SetAssociativeTlb(0, 4, 1)).Message,
            StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SetAssociativeTlb(4, 0, 1));
    }

    [Fact]
    public void Entries_match_their_pcid_or_every_pcid_when_global()
    {
        var tlb = new SetAssociativeTlb(4, 2, 1);
        tlb.Fill(Entry(1, 3));
        tlb.Fill(new TlbEntry(default, 5, Frame7, true));
        Assert.False(tlb.TryLookup(new Pcid(2), 3, out _));
        Assert.True(tlb.TryLookup(new Pcid(2), 5, out var global));
        Assert.True(global.Global);
        tlb.InvalidatePage(new Pcid(2), 5, false);
        Assert.True(tlb.TryLookup(new Pcid(2), 5, out _));
        tlb.InvalidatePage(new Pcid(2), 5, true);
        Assert.False(tlb.TryLookup(new Pcid(2), 5, out _));
        tlb.Fill(new TlbEntry(default, 5, Frame7, true));
        tlb.Fill(Entry(2, 6));
        tlb.InvalidateRange(new Pcid(1), 0, 9);
        Assert.Equal([5UL, 6UL], tlb.Entries().Select(e => e.Vpn).Order());
        tlb.InvalidateGlobalRange(5, 5);
        tlb.InvalidatePcid(new Pcid(2));
        Assert.Empty(tlb.Entries());
        tlb.Fill(Entry(1, 1));
        tlb.Fill(new TlbEntry(default, 2, Frame7, true));
        tlb.InvalidateAll(false);
        Assert.Equal([2UL], tlb.Entries().Select(e => e.Vpn));
        tlb.InvalidateAll(true);
        Assert.Empty(tlb.Entries());
    }

    [Fact]
    public void A_full_set_of_four_ways_evicts_the_way_that_fills_and_lookups_used_least_recently()
    {
        var tlb = new SetAssociativeTlb(2, 4, 1);
        foreach (var vpn in new ulong[] { 0, 2, 4, 6, 1 })
        {
            tlb.Fill(Entry(1, vpn));
        }

        Assert.True(tlb.TryLookup(new Pcid(1), 0, out var hit));
        Assert.Equal(Entry(1, 0), hit);
        Assert.True(tlb.TryLookup(new Pcid(1), 4, out _));
        tlb.Fill(Entry(1, 8));
        Assert.Equal([0UL, 1UL, 4UL, 6UL, 8UL], Pages(tlb));
        tlb.Fill(Entry(1, 10));
        Assert.Equal([0UL, 1UL, 4UL, 8UL, 10UL], Pages(tlb));
        Assert.True(tlb.TryLookup(new Pcid(1), 0, out _));
        tlb.Fill(Entry(1, 12));
        Assert.Equal([0UL, 1UL, 8UL, 10UL, 12UL], Pages(tlb));
    }

    /// <summary>
    /// The invalid ways were the most recently used, so least-recently-used replacement would evict a valid entry
    /// instead. <see cref="SetAssociativeTlb.Entries"/> lists the ways in order, so it shows which way a fill took.
    /// </summary>
    [Fact]
    public void A_fill_takes_the_first_invalid_way_of_its_set_before_evicting_a_valid_one()
    {
        var tlb = new SetAssociativeTlb(2, 4, 1);
        foreach (var vpn in new ulong[] { 0, 2, 4, 6 })
        {
            tlb.Fill(Entry(1, vpn));
        }

        Assert.True(tlb.TryLookup(new Pcid(1), 0, out _));
        Assert.True(tlb.TryLookup(new Pcid(1), 4, out _));
        tlb.InvalidatePage(new Pcid(1), 0, false);
        tlb.InvalidatePage(new Pcid(1), 4, false);
        tlb.Fill(Entry(1, 8));
        Assert.Equal([8UL, 2UL, 6UL], tlb.Entries().Select(e => e.Vpn));
        tlb.Fill(Entry(1, 10));
        Assert.Equal([8UL, 2UL, 10UL, 6UL], tlb.Entries().Select(e => e.Vpn));
    }

    /// <summary>SPEC, TLB: an entry is tagged with a PCID unless global, and global ones match in every PCID.</summary>
    [Fact]
    public void A_global_entry_is_untagged_whatever_pcid_filled_it()
    {
        var tlb = new SetAssociativeTlb(1, 2, 1);
        tlb.Fill(Entry(3, 5) with { Global = true });
        Assert.True(tlb.TryLookup(new Pcid(1), 5, out var hit));
        Assert.Equal(Global(5), hit);
        Assert.Equal([Global(5)], tlb.Entries());
    }

    /// <summary>
    /// Each invalidation on its own copy of <see cref="Mixed"/>: what is left is exactly what the instruction
    /// keeps (<see cref="ITlb"/>; SPEC, TLB). A global entry holds PCID 0, so a scan of PCID 0 must skip it by
    /// its global bit.
    /// </summary>
    [Fact]
    public void Each_invalidation_scan_drops_exactly_the_entries_it_names()
    {
        Assert.Equal(["global 2", "global 5", "global 7", "pcid0 3", "pcid1 4", "pcid2 5"],
            LeftAfter(tlb => tlb.InvalidatePage(new Pcid(0), 4, false)));
        Assert.Equal(["global 2", "global 7", "pcid0 3", "pcid0 4", "pcid1 4"],
            LeftAfter(tlb => tlb.InvalidatePage(new Pcid(2), 5, true)));
        Assert.Equal(["global 2", "global 5", "global 7", "pcid0 3", "pcid1 4", "pcid2 5"],
            LeftAfter(tlb => tlb.InvalidateRange(new Pcid(0), 4, 7)));
        Assert.Equal(["global 2", "global 7", "pcid0 3", "pcid0 4", "pcid1 4", "pcid2 5"],
            LeftAfter(tlb => tlb.InvalidateGlobalRange(3, 6)));
        Assert.Equal(["global 2", "global 5", "global 7", "pcid1 4", "pcid2 5"],
            LeftAfter(tlb => tlb.InvalidatePcid(new Pcid(0))));
        Assert.Equal(["global 2", "global 5", "global 7"], LeftAfter(tlb => tlb.InvalidateAll(false)));
        Assert.Empty(LeftAfter(tlb => tlb.InvalidateAll(true)));
    }

    [Fact]
    public void The_second_access_to_a_page_hits_and_a_first_write_walks_to_set_dirty()
    {
        var (machine, cpu, mm) = Boot(true);
        var bss = new VirtAddr(UserLayout.BssStart(PagingFormat.FourLevel));
        var tlb = machine.TlbOf(cpu);
        Assert.Equal((byte)0, machine.Access(cpu, bss, Access.Read, Privilege.User, 0).Value);
        Assert.Equal((byte)0, machine.Access(cpu, bss, Access.Read, Privilege.User, 0).Value);
        Assert.Equal(1L, tlb.Hits);
        Assert.Equal((byte)4, machine.Access(cpu, bss, Access.Write, Privilege.User, 4).Value);
        Assert.True(tlb.Entries().Single().Translation.Flags.HasFlag(PteFlags.Dirty));
        Assert.Equal((byte)4, machine.Access(cpu, bss, Access.Read, Privilege.User, 0).Value);
        Assert.Equal(new NoAddressSpace(new CpuId(1)), machine.Access(new CpuId(1), bss, Access.Read, Privilege.User,
            0).Error);
        Assert.True(machine.DestroyAddressSpace(mm).IsOk);
        Assert.Equal(new NoAddressSpace(cpu), machine.Access(cpu, bss, Access.Read, Privilege.User, 0).Error);
        Assert.Empty(tlb.Entries());
    }

    [Fact]
    public void Migration_on_a_cpu_that_does_not_run_the_mm_flushes_every_cpu_that_did()
    {
        var (machine, cpu, mm) = Boot(true);
        var other = new CpuId(1);
        var bss = new VirtAddr(UserLayout.BssStart(PagingFormat.FourLevel));
        Assert.Equal((byte)3, machine.Access(cpu, bss, Access.Write, Privilege.User, 3).Value);
        var old = machine.TlbOf(cpu).Entries().Single().Translation.Frame;
        Assert.Equal(new InvalidInstruction(new CpuId(2), "no such CPU"),
            machine.MigratePage(new CpuId(2), mm, bss).Error);
        Assert.Equal(new NotMigratable(new VirtAddr(bss.Value + 4096), "no page is mapped there"),
            machine.MigratePage(other, mm, new VirtAddr(bss.Value + 4096)).Error);
        Assert.Single(machine.TlbOf(cpu).Entries());
        Assert.True(machine.MigratePage(other, mm, bss).IsOk);
        Assert.Empty(machine.TlbOf(cpu).Entries());
        Assert.Equal((byte)3, machine.Access(cpu, bss, Access.Read, Privilege.User, 0).Value);
        Assert.NotEqual(old, machine.TlbOf(cpu).Entries().Single().Translation.Frame);
        Assert.Empty(machine.TlbOf(other).Entries());
    }

    [Fact]
    public void Instructions_refuse_what_the_cpu_refuses()
    {
        var (withPcid, cpu, _) = Boot(true);
        var (without, _, _) = Boot(false);
        var nowhere = new CpuId(2);
        Assert.Equal(new InvalidInstruction(nowhere, "no such CPU"), withPcid.Invlpg(nowhere, new VirtAddr(0)).Error);
        Assert.Equal(new InvalidInstruction(nowhere, "no such CPU"), withPcid.TogglePge(nowhere).Error);
        Assert.Equal(new InvalidInstruction(nowhere, "no such CPU"), withPcid.WriteCr3(nowhere, false).Error);
        Assert.Equal(new InvalidInstruction(nowhere, "no such CPU"), withPcid.SwitchMm(nowhere, new AsId(0)).Error);
        Assert.Equal(new UnknownAddressSpace(new AsId(9)), withPcid.SwitchMm(cpu, new AsId(9)).Error);
        Assert.Equal(new InvalidInstruction(cpu, "CR3 bit 63 set with CR4.PCIDE clear"),
            without.WriteCr3(cpu, true).Error);
        Assert.True(withPcid.WriteCr3(cpu, true).IsOk);
        Assert.Equal(new InvalidInstruction(cpu, "invpcid type 1 with pcid4096 and 0x0"),
            withPcid.Invpcid(cpu, InvpcidType.SingleContext, new Pcid(4096), new VirtAddr(0)).Error);
        Assert.Equal(new InvalidInstruction(cpu, "invpcid type 1 with pcid1 and 0x0"),
            without.Invpcid(cpu, InvpcidType.SingleContext, new Pcid(1), new VirtAddr(0)).Error);
        Assert.Equal(new InvalidInstruction(cpu, "invpcid type 0 with pcid1 and 0x800000000000"),
            withPcid.Invpcid(cpu, InvpcidType.IndividualAddress, new Pcid(1), new VirtAddr(1UL << 47)).Error);
        Assert.True(without.Invpcid(cpu, InvpcidType.AllExceptGlobal, new Pcid(0), new VirtAddr(0)).IsOk);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Machine(withPcid.Paging, new MachineConfig(65, true), _ =>
            new AllowedEntries()));
        Assert.Equal("cpu0: invpcid", new InvalidInstruction(cpu, "invpcid").Message);
        Assert.Equal("2 CPUs, PCID on, TLB 16x4, PDE cache 32", new MachineConfig(2, true).ToString());
        Assert.Equal("1 CPUs, PCID off, TLB 2x1, PDE cache 4", new MachineConfig(1, false, 2, 1, 4).ToString());
        Assert.Equal("pcid3 1000 -> 0x7 [P-UA--X]", Entry(3, 1).ToString());
        Assert.Equal("global 1000 -> 0x7 [P-UA--X]", (Entry(0, 1) with { Global = true }).ToString());
        Assert.Equal("cpu1 runs no address space", new NoAddressSpace(new CpuId(1)).Message);
    }

    private static TlbEntry Entry(int pcid, ulong vpn) => new(new Pcid(pcid), vpn, Frame7, false);

    private static TlbEntry Global(ulong vpn) => new(default, vpn, Frame7, true);

    private static IEnumerable<ulong> Pages(SetAssociativeTlb tlb) => tlb.Entries().Select(e => e.Vpn).Order();

    /// <summary>
    /// Two full sets of four ways: set 0 holds global 2, pcid0 4, pcid1 4 and an invalid way (pcid2 6, dropped);
    /// set 1 holds pcid2 5, global 5, pcid0 3 and global 7. PCID 0 is every entry's with PCIDs off.
    /// </summary>
    private static SetAssociativeTlb Mixed()
    {
        var tlb = new SetAssociativeTlb(2, 4, 1);
        TlbEntry[] entries =
            [Global(2), Entry(0, 4), Entry(1, 4), Entry(2, 6), Entry(2, 5), Global(5), Entry(0, 3), Global(7)];
        foreach (var entry in entries)
        {
            tlb.Fill(entry);
        }

        tlb.InvalidatePage(new Pcid(2), 6, false);
        Assert.Equal(7, tlb.Entries().Count);
        return tlb;
    }

    private static IEnumerable<string> LeftAfter(Action<ITlb> invalidation)
    {
        var tlb = Mixed();
        invalidation(tlb);
        return tlb.Entries().Select(e => $"{(e.Global ? "global" : e.Pcid.ToString())} {e.Vpn}")
            .Order(StringComparer.Ordinal);
    }

    /// <summary>
    /// A two-CPU 4-level machine (or one <paramref name="create"/> makes, a broken one) on the implementation's paging
    /// and TLBs, CPU 0 running a fresh address space.
    /// </summary>
    internal static (Machine Machine, CpuId Cpu, AsId Mm) Boot(bool pcid,
        Func<IPagingSystem, MachineConfig, Func<CpuId, ITlb>, Machine>? create = null)
    {
        var config = new MachineConfig(2, pcid);
        var paging = new PagingSystem(PagingFormat.FourLevel, new BuddyAllocator(MemoryLayout.Flat(64)));
        ITlb Tlb(CpuId cpu) => new SetAssociativeTlb(config.Sets, config.Ways, config.PdeEntries);
        var machine = create is null ? new Machine(paging, config, Tlb) : create(paging, config, Tlb);
        var mm = machine.CreateAddressSpace().Value;
        Assert.True(machine.SwitchMm(new CpuId(0), mm).IsOk);
        return (machine, new CpuId(0), mm);
    }
}
