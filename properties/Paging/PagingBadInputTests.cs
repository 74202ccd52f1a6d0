using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>The edges of every range check, on both sides: one page inside is accepted, one page beyond refused,
/// nothing changed.</summary>
public sealed class PagingBadInputTests
{
    private const ulong Page = 4096;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var side in new[] { "model", "impl" })
        {
            foreach (var format in PagingFormat.All)
            {
                data.Add(side, format.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ranges_may_end_at_the_top_of_user_space_and_not_beyond(string side, string format)
    {
        var (paging, mm) = Boot(side, format, 256);
        var top = paging.Format.UserTop;
        var before = paging.Snapshot();
        Assert.Equal(new InvalidRange(new VirtAddr(top - Page), 2, "length 0, or the range leaves user space"),
            paging.Munmap(mm, new VirtAddr(top - Page), 2).Error);
        Assert.Equal(new InvalidRange(new VirtAddr(0), (top / Page) + 1, "length 0, or the range leaves user space"),
            paging.Munmap(mm, new VirtAddr(0), (top / Page) + 1).Error);
        Assert.Equal(new InvalidRange(new VirtAddr(Page + 1), 1, "address not page-aligned"),
            paging.Mprotect(mm, new VirtAddr(Page + 1), 1, VmProt.Read).Error);
        Assert.True(paging.Mprotect(mm, new VirtAddr(Page), 0, VmProt.Read).IsOk, "do_mprotect_pkey: !len returns 0");
        Assert.Equal(new RangeNotMapped(new VirtAddr(0x1000_0000), 1),
            paging.Mprotect(mm, new VirtAddr(0x1000_0000), 1, VmProt.Read).Error);
        Assert.Null(before.DiffFrom(paging.Snapshot()));
        Assert.True(paging.Mprotect(mm, new VirtAddr(top - Page), 1, VmProt.Read).IsOk);
        Assert.True(paging.Munmap(mm, new VirtAddr(top - Page), 1).IsOk);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Mmap_refuses_bad_lengths_files_and_fixed_addresses(string side, string format)
    {
        var (paging, mm) = Boot(side, format, 256);
        var before = paging.Snapshot();
        var rw = VmProt.Read | VmProt.Write;
        var tooMany = (paging.Format.UserTop / Page) + 1;
        Assert.Equal(new InvalidRange(new VirtAddr(0), tooMany, "length is 0 or larger than user space"),
            paging.Mmap(mm, new MmapRequest(tooMany, rw, null, 0, false)).Error);
        Assert.Equal(new InvalidRange(new VirtAddr(0), 0, "length is 0 or larger than user space"),
            paging.Mmap(mm, new MmapRequest(0, rw, null, 0, false)).Error);
        Assert.Equal(new InvalidRange(new VirtAddr(0), 1, VmaPlan.NoFile),
            paging.Mmap(mm, new MmapRequest(1, rw, -1, 0, false)).Error);
        var low = new VirtAddr(UserLayout.MmapMinAddr - Page);
        Assert.Equal(new InvalidRange(low, 1, "below mmap_min_addr"),
            paging.Mmap(mm, new MmapRequest(1, rw, null, 0, false, low)).Error);
        var text = new VirtAddr(UserLayout.TextStart(paging.Format) - Page);
        Assert.Equal(new RangeInUse(text, 2), paging.Mmap(mm, new MmapRequest(2, rw, null, 0, false, text)).Error);
        Assert.Equal(new NoVirtualSpace(paging.Format.UserTop / Page),
            paging.Mmap(mm, new MmapRequest(paging.Format.UserTop / Page, rw, null, 0, false)).Error);
        Assert.Null(before.DiffFrom(paging.Snapshot()));
        Assert.Equal(new VirtAddr(UserLayout.MmapMinAddr),
            paging.Mmap(mm, new MmapRequest(1, rw, null, 0, false, new VirtAddr(UserLayout.MmapMinAddr))).Value);
        Assert.Equal(text, paging.Mmap(mm, new MmapRequest(1, rw, null, 0, false, text)).Value);
        Assert.Equal(new VirtAddr(UserLayout.MmapBase(paging.Format) - Page),
            paging.Mmap(mm, new MmapRequest(1, rw, null, 0, false)).Value);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_heap_keeps_a_page_clear_of_the_next_mapping(string side, string format)
    {
        var (paging, mm) = Boot(side, format, 256);
        var start = UserLayout.StartBrk(paging.Format);
        var next = new VirtAddr(start + (4 * Page));
        Assert.True(paging.Mmap(mm, new MmapRequest(1, VmProt.Read, null, 0, false, next)).IsOk);
        var current = new VirtAddr(start);
        Assert.Equal(new BrkRefused(new VirtAddr(start - 1), current, "below start_brk"),
            paging.Brk(mm, new VirtAddr(start - 1)).Error);
        Assert.Equal(new BrkRefused(new VirtAddr(start + (3 * Page) + 1), current, "the heap would run into a mapping"),
            paging.Brk(mm, new VirtAddr(start + (3 * Page) + 1)).Error);
        Assert.Equal(new VirtAddr(start + (3 * Page)), paging.Brk(mm, new VirtAddr(start + (3 * Page))).Value);
        Assert.Equal(new VirtAddr(start + 5), paging.Brk(mm, new VirtAddr(start + 5)).Value);
        Assert.Equal((byte)9, paging.Access(mm, new VirtAddr(start + 4095), Access.Write, Privilege.User, 9).Value);
        Assert.IsType<SegmentationFault>(paging.Access(mm, new VirtAddr(start + Page), Access.Write, Privilege.User,
            9).Error);
        Assert.Equal(new VirtAddr(start), paging.Brk(mm, new VirtAddr(start)).Value);
        Assert.Empty(paging.Snapshot().Spaces.Single().Pages.Where(p =>
            p.Addr >= start && p.Addr < start + (4 * Page)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_stack_does_not_grow_within_the_guard_gap_of_a_mapping(string side, string format)
    {
        var (paging, mm, blocker) = BelowStack(side, format, VmProt.Read, 300);
        var inGap = new VirtAddr(blocker.Value + (256 * Page));
        Assert.IsType<SegmentationFault>(paging.Access(mm, inGap, Access.Write, Privilege.User, 1).Error);
        var clear = new VirtAddr(blocker.Value + (257 * Page));
        Assert.Equal((byte)1, paging.Access(mm, clear, Access.Write, Privilege.User, 1).Value);
    }

    /// <summary>
    /// expand_downwards exempts a PROT_NONE VMA below the stack from the guard gap: the stack grows right up to it,
    /// and no further (below it, find_vma finds that VMA, not the stack).
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void The_stack_grows_up_to_a_prot_none_mapping_below_it_and_not_over_it(string side, string format)
    {
        var (paging, mm, none) = BelowStack(side, format, VmProt.None, 20);
        var below = new VirtAddr(none.Value - Page);
        Assert.IsType<SegmentationFault>(paging.Access(mm, below, Access.Write, Privilege.User, 1).Error);
        var adjacent = new VirtAddr(none.Value + Page);
        Assert.Equal((byte)1, paging.Access(mm, adjacent, Access.Write, Privilege.User, 1).Value);
        Assert.Equal(adjacent.Value, paging.Snapshot().Spaces.Single().Vmas[^1].Start);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Vmalloc_fills_its_range_exactly_and_reuses_a_freed_area(string side, string format)
    {
        var (paging, _) = Boot(side, format, 2048);
        var span = (paging.Format.VmallocEnd - paging.Format.VmallocStart) / Page;
        Assert.Equal(new InvalidRange(new VirtAddr(paging.Format.VmallocStart), 0,
            "vmalloc size is 0 or larger than the vmalloc range"), paging.Vmalloc(0).Error);
        Assert.Equal(new InvalidRange(new VirtAddr(paging.Format.VmallocStart), span,
            "vmalloc size is 0 or larger than the vmalloc range"), paging.Vmalloc(span).Error);
        var first = paging.Vmalloc(1).Value;
        var second = paging.Vmalloc(1).Value;
        Assert.Equal(first.Value + (2 * Page), second.Value);
        Assert.True(paging.Vfree(first).IsOk);
        Assert.Equal(first, paging.Vmalloc(1).Value);
        Assert.Equal(new VirtAddr(second.Value + (2 * Page)), paging.Vmalloc(2).Value);
        if (span <= 1024)
        {
            Assert.True(paging.Vfree(first).IsOk);
            Assert.Equal(new NoVirtualSpace(span - 6), paging.Vmalloc(span - 7).Error);
            Assert.Equal(new VirtAddr(second.Value + (5 * Page)), paging.Vmalloc(span - 8).Value);
        }
    }

    /// <summary>A new address space with one page mapped <paramref name="pages"/> pages below the stack.</summary>
    private static (IPagingSystem Paging, AsId Mm, VirtAddr Mapped) BelowStack(string side, string format,
        VmProt prot, ulong pages)
    {
        var (paging, mm) = Boot(side, format, 256);
        var stack = UserLayout.StackTop(paging.Format) - (UserLayout.InitialStackPages * Page);
        var mapped = new VirtAddr(stack - (pages * Page));
        Assert.True(paging.Mmap(mm, new MmapRequest(1, prot, null, 0, false, mapped)).IsOk);
        return (paging, mm, mapped);
    }

    internal static (IPagingSystem Paging, AsId Mm) Boot(string side, string format, ulong frames)
    {
        var f = PagingExamples.Format(format);
        IPagingSystem paging = side == "model"
            ? new PagingModel(f, new BuddyModel(MemoryLayout.Flat(frames)))
            : new PagingSystem(f, new BuddyAllocator(MemoryLayout.Flat(frames)));
        return (paging, paging.CreateAddressSpace().Value);
    }
}
