using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;

namespace MMSpec.Conformance.Tlb;

/// <summary>
/// A generated machine operation. CPUs are named by number (modulo the machine's), address spaces, VMAs and
/// vmalloc areas by handle, resolved against the implementation's state when the step runs.
/// </summary>
public abstract record TlbStep
{
    /// <summary>Whether the step is meant to be rejected with a typed error (generated on purpose).</summary>
    public virtual bool IsInvalid => false;
}

public sealed record CreateMm : TlbStep
{
    public override string ToString() => "create_mm()";
}

public sealed record DestroyMmStep(int Mm) : TlbStep
{
    public override string ToString() => $"exit(mm #{Mm})";
}

public sealed record SwitchStep(int Cpu, int Mm) : TlbStep
{
    public override string ToString() => $"switch_mm(cpu {Cpu}, mm #{Mm})";
}

/// <summary>
/// A byte accessed by CPU #Cpu: Offset bytes into VMA #Index of the address space it runs, or into vmalloc area #Index.
/// </summary>
public sealed record TouchStep(int Cpu, bool Vmalloc, int Index, int Offset, Access Access, Privilege Privilege,
    byte Value) : TlbStep
{
    public override string ToString() =>
        $"{Access.ToString().ToLowerInvariant()}(cpu {Cpu}, {(Vmalloc ? "vmalloc" : "vma")} #{Index} + 0x{Offset:x}, "
        + $"{Privilege.ToString().ToLowerInvariant()}{(Access == Access.Write ? $", 0x{Value:x}" : string.Empty)})";
}

public sealed record MapStep(int Cpu, int Pages, VmProt Prot, int? File, bool Shared) : TlbStep
{
    public override string ToString() =>
        $"mmap(cpu {Cpu}, {Pages} "
        + $"pages, {VmProtText.Of(Prot)}, {(Shared ? "shared" : "private")}, {(File is { } f ? $"file{f}" : "anon")})";
}

public sealed record UnmapStep(int Cpu, int Vma, int Offset, int Pages) : TlbStep
{
    public override string ToString() => $"munmap(cpu {Cpu}, vma #{Vma} + {Offset} pages, {Pages} pages)";
}

public sealed record ProtectStep(int Cpu, int Vma, int Offset, int Pages, VmProt Prot) : TlbStep
{
    public override string ToString() =>
        $"mprotect(cpu {Cpu}, vma #{Vma} + {Offset} pages, {Pages} pages, {VmProtText.Of(Prot)})";
}

/// <summary>
/// Compaction on CPU #Cpu migrates the page Offset pages into VMA #Vma of address space #Mm, which that CPU need not
/// run.
/// </summary>
public sealed record MigratePageStep(int Cpu, int Mm, int Vma, int Offset) : TlbStep
{
    public override string ToString() => $"migrate_page(cpu {Cpu}, mm #{Mm}, vma #{Vma} + {Offset} pages)";
}

public sealed record HeapStep(int Cpu, int DeltaPages) : TlbStep
{
    public override string ToString() => $"brk(cpu {Cpu}, {(DeltaPages < 0 ? "-" : "+")}{Math.Abs(DeltaPages)} pages)";
}

public sealed record VmallocAreaStep(int Pages) : TlbStep
{
    public override string ToString() => $"vmalloc({Pages} pages)";
}

public sealed record VfreeAreaStep(int Cpu, int Area) : TlbStep
{
    public override string ToString() => $"vfree(cpu {Cpu}, area #{Area})";
}

/// <summary>invlpg on CPU #Cpu of a page: Offset bytes into VMA #Index (or vmalloc area #Index).</summary>
public sealed record InvlpgStep(int Cpu, bool Vmalloc, int Index, int Offset) : TlbStep
{
    public override string ToString() => $"invlpg(cpu {Cpu}, {(Vmalloc ? "vmalloc" : "vma")} #{Index} + 0x{Offset:x})";
}

public sealed record Cr3Step(int Cpu, bool NoFlush) : TlbStep
{
    public override string ToString() => $"mov cr3(cpu {Cpu}{(NoFlush ? ", no flush" : string.Empty)})";
}

public sealed record PgeStep(int Cpu) : TlbStep
{
    public override string ToString() => $"toggle cr4.pge(cpu {Cpu})";
}

/// <summary>
/// INVPCID of a type for PCID Pcid (over 4095 is invalid) and a page Offset bytes into VMA #Index (or vmalloc area
/// #Index).
/// </summary>
public sealed record InvpcidStep(int Cpu, InvpcidType Type, int Pcid, bool Vmalloc, int Index, int Offset) : TlbStep
{
    public override bool IsInvalid => Pcid > Model.Tlb.Pcid.Max;

    public override string ToString() =>
        $"invpcid(cpu {Cpu}, type {(int)Type}, pcid {Pcid}, {(Vmalloc ? "vmalloc" : "vma")} #{Index} + 0x{Offset:x})";
}

/// <summary>An operation on CPU number Cpu beyond the machine's CPUs: #GP.</summary>
public sealed record NoSuchCpuStep(int Cpu) : TlbStep
{
    public override bool IsInvalid => true;

    public override string ToString() => $"invlpg(cpu {Cpu} of none)";
}
