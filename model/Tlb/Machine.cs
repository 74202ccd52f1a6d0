using System.Collections.Immutable;
using System.Runtime.InteropServices;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using AccessKind = MMSpec.Model.Paging.Access;

namespace MMSpec.Model.Tlb;

/// <summary>
/// CPUs with their TLBs in front of a paging system, and the kernel's TLB obligations (arch/x86/mm/tlb.c).
/// Every access goes through one CPU's MMU: a TLB hit with the rights the access needs uses the cached frame;
/// anything else walks (<see cref="IPagingSystem.Translate"/>, or <see cref="IPagingSystem.TranslateFrom"/> the
/// page table the PDE cache holds for the region), lets the kernel handle a fault, and caches the result in both
/// caches; faults are never cached. Every kernel operation that removes or reduces a translation flushes it on
/// the CPU that made the call and shoots it down on every other CPU in the address space's mm_cpumask, which
/// keeps CPUs that switched away lazily. The TLB itself is pluggable: <see cref="AllowedEntries"/> for the
/// reference, a set-associative cache for the implementation. The obligations a broken variant skips are
/// protected virtual.
/// </summary>
public class Machine : IMachine
{
    /// <summary>TLB_NR_DYN_ASIDS: the address spaces a CPU keeps PCIDs for before it reuses one.</summary>
    public const int DynamicAsids = 6;

    private readonly Cpu[] _cpus;
    private readonly Dictionary<AsId, MmState> _mms = [];
    private readonly Dictionary<ulong, ulong> _vmalloc = [];

    public Machine(IPagingSystem paging, MachineConfig config, Func<CpuId, ITlb> tlb)
    {
        if (config.Cpus is < 1 or > MachineConfig.MaxCpus)
        {
            throw new ArgumentOutOfRangeException(nameof(config), config, $"a machine has 1 to {MachineConfig.MaxCpus} CPUs");
        }

        Paging = paging;
        Config = config;
        _cpus = [.. Enumerable.Range(0, config.Cpus).Select(i => new Cpu(tlb(new CpuId(i))))];
    }

    public IPagingSystem Paging { get; }

    public MachineConfig Config { get; }

    /// <summary>Whether invlpg also drops the page's global entry (it must).</summary>
    protected virtual bool InvlpgDropsGlobal => true;

    /// <summary>Whether a CR3 write without PCID keeps global entries (it must) ...</summary>
    protected virtual bool Cr3KeepsGlobal => true;

    /// <summary>... and drops every non-global one (it must).</summary>
    protected virtual bool Cr3DropsNonGlobal => true;

    /// <summary>Whether mprotect flushes the range it changed (it must: a downgrade leaves stale rights otherwise).</summary>
    protected virtual bool FlushesAfterMprotect => true;

    /// <summary>Whether page migration flushes the page's old translation (it must: the old frame is freed).</summary>
    protected virtual bool FlushesAfterMigration => true;

    /// <summary>Whether a flush reaches the other CPUs of the address space (the shootdown IPI), not only the caller.</summary>
    protected virtual bool ShootsDown => true;

    /// <summary>
    /// Whether the shootdown drops the other CPUs' PDE-cache entries too (it must: munmap, brk and exit free page
    /// tables those entries point to, which mmu_gather's freed_tables and tlb_remove_table exist for; and every x86
    /// invalidation drops them anyway).
    /// </summary>
    protected virtual bool FlushesPagingStructureCaches => true;

    public ITlb TlbOf(CpuId cpu) => _cpus[cpu.Value].Tlb;

    /// <summary>One byte through the MMU of <paramref name="cpu"/>, in the address space it runs.</summary>
    public Result<byte> Access(CpuId cpu, VirtAddr addr, Access access, Privilege privilege, byte value)
    {
        if (Running(cpu, out var c) is { } error)
        {
            return error;
        }

        var mm = c.Mm!.Value;
        var vpn = addr.Vpn;
        var region = PdeRegion(addr);
        for (var attempt = 0; ; attempt++)
        {
            if (c.Tlb.TryLookup(c.Pcid, vpn, out var cached))
            {
                if (Permits(cached.Translation.Flags, access, privilege))
                {
                    return Touch(cached.Translation.Frame, addr, access, value);
                }

                // The entry lacks a right (or D for a write): the CPU drops it and walks, as after a spurious fault.
                c.Tlb.InvalidatePage(c.Pcid, vpn, cached.Global);
            }

            var pageTable = default(Pfn);
            var fromCachedTable = region is { } cachedRegion && c.Tlb.TryLookupPageTable(c.Pcid, cachedRegion, out pageTable);
            var walked = fromCachedTable
                ? Paging.TranslateFrom(mm, pageTable, addr, access, privilege)
                : Paging.Translate(mm, addr, access, privilege);
            if (walked.IsOk)
            {
                var translation = walked.Value.Translation;
                var global = translation.Flags.HasFlag(PteFlags.Global);
                c.Tlb.Fill(new TlbEntry(global ? default : c.Pcid, vpn, translation, global));
                if (region is { } walkedRegion && !fromCachedTable)
                {
                    c.Tlb.FillPageTable(new PdeCacheEntry(c.Pcid, walkedRegion, walked.Value.PageTable));
                }

                return Touch(translation.Frame, addr, access, value);
            }

            if (walked.Error is not PageFault fault)
            {
                return walked.Error!;
            }

            if (region is { } faulted)
            {
                // SDM 4.10.4.1: a page fault drops the paging-structure-cache entries its address used, in the current PCID.
                c.Tlb.InvalidatePageTable(c.Pcid, faulted);
            }

            var handled = attempt == 2 ? new SegmentationFault(addr, access, privilege, fault) : Paging.HandleFault(mm, fault, access, privilege);
            if (!handled.IsOk)
            {
                return handled.Error!;
            }

            if (fault.Kind == FaultKind.WriteToReadOnly)
            {
                // Copy-on-write replaced the entry with a new frame: ptep_clear_flush flushes the old one everywhere.
                Flush(cpu, mm, vpn, vpn);
            }
        }
    }

    public Result<AsId> CreateAddressSpace()
    {
        var created = Paging.CreateAddressSpace();
        if (created.IsOk)
        {
            _mms[created.Value] = new MmState(UserLayout.StartBrk(Paging.Format));
        }

        return created;
    }

    /// <summary>exit_mmap: CPUs running the address space go idle, its PCIDs are flushed everywhere, then it is torn down.</summary>
    public Result<Unit> DestroyAddressSpace(AsId mm)
    {
        if (!_mms.Remove(mm, out var state))
        {
            return new UnknownAddressSpace(mm);
        }

        foreach (var i in state.Cpus)
        {
            var c = _cpus[i];
            FlushOn(c, mm, 0, ulong.MaxValue, true);
            if (c.Mm == mm)
            {
                c.Mm = null;
            }

            if (c.AsidOf(mm) is { } pcid)
            {
                c.Asids[pcid.Value - 1] = null;
            }
        }

        return Paging.DestroyAddressSpace(mm);
    }

    /// <summary>switch_mm_irqs_off: load CR3 for <paramref name="mm"/>; with PCIDs, choose_new_asid decides whether to flush.</summary>
    public Result<Unit> SwitchMm(CpuId cpu, AsId mm)
    {
        if (!Valid(cpu))
        {
            return NoSuchCpu(cpu);
        }

        if (!_mms.TryGetValue(mm, out var state))
        {
            return new UnknownAddressSpace(mm);
        }

        var c = _cpus[cpu.Value];
        if (c.Mm == mm)
        {
            return Unit.Value;
        }

        if (Config.PcidEnabled)
        {
            c.Pcid = c.AsidOf(mm) ?? ReuseAsid(c, mm);
        }
        else
        {
            WriteCr3(c);
        }

        c.Mm = mm;
        state.Cpus.Add(cpu.Value);
        return Unit.Value;
    }

    /// <summary>invlpg: the page's entry in the current PCID, its global entry, and every PDE-cache entry of the current PCID.</summary>
    public Result<Unit> Invlpg(CpuId cpu, VirtAddr addr)
    {
        if (!Valid(cpu))
        {
            return NoSuchCpu(cpu);
        }

        var c = _cpus[cpu.Value];
        c.Tlb.InvalidatePage(c.Pcid, addr.Vpn, InvlpgDropsGlobal);
        c.Tlb.InvalidatePageTables(c.Pcid);
        return Unit.Value;
    }

    /// <summary>
    /// mov to CR3 with the current address space: without PCID every non-global entry goes; with it, the current
    /// PCID's unless bit 63 (no flush) is set. The PDE-cache entries of that PCID go with them.
    /// </summary>
    public Result<Unit> WriteCr3(CpuId cpu, bool noFlush)
    {
        if (!Valid(cpu))
        {
            return NoSuchCpu(cpu);
        }

        var c = _cpus[cpu.Value];
        if (!Config.PcidEnabled)
        {
            if (noFlush)
            {
                return new InvalidInstruction(cpu, "CR3 bit 63 set with CR4.PCIDE clear");
            }

            WriteCr3(c);
        }
        else if (!noFlush)
        {
            c.Tlb.InvalidatePcid(c.Pcid);
            c.Tlb.InvalidatePageTables(c.Pcid);
        }

        return Unit.Value;
    }

    /// <summary>Clearing and setting CR4.PGE: every entry goes, global ones and the whole PDE cache too.</summary>
    public Result<Unit> TogglePge(CpuId cpu)
    {
        if (!Valid(cpu))
        {
            return NoSuchCpu(cpu);
        }

        _cpus[cpu.Value].Tlb.InvalidateAll(true);
        _cpus[cpu.Value].Tlb.InvalidateAllPageTables();
        return Unit.Value;
    }

    /// <summary>
    /// INVPCID; #GP for a PCID over 4095, a non-zero PCID with CR4.PCIDE clear, or a non-canonical address for type 0.
    /// Types 0 and 1 drop every PDE-cache entry of the PCID (type 0 whatever the address), types 2 and 3 every one.
    /// </summary>
    public Result<Unit> Invpcid(CpuId cpu, InvpcidType type, Pcid pcid, VirtAddr addr)
    {
        if (!Valid(cpu))
        {
            return NoSuchCpu(cpu);
        }

        if (pcid.Value is < 0 or > Pcid.Max || (!Config.PcidEnabled && pcid.Value != 0) || (type == InvpcidType.IndividualAddress && !Paging.Format.IsCanonical(addr.Value)))
        {
            return new InvalidInstruction(cpu, $"invpcid type {(int)type} with {pcid} and {addr}");
        }

        var tlb = _cpus[cpu.Value].Tlb;
        switch (type)
        {
            case InvpcidType.IndividualAddress:
                tlb.InvalidatePage(pcid, addr.Vpn, false);
                tlb.InvalidatePageTables(pcid);
                break;
            case InvpcidType.SingleContext:
                tlb.InvalidatePcid(pcid);
                tlb.InvalidatePageTables(pcid);
                break;
            default:
                tlb.InvalidateAll(type == InvpcidType.AllIncludingGlobal);
                tlb.InvalidateAllPageTables();
                break;
        }

        return Unit.Value;
    }

    public Result<VirtAddr> Mmap(CpuId cpu, MmapRequest request) =>
        Running(cpu, out var c) is { } error ? error : Paging.Mmap(c.Mm!.Value, request);

    public Result<Unit> Munmap(CpuId cpu, VirtAddr addr, ulong pages)
    {
        if (Running(cpu, out var c) is { } error)
        {
            return error;
        }

        var done = Paging.Munmap(c.Mm!.Value, addr, pages);
        if (done.IsOk)
        {
            Flush(cpu, c.Mm.Value, addr.Vpn, addr.Vpn + pages - 1);
        }

        return done;
    }

    public Result<Unit> Mprotect(CpuId cpu, VirtAddr addr, ulong pages, VmProt prot)
    {
        if (Running(cpu, out var c) is { } error)
        {
            return error;
        }

        var done = Paging.Mprotect(c.Mm!.Value, addr, pages, prot);
        if (done.IsOk && FlushesAfterMprotect)
        {
            Flush(cpu, c.Mm.Value, addr.Vpn, addr.Vpn + pages - 1);
        }

        return done;
    }

    public Result<VirtAddr> Brk(CpuId cpu, VirtAddr newBrk)
    {
        if (Running(cpu, out var c) is { } error)
        {
            return error;
        }

        var mm = c.Mm!.Value;
        var done = Paging.Brk(mm, newBrk);
        if (done.IsOk)
        {
            var state = _mms[mm];
            var oldEnd = new VirtAddr(PageMath.Up(state.Brk));
            var newEnd = new VirtAddr(PageMath.Up(newBrk.Value));
            if (newEnd.Value < oldEnd.Value)
            {
                Flush(cpu, mm, newEnd.Vpn, oldEnd.Vpn - 1);
            }

            state.Brk = newBrk.Value;
        }

        return done;
    }

    /// <summary>
    /// Compaction (kcompactd on <paramref name="cpu"/>) migrates a page of <paramref name="mm"/>, which that CPU
    /// need not run: try_to_migrate_one's ptep_clear_flush reaches every CPU in the address space's mm_cpumask.
    /// </summary>
    public Result<Unit> MigratePage(CpuId cpu, AsId mm, VirtAddr addr)
    {
        if (!Valid(cpu))
        {
            return NoSuchCpu(cpu);
        }

        var done = Paging.MigratePage(mm, addr);
        if (done.IsOk && FlushesAfterMigration)
        {
            Flush(cpu, mm, addr.Vpn, addr.Vpn);
        }

        return done;
    }

    public Result<VirtAddr> Vmalloc(ulong pages)
    {
        var area = Paging.Vmalloc(pages);
        if (area.IsOk)
        {
            _vmalloc[area.Value.Value] = pages;
        }

        return area;
    }

    /// <summary>vfree: flush_tlb_kernel_range on every CPU, whatever it runs.</summary>
    public Result<Unit> Vfree(CpuId cpu, VirtAddr addr)
    {
        if (!Valid(cpu))
        {
            return NoSuchCpu(cpu);
        }

        var done = Paging.Vfree(addr);
        if (done.IsOk)
        {
            var first = addr.Vpn;
            var last = first + _vmalloc[addr.Value] - 1;
            _vmalloc.Remove(addr.Value);
            foreach (var (c, i) in _cpus.Select((c, i) => (c, i)))
            {
                if (i == cpu.Value || ShootsDown)
                {
                    c.Tlb.InvalidateGlobalRange(first, last);
                }
            }
        }

        return done;
    }

    public MachineSnapshot Snapshot() => new(Config, CpuStates(), Paging.Snapshot());

    /// <summary>
    /// Every CPU whole, the paging state of only the address spaces in <paramref name="spaces"/>
    /// (<see cref="IPagingSystem.SnapshotOf"/>).
    /// </summary>
    public MachineSnapshot SnapshotOf(IReadOnlySet<AsId> spaces) => new(Config, CpuStates(), Paging.SnapshotOf(spaces));

    /// <summary>Every CPU: what <see cref="Snapshot"/> holds but the paging state.</summary>
    public ImmutableArray<CpuState> CpuStates() => [.. _cpus.Select(StateOf)];

    /// <summary>
    /// Every CPU, keeping <paramref name="previous"/>'s state of each one whose caches <paramref name="unchanged"/>
    /// says saw no call that changes them since that state was read, and whose mm, PCID and ASID slots are as they
    /// were: then its state is the same, and reading and sorting its entries again would only rebuild it.
    /// </summary>
    public ImmutableArray<CpuState> CpuStates(ImmutableArray<CpuState> previous, Func<ITlb, bool> unchanged)
    {
        var states = new CpuState[_cpus.Length];
        for (var i = 0; i < states.Length; i++)
        {
            var (cpu, was) = (_cpus[i], i < previous.Length ? previous[i] : null);
            var same = was is not null && unchanged(cpu.Tlb) && was.Mm == cpu.Mm && was.Pcid == cpu.Pcid
                && was.Asids.AsSpan().SequenceEqual(cpu.Asids);
            states[i] = same ? was! : StateOf(cpu, i);
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(states);
    }

    private static CpuState StateOf(Cpu c, int i) =>
        new(new CpuId(i), c.Mm, c.Pcid, [.. c.Asids],
            Sorted(c.Tlb.Entries(), (a, b) => (a.Global, a.Pcid.Value, a.Vpn, a.Translation.Frame.Value)
                .CompareTo((b.Global, b.Pcid.Value, b.Vpn, b.Translation.Frame.Value))),
            Sorted(c.Tlb.PageTables(), (a, b) => (a.Pcid.Value, a.Region).CompareTo((b.Pcid.Value, b.Region))),
            c.Tlb.Hits, c.Tlb.Misses);

    /// <summary>A stable insertion sort: a TLB holds a few dozen entries at most, often already in order.</summary>
    private static ImmutableArray<T> Sorted<T>(IReadOnlyCollection<T> items, Comparison<T> order)
    {
        var sorted = items.ToArray();
        for (var i = 1; i < sorted.Length; i++)
        {
            var item = sorted[i];
            var at = i;
            for (; at > 0 && order(sorted[at - 1], item) > 0; at--)
            {
                sorted[at] = sorted[at - 1];
            }

            sorted[at] = item;
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(sorted);
    }

    /// <summary>Whether a cached entry gives this access: user needs U/S, a write needs R/W and D already set, a fetch needs NX clear.</summary>
    private static bool Permits(PteFlags flags, Access access, Privilege privilege) =>
        (privilege == Privilege.Supervisor || flags.HasFlag(PteFlags.User))
        && (access != AccessKind.Write || flags.HasFlag(PteFlags.ReadWrite | PteFlags.Dirty))
        && (access != AccessKind.Fetch || !flags.HasFlag(PteFlags.NoExecute));

    private Result<byte> Touch(Pfn frame, VirtAddr addr, Access access, byte value)
    {
        var offset = addr.Value & (Pfn.PageSize - 1);
        if (access == AccessKind.Write)
        {
            Paging.WriteFrame(frame, offset, value);
            return value;
        }

        return Paging.ReadFrame(frame, offset);
    }

    /// <summary>
    /// flush_tlb_mm_range: the caller's TLB, then (native_flush_tlb_multi) every other CPU in mm_cpumask; as every
    /// CPU in the mask gets the flush, freed_tables (which makes Linux reach lazy CPUs too) always holds.
    /// </summary>
    private void Flush(CpuId caller, AsId mm, ulong first, ulong last)
    {
        foreach (var i in _mms[mm].Cpus)
        {
            if (i == caller.Value || ShootsDown)
            {
                FlushOn(_cpus[i], mm, first, last, i == caller.Value || FlushesPagingStructureCaches);
            }
        }
    }

    /// <summary>
    /// One CPU's entries of an address space in a range: under its PCID, or all non-global ones without PCIDs if
    /// it runs it; with <paramref name="pageTables"/>, that PCID's PDE-cache entries too, which both ways
    /// flush_tlb_func flushes (invlpg per page, or the whole PCID) drop (SDM 4.10.4.1).
    /// </summary>
    private void FlushOn(Cpu c, AsId mm, ulong first, ulong last, bool pageTables)
    {
        Pcid? pcid = Config.PcidEnabled ? c.AsidOf(mm) : c.Mm == mm ? default(Pcid) : null;
        if (pcid is { } flushed)
        {
            c.Tlb.InvalidateRange(flushed, first, last);
            if (pageTables)
            {
                c.Tlb.InvalidatePageTables(flushed);
            }
        }
    }

    /// <summary>A CR3 write without PCID: the non-global entries (the hooks aside) and the whole PDE cache.</summary>
    private void WriteCr3(Cpu c)
    {
        if (Cr3DropsNonGlobal)
        {
            c.Tlb.InvalidateAll(!Cr3KeepsGlobal);
        }

        c.Tlb.InvalidateAllPageTables();
    }

    /// <summary>
    /// The region whose page table the PDE cache may hold for this address: user addresses only. The SDM lets a
    /// CPU cache any subset, and leaving the kernel's out means vfree's freed kernel tables need no such flush.
    /// </summary>
    private ulong? PdeRegion(VirtAddr addr) =>
        addr.Value < Paging.Format.UserTop ? addr.Value & ~(Paging.Format.PageTableSpan - 1) : null;

    private bool Valid(CpuId cpu) => cpu.Value >= 0 && cpu.Value < _cpus.Length;

    private static InvalidInstruction NoSuchCpu(CpuId cpu) => new(cpu, "no such CPU");

    private MmError? Running(CpuId cpu, out Cpu c)
    {
        if (!Valid(cpu))
        {
            c = null!;
            return NoSuchCpu(cpu);
        }

        c = _cpus[cpu.Value];
        return c.Mm is null ? new NoAddressSpace(cpu) : null;
    }

    /// <summary>choose_new_asid found no PCID of <paramref name="mm"/>: the next slot, round robin, is reused and CR3 is written without the no-flush bit, so its old entries go.</summary>
    private static Pcid ReuseAsid(Cpu c, AsId mm)
    {
        var slot = c.NextAsid;
        c.NextAsid = (slot + 1) % DynamicAsids;
        c.Asids[slot] = mm;
        var pcid = new Pcid(slot + 1);
        c.Tlb.InvalidatePcid(pcid);
        c.Tlb.InvalidatePageTables(pcid);
        return pcid;
    }

    /// <summary>A CPU: the address space it runs, the PCID it runs it under, its dynamic ASIDs, and its TLB.</summary>
    private sealed class Cpu(ITlb tlb)
    {
        public ITlb Tlb { get; } = tlb;

        public AsId? Mm { get; set; }

        public Pcid Pcid { get; set; }

        public AsId?[] Asids { get; } = new AsId?[DynamicAsids];

        public int NextAsid { get; set; }

        /// <summary>The PCID this CPU keeps for <paramref name="mm"/> (dynamic ASID slot + 1), if it keeps one.</summary>
        public Pcid? AsidOf(AsId mm)
        {
            for (var slot = 0; slot < DynamicAsids; slot++)
            {
                if (Asids[slot] == mm)
                {
                    return new Pcid(slot + 1);
                }
            }

            return null;
        }
    }

    /// <summary>What the machine tracks per address space: mm_cpumask (every CPU that ran it, lazy ones included) and its brk, to flush what a shrink unmaps.</summary>
    private sealed class MmState(ulong brk)
    {
        public HashSet<int> Cpus { get; } = [];

        public ulong Brk { get; set; } = brk;
    }
}
