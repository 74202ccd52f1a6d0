using System.Text.Json.Serialization;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Oom;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Slab;
using MMSpec.Model.Tlb;

namespace MMSpec.Model.MemorySystem;

/// <summary>
/// A call into an <see cref="IMemorySystem"/>, as data: what a failing test prints, a trace saves (the "op" property
/// names the call in snake case, prefixed "" where another contract has the same name) and a replay runs on
/// any system with <see cref="ApplyTo"/>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op")]
[JsonDerivedType(typeof(Fork), "fork")]
[JsonDerivedType(typeof(DoExit), "do_exit")]
[JsonDerivedType(typeof(SetComm), "set_comm")]
[JsonDerivedType(typeof(WriteOomScoreAdj), "write_oom_score_adj")]
[JsonDerivedType(typeof(WriteOomAdj), "write_oom_adj")]
[JsonDerivedType(typeof(Mmap), "mmap")]
[JsonDerivedType(typeof(Munmap), "munmap")]
[JsonDerivedType(typeof(Access), "access")]
[JsonDerivedType(typeof(AllocPages), "alloc_pages")]
[JsonDerivedType(typeof(FreePages), "free_pages")]
[JsonDerivedType(typeof(KmemCacheCreate), "kmem_cache_create")]
[JsonDerivedType(typeof(KmemCacheAlloc), "kmem_cache_alloc")]
[JsonDerivedType(typeof(KmemCacheFree), "kmem_cache_free")]
[JsonDerivedType(typeof(Kmalloc), "kmalloc")]
[JsonDerivedType(typeof(Kfree), "kfree")]
[JsonDerivedType(typeof(Vmalloc), "vmalloc")]
[JsonDerivedType(typeof(Vfree), "vfree")]
[JsonDerivedType(typeof(Swapon), "swapon")]
[JsonDerivedType(typeof(Swapoff), "swapoff")]
[JsonDerivedType(typeof(Kswapd), "kswapd")]
[JsonDerivedType(typeof(OomReap), "oom_reap")]
[JsonDerivedType(typeof(StartWriteback), "start_writeback")]
[JsonDerivedType(typeof(EndWriteback), "end_writeback")]
public abstract record SystemOp
{
    /// <summary>Runs the call on <paramref name="system"/>: the one dispatcher of the system contract.</summary>
    public abstract OpResult ApplyTo(IMemorySystem system);

    public sealed record Fork(Pid Parent) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.Fork(Parent));

        public override string ToString() => $"fork({Parent})";
    }

    public sealed record DoExit(Pid Pid) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.DoExit(Pid));

        public override string ToString() => $"do_exit({Pid})";
    }

    public sealed record SetComm(Pid Pid, string Comm) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.SetComm(Pid, Comm));

        public override string ToString() => $"set_comm({Pid}, \"{Comm}\")";
    }

    public sealed record WriteOomScoreAdj(Pid Pid, int Value, bool CapSysResource) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) =>
            OpResult.Of(system.WriteOomScoreAdj(Pid, Value, CapSysResource));

        public override string ToString() =>
            $"echo {Value} > /proc/{Pid.Value}/oom_score_adj{(CapSysResource ? " (CAP_SYS_RESOURCE)" : "")}";
    }

    public sealed record WriteOomAdj(Pid Pid, int Value, bool CapSysResource) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) =>
            OpResult.Of(system.WriteOomAdj(Pid, Value, CapSysResource));

        public override string ToString() =>
            $"echo {Value} > /proc/{Pid.Value}/oom_adj{(CapSysResource ? " (CAP_SYS_RESOURCE)" : "")}";
    }

    public sealed record Mmap(Pid Pid, MapKind Kind, int File, ulong Pages) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.Mmap(Pid, Kind, File, Pages));

        public override string ToString() =>
            $"mmap({Pid}, {Pages} pages, {Kind}{(Kind is MapKind.File or MapKind.FileExec ? $" file{File}" : "")})";
    }

    public sealed record Munmap(Pid Pid, VirtAddr Start) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.Munmap(Pid, Start));

        public override string ToString() => $"munmap({Pid}, {Start})";
    }

    public sealed record Access(Pid Pid, CpuId Cpu, VirtAddr Addr, bool Write, ulong Value = 0) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) =>
            OpResult.Of(system.Access(Pid, Cpu, Addr, Write, Value));

        public override string ToString() =>
            Write ? $"{Pid} cpu{Cpu.Value} writes 0x{Value:x} at {Addr}" : $"{Pid} cpu{Cpu.Value} reads {Addr}";
    }

    public sealed record AllocPages(Gfp Gfp, Order Order) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.AllocPages(Gfp, Order));

        public override string ToString() => $"alloc_pages({Gfp}, order {Order.Value})";
    }

    public sealed record FreePages(Pfn Pfn) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.FreePages(Pfn));

        public override string ToString() => $"__free_pages(pfn={Pfn})";
    }

    public sealed record KmemCacheCreate(string Name, ulong Size, ulong Align = 8) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) =>
            OpResult.Of(system.KmemCacheCreate(Name, Size, Align));

        public override string ToString() => $"kmem_cache_create(\"{Name}\", {Size}, align {Align})";
    }

    public sealed record KmemCacheAlloc(CacheId Cache, Gfp Gfp) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.KmemCacheAlloc(Cache, Gfp));

        public override string ToString() => $"kmem_cache_alloc({Cache}, {Gfp})";
    }

    public sealed record KmemCacheFree(CacheId Cache, VirtAddr Obj) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.KmemCacheFree(Cache, Obj));

        public override string ToString() => $"kmem_cache_free({Cache}, {Obj})";
    }

    public sealed record Kmalloc(ulong Size, Gfp Gfp) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.Kmalloc(Size, Gfp));

        public override string ToString() => $"kmalloc({Size}, {Gfp})";
    }

    public sealed record Kfree(VirtAddr Addr) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.Kfree(Addr));

        public override string ToString() => $"kfree({Addr})";
    }

    public sealed record Vmalloc(ulong Pages) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.Vmalloc(Pages));

        public override string ToString() => $"vmalloc({Pages} pages)";
    }

    public sealed record Vfree(VirtAddr Addr) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.Vfree(Addr));

        public override string ToString() => $"vfree({Addr})";
    }

    public sealed record Swapon(ulong Slots, int? Priority = null) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.Swapon(Slots, Priority));

        public override string ToString() => $"swapon({Slots} slots{(Priority is { } p ? $", prio {p}" : "")})";
    }

    public sealed record Swapoff(SwapType Type) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.Swapoff(Type));

        public override string ToString() => $"swapoff({Type})";
    }

    public sealed record Kswapd : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.Kswapd());

        public override string ToString() => "kswapd runs";
    }

    public sealed record OomReap(Pid Pid) : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.OomReap(Pid));

        public override string ToString() => $"oom_reaper reaps {Pid}";
    }

    public sealed record StartWriteback : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.StartWriteback());

        public override string ToString() => "flusher writes back";
    }

    public sealed record EndWriteback : SystemOp
    {
        public override OpResult ApplyTo(IMemorySystem system) => OpResult.Of(system.EndWriteback());

        public override string ToString() => "writeback completes";
    }
}
