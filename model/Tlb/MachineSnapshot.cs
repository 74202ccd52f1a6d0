using System.Collections.Immutable;
using MMSpec.Model.Paging;

namespace MMSpec.Model.Tlb;

/// <summary>
/// One CPU: the address space it runs (none when idle), its PCID, the address space of each dynamic ASID, its TLB and
/// PDE-cache entries, the TLB's counters.
/// </summary>
public sealed record CpuState(
    CpuId Id, AsId? Mm, Pcid Pcid, ImmutableArray<AsId?> Asids,
    ImmutableArray<TlbEntry> Entries, ImmutableArray<PdeCacheEntry> PageTables, long Hits, long Misses)
{
    /// <summary>The address space whose non-global entries carry this PCID on this CPU.</summary>
    public AsId? OwnerOf(Pcid pcid, bool pcidEnabled) =>
        !pcidEnabled ? (pcid.Value == 0 ? Mm : null)
        : pcid.Value >= 1 && pcid.Value <= Asids.Length ? Asids[pcid.Value - 1]
        : null;
}

/// <summary>The machine's state: each CPU with its TLB, and the paging system under them.</summary>
public sealed record MachineSnapshot(MachineConfig Config, ImmutableArray<CpuState> Cpus, PagingSnapshot Paging);
