using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>
/// The implementation's tables read and forged through physical memory (the model keeps no table bytes): the walk
/// honours the R/W bit of every level, the vmalloc tables are kernel tables, and munmap, mprotect and vfree touch
/// only the entries and tables of their own range, not a page table's pages when they free it.
/// </summary>
public sealed class PagingForgedTableTests
{
    private const ulong Page = 4096;
    private const ulong Base = 0x4000_0000;
    private const VmProt ReadWrite = VmProt.Read | VmProt.Write;

    public static TheoryData<string> Deep => [PagingFormat.FourLevel.Name, PagingFormat.FiveLevel.Name];

    /// <summary>SDM 4.6: a write needs R/W at every level; the fault names the highest level without it.</summary>
    [Theory]
    [MemberData(nameof(PagingExamples.Formats), MemberType = typeof(PagingExamples))]
    public void A_write_through_a_read_only_top_entry_faults_at_the_top_level(string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot("impl", format, 64);
        var text = new VirtAddr(UserLayout.TextStart(paging.Format));
        var bss = new VirtAddr(UserLayout.BssStart(paging.Format));
        Assert.Equal((byte)0, paging.Access(mm, text, Access.Read, Privilege.User, 0).Value);
        Assert.Equal((byte)1, paging.Access(mm, bss, Access.Write, Privilege.User, 1).Value);
        var top = TableBytes.Slot(paging, Pgd(paging), bss.Value, 0);
        TableBytes.Change(paging, top, e => e & ~(ulong)PteFlags.ReadWrite);
        var textFault = new PageFault(text, FaultKind.WriteToReadOnly, PageLevel.Pgd);
        Assert.Equal(textFault, paging.Translate(mm, text, Access.Write, Privilege.User).Error);
        var bssFault = new PageFault(bss, FaultKind.WriteToReadOnly, PageLevel.Pgd);
        Assert.Equal(bssFault, paging.Translate(mm, bss, Access.Write, Privilege.User).Error);
        Assert.True(paging.Translate(mm, bss, Access.Read, Privilege.User).IsOk);
    }

    /// <summary>pmd_populate_kernel: the entries down to vmalloc's page tables are _KERNPG_TABLE: no U/S.</summary>
    [Theory]
    [MemberData(nameof(Deep))]
    public void The_vmalloc_tables_are_linked_as_kernel_tables_without_the_user_bit(string format)
    {
        var (paging, _) = PagingBadInputTests.Boot("impl", format, 64);
        var area = paging.Vmalloc(1).Value.Value;
        for (var depth = 0; depth < paging.Format.Depth - 1; depth++)
        {
            var (table, index) = TableBytes.Slot(paging, Pgd(paging), area, depth);
            var flags = paging.Format.FlagsOf(TableBytes.Read(paging, table, index));
            Assert.Equal(PteFlags.Present | PteFlags.ReadWrite | PteFlags.Accessed, flags);
        }
    }

    /// <summary>change_protection over [start, end): the entry of the page at end keeps every bit it had.</summary>
    [Theory]
    [MemberData(nameof(PagingExamples.Formats), MemberType = typeof(PagingExamples))]
    public void Mprotect_rewrites_no_entry_past_its_range(string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot("impl", format, 64);
        var at = paging.Mmap(mm, new MmapRequest(2, ReadWrite, null, 0, false, new VirtAddr(Base))).Value.Value;
        Assert.Equal((byte)1, paging.Access(mm, new VirtAddr(at), Access.Write, Privilege.User, 1).Value);
        Assert.Equal((byte)2, paging.Access(mm, new VirtAddr(at + Page), Access.Write, Privilege.User, 2).Value);
        var next = TableBytes.Slot(paging, Pgd(paging), at + Page, paging.Format.Depth - 1);
        var forged = TableBytes.Change(paging, next, e => e | (ulong)PteFlags.CacheDisable);
        Assert.True(paging.Mprotect(mm, new VirtAddr(at), 1, VmProt.Read).IsOk);
        Assert.Equal(forged, TableBytes.Read(paging, next.Table, next.Index));
    }

    /// <summary>
    /// free_pgtables frees only within the unmapped range (its floor and ceiling): forged page tables on either side
    /// of the unmapped page's own one, which map nothing and meet no VMA, stay where they are.
    /// </summary>
    [Theory]
    [MemberData(nameof(PagingExamples.Formats), MemberType = typeof(PagingExamples))]
    public void Munmap_frees_no_page_table_outside_its_range_even_one_that_maps_nothing(string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot("impl", format, 64);
        var span = paging.Format.PageTableSpan;
        var victim = Base + (6 * span) - Page;
        foreach (var at in new[] { victim, Base + (9 * span) })
        {
            Assert.True(paging.Mmap(mm, new MmapRequest(1, ReadWrite, null, 0, false, new VirtAddr(at))).IsOk);
            Assert.Equal((byte)1, paging.Access(mm, new VirtAddr(at), Access.Write, Privilege.User, 1).Value);
        }

        var (parent, index) = TableBytes.Slot(paging, Pgd(paging), victim, paging.Format.Depth - 2);
        var below = TableBytes.Change(paging, (parent, index - 1), _ => TableBytes.ForgedTable(paging));
        var above = TableBytes.Change(paging, (parent, index + 1), _ => TableBytes.ForgedTable(paging));
        Assert.True(paging.Munmap(mm, new VirtAddr(victim), 1).IsOk);
        Assert.Equal(0UL, TableBytes.Read(paging, parent, index));
        Assert.Equal(below, TableBytes.Read(paging, parent, index - 1));
        Assert.Equal(above, TableBytes.Read(paging, parent, index + 1));
    }

    /// <summary>vfree of an area that fills a page table frees that table, not the forged one after it.</summary>
    [Theory]
    [MemberData(nameof(Deep))]
    public void Vfree_frees_no_page_table_outside_its_area_even_one_that_maps_nothing(string format)
    {
        var (paging, _) = PagingBadInputTests.Boot("impl", format, 2048);
        var perTable = paging.Format.PageTableSpan / Page;
        var whole = paging.Vmalloc(perTable).Value;
        var hole = paging.Vmalloc(perTable).Value;
        Assert.True(paging.Vmalloc(1).IsOk);
        Assert.True(paging.Vfree(hole).IsOk);
        var after = whole.Value + paging.Format.PageTableSpan;
        var next = TableBytes.Slot(paging, Pgd(paging), after, paging.Format.Depth - 2);
        Assert.Equal(0UL, TableBytes.Read(paging, next.Table, next.Index));
        var forged = TableBytes.Change(paging, next, _ => TableBytes.ForgedTable(paging));
        Assert.True(paging.Vfree(whole).IsOk);
        Assert.Equal(0UL, TableBytes.Read(paging, next.Table, next.Index - 1));
        Assert.Equal(forged, TableBytes.Read(paging, next.Table, next.Index));
    }

    /// <summary>free_pte_range frees the page table itself: its pages were unmapped (or are not ours).</summary>
    [Theory]
    [MemberData(nameof(PagingExamples.Formats), MemberType = typeof(PagingExamples))]
    public void Freeing_a_page_table_frees_no_page_its_entries_name(string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot("impl", format, 64);
        Assert.True(paging.Mmap(mm, new MmapRequest(1, ReadWrite, null, 0, false, new VirtAddr(Base))).IsOk);
        Assert.Equal((byte)1, paging.Access(mm, new VirtAddr(Base), Access.Write, Privilege.User, 1).Value);
        var page = paging.Pages.AllocPages(new Order(0), ZoneType.Normal).Value;
        var slot = TableBytes.Slot(paging, Pgd(paging), Base + Page, paging.Format.Depth - 1);
        var flags = PteFlags.Present | PteFlags.ReadWrite | PteFlags.User;
        TableBytes.Change(paging, slot, _ => PagingFormat.MakeEntry(page, flags));
        var free = paging.Snapshot().Pages.FreePages;
        Assert.True(paging.Munmap(mm, new VirtAddr(Base), 1).IsOk);
        // The page, its page table and, above two levels, the PMD table that meets no VMA any more.
        Assert.Equal(free + (paging.Format.Depth > 2 ? 3UL : 2UL), paging.Snapshot().Pages.FreePages);
        Assert.True(paging.Pages.FreePages(page, new Order(0)).IsOk);
    }

    internal static Pfn Pgd(IPagingSystem paging) => paging.Snapshot().Spaces[0].Pgd;
}
