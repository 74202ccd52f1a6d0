using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>
/// The mapping syscalls' planning, which the model and the implementation share (<see cref="VmaPlan"/>), checked
/// against Linux's answers: the lockstep cannot see a mistake both sides make alike.
/// </summary>
public sealed class VmaPlanExamples
{
    internal static readonly PagingFormat Format = PagingFormat.FourLevel;

    /// <summary>A new address space's VMAs (<see cref="UserLayout.Initial"/>), 4-level.</summary>
    internal static readonly VmaSet Initial =
        UserLayout.Initial(Format).Aggregate(VmaSet.Empty, (set, v) => set.Insert(v));

    private static readonly ulong Page = Pfn.PageSize;

    [Fact]
    public void Mmap_goes_top_down_below_mmap_base_and_a_second_below_the_first()
    {
        var request = new MmapRequest(4, VmProt.Read | VmProt.Write, null, 0, false);
        var first = VmaPlan.Mmap(Format, Initial, request).Value;
        Assert.Equal(UserLayout.MmapBase(Format) - (4 * Page), first);
        var mapped = Initial.Insert(new Vma(first, first + (4 * Page), request.Prot, null, 0, false));
        Assert.Equal(first - (4 * Page), VmaPlan.Mmap(Format, mapped, request).Value);
    }

    [Fact]
    public void Mmap_refuses_a_zero_length_a_bad_file_and_a_fixed_address_that_is_taken_or_too_low()
    {
        var request = new MmapRequest(1, VmProt.Read, null, 0, false);
        Assert.Equal(new InvalidRange(new VirtAddr(0), 0, "length is 0 or larger than user space"),
            VmaPlan.Mmap(Format, Initial, request with { Pages = 0 }).Error);
        Assert.Equal(new InvalidRange(new VirtAddr(0), 1, VmaPlan.NoFile),
            VmaPlan.Mmap(Format, Initial, request with { File = -1 }).Error);
        var text = new VirtAddr(UserLayout.TextStart(Format));
        Assert.Equal(new RangeInUse(text, 1), VmaPlan.Mmap(Format, Initial, request with { Fixed = text }).Error);
        var low = new VirtAddr(UserLayout.MmapMinAddr - Page);
        Assert.Equal(new InvalidRange(low, 1, "below mmap_min_addr"),
            VmaPlan.Mmap(Format, Initial, request with { Fixed = low }).Error);
        var free = new VirtAddr(UserLayout.MmapBase(Format));
        Assert.Equal(free.Value, VmaPlan.Mmap(Format, Initial, request with { Fixed = free }).Value);
    }

    /// <summary>
    /// A fixed address that is unaligned and whose range leaves user space: __get_unmapped_area tests the range
    /// (-ENOMEM) before the alignment (-EINVAL), where munmap tests the alignment first; either alone is refused.
    /// </summary>
    [Fact]
    public void A_fixed_mmap_checks_the_range_below_task_size_before_the_alignment()
    {
        var request = new MmapRequest(2, VmProt.Read, null, 0, false);
        var top = new VirtAddr(Format.UserTop - Page + 1);
        Assert.Equal(new InvalidRange(top, 2, VmaPlan.OutsideUserSpace),
            VmaPlan.Mmap(Format, Initial, request with { Fixed = top }).Error);
        Assert.Equal(new InvalidRange(top, 2, VmaPlan.Unaligned), VmaPlan.UserRange(Format, top, 2));
        var unaligned = new VirtAddr(UserLayout.MmapBase(Format) + 1);
        Assert.Equal(new InvalidRange(unaligned, 2, VmaPlan.Unaligned),
            VmaPlan.Mmap(Format, Initial, request with { Fixed = unaligned }).Error);
        var past = new VirtAddr(Format.UserTop - Page);
        Assert.Equal(new InvalidRange(past, 2, VmaPlan.OutsideUserSpace),
            VmaPlan.Mmap(Format, Initial, request with { Fixed = past }).Error);
    }

    [Fact]
    public void Munmap_and_mprotect_take_page_aligned_ranges_inside_user_space_and_mprotect_needs_every_page_mapped()
    {
        Assert.Equal(new InvalidRange(new VirtAddr(Page + 1), 1, "address not page-aligned"),
            VmaPlan.UserRange(Format, new VirtAddr(Page + 1), 1));
        Assert.Equal(new InvalidRange(new VirtAddr(Page), 0, "length 0, or the range leaves user space"),
            VmaPlan.UserRange(Format, new VirtAddr(Page), 0));
        var last = new VirtAddr(Format.UserTop - Page);
        Assert.Null(VmaPlan.UserRange(Format, last, 1));
        Assert.NotNull(VmaPlan.UserRange(Format, last, 2));
        var text = new VirtAddr(UserLayout.TextStart(Format));
        Assert.Equal(text.Value + Page, VmaPlan.Mprotect(Format, Initial, text, 1).Value);
        var hole = new VirtAddr(UserLayout.MmapBase(Format));
        Assert.Equal(new RangeNotMapped(hole, 1), VmaPlan.Mprotect(Format, Initial, hole, 1).Error);
    }

    [Fact]
    public void Brk_moves_within_the_page_grows_with_a_page_to_spare_and_never_below_start_brk()
    {
        var start = UserLayout.StartBrk(Format);
        Assert.Equal((start, start + Page), VmaPlan.Brk(Format, Initial, start, new VirtAddr(start + 1)).Value);
        var heap = Initial.Insert(new Vma(start, start + Page, VmProt.Read | VmProt.Write, null, 0, false));
        Assert.Equal((start + Page, start), VmaPlan.Brk(Format, heap, start + 1, new VirtAddr(start)).Value);
        Assert.Equal(new BrkRefused(new VirtAddr(start - 1), new VirtAddr(start), "below start_brk"),
            VmaPlan.Brk(Format, Initial, start, new VirtAddr(start - 1)).Error);
        var next = Initial.Insert(new Vma(start + (2 * Page), start + (3 * Page), VmProt.Read, null, 0, false));
        Assert.True(VmaPlan.Brk(Format, next, start, new VirtAddr(start + Page - 1)).IsOk);
        Assert.Equal(new BrkRefused(new VirtAddr(start + Page + 1), new VirtAddr(start),
                "the heap would run into a mapping"),
            VmaPlan.Brk(Format, next, start, new VirtAddr(start + Page + 1)).Error);
    }
}
