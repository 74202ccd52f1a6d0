using System.Text.Json.Serialization;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Model.Tlb;

/// <summary>
/// A call into an <see cref="IMachine"/>, as data: what a failing test prints, a trace saves (see
/// <see cref="MmJson"/>; the "op" property names the call, the record's name in snake case) and a replay runs on
/// any machine with <see cref="ApplyTo"/>. The records are nested (MachineOp.Mmap) because the paging contract's
/// operations have the same names.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op")]
[JsonDerivedType(typeof(Access), "access")]
[JsonDerivedType(typeof(CreateAddressSpace), "create_address_space")]
[JsonDerivedType(typeof(DestroyAddressSpace), "destroy_address_space")]
[JsonDerivedType(typeof(SwitchMm), "switch_mm")]
[JsonDerivedType(typeof(Invlpg), "invlpg")]
[JsonDerivedType(typeof(WriteCr3), "write_cr3")]
[JsonDerivedType(typeof(TogglePge), "toggle_pge")]
[JsonDerivedType(typeof(Invpcid), "invpcid")]
[JsonDerivedType(typeof(Mmap), "mmap")]
[JsonDerivedType(typeof(Munmap), "munmap")]
[JsonDerivedType(typeof(Mprotect), "mprotect")]
[JsonDerivedType(typeof(Brk), "brk")]
[JsonDerivedType(typeof(MigratePage), "migrate_page")]
[JsonDerivedType(typeof(Vmalloc), "vmalloc")]
[JsonDerivedType(typeof(Vfree), "vfree")]
public abstract record MachineOp
{
    /// <summary>Runs the call on <paramref name="machine"/>: the one dispatcher of the machine contract.</summary>
    public abstract OpResult ApplyTo(IMachine machine);

    public sealed record Access(CpuId Cpu, VirtAddr Addr, Paging.Access Kind, Privilege Privilege, byte Value = 0)
        : MachineOp
    {
        public override OpResult ApplyTo(IMachine machine) =>
            OpResult.Of(machine.Access(Cpu, Addr, Kind, Privilege, Value));

        public override string ToString() =>
            $"{Kind.ToString().ToLowerInvariant()}({Cpu}, {Addr}, {Privilege.ToString().ToLowerInvariant()}"
            + (Kind == Paging.Access.Write ? $", 0x{Value:x})" : ")");
    }

    public sealed record CreateAddressSpace : MachineOp
    {
        public override OpResult ApplyTo(IMachine machine) => OpResult.Of(machine.CreateAddressSpace());

        public override string ToString() => "create_mm()";
    }

    public sealed record DestroyAddressSpace(AsId Mm) : MachineOp
    {
        public override OpResult ApplyTo(IMachine machine) => OpResult.Of(machine.DestroyAddressSpace(Mm));

        public override string ToString() => $"exit_mmap({Mm})";
    }

    public sealed record SwitchMm(CpuId Cpu, AsId Mm) : MachineOp
    {
        public override OpResult ApplyTo(IMachine machine) => OpResult.Of(machine.SwitchMm(Cpu, Mm));

        public override string ToString() => $"switch_mm({Cpu}, {Mm})";
    }

    public sealed record Invlpg(CpuId Cpu, VirtAddr Addr) : MachineOp
    {
        public override OpResult ApplyTo(IMachine machine) => OpResult.Of(machine.Invlpg(Cpu, Addr));

        public override string ToString() => $"invlpg({Cpu}, {Addr})";
    }

    public sealed record WriteCr3(CpuId Cpu, bool NoFlush) : MachineOp
    {
        public override OpResult ApplyTo(IMachine machine) => OpResult.Of(machine.WriteCr3(Cpu, NoFlush));

        public override string ToString() => $"write_cr3({Cpu}{(NoFlush ? ", noflush" : string.Empty)})";
    }

    public sealed record TogglePge(CpuId Cpu) : MachineOp
    {
        public override OpResult ApplyTo(IMachine machine) => OpResult.Of(machine.TogglePge(Cpu));

        public override string ToString() => $"toggle_pge({Cpu})";
    }

    public sealed record Invpcid(CpuId Cpu, InvpcidType Type, Pcid Pcid, VirtAddr Addr) : MachineOp
    {
        public override OpResult ApplyTo(IMachine machine) => OpResult.Of(machine.Invpcid(Cpu, Type, Pcid, Addr));

        public override string ToString() => $"invpcid({Cpu}, type {(int)Type}, {Pcid}, {Addr})";
    }

    public sealed record Mmap(CpuId Cpu, MmapRequest Request) : MachineOp
    {
        public override OpResult ApplyTo(IMachine machine) => OpResult.Of(machine.Mmap(Cpu, Request));

        public override string ToString() => $"mmap({Cpu}, {Request})";
    }

    public sealed record Munmap(CpuId Cpu, VirtAddr Addr, ulong Pages) : MachineOp
    {
        public override OpResult ApplyTo(IMachine machine) => OpResult.Of(machine.Munmap(Cpu, Addr, Pages));

        public override string ToString() => $"munmap({Cpu}, {Addr}, {Pages} pages)";
    }

    public sealed record Mprotect(CpuId Cpu, VirtAddr Addr, ulong Pages, VmProt Prot) : MachineOp
    {
        public override OpResult ApplyTo(IMachine machine) => OpResult.Of(machine.Mprotect(Cpu, Addr, Pages, Prot));

        public override string ToString() => $"mprotect({Cpu}, {Addr}, {Pages} pages, {VmProtText.Of(Prot)})";
    }

    public sealed record Brk(CpuId Cpu, VirtAddr NewBrk) : MachineOp
    {
        public override OpResult ApplyTo(IMachine machine) => OpResult.Of(machine.Brk(Cpu, NewBrk));

        public override string ToString() => $"brk({Cpu}, {NewBrk})";
    }

    public sealed record MigratePage(CpuId Cpu, AsId Mm, VirtAddr Addr) : MachineOp
    {
        public override OpResult ApplyTo(IMachine machine) => OpResult.Of(machine.MigratePage(Cpu, Mm, Addr));

        public override string ToString() => $"migrate_page({Cpu}, {Mm}, {Addr})";
    }

    public sealed record Vmalloc(ulong Pages) : MachineOp
    {
        public override OpResult ApplyTo(IMachine machine) => OpResult.Of(machine.Vmalloc(Pages));

        public override string ToString() => $"vmalloc({Pages} pages)";
    }

    public sealed record Vfree(CpuId Cpu, VirtAddr Addr) : MachineOp
    {
        public override OpResult ApplyTo(IMachine machine) => OpResult.Of(machine.Vfree(Cpu, Addr));

        public override string ToString() => $"vfree({Cpu}, {Addr})";
    }
}
