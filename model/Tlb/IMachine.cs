using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Model.Tlb;

/// <summary>
/// The machine contract: CPUs with their TLBs and PDE caches in front of a paging system, the x86 instructions that
/// invalidate them, and the kernel's calls that must keep them coherent (PCID allocation in switch_mm, the flushes
/// and shootdowns of munmap, mprotect, brk, migration, exit and vfree: arch/x86/mm/tlb.c). <see cref="Machine"/>
/// is the reference; an outside machine implements this whole, its own paging, TLB and shootdown logic included.
/// Bad input (a CPU the machine does not have, a CPU running no address space, a bad INVPCID) returns a typed
/// error and changes nothing.
/// </summary>
public interface IMachine
{
    MachineConfig Config { get; }

    /// <summary>One byte through the MMU of <paramref name="cpu"/>, in the address space it runs.</summary>
    Result<byte> Access(CpuId cpu, VirtAddr addr, Access access, Privilege privilege, byte value);

    /// <summary>fork+exec of the standard program; no CPU runs it yet.</summary>
    Result<AsId> CreateAddressSpace();

    /// <summary>exit_mmap: CPUs running the address space go idle, its PCIDs are flushed everywhere.</summary>
    Result<Unit> DestroyAddressSpace(AsId mm);

    /// <summary>switch_mm_irqs_off: <paramref name="cpu"/> loads CR3 for <paramref name="mm"/>.</summary>
    Result<Unit> SwitchMm(CpuId cpu, AsId mm);

    /// <summary>invlpg on <paramref name="cpu"/>.</summary>
    Result<Unit> Invlpg(CpuId cpu, VirtAddr addr);

    /// <summary>mov to CR3 with the CPU's address space; with PCIDs, bit 63 is <paramref name="noFlush"/>.</summary>
    Result<Unit> WriteCr3(CpuId cpu, bool noFlush);

    /// <summary>CR4.PGE cleared and set again: every entry goes, global ones too.</summary>
    Result<Unit> TogglePge(CpuId cpu);

    /// <summary>INVPCID of one of the four types.</summary>
    Result<Unit> Invpcid(CpuId cpu, InvpcidType type, Pcid pcid, VirtAddr addr);

    /// <summary>mmap in the address space <paramref name="cpu"/> runs.</summary>
    Result<VirtAddr> Mmap(CpuId cpu, MmapRequest request);

    /// <summary>munmap in the address space <paramref name="cpu"/> runs, flushed and shot down.</summary>
    Result<Unit> Munmap(CpuId cpu, VirtAddr addr, ulong pages);

    /// <summary>mprotect in the address space <paramref name="cpu"/> runs, flushed and shot down.</summary>
    Result<Unit> Mprotect(CpuId cpu, VirtAddr addr, ulong pages, VmProt prot);

    /// <summary>brk in the address space <paramref name="cpu"/> runs; a shrink is flushed and shot down.</summary>
    Result<VirtAddr> Brk(CpuId cpu, VirtAddr newBrk);

    /// <summary>
    /// Compaction on <paramref name="cpu"/> migrates a page of <paramref name="mm"/>, run there or not.
    /// </summary>
    Result<Unit> MigratePage(CpuId cpu, AsId mm, VirtAddr addr);

    /// <summary>vmalloc: new kernel mappings, which no TLB can hold yet.</summary>
    Result<VirtAddr> Vmalloc(ulong pages);

    /// <summary>vfree on <paramref name="cpu"/>: flush_tlb_kernel_range on every CPU.</summary>
    Result<Unit> Vfree(CpuId cpu, VirtAddr addr);

    /// <summary>Every CPU (its address space, PCIDs, TLB and PDE-cache entries) and the paging state.</summary>
    MachineSnapshot Snapshot();
}
