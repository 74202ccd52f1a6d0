using System.Collections.Immutable;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Conformance.Paging;

/// <summary>
/// The address boundaries the paging specification names, in pages, the same list for every format (a boundary a
/// format lacks, such as 512 GiB on 2-level paging, is just an address there): the generator places fixed mappings
/// that start or end there (<see cref="MmapAtStep"/>), unmaps (<see cref="MunmapAtStep"/>), accesses
/// (<see cref="AccessAtStep"/>) and moves the break (<see cref="BrkToStep"/>) one page below, at and one page above
/// each.
/// </summary>
public static class PagingBoundaries
{
    /// <summary>The indices the phases use: start_brk (brk reuse), the initial stack's start (stack reuse), and the
    /// 256-page gap below it (the stack neighbour).</summary>
    public const int StartBrk = 1, StackStart = 3, BelowStackGap = 5;

    /// <summary>The names, in the order of <see cref="All"/>; #0, mmap_min_addr, is the simplest.</summary>
    public static ImmutableArray<string> Names { get; } =
    [
        "mmap_min_addr", "start_brk", "TASK_SIZE", "the stack's start", "the stack limit", "the stack guard gap",
        "mmap_base", "the non-canonical hole", "the kernel half", "VMALLOC_START", "VMALLOC_END", "2 MiB", "1 GiB",
        "512 GiB",
    ];

    /// <summary>The boundaries of <paramref name="format"/>, named as in <see cref="Names"/>.</summary>
    public static IReadOnlyList<Boundary> All(PagingFormat format)
    {
        var top = UserLayout.StackTop(format);
        var stackStart = top - (UserLayout.InitialStackPages * Pfn.PageSize);
        ulong[] values =
        [
            UserLayout.MmapMinAddr, UserLayout.StartBrk(format), format.UserTop, stackStart,
            top - UserLayout.StackLimit, stackStart - UserLayout.StackGuardGap, UserLayout.MmapBase(format),
            format.VirtualBits == 32 ? 1UL << 32 : 1UL << (format.VirtualBits - 1), format.KernelBase,
            format.VmallocStart, format.VmallocEnd, 1UL << 21, 1UL << 30, 1UL << 39,
        ];
        return [.. Names.Zip(values, (name, value) => new Boundary(name, value, Pfn.PageSize, "page"))];
    }

    /// <summary>Boundary #<paramref name="index"/> moved by <paramref name="delta"/> pages, as printed.</summary>
    public static string Describe(int index, int delta) =>
        new Boundary(Names[Math.Abs(index % Names.Length)], 0, Pfn.PageSize, "page").Describe(delta);
}
