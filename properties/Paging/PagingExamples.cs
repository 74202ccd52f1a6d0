using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>Worked examples on the reference model, with the answers Linux gives.</summary>
public sealed class PagingExamples
{
    public static TheoryData<string> Formats =>
        new() { PagingFormat.TwoLevel.Name, PagingFormat.FourLevel.Name, PagingFormat.FiveLevel.Name };

    [Fact]
    public void Formats_have_the_x86_geometry()
    {
        Assert.Equal((2, 10, 1024, 4), Geometry(PagingFormat.TwoLevel));
        Assert.Equal((4, 9, 512, 8), Geometry(PagingFormat.FourLevel));
        Assert.Equal((5, 9, 512, 8), Geometry(PagingFormat.FiveLevel));
        Assert.Equal(4UL << 20, PagingFormat.TwoLevel.SpanOf(0));
        Assert.Equal(512UL << 30, PagingFormat.FourLevel.SpanOf(0));
        Assert.Equal(256UL << 40, PagingFormat.FiveLevel.SpanOf(0));
        Assert.Equal(2UL << 20, PagingFormat.FourLevel.SpanOf(2));
        Assert.Equal((4UL << 20, 2UL << 20, 2UL << 20),
            (PagingFormat.TwoLevel.PageTableSpan, PagingFormat.FourLevel.PageTableSpan,
            PagingFormat.FiveLevel.PageTableSpan));
        Assert.Equal(0x3FF, PagingFormat.TwoLevel.IndexOf(0xFFFF_FFFF, 0));
        Assert.Equal(0xFF, PagingFormat.FourLevel.IndexOf(0x0000_7FFF_FFFF_F000, 0));
        Assert.Equal(0x1FF, PagingFormat.FourLevel.IndexOf(0xFFFF_FFFF_FFFF_F000, 0));
    }

    [Fact]
    public void A_frame_past_the_last_reads_all_ones_and_takes_no_write()
    {
        var paging = new PagingModel(PagingFormat.FourLevel, new BuddyModel(MemoryLayout.Flat(16)));
        paging.WriteFrame(new Pfn(16), 0, 7);
        Assert.Equal(byte.MaxValue, paging.ReadFrame(new Pfn(16), 0));
        paging.WriteFrame(new Pfn(15), 0, 7);
        Assert.Equal(7, paging.ReadFrame(new Pfn(15), 0));
    }

    [Fact]
    public void The_kernel_half_starts_exactly_at_the_kernel_base()
    {
        foreach (var format in PagingFormat.All)
        {
            Assert.True(format.IsKernel(format.KernelBase), format.Name);
            Assert.False(format.IsKernel(format.KernelBase - 1), format.Name);
        }
    }

    [Fact]
    public void Canonical_addresses_sign_extend_bit_47_or_56()
    {
        Assert.True(PagingFormat.FourLevel.IsCanonical(0x0000_7FFF_FFFF_FFFF));
        Assert.False(PagingFormat.FourLevel.IsCanonical(0x0000_8000_0000_0000));
        Assert.True(PagingFormat.FourLevel.IsCanonical(0xFFFF_8000_0000_0000));
        Assert.False(PagingFormat.FourLevel.IsCanonical(0xFFFE_FFFF_FFFF_FFFF));
        Assert.True(PagingFormat.FiveLevel.IsCanonical(0x00FF_FFFF_FFFF_FFFF));
        Assert.False(PagingFormat.FiveLevel.IsCanonical(0x0100_0000_0000_0000));
        Assert.True(PagingFormat.TwoLevel.IsCanonical(0xFFFF_FFFF));
        Assert.False(PagingFormat.TwoLevel.IsCanonical(0x1_0000_0000));
    }

    [Fact]
    public void Entries_put_the_frame_in_bits_12_up_and_nx_in_bit_63_only_on_64_bit()
    {
        var entry = PagingFormat.MakeEntry(new Pfn(0x12345),
            PteFlags.Present | PteFlags.ReadWrite | PteFlags.NoExecute);
        Assert.Equal(0x8000_0000_1234_5003UL, entry);
        Assert.Equal((new Pfn(0x12345), PteFlags.Present | PteFlags.ReadWrite | PteFlags.NoExecute),
            (PagingFormat.FrameOf(entry), PagingFormat.FourLevel.FlagsOf(entry)));
        Assert.Equal((new Pfn(0x12345), PteFlags.Present | PteFlags.ReadWrite),
            (PagingFormat.FrameOf((uint)entry), PagingFormat.TwoLevel.FlagsOf(entry)));
        var highest = new Pfn(0xF_FFFF_FFFF);
        Assert.Equal(highest,
            PagingFormat.FrameOf(PagingFormat.MakeEntry(highest, PteFlags.Present | PteFlags.NoExecute)));
        Assert.Equal(0x100UL, (ulong)PteFlags.Global);
        Assert.Equal(0x60UL, (ulong)(PteFlags.Accessed | PteFlags.Dirty));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_written_byte_is_read_back_and_a_new_anonymous_page_reads_zero(string format)
    {
        var (paging, mm) = Boot(format);
        var bss = new VirtAddr(UserLayout.BssStart(paging.Format) + 100);
        Assert.Equal((byte)0, paging.Access(mm, bss, Access.Read, Privilege.User, 0).Value);
        Assert.Equal((byte)42, paging.Access(mm, bss, Access.Write, Privilege.User, 42).Value);
        Assert.Equal((byte)42, paging.Access(mm, bss, Access.Read, Privilege.User, 0).Value);
        var page = paging.Snapshot().Spaces.Single().Pages.Single();
        Assert.Equal(PteFlags.Present | PteFlags.ReadWrite | PteFlags.User | PteFlags.Accessed | PteFlags.Dirty
            | (paging.Format.HasNx ? PteFlags.NoExecute : 0), page.Flags);
    }

    [Theory]
    [InlineData("2-level 32-bit", 4096UL)]
    [InlineData("4-level 48-bit", 3 * 4096UL)]
    [InlineData("5-level 57-bit", 3 * 4096UL)]
    public void VmPTE_counts_pte_pmd_and_pud_tables_not_the_pgd_or_p4d(string format, ulong bytes)
    {
        var (paging, mm) = Boot(format);
        Assert.Equal(0UL, paging.Snapshot().Spaces.Single().PgTablesBytes);
        Assert.True(paging.Access(mm, new VirtAddr(UserLayout.TextStart(paging.Format)), Access.Fetch, Privilege.User,
            0).IsOk);
        Assert.Equal(bytes, paging.Snapshot().Spaces.Single().PgTablesBytes);
        Assert.Equal(paging.Format.Depth - 1, paging.Snapshot().Spaces.Single().Tables.Length);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Fetch_from_data_faults_on_nx_formats_and_succeeds_without_nx(string format)
    {
        var (paging, mm) = Boot(format);
        var data = new VirtAddr(UserLayout.DataStart(paging.Format));
        var fetched = paging.Access(mm, data, Access.Fetch, Privilege.User, 0);
        if (paging.Format.HasNx)
        {
            Assert.Equal(new SegmentationFault(data, Access.Fetch, Privilege.User,
                new PageFault(data, FaultKind.FetchFromNx, PageLevel.Pte)), fetched.Error);
        }
        else
        {
            Assert.True(fetched.IsOk);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_private_file_page_is_shared_until_written_then_copied(string format)
    {
        var (paging, first) = Boot(format);
        var second = paging.CreateAddressSpace().Value;
        var data = new VirtAddr(UserLayout.DataStart(paging.Format) + 8);
        Assert.Equal((byte)0, paging.Access(first, data, Access.Read, Privilege.User, 0).Value);
        Assert.Equal((byte)0, paging.Access(second, data, Access.Read, Privilege.User, 0).Value);
        Assert.Single(paging.Snapshot().Cache);
        Assert.Equal((byte)7, paging.Access(first, data, Access.Write, Privilege.User, 7).Value);
        Assert.Equal((byte)0, paging.Access(second, data, Access.Read, Privilege.User, 0).Value);
        var spaces = paging.Snapshot().Spaces;
        Assert.Equal((0L, 1L), (spaces[0].RssFile, spaces[0].RssAnon));
        Assert.Equal((1L, 0L), (spaces[1].RssFile, spaces[1].RssAnon));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_shared_file_mapping_shows_one_address_spaces_write_to_another(string format)
    {
        var (paging, first) = Boot(format);
        var second = paging.CreateAddressSpace().Value;
        var request = new MmapRequest(4, VmProt.Read | VmProt.Write, 3, 10, true);
        var a = paging.Mmap(first, request).Value;
        var b = paging.Mmap(second, request).Value;
        Assert.Equal((byte)9,
            paging.Access(first, new VirtAddr(a.Value + 4096 + 5), Access.Write, Privilege.User, 9).Value);
        Assert.Equal((byte)9,
            paging.Access(second, new VirtAddr(b.Value + 4096 + 5), Access.Read, Privilege.User, 0).Value);
        Assert.True(paging.DestroyAddressSpace(first).IsOk);
        Assert.True(paging.DestroyAddressSpace(second).IsOk);
        Assert.Empty(paging.Snapshot().Cache);
        var third = paging.CreateAddressSpace().Value;
        var c = paging.Mmap(third, request with { Shared = false }).Value;
        Assert.Equal((byte)9,
            paging.Access(third, new VirtAddr(c.Value + 4096 + 5), Access.Read, Privilege.User, 0).Value);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Mprotect_downgrade_makes_a_write_a_segmentation_fault(string format)
    {
        var (paging, mm) = Boot(format);
        var heap = paging.Brk(mm, new VirtAddr(UserLayout.StartBrk(paging.Format) + 3 * 4096)).Value;
        var page = new VirtAddr(UserLayout.StartBrk(paging.Format));
        Assert.True(paging.Access(mm, page, Access.Write, Privilege.User, 1).IsOk);
        Assert.True(paging.Mprotect(mm, page, 1, VmProt.Read).IsOk);
        Assert.Equal(new SegmentationFault(page, Access.Write, Privilege.User,
            new PageFault(page, FaultKind.WriteToReadOnly, PageLevel.Pte)),
            paging.Access(mm, page, Access.Write, Privilege.User, 2).Error);
        Assert.Equal((byte)1, paging.Access(mm, page, Access.Read, Privilege.User, 0).Value);
        Assert.Equal(heap, new VirtAddr(UserLayout.StartBrk(paging.Format) + 3 * 4096));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void The_stack_grows_down_to_8_mib_and_no_further(string format)
    {
        var (paging, mm) = Boot(format);
        var top = UserLayout.StackTop(paging.Format);
        var deepest = new VirtAddr(top - UserLayout.StackLimit);
        Assert.True(paging.Access(mm, deepest, Access.Write, Privilege.User, 5).IsOk);
        var beyond = new VirtAddr(deepest.Value - 1);
        // On 2-level the 8 MiB limit is a 4 MiB table boundary, so the walk stops at the PGD; elsewhere the PTE table
        // exists.
        var level = paging.Format.Depth == 2 ? PageLevel.Pgd : PageLevel.Pte;
        Assert.Equal(new SegmentationFault(beyond, Access.Read, Privilege.User,
            new PageFault(beyond, FaultKind.NotPresent, level)),
            paging.Access(mm, beyond, Access.Read, Privilege.User, 0).Error);
        Assert.Equal(new Vma(deepest.Value, top, VmProt.Read | VmProt.Write, null, 0, false),
            paging.Snapshot().Spaces.Single().Vmas[^1]);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Vmalloc_memory_is_visible_to_the_kernel_in_every_address_space_and_never_to_users(string format)
    {
        var (paging, first) = Boot(format);
        var second = paging.CreateAddressSpace().Value;
        var area = paging.Vmalloc(3).Value;
        Assert.Equal(paging.Format.VmallocStart, area.Value);
        var inside = new VirtAddr(area.Value + 2 * 4096 + 1);
        Assert.Equal((byte)3, paging.Access(first, inside, Access.Write, Privilege.Supervisor, 3).Value);
        Assert.Equal((byte)3, paging.Access(second, inside, Access.Read, Privilege.Supervisor, 0).Value);
        Assert.Equal(new SegmentationFault(inside, Access.Read, Privilege.User,
            new PageFault(inside, FaultKind.UserToSupervisor, PageLevel.Pgd)),
            paging.Access(second, inside, Access.Read, Privilege.User, 0).Error);
        var guard = new VirtAddr(area.Value + 3 * 4096);
        Assert.False(paging.Access(first, guard, Access.Read, Privilege.Supervisor, 0).IsOk);
        Assert.Equal(new VirtAddr(area.Value + 4 * 4096), paging.Vmalloc(1).Value);
        Assert.Equal(new NotVmallocArea(inside), paging.Vfree(inside).Error);
        Assert.True(paging.Vfree(area).IsOk);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Destroying_every_address_space_and_vfreeing_returns_every_frame(string format)
    {
        var paging = new PagingModel(Format(format), new BuddyModel(MemoryLayout.Flat(256)));
        var initial = paging.Snapshot().Pages;
        var mm = paging.CreateAddressSpace().Value;
        var shm = paging.Mmap(mm, new MmapRequest(2, VmProt.Read | VmProt.Write, null, 0, true)).Value;
        Assert.True(paging.Access(mm, shm, Access.Write, Privilege.User, 1).IsOk);
        Assert.True(paging.Access(mm, new VirtAddr(UserLayout.TextStart(paging.Format)), Access.Read, Privilege.User,
            0).IsOk);
        var area = paging.Vmalloc(2).Value;
        Assert.Equal(1L, paging.Snapshot().Spaces.Single().RssShmem);
        Assert.Empty(PagingInvariants.All(paging.Snapshot()));
        Assert.True(paging.DestroyAddressSpace(mm).IsOk);
        Assert.True(paging.Vfree(area).IsOk);
        Assert.Null(paging.Snapshot().Pages.DiffFrom(initial));
        Assert.Equal(new UnknownAddressSpace(mm), paging.DestroyAddressSpace(mm).Error);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_fault_without_enough_frames_changes_nothing(string format)
    {
        var paging = new PagingModel(Format(format), new BuddyModel(MemoryLayout.Flat(3)));
        var mm = paging.CreateAddressSpace().Value;
        var before = paging.Snapshot();
        var bss = new VirtAddr(UserLayout.BssStart(paging.Format));
        var needed = paging.Format.Depth;
        var result = paging.Access(mm, bss, Access.Write, Privilege.User, 1);
        if (needed > 1)
        {
            Assert.Equal(new FaultOutOfMemory(bss, needed), result.Error);
            Assert.Null(before.DiffFrom(paging.Snapshot()));
            Assert.Null(before.Pages.DiffFrom(paging.Snapshot().Pages));
        }
    }

    internal static PagingFormat Format(string name) => PagingFormat.All.Single(f => f.Name == name);

    private static (PagingModel Paging, AsId Mm) Boot(string format)
    {
        var paging = new PagingModel(Format(format), new BuddyModel(MemoryLayout.Flat(1024)));
        return (paging, paging.CreateAddressSpace().Value);
    }

    private static (int, int, int, int) Geometry(PagingFormat f) =>
        (f.Depth, f.BitsPerLevel, f.EntriesPerTable, f.EntryBytes);
}
