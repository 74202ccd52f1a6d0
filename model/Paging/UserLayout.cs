using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// The user address-space layout a new process gets (fs/binfmt_elf.c, mm/util.c, arch/x86/mm/mmap.c, no
/// randomisation): text, data and bss of the executable (file 0), the heap from the end of bss, the stack at
/// the top of user space, and mmap_base 128 MiB below it (mmap_base's minimum gap).
/// </summary>
public static class UserLayout
{
    /// <summary>
    /// The executable every address space maps: one file, so its text pages are shared through the page cache.
    /// </summary>
    public const int ExecutableFile = 0;

    public const ulong TextPages = 8;
    public const ulong DataPages = 2;
    public const ulong BssPages = 2;

    /// <summary>The initial stack VMA (about what exec sets up).</summary>
    public const ulong InitialStackPages = 8;

    /// <summary>RLIMIT_STACK default, 8 MiB: the stack may grow down to this size.</summary>
    public const ulong StackLimit = 8UL << 20;

    /// <summary>stack_guard_gap: 256 pages kept free below a growing stack.</summary>
    public const ulong StackGuardGap = 256 * Pfn.PageSize;

    /// <summary>mmap_min_addr: the lowest address mmap hands out.</summary>
    public const ulong MmapMinAddr = 0x10000;

    /// <summary>The classic ELF load address: 0x08048000 on i386, 0x400000 on x86-64.</summary>
    public static ulong TextStart(PagingFormat format) => format.VirtualBits == 32 ? 0x0804_8000UL : 0x40_0000UL;

    public static ulong DataStart(PagingFormat format) => TextStart(format) + (TextPages * Pfn.PageSize);

    public static ulong BssStart(PagingFormat format) => DataStart(format) + (DataPages * Pfn.PageSize);

    /// <summary>start_brk: the heap starts where bss ends.</summary>
    public static ulong StartBrk(PagingFormat format) => BssStart(format) + (BssPages * Pfn.PageSize);

    public static ulong StackTop(PagingFormat format) => format.UserTop;

    /// <summary>
    /// mmap_base: TASK_SIZE minus the 128 MiB minimum gap (8 MiB stack limit plus the guard gap are below it).
    /// </summary>
    public static ulong MmapBase(PagingFormat format) => format.UserTop - (128UL << 20);

    /// <summary>
    /// TASK_UNMAPPED_BASE on x86: PAGE_ALIGN(TASK_SIZE / 3), where the bottom-up search of
    /// arch_get_unmapped_area starts (the top-down search's fallback).
    /// </summary>
    public static ulong TaskUnmappedBase(PagingFormat format) => PageMath.Up(format.UserTop / 3);

    /// <summary>The VMAs of a new address space, low to high.</summary>
    public static IEnumerable<Vma> Initial(PagingFormat format) =>
    [
        new(TextStart(format), DataStart(format), VmProt.Read | VmProt.Exec,
            new MappedObject(false, ExecutableFile), 0, false),
        new(DataStart(format), BssStart(format), VmProt.Read | VmProt.Write,
            new MappedObject(false, ExecutableFile), TextPages, false),
        new(BssStart(format), StartBrk(format), VmProt.Read | VmProt.Write, null, 0, false),
        new(StackTop(format) - (InitialStackPages * Pfn.PageSize), StackTop(format), VmProt.Read | VmProt.Write,
            null, 0, false),
    ];
}
