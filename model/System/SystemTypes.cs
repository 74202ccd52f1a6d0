using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Oom;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Slab;

namespace MMSpec.Model.MemorySystem;

/// <summary>
/// A whole machine: its frames (one ZONE_NORMAL, watermarks from the default min_free_kbytes and
/// watermark_scale_factor 10, as the reclaim system computes them too), CPUs, files, and pid_max.
/// </summary>
public sealed record SystemConfig(ulong Frames, int Cpus = 2, int Files = 2, ulong FilePages = 64,
    int PidMax = TaskConfig.DefaultPidMax)
{
    public ReclaimConfig Reclaim => new(Frames, Cpus, Files, FilePages);

    public TaskConfig Tasks => new(PidMax);

    public override string ToString() => $"{Reclaim}, pid_max {PidMax}";
}

/// <summary>A process of the whole system: its task and the address space it owns.</summary>
public readonly record struct ProcessMm(Pid Pid, AsId Mm)
{
    public override string ToString() => $"{Pid}: {Mm}";
}

/// <summary>
/// The allocstall events of /proc/vmstat: direct reclaim entered (do_try_to_free_pages), counted by the zone the
/// allocation's gfp mask names (gfp_zone: __GFP_HIGHMEM with __GFP_MOVABLE is ZONE_MOVABLE, else ZONE_NORMAL here).
/// </summary>
public readonly record struct AllocStalls(ulong Normal, ulong Movable)
{
    public override string ToString() => $"allocstall normal {Normal}, movable {Movable}";
}

/// <summary>
/// The whole system's state: the process table, which address space each process owns, the reclaim system (every
/// frame, folio, swap slot and TLB entry), whether kswapd is awake, the OOM kills and panics so far, the kernel
/// log, the slab layer (its caches, slabs and large kmallocs; its page list holds the blocks it took), the vmalloc
/// areas, and the direct reclaims entered.
/// </summary>
public sealed record SystemSnapshot(TaskTableSnapshot Tasks, ImmutableArray<ProcessMm> Mms, ReclaimSnapshot Reclaim,
    bool KswapdAwake, int OomKills, int Panics, ImmutableArray<string> Log, SlabSnapshot Slab,
    ImmutableArray<VmallocArea> Vmalloc, AllocStalls AllocStalls)
{
    /// <summary>
    /// The kernel blocks alloc_pages gave and __free_pages may free: the reclaim system's kernel pages but the slab
    /// layer's blocks and vmalloc's pages.
    /// </summary>
    public ImmutableArray<Block> PageAllocations()
    {
        var owned = Slab.Pages.Allocated.Select(b => b.Pfn).Concat(Vmalloc.SelectMany(a => a.Frames)).ToHashSet();
        return [.. Reclaim.KernelPages.Where(b => !owned.Contains(b.Pfn))];
    }

    public bool SameAs(SystemSnapshot other) => DiffFrom(other) is null;

    /// <summary>The first part that differs from <paramref name="other"/>, named; null when none does.</summary>
    public string? DiffFrom(SystemSnapshot other) =>
        ReferenceEquals(this, other) ? null
        : Tasks.DiffFrom(other.Tasks)
        ?? (Mms.SequenceEqual(other.Mms) ? null
            : $"address spaces [{string.Join(", ", Mms)}] vs [{string.Join(", ", other.Mms)}]")
        ?? Reclaim.DiffFrom(other.Reclaim)
        ?? Slab.DiffFrom(other.Slab)
        ?? (Vmalloc.SequenceEqual(other.Vmalloc, (a, b) => a.Start == b.Start && a.Frames.SequenceEqual(b.Frames))
            ? null
            : $"vmalloc areas [{string.Join(", ", Vmalloc.Select(a => $"0x{a.Start:x}+{a.Pages}"))}] vs "
                + $"[{string.Join(", ", other.Vmalloc.Select(a => $"0x{a.Start:x}+{a.Pages}"))}]")
        ?? (AllocStalls != other.AllocStalls ? $"{AllocStalls} vs {other.AllocStalls}" : null)
        ?? ((KswapdAwake, OomKills, Panics) != (other.KswapdAwake, other.OomKills, other.Panics)
            ? $"kswapd {KswapdAwake}, {OomKills} kills, {Panics} panics vs "
                + $"kswapd {other.KswapdAwake}, {other.OomKills} kills, {other.Panics} panics"
            : null)
        ?? LogDiff(other);

    private string? LogDiff(SystemSnapshot other)
    {
        var at = Enumerable.Range(0, Math.Min(Log.Length, other.Log.Length)).FirstOrDefault(i => Log[i] != other.Log[i],
            -1);
        return at >= 0 ? $"log line {at}: \"{Log[at]}\" vs \"{other.Log[at]}\""
            : Log.Length != other.Log.Length ? $"log of {Log.Length} lines vs {other.Log.Length}"
            : null;
    }
}

/// <summary>
/// An allocation the slow path gave up on (nopage, warn_alloc's "page allocation failure"): NULL to a kernel
/// caller, VM_FAULT_OOM to a fault.
/// </summary>
public sealed record AllocationFailed(Gfp Gfp, int Order) : MmError
{
    public override string Message => $"page allocation failure: order:{Order}, mode:{Gfp}";
}

/// <summary>
/// An allocation that waits: the OOM killer's scan aborted for a victim not yet gone (or a request without
/// __GFP_FS may not kill). Nothing more happens until the victim exits or the OOM reaper runs; retry after them.
/// </summary>
public sealed record AllocationStalled(Gfp Gfp, int Order, Pid? Victim) : MmError
{
    public override string Message =>
        $"an order-{Order} allocation ({Gfp}) waits for "
        + (Victim is { } victim ? $"OOM victim {victim} to go" : "memory to be freed");
}

/// <summary>
/// out_of_memory found no killable process: the kernel panics ("System is deadlocked on memory"). The simulation
/// logs it, counts it and goes on, so a test can see what came before and after.
/// </summary>
public sealed record KernelPanic(Gfp Gfp, int Order) : MmError
{
    public const string LogLine = "Kernel panic - not syncing: System is deadlocked on memory";

    public override string Message => $"{LogLine} (an order-{Order} allocation, {Gfp})";
}

/// <summary>A gfp mask whose flags contradict each other, or that MMSpec does not simulate.</summary>
public sealed record ContradictoryGfp(Gfp Gfp, string Why) : MmError, IErrorReason
{
    public override string Message => $"gfp {Gfp}: {Why}";
}

/// <summary>
/// __free_pages of a page the slab layer or vmalloc holds: it goes back through kfree, kmem_cache_free or vfree.
/// </summary>
public sealed record OwnedByAllocator(Pfn Pfn, string Owner) : MmError
{
    public override string Message => $"pfn {Pfn} belongs to {Owner}, not to a caller of alloc_pages";
}

/// <summary>The OOM reaper already set MMF_OOM_SKIP on the victim's mm: there is nothing left for it to do.</summary>
public sealed record AlreadyReaped(Pid Pid) : MmError
{
    public override string Message => $"the OOM reaper is done with {Pid}'s mm (MMF_OOM_SKIP)";
}
