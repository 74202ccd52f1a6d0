using System.Diagnostics;
using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// The pure half of the mapping syscalls (mm/mmap.c, mm/mprotect.c): from an address space's VMAs and the call's
/// arguments, the typed error or where the change goes. The model applies a plan to its flat map of entries, the
/// implementation to its radix tables in frames; the planning is written once, here, so that neither side is a
/// pasted copy of the other. A mistake in it would be the same on both sides, which the lockstep cannot see: its
/// rules are checked against Linux's answers by examples instead (properties/Paging/VmaPlanExamples.cs).
/// </summary>
public static class VmaPlan
{
    /// <summary>The reason of the range check that the start is page-aligned.</summary>
    public const string Unaligned = "address not page-aligned";

    /// <summary>The reason of the range check that the range is 1 page or more and lies below TASK_SIZE.</summary>
    public const string OutsideUserSpace = "length 0, or the range leaves user space";

    /// <summary>The reason of mmap's check that the file exists (ksys_mmap_pgoff's fget, before do_mmap).</summary>
    public const string NoFile = "no such file";

    /// <summary>The reason of mmap's length check.</summary>
    public const string BadLength = "length is 0 or larger than user space";

    /// <summary>The reason of the check that a fixed address is at or above mmap_min_addr.</summary>
    public const string BelowMmapMinAddr = "below mmap_min_addr";

    /// <summary>The reason of brk's check that the break stays at or above start_brk.</summary>
    public const string BelowStartBrk = "below start_brk";

    /// <summary>The reason of brk's check that a shrink finds a VMA to unmap.</summary>
    public const string NoHeapToShrink = "no VMA between the new and the old end of the heap";

    /// <summary>The reason of brk's checks that the heap stays below TASK_SIZE and clear of the next VMA.</summary>
    public const string IntoAMapping = "the heap would run into a mapping";

    /// <summary>
    /// mmap's checks in Linux's order: the file (ksys_mmap_pgoff), do_mmap's length, then for a fixed address
    /// __get_unmapped_area's range and alignment, security_mmap_addr and MAP_FIXED_NOREPLACE's overlap; top-down,
    /// a gap.
    /// </summary>
    public static ErrorPrecedence MmapPrecedence { get; } = new("mmap",
    [
        new(nameof(UnknownAddressSpace), "the address space does not exist", Gates: true),
        new(nameof(InvalidRange), "the file id is negative", Why: NoFile),
        new(nameof(InvalidRange), "the length is 0 or larger than user space", Gates: true, Why: BadLength),
        new(nameof(InvalidRange), "a fixed range does not end below TASK_SIZE", Why: OutsideUserSpace),
        new(nameof(InvalidRange), "a fixed address is not page-aligned", Why: Unaligned),
        new(nameof(InvalidRange), "a fixed address is below mmap_min_addr", Why: BelowMmapMinAddr),
        new(nameof(RangeInUse), "a fixed range overlaps a VMA"),
        new(nameof(NoVirtualSpace),
            "no gap holds the length: top-down below mmap_base, then bottom-up from TASK_UNMAPPED_BASE"),
    ]);

    /// <summary>munmap's checks in Linux's order (the address space is the model's own check).</summary>
    public static ErrorPrecedence MunmapPrecedence { get; } = new("munmap",
    [
        new(nameof(UnknownAddressSpace), "the address space does not exist", Gates: true),
        new(nameof(InvalidRange), "the start is not page-aligned", Why: Unaligned),
        new(nameof(InvalidRange), "the length is 0, or the range does not end below TASK_SIZE", Why: OutsideUserSpace),
    ]);

    /// <summary>
    /// mprotect's checks in Linux's order (do_mprotect_pkey): the alignment, then (a length of 0 is no error: it
    /// returns 0 and changes nothing) the range below TASK_SIZE, then every page of the range in a VMA.
    /// </summary>
    public static ErrorPrecedence MprotectPrecedence { get; } = new("mprotect",
    [
        new(nameof(UnknownAddressSpace), "the address space does not exist", Gates: true),
        new(nameof(InvalidRange), "the start is not page-aligned", Why: Unaligned),
        new(nameof(InvalidRange), "the range does not end below TASK_SIZE (a length of 0 changes nothing)",
            Why: OutsideUserSpace),
        new(nameof(RangeNotMapped), "a page of the range (inside user space) is in no VMA"),
    ]);

    /// <summary>
    /// The range checks of munmap, mprotect and page migration: a page-aligned start, a length of 1 page or more,
    /// and the whole range below TASK_SIZE. Null when the range passes; the first that fails otherwise.
    /// </summary>
    public static InvalidRange? UserRange(PagingFormat format, VirtAddr addr, ulong pages) =>
        UserRangeErrors(format, addr, pages) is [InvalidRange first, ..] ? first : null;

    /// <summary>Every range check that fails, in Linux's order: both can (an unaligned start of 0 pages).</summary>
    public static IReadOnlyList<MmError> UserRangeErrors(PagingFormat format, VirtAddr addr, ulong pages)
    {
        var errors = new List<MmError>(2);
        if (!PageMath.IsAligned(addr.Value))
        {
            errors.Add(new InvalidRange(addr, pages, Unaligned));
        }

        if (LeavesUserSpace(format, addr, pages))
        {
            errors.Add(new InvalidRange(addr, pages, OutsideUserSpace));
        }

        return errors;
    }

    /// <summary>
    /// do_mmap's checks, in Linux's order, then the place: MAP_FIXED_NOREPLACE's address, or get_unmapped_area's
    /// highest gap below mmap_base (top-down). The start of the new VMA, or the first error
    /// (<see cref="MmapPrecedence"/>).
    /// </summary>
    public static Result<ulong> Mmap(PagingFormat format, VmaSet vmas, MmapRequest request) =>
        Check(format, vmas, request, out var start) is [var first, ..] ? Result<ulong>.Fail(first) : start;

    /// <summary>Every mmap check that fails, in Linux's order (<see cref="MmapPrecedence"/>).</summary>
    public static IReadOnlyList<MmError> MmapErrors(PagingFormat format, VmaSet vmas, MmapRequest request) =>
        Check(format, vmas, request, out _);

    /// <summary>mmap's checks, and the start of the new VMA when none fails (the gap is searched once).</summary>
    private static List<MmError> Check(PagingFormat format, VmaSet vmas, MmapRequest request, out ulong start)
    {
        start = 0;
        var at = request.Fixed ?? new VirtAddr(0);
        var errors = new List<MmError>(4);
        if (request.File is < 0)
        {
            errors.Add(new InvalidRange(at, request.Pages, NoFile));
        }

        if (request.Pages == 0 || request.Pages > format.UserTop / Pfn.PageSize)
        {
            errors.Add(new InvalidRange(at, request.Pages, BadLength));
            return errors;
        }

        var length = request.Pages << Pfn.PageShift;
        if (request.Fixed is not { } fixedAt)
        {
            if (Unmapped(format, vmas, length) is { } gap)
            {
                start = gap;
            }
            else
            {
                errors.Add(new NoVirtualSpace(request.Pages));
            }

            return errors;
        }

        // __get_unmapped_area: the range below TASK_SIZE (-ENOMEM) before the alignment (-EINVAL), the reverse of
        // munmap's order; then security_mmap_addr's mmap_min_addr, then MAP_FIXED_NOREPLACE's overlap.
        errors.AddRange(UserRangeErrors(format, fixedAt, request.Pages).Reverse());
        if (fixedAt.Value < UserLayout.MmapMinAddr)
        {
            errors.Add(new InvalidRange(fixedAt, request.Pages, BelowMmapMinAddr));
        }

        if (!vmas.IsFree(fixedAt.Value, fixedAt.Value + length))
        {
            errors.Add(new RangeInUse(fixedAt, request.Pages));
        }

        start = fixedAt.Value;
        return errors;
    }

    /// <summary>mprotect's checks: the range's end when every page of it is mapped, or the first error.</summary>
    public static Result<ulong> Mprotect(PagingFormat format, VmaSet vmas, VirtAddr addr, ulong pages) =>
        MprotectErrors(format, vmas, addr, pages) is [var first, ..]
            ? Result<ulong>.Fail(first)
            : addr.Value + (pages << Pfn.PageShift);

    /// <summary>
    /// Every mprotect check that fails, in Linux's order (<see cref="MprotectPrecedence"/>): do_mprotect_pkey returns
    /// -EINVAL for an unaligned start, then 0 for a length of 0, before any other check.
    /// </summary>
    public static IReadOnlyList<MmError> MprotectErrors(PagingFormat format, VmaSet vmas, VirtAddr addr, ulong pages)
    {
        if (pages == 0)
        {
            return PageMath.IsAligned(addr.Value) ? [] : [new InvalidRange(addr, pages, Unaligned)];
        }

        var errors = new List<MmError>(UserRangeErrors(format, addr, pages));
        if (!LeavesUserSpace(format, addr, pages) && !vmas.Covers(addr.Value, addr.Value + (pages << Pfn.PageShift)))
        {
            errors.Add(new RangeNotMapped(addr, pages));
        }

        return errors;
    }

    /// <summary>
    /// arch_get_unmapped_area_topdown: the highest gap below mmap_base; when none holds the length, "fall back to the
    /// bottom-up function" from TASK_UNMAPPED_BASE (PAGE_ALIGN(TASK_SIZE / 3)) up to the stack's guard gap
    /// (vm_start_gap: the stack is the top VMA).
    /// </summary>
    private static ulong? Unmapped(PagingFormat format, VmaSet vmas, ulong length)
    {
        if (vmas.FindGapTopDown(length, UserLayout.MmapMinAddr, UserLayout.MmapBase(format)) is { } below)
        {
            return below;
        }

        // Without a stack (munmap took it) the search runs to TASK_SIZE; RLIMIT_STACK keeps a stack far above the gap.
        var stack = vmas.Find(UserLayout.StackTop(format) - 1);
        Debug.Assert(stack is null || stack.Start >= UserLayout.StackGuardGap, "the stack lies near TASK_SIZE");
        var high = stack is null ? format.UserTop : stack.Start - UserLayout.StackGuardGap;
        return vmas.FindGapBottomUp(length, UserLayout.TaskUnmappedBase(format), high);
    }

    private static bool LeavesUserSpace(PagingFormat format, VirtAddr addr, ulong pages) =>
        pages == 0 || pages > format.UserTop / Pfn.PageSize || addr.Value > format.UserTop - (pages << Pfn.PageShift);

    /// <summary>
    /// The brk syscall (mm/mmap.c): the heap's page-aligned old and new ends (equal: only the break moves; new below
    /// old: the pages between go; new above old: a VMA from old to new comes), or the error. The break may not go
    /// below start_brk (min_brk without CONFIG_COMPAT_BRK); a shrink needs a VMA between the new and the old end
    /// (vma_find, else the old break stays); growth stays below TASK_SIZE (check_brk_limits) and a page below the next
    /// VMA, or below its stack_guard_gap when it is the stack (vm_start_gap). <paramref name="minBrk"/> is the
    /// lower bound, start_brk unless a broken variant passes an older kernel's.
    /// </summary>
    public static Result<(ulong OldEnd, ulong NewEnd)> Brk(PagingFormat format, VmaSet vmas, ulong brk,
        VirtAddr newBrk, ulong? minBrk = null)
    {
        var current = new VirtAddr(brk);
        if (newBrk.Value < (minBrk ?? UserLayout.StartBrk(format)))
        {
            return new BrkRefused(newBrk, current, BelowStartBrk);
        }

        var (oldEnd, newEnd) = (PageMath.Up(brk), PageMath.Up(newBrk.Value));
        if (newEnd < oldEnd && vmas.IsFree(newEnd, oldEnd))
        {
            return new BrkRefused(newBrk, current, NoHeapToShrink);
        }

        var next = vmas.All.FirstOrDefault(v => v.End > oldEnd);
        if (newEnd > oldEnd && (newEnd > format.UserTop
            || (next is not null && newEnd + Pfn.PageSize > StartGap(format, next))))
        {
            return new BrkRefused(newBrk, current, IntoAMapping);
        }

        return (oldEnd, newEnd);
    }

    /// <summary>
    /// vm_start_gap: where a VMA's claim starts, stack_guard_gap below the stack (the VM_GROWSDOWN VMA, here the one
    /// that ends at STACK_TOP), its start for any other VMA.
    /// </summary>
    public static ulong StartGap(PagingFormat format, Vma vma) =>
        vma.End == UserLayout.StackTop(format) ? vma.Start - Math.Min(vma.Start, UserLayout.StackGuardGap) : vma.Start;
}
