using MMSpec.Model.MemorySystem;
using MMSpec.Model.Reclaim;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>
/// A generated whole-system operation. Process #n is the n-th live process in creation order (modulo how many there
/// are; #0 is init), mapping #m the m-th mapping of its address space, kernel allocation #k the k-th live one,
/// resolved against the system under test when the step runs, so a sequence stays meaningful while it shrinks.
/// </summary>
public abstract record SystemStep
{
    /// <summary>Whether the step is meant to be refused with a typed error.</summary>
    public virtual bool IsInvalid => false;
}

public sealed record ForkProc(int Proc) : SystemStep
{
    public override string ToString() => $"fork(proc #{Proc})";
}

public sealed record ExitProc(int Proc) : SystemStep
{
    public override string ToString() => $"exit(proc #{Proc})";
}

public sealed record MapProc(int Proc, MapKind Kind, int File, int Pages) : SystemStep
{
    public override string ToString() => $"mmap(proc #{Proc}, {Kind}, file {File}, {Pages} pages)";
}

public sealed record UnmapProc(int Proc, int Mapping) : SystemStep
{
    public override string ToString() => $"munmap(proc #{Proc}, mapping #{Mapping})";
}

/// <summary>
/// An access to page #Page (modulo the mapping's pages) of mapping #Mapping, or of the largest anonymous mapping
/// (<see cref="Largest"/>), or of the largest shmem mapping (<see cref="LargestShmem"/>); a process without such a
/// mapping hands the access to the next one that has one.
/// </summary>
public sealed record TouchProc(int Proc, int Mapping, int Page, int Cpu, bool Write, ulong Value) : SystemStep
{
    public const int Largest = -1;

    public const int LargestShmem = -2;

    public override string ToString() =>
        $"{(Write ? "write" : "read")}(proc #{Proc}, mapping #{Mapping}, page {Page}, cpu {Cpu}"
            + (Write ? $", 0x{Value:x})" : ")");
}

/// <summary>A write of oom_score_adj (or the legacy oom_adj), with CAP_SYS_RESOURCE or without.</summary>
public sealed record AdjProc(int Proc, int Value, bool Legacy, bool Cap) : SystemStep
{
    public override bool IsInvalid => Legacy ? Value is < -17 or > 15 : Value is < -1000 or > 1000;

    public override string ToString() =>
        $"write {(Legacy ? "oom_adj" : "oom_score_adj")}(proc #{Proc}, {Value}{(Cap ? ", CAP_SYS_RESOURCE" : "")})";
}

/// <summary>A kernel allocation with one of <see cref="SystemScenario.KernelMasks"/>.</summary>
public sealed record KernelAllocProc(int Mask, int Order) : SystemStep
{
    public override string ToString() => $"alloc_pages({SystemScenario.KernelMasks[Mask]}, order {Order})";
}

public sealed record KernelFreeProc(int Allocation) : SystemStep
{
    public override string ToString() => $"__free_pages(allocation #{Allocation})";
}

/// <summary>
/// kmalloc of <see cref="SystemScenario.KmallocSizes"/>[Size] with <see cref="SystemScenario.KernelMasks"/>[Mask].
/// </summary>
public sealed record KmallocProc(int Mask, int Size) : SystemStep
{
    public override string ToString() =>
        $"kmalloc({SystemScenario.KmallocSizes[Size]}, {SystemScenario.KernelMasks[Mask]})";
}

/// <summary>kmem_cache_create of a cache of <paramref name="Size"/>-byte objects.</summary>
public sealed record CacheCreateProc(int Size) : SystemStep
{
    public override string ToString() => $"kmem_cache_create({Size} bytes)";
}

/// <summary>kmem_cache_alloc from cache #Cache of those created (of every cache when none was).</summary>
public sealed record CacheAllocProc(int Cache, int Mask) : SystemStep
{
    public override string ToString() => $"kmem_cache_alloc(cache #{Cache}, {SystemScenario.KernelMasks[Mask]})";
}

/// <summary>The live kernel object #Live freed as it was allocated: kfree, or kmem_cache_free to its cache.</summary>
public sealed record ObjectFreeProc(int Live) : SystemStep
{
    public override string ToString() => $"free(object #{Live})";
}

public sealed record VmallocProc(int Pages) : SystemStep
{
    public override string ToString() => $"vmalloc({Pages} pages)";
}

public sealed record VfreeProc(int Area) : SystemStep
{
    public override string ToString() => $"vfree(area #{Area})";
}

/// <summary>
/// A time event: kswapd's pass, the OOM reaper's or the victim's exit (the pending victim, else proc #n), writeback.
/// </summary>
public sealed record TimeEvent(SystemEventKind Kind, int Proc = 0) : SystemStep
{
    public override string ToString() => Kind is SystemEventKind.Reap or SystemEventKind.VictimExit
        ? $"{Kind}(victim or proc #{Proc})" : $"{Kind}";
}

public enum SystemEventKind
{
    Kswapd,
    Reap,

    /// <summary>The pending OOM victim (else proc #n) exits: SIGKILL's effect.</summary>
    VictimExit,
    Writeback,
    WritebackEnd,
}

public sealed record SwapProc(bool On, ulong Slots) : SystemStep
{
    public override string ToString() => On ? $"swapon({Slots} slots)" : "swapoff(the first area)";
}

/// <summary>
/// Bad input on purpose: a call on a pid no process has (pid_max + Offset, or the last that exited), an address no
/// mapping covers, a CPU the machine lacks, a contradictory gfp mask, an order past 10, a free of a frame that is
/// no kernel allocation, a kfree outside the direct map, a vfree of no area, a kmalloc past 4 MiB or a vmalloc of
/// nothing, __free_pages of a slab's or vmalloc's page.
/// </summary>
public sealed record BadCall(int Kind, int Offset) : SystemStep
{
    public const int Kinds = 12;

    public override bool IsInvalid => true;

    public override string ToString() => $"bad_call({Kind}, +{Offset})";
}
