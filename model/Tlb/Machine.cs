using System.Collections.Immutable;
using System.Runtime.InteropServices;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;

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
public partial class Machine : IMachine
{
    /// <summary>TLB_NR_DYN_ASIDS: the address spaces a CPU keeps PCIDs for before it reuses one.</summary>
    public const int DynamicAsids = 6;

    private readonly Cpu[] _cpus;
    private readonly Dictionary<AsId, MmState> _mms = [];

    public Machine(IPagingSystem paging, MachineConfig config, Func<CpuId, ITlb> tlb)
    {
        if (config.Cpus is < 1 or > MachineConfig.MaxCpus)
        {
            throw new ArgumentOutOfRangeException(
                nameof(config), config, $"a machine has 1 to {MachineConfig.MaxCpus} CPUs");
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

    /// <summary>
    /// Whether mprotect flushes the range it changed (it must: a downgrade leaves stale rights otherwise).
    /// </summary>
    protected virtual bool FlushesAfterMprotect => true;

    /// <summary>Whether page migration flushes the page's old translation (it must: the old frame is freed).</summary>
    protected virtual bool FlushesAfterMigration => true;

    /// <summary>
    /// Whether a flush reaches the other CPUs of the address space (the shootdown IPI), not only the caller.
    /// </summary>
    protected virtual bool ShootsDown => true;

    /// <summary>
    /// Whether the shootdown drops the other CPUs' PDE-cache entries too (it must: munmap, brk and exit free page
    /// tables those entries point to, which mmu_gather's freed_tables and tlb_remove_table exist for; and every x86
    /// invalidation drops them anyway).
    /// </summary>
    protected virtual bool FlushesPagingStructureCaches => true;

    public ITlb TlbOf(CpuId cpu) => _cpus[cpu.Value].Tlb;

    public Result<AsId> CreateAddressSpace()
    {
        var created = Paging.CreateAddressSpace();
        if (created.IsOk)
        {
            _mms[created.Value] = new MmState();
        }

        return created;
    }

    public Result<VirtAddr> Mmap(CpuId cpu, MmapRequest request) =>
        Running(cpu, out var c) is { } error ? error : Paging.Mmap(c.Mm!.Value, request);

    public Result<VirtAddr> Vmalloc(ulong pages) => Paging.Vmalloc(pages);

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

    /// <summary>A CPU: the address space it runs, the PCID it runs it under, its dynamic ASIDs, and its TLB.</summary>
    private sealed class Cpu(ITlb tlb)
    {
        public ITlb Tlb { get; } = tlb;

        public AsId? Mm { get; set; }

        public Pcid Pcid { get; set; }

        public AsId?[] Asids { get; } = new AsId?[DynamicAsids];

        public int NextAsid { get; set; }

        /// <summary>
        /// The PCID this CPU keeps for <paramref name="mm"/> (dynamic ASID slot + 1), if it keeps one.
        /// </summary>
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

    /// <summary>
    /// What the machine tracks per address space: mm_cpumask (every CPU that ran it, lazy ones included). Its brk and
    /// vmalloc sizes it reads from the paging system.
    /// </summary>
    private sealed class MmState
    {
        public HashSet<int> Cpus { get; } = [];
    }
}
