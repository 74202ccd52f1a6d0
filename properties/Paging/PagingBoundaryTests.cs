using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>
/// Boundaries the generated sequences rarely reach, on both sides: a break moved within its page, the frames a
/// vmalloc takes and the page tables a vfree gives back when an area spans several page tables.
/// </summary>
public sealed class PagingBoundaryTests
{
    private const ulong Page = 4096;

    /// <summary>
    /// sys_brk: when the old and the new break round up to the same page, only mm->brk changes. Here the stack has
    /// grown over the heap's old range, so an unmap of the empty range [brk, brk) would split the stack VMA at the
    /// break, and the stack could no longer grow below its lower piece.
    /// </summary>
    [Theory]
    [MemberData(nameof(PagingBadInputTests.Cases), MemberType = typeof(PagingBadInputTests))]
    public void A_break_moved_within_its_page_unmaps_nothing_even_inside_the_grown_stack(string side, string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot(side, format, 64);
        var start = UserLayout.StartBrk(paging.Format);
        // As high as brk may go: a page and stack_guard_gap below the stack (vm_start_gap).
        var end = UserLayout.StackTop(paging.Format) - ((UserLayout.InitialStackPages + 1) * Page)
            - UserLayout.StackGuardGap;
        Assert.Equal(new VirtAddr(end), paging.Brk(mm, new VirtAddr(end)).Value);
        Assert.True(paging.Munmap(mm, new VirtAddr(start), (end - start) / Page).IsOk);
        Assert.Equal((byte)1, paging.Access(mm, new VirtAddr(end - Page), Access.Write, Privilege.User, 1).Value);

        Assert.Equal(new VirtAddr(end - 1), paging.Brk(mm, new VirtAddr(end - 1)).Value);
        Assert.Equal((byte)2, paging.Access(mm, new VirtAddr(end - (2 * Page)), Access.Write, Privilege.User, 2).Value);
        var stack = paging.Snapshot().Spaces.Single().Vmas[^1];
        Assert.Equal((end - (2 * Page), end - 1), (stack.Start, paging.Snapshot().Spaces.Single().Brk));
    }

    /// <summary>
    /// __vmalloc_node_range allocates exactly the area's pages and the page tables its range lacks. The areas here
    /// start inside a page table that exists, run over two that do not, and end on a page-table boundary.
    /// </summary>
    [Theory]
    [MemberData(nameof(PagingEdgeTests.DeepCases), MemberType = typeof(PagingEdgeTests))]
    public void Vmalloc_takes_one_frame_per_page_and_per_page_table_it_adds(string side, string format)
    {
        var (paging, _) = PagingBadInputTests.Boot(side, format, 2048);
        var perTable = paging.Format.PageTableSpan / Page;
        var start = paging.Format.VmallocStart;
        Assert.Equal(start, TakesItsFrames(paging, 1, paging.Format.Depth - 2));
        Assert.Equal(start + (2 * Page), TakesItsFrames(paging, 2 * perTable, 2));
        var third = start + (2 * Page) + (((2 * perTable) + 1) * Page);
        Assert.Equal(third, TakesItsFrames(paging, perTable - 3, 0));
        Assert.Equal(start + (3 * paging.Format.PageTableSpan), third + ((perTable - 3) * Page));

        var tables = paging.Snapshot().KernelTables;
        Assert.Equal(tables.OrderBy(t => t.Depth).ThenBy(t => t.Index), tables);
        Assert.Equal(3, tables.Count(t => t.Depth == paging.Format.Depth - 1));
    }

    /// <summary>vfree (and our free of the vmalloc tables): every page table the area alone used goes back.</summary>
    [Theory]
    [MemberData(nameof(PagingEdgeTests.DeepCases), MemberType = typeof(PagingEdgeTests))]
    public void Vfree_of_an_area_over_three_page_tables_frees_the_two_no_other_area_uses(string side, string format)
    {
        var (paging, _) = PagingBadInputTests.Boot(side, format, 2048);
        var perTable = paging.Format.PageTableSpan / Page;
        Assert.True(paging.Vmalloc(1).IsOk);
        var before = paging.Snapshot();
        var area = paging.Vmalloc(2 * perTable).Value;
        Assert.Equal(before.KernelTables.Length + 2, paging.Snapshot().KernelTables.Length);
        Assert.True(paging.Vfree(area).IsOk);
        var after = paging.Snapshot();
        Assert.Equal(Tables(before), Tables(after));
        Assert.Equal(before.Pages.FreePages, after.Pages.FreePages);
    }

    private static IEnumerable<((int, ulong), Pfn)> Tables(PagingSnapshot snapshot) =>
        snapshot.KernelTables.Select(t => (t.Key, t.Frame));

    /// <summary>A vmalloc of <paramref name="pages"/>: it takes them and <paramref name="tables"/> tables.</summary>
    private static ulong TakesItsFrames(IPagingSystem paging, ulong pages, int tables)
    {
        var before = paging.Snapshot();
        var start = paging.Vmalloc(pages).Value.Value;
        var after = paging.Snapshot();
        Assert.Equal(before.KernelTables.Length + tables, after.KernelTables.Length);
        Assert.Equal(before.Pages.FreePages - pages - (ulong)tables, after.Pages.FreePages);
        return start;
    }
}
