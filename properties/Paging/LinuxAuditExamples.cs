using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;
using static MMSpec.Properties.Paging.VmaPlanExamples;

namespace MMSpec.Properties.Paging;

/// <summary>
/// Rules the audit against Linux 6.18 changed (docs/paging.md, "Audit against Linux 6.18"), each pinned to the
/// kernel function whose answer it gives. The plans are shared by the model and the implementation, so these
/// examples, not the lockstep, are what can tell the rule from Linux's.
/// </summary>
public sealed class LinuxAuditExamples
{
    private const ulong Page = Pfn.PageSize;
    private static readonly ulong Start = UserLayout.StartBrk(Format);
    private static readonly ulong StackStart =
        UserLayout.StackTop(Format) - (UserLayout.InitialStackPages * Page);

    /// <summary>
    /// The brk syscall (mm/mmap.c): growth looks at the next VMA up to newbrk + PAGE_SIZE + stack_guard_gap and
    /// refuses when newbrk + PAGE_SIZE &gt; vm_start_gap(next): below the stack (VM_GROWSDOWN) the heap keeps the
    /// guard gap and a page clear, below any other VMA only the page.
    /// </summary>
    [Fact]
    public void Brk_growth_keeps_a_page_and_the_stack_guard_gap_below_the_stack()
    {
        var heap = Initial.Insert(new Vma(Start, StackStart - UserLayout.StackGuardGap - (3 * Page),
            VmProt.Read | VmProt.Write, null, 0, false));
        var brk = StackStart - UserLayout.StackGuardGap - (3 * Page);
        var lastAllowed = StackStart - UserLayout.StackGuardGap - Page;
        Assert.Equal((brk, lastAllowed), VmaPlan.Brk(Format, heap, brk, new VirtAddr(lastAllowed)).Value);
        Assert.Equal(new BrkRefused(new VirtAddr(lastAllowed + 1), new VirtAddr(brk), VmaPlan.IntoAMapping),
            VmaPlan.Brk(Format, heap, brk, new VirtAddr(lastAllowed + 1)).Error);
        var other = heap.Insert(new Vma(brk + (4 * Page), brk + (5 * Page), VmProt.Read, null, 0, false));
        Assert.True(VmaPlan.Brk(Format, other, brk, new VirtAddr(brk + (3 * Page))).IsOk);
    }

    /// <summary>
    /// The brk syscall: a shrink ("Always allow shrinking brk") still needs vma_find to find a VMA between newbrk and
    /// oldbrk; when munmap already took the heap, brk returns the old break.
    /// </summary>
    [Fact]
    public void Brk_shrink_of_a_heap_munmap_already_removed_is_refused()
    {
        var brk = Start + (4 * Page);
        var heap = Initial.Insert(new Vma(Start, brk, VmProt.Read | VmProt.Write, null, 0, false));
        Assert.Equal((brk, Start + Page), VmaPlan.Brk(Format, heap, brk, new VirtAddr(Start + Page)).Value);
        var unmapped = heap.Remove(Start + Page, brk);
        Assert.Equal(new BrkRefused(new VirtAddr(Start + Page), new VirtAddr(brk), VmaPlan.NoHeapToShrink),
            VmaPlan.Brk(Format, unmapped, brk, new VirtAddr(Start + Page)).Error);
        Assert.Equal((brk, Start), VmaPlan.Brk(Format, unmapped, brk, new VirtAddr(Start)).Value);
    }

    /// <summary>
    /// do_mprotect_pkey (mm/mprotect.c): "if (start &amp; ~PAGE_MASK) return -EINVAL; if (!len) return 0;": an
    /// aligned mprotect of length 0 succeeds and changes nothing, even where nothing is mapped; an unaligned one is
    /// refused for the alignment alone. Model and implementation both.
    /// </summary>
    [Theory]
    [InlineData("model")]
    [InlineData("impl")]
    public void Mprotect_of_length_0_succeeds_and_changes_nothing_when_the_start_is_aligned(string side)
    {
        var unmapped = new VirtAddr(UserLayout.MmapBase(Format));
        Assert.Empty(VmaPlan.MprotectErrors(Format, Initial, unmapped, 0));
        Assert.Equal([new InvalidRange(new VirtAddr(unmapped.Value + 1), 0, VmaPlan.Unaligned)],
            VmaPlan.MprotectErrors(Format, Initial, new VirtAddr(unmapped.Value + 1), 0));

        var (paging, mm) = PagingBadInputTests.Boot(side, Format.Name, 64);
        var before = paging.Snapshot();
        Assert.True(paging.Mprotect(mm, unmapped, 0, VmProt.None).IsOk);
        Assert.True(paging.Mprotect(mm, new VirtAddr(UserLayout.StartBrk(Format) - Page), 0, VmProt.None).IsOk);
        Assert.Null(before.DiffFrom(paging.Snapshot()));
    }

    /// <summary>
    /// arch_get_unmapped_area_topdown (mm/mmap.c): "A failed mmap() very likely causes application failure, so fall
    /// back to the bottom-up function here": with nothing free below mmap_base the search runs bottom-up from
    /// TASK_UNMAPPED_BASE to the stack's guard gap; only when that fails too is it -ENOMEM.
    /// </summary>
    [Fact]
    public void Mmap_falls_back_to_bottom_up_from_task_unmapped_base_when_nothing_fits_below_mmap_base()
    {
        var mmapBase = UserLayout.MmapBase(Format);
        var stack = Initial.Find(UserLayout.StackTop(Format) - 1)!;
        var full = VmaSet.Empty.Insert(new Vma(UserLayout.MmapMinAddr, mmapBase, VmProt.Read, null, 0, false))
            .Insert(stack);
        var room = (stack.Start - UserLayout.StackGuardGap - mmapBase) / Page;
        Assert.Equal(mmapBase, VmaPlan.Mmap(Format, full, new MmapRequest(1, VmProt.Read, null, 0, false)).Value);
        Assert.Equal(mmapBase, VmaPlan.Mmap(Format, full, new MmapRequest(room, VmProt.Read, null, 0, false)).Value);
        Assert.Equal(new NoVirtualSpace(room + 1),
            VmaPlan.Mmap(Format, full, new MmapRequest(room + 1, VmProt.Read, null, 0, false)).Error);
        var noStack = full.Remove(stack.Start, stack.End);
        Assert.Equal(mmapBase,
            VmaPlan.Mmap(Format, noStack, new MmapRequest(room + 1, VmProt.Read, null, 0, false)).Value);
        Assert.Equal(PageMath.Up(Format.UserTop / 3), UserLayout.TaskUnmappedBase(Format));

        // A page free just below mmap_base: too short for the top-down search of 2 pages, the start of the lowest
        // gap above TASK_UNMAPPED_BASE for the bottom-up one.
        var straddling = full.Remove(mmapBase - Page, mmapBase);
        Assert.Equal(mmapBase - Page,
            VmaPlan.Mmap(Format, straddling, new MmapRequest(2, VmProt.Read, null, 0, false)).Value);
    }
}
