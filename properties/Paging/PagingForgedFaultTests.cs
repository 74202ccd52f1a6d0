using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>
/// The implementation's fault handler and access loop given what no walk of a consistent table produces: a fault
/// the caller names, or a table entry forged through physical memory. Also its checks of null arguments, and a
/// write one frame past the end of memory.
/// </summary>
public sealed class PagingForgedFaultTests
{
    [Fact]
    public void Construction_and_mmap_refuse_null_arguments()
    {
        var pages = new BuddyAllocator(MemoryLayout.Flat(16));
        Assert.Equal("format", Assert.Throws<ArgumentNullException>(() => new PagingSystem(null!, pages)).ParamName);
        var noPages = Assert.Throws<ArgumentNullException>(() => new PagingSystem(PagingFormat.FourLevel, null!));
        Assert.Equal("pages", noPages.ParamName);
        var paging = new PagingSystem(PagingFormat.FourLevel, pages);
        var mm = paging.CreateAddressSpace().Value;
        Assert.Equal("request", Assert.Throws<ArgumentNullException>(() => paging.Mmap(mm, null!)).ParamName);
        Assert.Equal("request", Assert.Throws<ArgumentNullException>(() => paging.Mmap(new AsId(9), null!)).ParamName);
    }

    /// <summary>A non-canonical address raises #GP, not #PF: SIGSEGV, whatever address the fault names.</summary>
    [Theory]
    [MemberData(nameof(PagingExamples.Formats), MemberType = typeof(PagingExamples))]
    public void A_fault_named_non_canonical_is_a_segmentation_fault_even_at_a_user_address(string format)
    {
        var (paging, mm, bss) = WithBssPage(format);
        var before = paging.Snapshot();
        var fault = new PageFault(bss, FaultKind.NonCanonical, null);
        var refused = paging.HandleFault(mm, fault, Access.Write, Privilege.User);
        Assert.Equal(new SegmentationFault(bss, Access.Write, Privilege.User, fault), refused.Error);
        Assert.Null(before.DiffFrom(paging.Snapshot()));
    }

    /// <summary>A write-protect fault on a page its entry lets the mapping write: a kernel bug, not a copy.</summary>
    [Theory]
    [MemberData(nameof(PagingExamples.Formats), MemberType = typeof(PagingExamples))]
    public void A_write_protect_fault_the_entry_does_not_explain_is_refused_as_a_kernel_bug(string format)
    {
        var (paging, mm, bss) = WithBssPage(format);
        var fault = new PageFault(bss, FaultKind.WriteToReadOnly, PageLevel.Pte);
        var refused = Assert.Throws<InvalidOperationException>(
            () => paging.HandleFault(mm, fault, Access.Write, Privilege.User));
        Assert.StartsWith($"write fault on {bss.Value:x} in ", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith(", which is writable: the entry should have been", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// wp_page_copy builds the copy's entry afresh from the VMA's protection: a bit only the old entry had (PCD
    /// here) does not carry over. Accessed does: the walk that faulted had found the old entry.
    /// </summary>
    [Theory]
    [MemberData(nameof(PagingExamples.Formats), MemberType = typeof(PagingExamples))]
    public void A_copy_on_write_keeps_only_the_accessed_bit_of_the_entry_it_replaces(string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot("impl", format, 64);
        var data = new VirtAddr(UserLayout.DataStart(paging.Format));
        Assert.Equal((byte)0, paging.Access(mm, data, Access.Read, Privilege.User, 0).Value);
        var slot = TableBytes.Slot(paging, PagingForgedTableTests.Pgd(paging), data.Value, paging.Format.Depth - 1);
        TableBytes.Change(paging, slot, e => e | (ulong)PteFlags.CacheDisable);
        var fault = Assert.IsType<PageFault>(paging.Translate(mm, data, Access.Write, Privilege.User).Error);
        Assert.True(paging.HandleFault(mm, fault, Access.Write, Privilege.User).IsOk);
        var nx = paging.Format.HasNx ? PteFlags.NoExecute : PteFlags.None;
        var flags = PteFlags.User | PteFlags.Present | PteFlags.ReadWrite | PteFlags.Accessed | nx;
        Assert.Equal(flags, paging.Format.FlagsOf(TableBytes.Read(paging, slot.Table, slot.Index)));
    }

    /// <summary>
    /// The access loop retries after each fault the kernel resolves, at most a fault-in and a copy-on-write: a
    /// forged top entry that is not present (and not empty) makes every walk fault however often the handler maps
    /// the page, and the third walk's fault is the segmentation fault.
    /// </summary>
    [Theory]
    [MemberData(nameof(PagingExamples.Formats), MemberType = typeof(PagingExamples))]
    public void An_access_whose_fault_the_kernel_never_fixes_ends_after_the_third_walk(string format)
    {
        var (paging, mm, bss) = WithBssPage(format);
        var top = TableBytes.Slot(paging, PagingForgedTableTests.Pgd(paging), bss.Value, 0);
        TableBytes.Change(paging, top, e => e & ~(ulong)PteFlags.Present);
        var free = paging.Snapshot().Pages.FreePages;
        var fault = new PageFault(bss, FaultKind.NotPresent, PageLevel.Pgd);
        var refused = paging.Access(mm, bss, Access.Write, Privilege.User, 0);
        Assert.Equal(new SegmentationFault(bss, Access.Write, Privilege.User, fault), refused.Error);
        Assert.Equal(free - 2, paging.Snapshot().Pages.FreePages);
    }

    [Fact]
    public void A_write_one_frame_past_the_end_of_memory_stores_nothing()
    {
        var (paging, _) = PagingBadInputTests.Boot("impl", PagingFormat.FourLevel.Name, 64);
        var stored = ((PagingSystem)paging).StoredFrames;
        paging.WriteFrame(new Pfn(64), 0, 7);
        Assert.Equal((stored, (byte)0xFF), (((PagingSystem)paging).StoredFrames, paging.ReadFrame(new Pfn(64), 0)));
        paging.WriteFrame(new Pfn(63), 0, 7);
        Assert.Equal(stored + 1, ((PagingSystem)paging).StoredFrames);
    }

    /// <summary>The implementation booted with the first page of bss written (mapped writable).</summary>
    private static (IPagingSystem Paging, AsId Mm, VirtAddr Bss) WithBssPage(string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot("impl", format, 64);
        var bss = new VirtAddr(UserLayout.BssStart(paging.Format));
        Assert.Equal((byte)1, paging.Access(mm, bss, Access.Write, Privilege.User, 1).Value);
        return (paging, mm, bss);
    }
}
