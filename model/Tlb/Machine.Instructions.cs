using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Model.Tlb;

/// <summary>TLB instructions: invlpg, CR3 writes, CR4.PGE toggle, INVPCID, and switch_mm's PCID choice.</summary>
public partial class Machine
{
    /// <summary>
    /// switch_mm_irqs_off: load CR3 for <paramref name="mm"/>; with PCIDs, choose_new_asid decides whether to flush.
    /// </summary>
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

    /// <summary>
    /// invlpg: the page's entry in the current PCID, its global entry, and every PDE-cache entry of the current PCID.
    /// </summary>
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

    /// <summary>The largest PCID INVPCID takes: 4095, the 12 bits of CR3 that hold one.</summary>
    protected virtual int LargestPcid => Pcid.Max;

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

        if (pcid.Value < 0 || pcid.Value > LargestPcid
            || (!Config.PcidEnabled && pcid.Value != 0)
            || (type == InvpcidType.IndividualAddress && !Paging.Format.IsCanonical(addr.Value)))
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
    /// choose_new_asid found no PCID of <paramref name="mm"/>: the next slot, round robin, is reused and CR3 is written
    /// without the no-flush bit, so its old entries go.
    /// </summary>
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
}
