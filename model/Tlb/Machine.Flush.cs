using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Model.Tlb;

/// <summary>Kernel calls that must flush and shoot down: munmap, mprotect, brk, migration, exit, vfree.</summary>
public partial class Machine
{
    /// <summary>
    /// exit_mmap: CPUs running the address space go idle, its PCIDs are flushed everywhere, then it is torn down.
    /// </summary>
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
        if (done.IsOk && FlushesAfterMprotect && pages > 0)
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

        // The break before the call, read from the paging system (the machine keeps no copy of it).
        var mm = c.Mm!.Value;
        var oldEnd = new VirtAddr(PageMath.Up(Paging.SnapshotOf(new HashSet<AsId> { mm }).Spaces.Single().Brk));
        var done = Paging.Brk(mm, newBrk);
        var newEnd = new VirtAddr(PageMath.Up(newBrk.Value));
        if (done.IsOk && newEnd.Value < oldEnd.Value)
        {
            Flush(cpu, mm, newEnd.Vpn, oldEnd.Vpn - 1);
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

    /// <summary>vfree: flush_tlb_kernel_range on every CPU, whatever it runs.</summary>
    public Result<Unit> Vfree(CpuId cpu, VirtAddr addr)
    {
        if (!Valid(cpu))
        {
            return NoSuchCpu(cpu);
        }

        // The area's length before the call, read from the paging system (the machine keeps no copy of it).
        var area = Paging.SnapshotOf(new HashSet<AsId>()).Vmalloc.FirstOrDefault(a => a.Start == addr.Value);
        var done = Paging.Vfree(addr);
        if (done.IsOk && area is not null)
        {
            var first = addr.Vpn;
            var last = first + area.Pages - 1;
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
}
