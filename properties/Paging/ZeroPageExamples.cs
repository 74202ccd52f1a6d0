using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>
/// The shared zero page, checked against Linux's answers on the model and the implementation at once
/// (<see cref="PagingPair"/> compares them and checks the invariants after every call). Each example names the kernel
/// function whose behaviour it pins (mm/memory.c unless said otherwise).
/// </summary>
public sealed class ZeroPageExamples
{
    private const ulong Page = Pfn.PageSize;

    public static TheoryData<string> Formats => PagingImplTests.Formats;

    /// <summary>
    /// do_anonymous_page: without FAULT_FLAG_WRITE (a read, or a fetch) the entry is pte_mkspecial(my_zero_pfn) with
    /// vm_page_prot, which for a private mapping has no _PAGE_RW, and the setpte path skips add_mm_counter: the page
    /// reads zero, MM_ANONPAGES stays 0, every address space maps the same frame, and only the tables cost frames.
    /// </summary>
    [Theory]
    [MemberData(nameof(Formats))]
    public void A_read_fault_on_anonymous_memory_maps_the_zero_page_read_only_and_counts_no_rss(string format)
    {
        var (p, mm) = PagingPair.WithSpace(format);
        var other = p.Create();
        var bss = UserLayout.BssStart(p.Format);
        var free = p.Impl.Snapshot().Pages.FreePages;
        Assert.Equal(0, p.Read(mm, bss + 5));
        Assert.Equal(0, p.Read(mm, bss + Page));
        Assert.Equal(0, p.Read(other, bss));
        var after = p.Impl.Snapshot();
        var tables = after.Spaces.Sum(s => s.Tables.Length);
        Assert.Equal(free - (ulong)tables, after.Pages.FreePages);
        var pages = after.Spaces.SelectMany(s => s.Pages).ToList();
        Assert.Equal(3, pages.Count);
        Assert.All(pages, q => Assert.Equal((PageOwner.ZeroPage, after.ZeroPage), (q.Owner, q.Frame)));
        Assert.All(pages, q => Assert.False(q.Flags.HasFlag(PteFlags.ReadWrite)));
        Assert.All(after.Spaces, s => Assert.Equal((0L, 0L, 0L), (s.RssAnon, s.RssFile, s.RssShmem)));
    }

    /// <summary>
    /// do_wp_page, wp_page_copy: a write to the zero page (is_zero_pfn) gets a new zeroed page
    /// (vma_alloc_zeroed_movable_folio), mapped writable, and inc_mm_counter(MM_ANONPAGES) since there is no old
    /// folio; the zero page itself stays zero and stays mapped elsewhere.
    /// </summary>
    [Theory]
    [MemberData(nameof(Formats))]
    public void A_write_after_a_read_copies_the_zero_page_to_a_new_anonymous_page(string format)
    {
        var (p, mm) = PagingPair.WithSpace(format);
        var bss = UserLayout.BssStart(p.Format);
        Assert.Equal(0, p.Read(mm, bss));
        Assert.Equal(0, p.Read(mm, bss + Page));
        Assert.Equal(9, p.Write(mm, bss + 7, 9));
        Assert.Equal((0, 9), (p.Read(mm, bss), p.Read(mm, bss + 7)));
        var after = p.Impl.Snapshot();
        var space = after.Spaces.Single();
        var copied = space.Pages.Single(q => q.Addr == bss);
        Assert.Equal(PageOwner.Anon, copied.Owner);
        Assert.NotEqual(after.ZeroPage, copied.Frame);
        Assert.True(copied.Flags.HasFlag(PteFlags.ReadWrite | PteFlags.Dirty));
        Assert.Equal(PageOwner.ZeroPage, space.Pages.Single(q => q.Addr == bss + Page).Owner);
        Assert.Equal(1, space.RssAnon);
        Assert.Equal(0, p.Impl.ReadFrame(after.ZeroPage, 7));
    }

    /// <summary>
    /// do_anonymous_page with FAULT_FLAG_WRITE: a write to an untouched page allocates it at once (no zero page
    /// first), pte_mkwrite(pte_mkdirty()).
    /// </summary>
    [Theory]
    [MemberData(nameof(Formats))]
    public void A_write_to_untouched_anonymous_memory_allocates_at_once(string format)
    {
        var (p, mm) = PagingPair.WithSpace(format);
        var bss = UserLayout.BssStart(p.Format);
        Assert.Equal(3, p.Write(mm, bss, 3));
        var space = p.Impl.Snapshot().Spaces.Single();
        Assert.Equal((PageOwner.Anon, 1L), (space.Pages.Single().Owner, space.RssAnon));
    }

    /// <summary>
    /// The zero page elsewhere: zap_present_ptes puts nothing (vm_normal_page is NULL for it), so munmap frees no
    /// frame; change_pte_range makes an entry writable only when can_change_pte_writable (an exclusive anonymous page),
    /// so mprotect keeps the zero page read-only and the next write still copies it; migration takes only LRU pages.
    /// A file mapping's read fault is no zero-page fault: it maps the page-cache page (do_read_fault).
    /// </summary>
    [Theory]
    [MemberData(nameof(Formats))]
    public void Munmap_mprotect_and_migration_leave_the_zero_page_alone(string format)
    {
        var (p, mm) = PagingPair.WithSpace(format);
        var area = p.Do(s => s.Mmap(mm, new MmapRequest(2, VmProt.Read, null, 0, false))).Value;
        Assert.Equal(0, p.Read(mm, area.Value));
        Assert.Equal(0, p.Read(mm, area.Value + Page));
        Assert.Equal(new NotMigratable(area, NotMigratable.ZeroPage), p.Do(s => s.MigratePage(mm, area)).Error);
        Assert.True(p.Do(s => s.Mprotect(mm, area, 2, VmProt.Read | VmProt.Write)).IsOk);
        var page = p.Impl.Snapshot().Spaces.Single().Pages.Single(q => q.Addr == area.Value);
        Assert.Equal(PageOwner.ZeroPage, page.Owner);
        Assert.False(page.Flags.HasFlag(PteFlags.ReadWrite));
        var free = p.Impl.Snapshot().Pages.FreePages;
        Assert.True(p.Do(s => s.Munmap(mm, new VirtAddr(area.Value + Page), 1)).IsOk);
        Assert.Equal(free, p.Impl.Snapshot().Pages.FreePages);
        Assert.Equal(4, p.Write(mm, area.Value, 4));
        Assert.Equal(1, p.Impl.Snapshot().Spaces.Single().RssAnon);
        var data = UserLayout.DataStart(p.Format);
        Assert.Equal(0, p.Read(mm, data));
        Assert.Equal(new PageOwner(new MappedObject(false, UserLayout.ExecutableFile), UserLayout.TextPages),
            p.Impl.Snapshot().Spaces.Single().Pages.Single(q => q.Addr == data).Owner);
    }
}
