using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;

namespace MMSpec.Properties.Tlb.Broken;

/// <summary>
/// Flushes only the caller's TLB: other CPUs keep translations to frames already freed (CVE-2018-18281's class).
/// </summary>
public sealed class NoShootdown(IPagingSystem paging, MachineConfig config, Func<CpuId, ITlb> tlb)
    : Machine(paging, config, tlb)
{
    protected override bool ShootsDown => false;
}

/// <summary>invlpg drops the page's entry in the current PCID but leaves its global entry.</summary>
public sealed class InvlpgKeepsGlobal(IPagingSystem paging, MachineConfig config, Func<CpuId, ITlb> tlb)
    : Machine(paging, config, tlb)
{
    protected override bool InvlpgDropsGlobal => false;
}

/// <summary>A CR3 write without PCID drops the global (kernel) entries too.</summary>
public sealed class Cr3DropsGlobal(IPagingSystem paging, MachineConfig config, Func<CpuId, ITlb> tlb)
    : Machine(paging, config, tlb)
{
    protected override bool Cr3KeepsGlobal => false;
}

/// <summary>A CR3 write without PCID keeps the old address space's entries: the next one reads through them.</summary>
public sealed class Cr3KeepsNonGlobal(IPagingSystem paging, MachineConfig config, Func<CpuId, ITlb> tlb)
    : Machine(paging, config, tlb)
{
    protected override bool Cr3DropsNonGlobal => false;
}

/// <summary>
/// mprotect changes the PTEs and forgets the flush: a downgraded page stays writable through the TLB.
/// </summary>
public sealed class NoFlushAfterMprotect(IPagingSystem paging, MachineConfig config, Func<CpuId, ITlb> tlb)
    : Machine(paging, config, tlb)
{
    protected override bool FlushesAfterMprotect => false;
}

/// <summary>
/// Migration moves the page and frees the old frame without flushing: every CPU that cached the page still reaches the
/// old frame.
/// </summary>
public sealed class NoFlushAfterMigration(IPagingSystem paging, MachineConfig config, Func<CpuId, ITlb> tlb)
    : Machine(paging, config, tlb)
{
    protected override bool FlushesAfterMigration => false;
}

/// <summary>
/// A page-table page freed before the flush reached the other CPUs' paging-structure caches: the shootdown drops
/// their TLB entries for the range, not their PDE-cache entries, so after munmap frees a page table another CPU
/// still walks from it, whatever the buddy allocator hands the frame out as next (the bug class "x86/mm: Add TLB
/// purge to free pmd/pte page interfaces" fixed).
/// </summary>
public sealed class FreesTableBeforeFlush(IPagingSystem paging, MachineConfig config, Func<CpuId, ITlb> tlb)
    : Machine(paging, config, tlb)
{
    protected override bool FlushesPagingStructureCaches => false;
}

/// <summary>
/// INVPCID takes PCID 4096, one past the largest: the count of PCIDs (4096) used as the largest one, the off-by-one
/// google/gvisor pull request 2235 debated for its limitPCID (4096 or 4095). Only the PCID boundary target
/// (TlbBoundaries.Pcids: 4094..4096) names PCID 4096 often enough; the older generator drew it 1 time in 905 of its
/// out-of-range PCIDs.
/// </summary>
public sealed class InvpcidTakesPcid4096(IPagingSystem paging, MachineConfig config, Func<CpuId, ITlb> tlb)
    : Machine(paging, config, tlb)
{
    protected override int LargestPcid => Pcid.Max + 1;
}
