using System.Text.Json.Serialization;
using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// A call into an <see cref="IPagingSystem"/>, as data: what a failing test prints, a trace saves (see
/// <see cref="MmJson"/>; the "op" property names the call, the record's name in snake case) and a replay runs on
/// any side with <see cref="ApplyTo"/>. Each prints like the kernel call it stands for.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op")]
[JsonDerivedType(typeof(CreateAddressSpace), "create_address_space")]
[JsonDerivedType(typeof(DestroyAddressSpace), "destroy_address_space")]
[JsonDerivedType(typeof(Mmap), "mmap")]
[JsonDerivedType(typeof(Munmap), "munmap")]
[JsonDerivedType(typeof(Mprotect), "mprotect")]
[JsonDerivedType(typeof(Brk), "brk")]
[JsonDerivedType(typeof(MigratePage), "migrate_page")]
[JsonDerivedType(typeof(AccessByte), "access_byte")]
[JsonDerivedType(typeof(Vmalloc), "vmalloc")]
[JsonDerivedType(typeof(Vfree), "vfree")]
public abstract record PagingOp
{
    /// <summary>Runs the call on <paramref name="paging"/>: the one dispatcher of the paging contract.</summary>
    public abstract OpResult ApplyTo(IPagingSystem paging);
}

/// <summary>fork+exec of the standard program (<see cref="IPagingSystem.CreateAddressSpace"/>).</summary>
public sealed record CreateAddressSpace : PagingOp
{
    public override OpResult ApplyTo(IPagingSystem paging) => OpResult.Of(paging.CreateAddressSpace());

    public override string ToString() => "create_mm()";
}

/// <summary>exit_mmap of an address space.</summary>
public sealed record DestroyAddressSpace(AsId Mm) : PagingOp
{
    public override OpResult ApplyTo(IPagingSystem paging) => OpResult.Of(paging.DestroyAddressSpace(Mm));

    public override string ToString() => $"exit_mmap({Mm})";
}

public sealed record Mmap(AsId Mm, MmapRequest Request) : PagingOp
{
    public override OpResult ApplyTo(IPagingSystem paging) => OpResult.Of(paging.Mmap(Mm, Request));

    public override string ToString() => $"mmap({Mm}, {Request})";
}

public sealed record Munmap(AsId Mm, VirtAddr Addr, ulong Pages) : PagingOp
{
    public override OpResult ApplyTo(IPagingSystem paging) => OpResult.Of(paging.Munmap(Mm, Addr, Pages));

    public override string ToString() => $"munmap({Mm}, {Addr}, {Pages} pages)";
}

public sealed record Mprotect(AsId Mm, VirtAddr Addr, ulong Pages, VmProt Prot) : PagingOp
{
    public override OpResult ApplyTo(IPagingSystem paging) => OpResult.Of(paging.Mprotect(Mm, Addr, Pages, Prot));

    public override string ToString() => $"mprotect({Mm}, {Addr}, {Pages} pages, {VmProtText.Of(Prot)})";
}

public sealed record Brk(AsId Mm, VirtAddr NewBrk) : PagingOp
{
    public override OpResult ApplyTo(IPagingSystem paging) => OpResult.Of(paging.Brk(Mm, NewBrk));

    public override string ToString() => $"brk({Mm}, {NewBrk})";
}

public sealed record MigratePage(AsId Mm, VirtAddr Addr) : PagingOp
{
    public override OpResult ApplyTo(IPagingSystem paging) => OpResult.Of(paging.MigratePage(Mm, Addr));

    public override string ToString() => $"migrate_page({Mm}, {Addr})";
}

/// <summary>One byte read, written or fetched by user or kernel code (<see cref="IPagingSystem.Access"/>).</summary>
public sealed record AccessByte(AsId Mm, VirtAddr Addr, Access Access, Privilege Privilege, byte Value = 0)
    : PagingOp
{
    public override OpResult ApplyTo(IPagingSystem paging) =>
        OpResult.Of(paging.Access(Mm, Addr, Access, Privilege, Value));

    public override string ToString() =>
        $"{Access.ToString().ToLowerInvariant()}({Mm}, {Addr}, {Privilege.ToString().ToLowerInvariant()}"
        + (Access == Access.Write ? $", 0x{Value:x})" : ")");
}

public sealed record Vmalloc(ulong Pages) : PagingOp
{
    public override OpResult ApplyTo(IPagingSystem paging) => OpResult.Of(paging.Vmalloc(Pages));

    public override string ToString() => $"vmalloc({Pages} pages)";
}

public sealed record Vfree(VirtAddr Addr) : PagingOp
{
    public override OpResult ApplyTo(IPagingSystem paging) => OpResult.Of(paging.Vfree(Addr));

    public override string ToString() => $"vfree({Addr})";
}
