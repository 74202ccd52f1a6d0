using MMSpec.Model.Paging;

namespace MMSpec.Conformance.Paging;

/// <summary>
/// A generated paging operation. Address spaces, VMAs and vmalloc areas are named by handle (#2 is the third
/// live one, modulo how many there are), resolved against the implementation's state when the step runs, so a
/// sequence stays meaningful while it shrinks.
/// </summary>
public abstract record PagingStep
{
    /// <summary>Whether the step is meant to be rejected with a typed error (generated on purpose).</summary>
    public virtual bool IsInvalid => false;
}

public sealed record NewMm : PagingStep
{
    public override string ToString() => "create_mm()";
}

public sealed record DestroyMm(int Mm) : PagingStep
{
    public override string ToString() => $"destroy(mm #{Mm})";
}

/// <summary>
/// mmap of <see cref="Pages"/> pages. With a <see cref="Boundary"/>, MAP_FIXED_NOREPLACE at a table boundary:
/// the end of slot <see cref="Slot"/> of the ranges one table at that depth above the leaf maps, minus
/// <see cref="Back"/> pages, so the mapping straddles the boundary.
/// </summary>
public sealed record MmapStep(int Mm, int Pages, VmProt Prot, int? File, int PgOff, bool Shared, int? Boundary,
    int Slot, int Back) : PagingStep
{
    public override bool IsInvalid => Pages <= 0;

    public override string ToString() =>
        $"mmap(mm #{Mm}, {Pages} pages, {VmProtText.Of(Prot)}, {(Shared ? "shared" : "private")}, "
            + $"{(File is { } f ? $"file{f}@{PgOff}" : "anon")}"
        + (Boundary is { } b ? $", fixed at table boundary depth {b} slot {Slot} minus {Back} pages)" : ")");
}

/// <summary>munmap of part of VMA #Vma: from page Offset, Pages pages (Unaligned adds one byte to the
/// address).</summary>
public sealed record MunmapStep(int Mm, int Vma, int Offset, int Pages, bool Unaligned = false) : PagingStep
{
    public override bool IsInvalid => Unaligned || Pages <= 0;

    public override string ToString() =>
        $"munmap(mm #{Mm}, vma #{Vma} + {Offset} pages{(Unaligned ? " + 1 byte" : string.Empty)}, {Pages} pages)";
}

/// <summary>munmap of the range the last successful mmap returned: its frames go back, ready to be reused.</summary>
public sealed record MunmapRecent : PagingStep
{
    public override string ToString() => "munmap(last mmap)";
}

/// <summary>mprotect of part of VMA #Vma; Beyond pages past its end make the range run into a hole (ENOMEM) unless the
/// next VMA is adjacent.</summary>
public sealed record MprotectStep(int Mm, int Vma, int Offset, int Pages, VmProt Prot) : PagingStep
{
    public override bool IsInvalid => Pages <= 0;

    public override string ToString() =>
        $"mprotect(mm #{Mm}, vma #{Vma} + {Offset} pages, {Pages} pages, {VmProtText.Of(Prot)})";
}

/// <summary>migrate_pages of the page Offset pages into VMA #Vma (Unaligned adds one byte to the address, which is
/// refused).</summary>
public sealed record MigrateStep(int Mm, int Vma, int Offset, bool Unaligned = false) : PagingStep
{
    public override bool IsInvalid => Unaligned;

    public override string ToString() =>
        $"migrate_page(mm #{Mm}, vma #{Vma} + {Offset} pages{(Unaligned ? " + 1 byte" : string.Empty)})";
}

/// <summary>migrate_pages of page #Page of the range the last successful mmap returned.</summary>
public sealed record MigrateRecent(int Page) : PagingStep
{
    public override string ToString() => $"migrate_page(last mmap + {Page} pages)";
}

/// <summary>brk to the current break plus <see cref="Delta"/> bytes (negative shrinks; below start_brk is
/// refused).</summary>
public sealed record BrkStep(int Mm, long Delta) : PagingStep
{
    public override string ToString() => $"brk(mm #{Mm}, brk {(Delta < 0 ? "-" : "+")} 0x{Math.Abs(Delta):x})";
}

/// <summary>Where an access goes, relative to the state when it runs.</summary>
public enum AccessTarget
{
    /// <summary>Offset bytes into VMA #Index (past its end when Offset is larger: a hole or the next VMA).</summary>
    Vma,

    /// <summary>Offset bytes below the stack VMA's start: stack growth, up to and past the 8 MiB limit.</summary>
    BelowStack,

    /// <summary>Offset bytes into vmalloc area #Index (its guard page when Offset is past the end).</summary>
    Vmalloc,

    /// <summary>An address the format cannot hold (bit 47 or 56 not sign-extended; above 4 GiB on 32-bit).</summary>
    NonCanonical,

    /// <summary>A kernel address outside vmalloc, or the page at 0.</summary>
    Unmapped,

    /// <summary>Offset bytes into the range the last successful mmap returned, whatever has happened to it
    /// since.</summary>
    Recent,
}

/// <summary>One byte read, written or fetched by user or kernel code at a resolved address.</summary>
public sealed record AccessStep(int Mm, AccessTarget Target, int Index, long Offset, Access Access, Privilege Privilege,
    byte Value) : PagingStep
{
    public override bool IsInvalid => Target is AccessTarget.NonCanonical or AccessTarget.Unmapped;

    public override string ToString() =>
        $"{Access.ToString().ToLowerInvariant()}(mm #{Mm}, {Target.ToString().ToLowerInvariant()} #{Index} + "
            + $"0x{Offset:x}, "
            + $"{Privilege.ToString().ToLowerInvariant()}{(Access == Access.Write ? $", 0x{Value:x}" : string.Empty)})";
}

public sealed record VmallocStep(int Pages) : PagingStep
{
    public override bool IsInvalid => Pages <= 0;

    public override string ToString() => $"vmalloc({Pages} pages)";
}

/// <summary>vfree of area #Area (Interior: an address inside it, which is refused).</summary>
public sealed record VfreeStep(int Area, bool Interior = false) : PagingStep
{
    public override bool IsInvalid => Interior;

    public override string ToString() => $"vfree(area #{Area}{(Interior ? " + 1 page" : string.Empty)})";
}

/// <summary>An operation on an address space that was destroyed (or never existed): UnknownAddressSpace.</summary>
public sealed record DeadMmStep(int Which) : PagingStep
{
    public override bool IsInvalid => true;

    public override string ToString() => $"munmap(dead mm {Which})";
}
