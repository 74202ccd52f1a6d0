using MMSpec.Impl.Tlb;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using MMSpec.Properties.Paging;
using Xunit;

namespace MMSpec.Properties.Tlb;

/// <summary>
/// Worked examples of the machine at its limits, which both sides of a lockstep run obey alike: the last user page
/// and the PDE cache, the largest machine and PCID, the snapshot's order, the reference TLB's misses, and the bound
/// on fault retries.
/// </summary>
public sealed class MachineLimitExamples
{
    private static readonly PagingFormat Format = PagingFormat.FourLevel;
    private static readonly VirtAddr Bss = new(UserLayout.BssStart(Format));

    /// <summary>
    /// switch_mm_irqs_off to the address space the CPU already runs returns early: no CR3 write, so nothing is
    /// flushed, with PCIDs or without.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Switching_to_the_address_space_already_running_flushes_nothing(bool pcid)
    {
        var (machine, cpu, mm) = TlbExamples.Boot(pcid);
        Assert.True(machine.Access(cpu, Bss, Access.Read, Privilege.User, 0).IsOk);
        var cached = machine.TlbOf(cpu).Entries().Select(e => e.Vpn).ToArray();
        Assert.Contains(Bss.Vpn, cached);
        Assert.True(machine.SwitchMm(cpu, mm).IsOk);
        Assert.Equal(cached, machine.TlbOf(cpu).Entries().Select(e => e.Vpn));
    }

    /// <summary>
    /// An access at TASK_SIZE (the first address past the last user page) neither uses nor drops the PDE-cache entry of
    /// the region below it.
    /// </summary>
    [Fact]
    public void An_access_past_the_last_user_page_leaves_the_pde_cache_alone()
    {
        var (machine, cpu, _) = TlbExamples.Boot(true);
        Assert.True(machine.Access(cpu, new VirtAddr(UserLayout.StackTop(Format) - Pfn.PageSize), Access.Read,
            Privilege.User, 0).IsOk);
        var cached = machine.TlbOf(cpu).PageTables().ToArray();

        Assert.IsType<SegmentationFault>(machine.Access(cpu, new VirtAddr(Format.UserTop), Access.Read, Privilege.User,
            0).Error);

        Assert.Equal(cached, machine.TlbOf(cpu).PageTables());
    }

    /// <summary>A machine has 1 to 64 CPUs; the largest is accepted, as is INVPCID with the largest PCID.</summary>
    [Fact]
    public void The_largest_machine_and_the_largest_pcid_are_accepted()
    {
        var (small, cpu, _) = TlbExamples.Boot(true);
        var largest = new Machine(small.Paging, new MachineConfig(MachineConfig.MaxCpus, true), _ =>
            new AllowedEntries());
        Assert.Equal(MachineConfig.MaxCpus, largest.Snapshot().Cpus.Length);
        Assert.StartsWith("a machine has 1 to 64 CPUs", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Machine(small.Paging, new MachineConfig(0, true), _ => new AllowedEntries())).Message,
            StringComparison.Ordinal);
        Assert.True(small.Invpcid(cpu, InvpcidType.SingleContext, new Pcid(Pcid.Max), new VirtAddr(0)).IsOk);
        Assert.Equal(new InvalidInstruction(new CpuId(2), "no such CPU"),
            small.Access(new CpuId(2), Bss, Access.Read, Privilege.User, 0).Error);
        Assert.Equal(new InvalidInstruction(new CpuId(-1), "no such CPU"),
            small.Invpcid(new CpuId(-1), InvpcidType.SingleContext, new Pcid(0), new VirtAddr(0)).Error);
    }

    /// <summary>
    /// A snapshot lists each CPU's entries PCID-tagged first (by PCID, page, frame), global ones last, and its
    /// PDE-cache entries by PCID and region.
    /// </summary>
    [Fact]
    public void A_snapshot_lists_entries_in_a_fixed_order()
    {
        var (machine, cpu, _) = TlbExamples.Boot(true);
        var reference = new Machine(machine.Paging, new MachineConfig(1, true), _ => new AllowedEntries());
        var translation = new Translation(new Pfn(9), PteFlags.Present);
        TlbEntry[] entries =
        [
            new(default, 2, translation, true), new(new Pcid(2), 1, translation, false),
            new(new Pcid(1), 5, translation, false),
            new(new Pcid(1), 3, translation, false), new(new Pcid(1), 3, translation with { Frame = new Pfn(8) },
                false),
        ];
        foreach (var entry in entries)
        {
            reference.TlbOf(cpu).Fill(entry);
        }

        machine.TlbOf(cpu).FillPageTable(new PdeCacheEntry(new Pcid(2), 0, new Pfn(3)));
        machine.TlbOf(cpu).FillPageTable(new PdeCacheEntry(new Pcid(1), 0x40_0000, new Pfn(4)));
        machine.TlbOf(cpu).FillPageTable(new PdeCacheEntry(new Pcid(1), 0, new Pfn(5)));

        Assert.Equal([entries[4], entries[3], entries[2], entries[1], entries[0]],
            reference.Snapshot().Cpus[0].Entries.ToArray());
        Assert.Equal(["pcid1 0", "pcid1 400000", "pcid2 0"], machine.Snapshot().Cpus[0].PageTables.Select(p =>
            $"{p.Pcid} {p.Region:x}"));
    }

    /// <summary>
    /// The reference TLB caches nothing: every lookup is a miss, counted (the first access looks up twice: before and
    /// after its page fault).
    /// </summary>
    [Fact]
    public void The_reference_tlb_counts_every_access_as_a_miss()
    {
        var (machine, _, _) = TlbExamples.Boot(true);
        var reference = new Machine(machine.Paging, new MachineConfig(1, true), _ => new AllowedEntries());
        var cpu = new CpuId(0);
        Assert.True(reference.SwitchMm(cpu, reference.CreateAddressSpace().Value).IsOk);
        Assert.True(reference.Access(cpu, Bss, Access.Read, Privilege.User, 0).IsOk);
        Assert.True(reference.Access(cpu, Bss, Access.Read, Privilege.User, 0).IsOk);
        Assert.Equal((0L, 3L), (reference.TlbOf(cpu).Hits, reference.TlbOf(cpu).Misses));
    }

    /// <summary>
    /// A paging system whose fault handler reports success but fixes nothing cannot make an access loop: the third
    /// walk's fault is a segmentation fault.
    /// </summary>
    [Fact]
    public void A_fault_the_handler_does_not_fix_ends_in_a_segmentation_fault_after_three_walks()
    {
        var config = new MachineConfig(1, true);
        var machine = new Machine(new HandlerFixesNothing(new PagingModel(Format,
            new BuddyModel(MemoryLayout.Flat(64)))), config, _ => new SetAssociativeTlb(config.Sets, config.Ways,
            config.PdeEntries));
        var cpu = new CpuId(0);
        Assert.True(machine.SwitchMm(cpu, machine.CreateAddressSpace().Value).IsOk);

        var fault = Assert.IsType<SegmentationFault>(machine.Access(cpu, Bss, Access.Write, Privilege.User, 1).Error);

        Assert.Equal(FaultKind.NotPresent, fault.Fault.Kind);
        Assert.Equal(3L, machine.TlbOf(cpu).Misses);
    }

    /// <summary>
    /// The reference paging system behind a fault handler that reports every fault handled and changes nothing.
    /// </summary>
    private sealed class HandlerFixesNothing(IPagingSystem paging) : ForwardingPaging(paging)
    {
        public override Result<Unit> HandleFault(AsId mm, PageFault fault, Access access, Privilege privilege) =>
            Unit.Value;
    }
}
