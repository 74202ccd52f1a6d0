using System.Text.Json.Serialization;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;

namespace MMSpec.Model.Reclaim;

/// <summary>
/// A call into an <see cref="IReclaimSystem"/>, as data: what a failing test prints, a trace saves (the "op" property
/// names the call, the record's name in snake case) and a replay runs on any side with <see cref="ApplyTo"/>. Nested
/// (ReclaimOp.Mmap) because the paging contract's operations have the same names.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op")]
[JsonDerivedType(typeof(CreateMm), "create_mm")]
[JsonDerivedType(typeof(Fork), "fork")]
[JsonDerivedType(typeof(ExitMm), "exit_mm")]
[JsonDerivedType(typeof(Mmap), "mmap")]
[JsonDerivedType(typeof(Munmap), "munmap")]
[JsonDerivedType(typeof(Access), "access")]
[JsonDerivedType(typeof(ReadFile), "read_file")]
[JsonDerivedType(typeof(WriteFile), "write_file")]
[JsonDerivedType(typeof(Pin), "pin")]
[JsonDerivedType(typeof(Unpin), "unpin")]
[JsonDerivedType(typeof(SetSwappiness), "set_swappiness")]
[JsonDerivedType(typeof(Swapon), "swapon")]
[JsonDerivedType(typeof(Swapoff), "swapoff")]
[JsonDerivedType(typeof(TryToFreePages), "try_to_free_pages")]
[JsonDerivedType(typeof(PageOut), "page_out")]
[JsonDerivedType(typeof(StartWriteback), "start_writeback")]
[JsonDerivedType(typeof(EndWriteback), "end_writeback")]
[JsonDerivedType(typeof(Compact), "compact")]
[JsonDerivedType(typeof(KernelAlloc), "kernel_alloc")]
[JsonDerivedType(typeof(KernelFree), "kernel_free")]
[JsonDerivedType(typeof(ReadSwapSlot), "read_swap_slot")]
[JsonDerivedType(typeof(SetWatermark), "set_watermark")]
public abstract record ReclaimOp
{
    /// <summary>Runs the call on <paramref name="system"/>: the one dispatcher of the reclaim contract.</summary>
    public abstract OpResult ApplyTo(IReclaimSystem system);

    public sealed record CreateMm : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.CreateMm());

        public override string ToString() => "mm_alloc()";
    }

    public sealed record Fork(AsId Mm) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.Fork(Mm));

        public override string ToString() => $"fork({Mm})";
    }

    public sealed record ExitMm(AsId Mm) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.ExitMm(Mm));

        public override string ToString() => $"exit_mmap({Mm})";
    }

    public sealed record Mmap(AsId Mm, MapKind Kind, int File, ulong Pages) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.Mmap(Mm, Kind, File, Pages));

        public override string ToString() =>
            $"mmap({Mm}, {Pages} pages, {Kind}{(Kind is MapKind.File or MapKind.FileExec ? $" file{File}" : "")})";
    }

    public sealed record Munmap(AsId Mm, VirtAddr Start) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.Munmap(Mm, Start));

        public override string ToString() => $"munmap({Mm}, {Start})";
    }

    public sealed record Access(AsId Mm, CpuId Cpu, VirtAddr Addr, bool Write, ulong Value = 0) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) =>
            OpResult.Of(system.Access(Mm, Cpu, Addr, Write, Value));

        public override string ToString() =>
            Write ? $"write({Mm}, {Cpu}, {Addr}, 0x{Value:x})" : $"read({Mm}, {Cpu}, {Addr})";
    }

    public sealed record ReadFile(int File, ulong PgOff) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.ReadFile(File, PgOff));

        public override string ToString() => $"pread(file{File}, page {PgOff})";
    }

    public sealed record WriteFile(int File, ulong PgOff, ulong Value) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) =>
            OpResult.Of(system.WriteFile(File, PgOff, Value));

        public override string ToString() => $"pwrite(file{File}, page {PgOff}, 0x{Value:x})";
    }

    public sealed record Pin(AsId Mm, VirtAddr Addr) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.Pin(Mm, Addr));

        public override string ToString() => $"pin_user_pages({Mm}, {Addr})";
    }

    public sealed record Unpin(AsId Mm, VirtAddr Addr) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.Unpin(Mm, Addr));

        public override string ToString() => $"unpin_user_page({Mm}, {Addr})";
    }

    public sealed record SetSwappiness(int Value) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.SetSwappiness(Value));

        public override string ToString() => $"vm.swappiness = {Value}";
    }

    public sealed record Swapon(ulong Slots, int? Priority = null) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.Swapon(Slots, Priority));

        public override string ToString() => $"swapon({Slots} slots{(Priority is { } p ? $", prio {p}" : "")})";
    }

    public sealed record Swapoff(SwapType Type) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.Swapoff(Type));

        public override string ToString() => $"swapoff({Type})";
    }

    public sealed record TryToFreePages : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.TryToFreePages());

        public override string ToString() => "try_to_free_pages(order=0, GFP_KERNEL)";
    }

    public sealed record PageOut(AsId Mm, VirtAddr Addr) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.PageOut(Mm, Addr));

        public override string ToString() => $"madvise({Mm}, {Addr}, MADV_PAGEOUT)";
    }

    public sealed record StartWriteback : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.StartWriteback());

        public override string ToString() => "wb_writeback()";
    }

    public sealed record EndWriteback : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.EndWriteback());

        public override string ToString() => "folio_end_writeback(all)";
    }

    public sealed record Compact(ZoneType Zone, int Order) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.Compact(Zone, Order));

        public override string ToString() => $"compact_zone({ZoneNames.Of(Zone)}, order={Order})";
    }

    public sealed record KernelAlloc(Order Order) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.KernelAlloc(Order));

        public override string ToString() => $"alloc_pages(GFP_KERNEL, order={Order})";
    }

    public sealed record KernelFree(Pfn Pfn) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.KernelFree(Pfn));

        public override string ToString() => $"__free_pages(pfn={Pfn})";
    }

    public sealed record SetWatermark(ulong Pages) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.SetWatermark(Pages));

        public override string ToString() => $"set_watermark({Pages})";
    }

    public sealed record ReadSwapSlot(SwapEntry Entry) : ReclaimOp
    {
        public override OpResult ApplyTo(IReclaimSystem system) => OpResult.Of(system.ReadSwapSlot(Entry));

        public override string ToString() => $"swap_map[{Entry}]";
    }
}
