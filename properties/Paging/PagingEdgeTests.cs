using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>
/// The rules the generated sequences reach only rarely, pinned on both sides: a fault or a copy-on-write with no
/// frame left, what a copy and a vmalloc page hold, the heap's edges, and which vmalloc tables a vfree frees.
/// </summary>
public sealed class PagingEdgeTests
{
    private const ulong Page = 4096;
    private const VmProt ReadWrite = VmProt.Read | VmProt.Write;

    public static TheoryData<string, string> Cases() => PagingBadInputTests.Cases();

    public static TheoryData<string, string> DeepCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var side in new[] { "model", "impl" })
        {
            data.Add(side, PagingFormat.FourLevel.Name);
            data.Add(side, PagingFormat.FiveLevel.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_fault_with_no_frame_left_changes_nothing(string side, string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot(side, format, 64);
        var bss = new VirtAddr(UserLayout.BssStart(paging.Format));
        Drain(paging.Pages);
        var before = paging.Snapshot();
        Assert.Equal(new FaultOutOfMemory(bss, paging.Format.Depth),
            paging.Access(mm, bss, Access.Write, Privilege.User, 1).Error);
        Assert.Null(before.DiffFrom(paging.Snapshot()));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_copy_on_write_takes_the_bytes_along_and_with_no_frame_left_changes_nothing(string side, string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot(side, format, 64);
        var shared = paging.Mmap(mm, new MmapRequest(1, ReadWrite, 7, 0, true)).Value.Value;
        var mine = paging.Mmap(mm, new MmapRequest(1, ReadWrite, 7, 0, false)).Value.Value;
        Assert.Equal((byte)0x55,
            paging.Access(mm, new VirtAddr(shared + 10), Access.Write, Privilege.User, 0x55).Value);
        Assert.Equal((byte)0x55, paging.Access(mm, new VirtAddr(mine + 10), Access.Read, Privilege.User, 0).Value);

        var remaining = Drain(paging.Pages);
        var before = paging.Snapshot();
        Assert.Equal(new FaultOutOfMemory(new VirtAddr(mine), 1),
            paging.Access(mm, new VirtAddr(mine + 20), Access.Write, Privilege.User, 0x66).Error);
        Assert.Null(before.DiffFrom(paging.Snapshot()));

        Assert.True(paging.Pages.FreePages(remaining[0], new Order(0)).IsOk);
        Assert.Equal((byte)0x66, paging.Access(mm, new VirtAddr(mine + 20), Access.Write, Privilege.User, 0x66).Value);
        Assert.Equal((byte)0x55, paging.Access(mm, new VirtAddr(mine + 10), Access.Read, Privilege.User, 0).Value);
        Assert.Equal((byte)0, paging.Access(mm, new VirtAddr(shared + 20), Access.Read, Privilege.User, 0).Value);
        Assert.Equal((byte)0x77,
            paging.Access(mm, new VirtAddr(shared + 10), Access.Write, Privilege.User, 0x77).Value);
        Assert.Equal((byte)0x55, paging.Access(mm, new VirtAddr(mine + 10), Access.Read, Privilege.User, 0).Value);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_first_write_to_a_private_file_page_copies_it_from_the_page_cache_or_the_file(string side,
        string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot(side, format, 64);
        var shared = paging.Mmap(mm, new MmapRequest(2, ReadWrite, 8, 0, true)).Value.Value;
        Assert.Equal((byte)0x44,
            paging.Access(mm, new VirtAddr(shared + 10), Access.Write, Privilege.User, 0x44).Value);
        Assert.Equal((byte)0x45,
            paging.Access(mm, new VirtAddr(shared + 4096 + 10), Access.Write, Privilege.User, 0x45).Value);
        Assert.True(paging.Munmap(mm, new VirtAddr(shared + 4096), 1).IsOk);
        var mine = paging.Mmap(mm, new MmapRequest(2, ReadWrite, 8, 0, false)).Value.Value;
        Assert.Equal((byte)0x66, paging.Access(mm, new VirtAddr(mine + 20), Access.Write, Privilege.User, 0x66).Value);
        Assert.Equal((byte)0x44, paging.Access(mm, new VirtAddr(mine + 10), Access.Read, Privilege.User, 0).Value);
        Assert.Equal((byte)0x67,
            paging.Access(mm, new VirtAddr(mine + 4096 + 20), Access.Write, Privilege.User, 0x67).Value);
        Assert.Equal((byte)0x45,
            paging.Access(mm, new VirtAddr(mine + 4096 + 10), Access.Read, Privilege.User, 0).Value);
        Assert.Equal((byte)0, paging.Access(mm, new VirtAddr(shared + 20), Access.Read, Privilege.User, 0).Value);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_vmalloc_page_reads_zero_even_on_a_frame_a_program_wrote(string side, string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot(side, format, 64);
        var area = paging.Mmap(mm, new MmapRequest(64, ReadWrite, null, 0, false)).Value.Value;
        var written = 0UL;
        while (paging.Access(mm, new VirtAddr(area + (written * Page)), Access.Write, Privilege.User, 0xEE).IsOk)
        {
            written++;
        }

        Assert.True(written > 40, $"only {written} pages written");
        Assert.True(paging.Munmap(mm, new VirtAddr(area), 64).IsOk);
        var start = paging.Vmalloc(32).Value.Value;
        for (var i = 0UL; i < 32; i++)
        {
            Assert.Equal((byte)0,
                paging.Access(mm, new VirtAddr(start + (i * Page)), Access.Read, Privilege.Supervisor, 0).Value);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_heap_grows_within_its_last_page_even_against_a_mapping_and_may_reach_the_top_of_user_space(
        string side, string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot(side, format, 64);
        var start = UserLayout.StartBrk(paging.Format);
        Assert.Equal(new VirtAddr(start + 1), paging.Brk(mm, new VirtAddr(start + 1)).Value);
        Assert.True(paging.Mmap(mm, new MmapRequest(1, VmProt.Read, null, 0, false, new VirtAddr(start + Page))).IsOk);
        Assert.Equal(new VirtAddr(start + 2), paging.Brk(mm, new VirtAddr(start + 2)).Value);
        Assert.Equal(new BrkRefused(new VirtAddr(start + Page + 1), new VirtAddr(start + 2),
            "the heap would run into a mapping"), paging.Brk(mm, new VirtAddr(start + Page + 1)).Error);

        var top = paging.Format.UserTop;
        var stack = paging.Snapshot().Spaces.Single().Vmas[^1];
        Assert.True(paging.Munmap(mm, new VirtAddr(stack.Start), stack.Pages).IsOk);
        Assert.True(paging.Munmap(mm, new VirtAddr(start + Page), 1).IsOk);
        Assert.Equal(new BrkRefused(new VirtAddr(top + 1), new VirtAddr(start + 2),
            "the heap would run into a mapping"), paging.Brk(mm, new VirtAddr(top + 1)).Error);
        Assert.Equal(new VirtAddr(top), paging.Brk(mm, new VirtAddr(top)).Value);
        Assert.Equal(top, paging.Snapshot().Spaces.Single().Vmas[^1].End);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Shrinking_the_heap_over_a_shared_mapping_releases_its_shmem_pages(string side, string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot(side, format, 64);
        var start = UserLayout.StartBrk(paging.Format);
        var free = paging.Snapshot().Pages.FreePages;
        Assert.True(paging.Brk(mm, new VirtAddr(start + (4 * Page))).IsOk);
        Assert.True(paging.Munmap(mm, new VirtAddr(start + Page), 1).IsOk);
        var shmem = new VirtAddr(start + Page);
        Assert.Equal(shmem, paging.Mmap(mm, new MmapRequest(1, ReadWrite, null, 0, true, shmem)).Value);
        Assert.Equal((byte)3, paging.Access(mm, shmem, Access.Write, Privilege.User, 3).Value);
        Assert.Single(paging.Snapshot().Cache);
        Assert.True(paging.Brk(mm, new VirtAddr(start)).IsOk);
        Assert.Empty(paging.Snapshot().Cache);
        Assert.True(paging.DestroyAddressSpace(mm).IsOk);
        Assert.Equal(free + 1, paging.Snapshot().Pages.FreePages);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_whole_user_space_is_one_valid_range(string side, string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot(side, format, 64);
        var all = paging.Format.UserTop / Page;
        Assert.Equal((byte)1,
            paging.Access(mm, new VirtAddr(UserLayout.BssStart(paging.Format)), Access.Write, Privilege.User, 1).Value);
        var fixedAt = new VirtAddr(UserLayout.MmapMinAddr);
        Assert.Equal(new InvalidRange(fixedAt, 0, "length is 0 or larger than user space"),
            paging.Mmap(mm, new MmapRequest(0, ReadWrite, null, 0, false, fixedAt)).Error);
        Assert.True(paging.Munmap(mm, new VirtAddr(0), all).IsOk);
        var space = paging.Snapshot().Spaces.Single();
        Assert.Equal((0, 0, 0), (space.Vmas.Length, space.Tables.Length, space.Pages.Length));
    }

    [Theory]
    [MemberData(nameof(DeepCases))]
    public void Vfree_frees_a_vmalloc_table_that_a_neighbour_area_only_touches(string side, string format)
    {
        var (paging, _) = PagingBadInputTests.Boot(side, format, 2048);
        var perTable = paging.Format.SpanOf(paging.Format.Depth - 2) / Page;
        var boundary = paging.Format.VmallocStart + (perTable * Page);

        var below = paging.Vmalloc(perTable - 1).Value;
        Assert.Equal(new VirtAddr(boundary), paging.Vmalloc(1).Value);
        var tables = paging.Snapshot().KernelTables.Length;
        Assert.True(paging.Vfree(below).IsOk);
        Assert.Equal(tables - 1, paging.Snapshot().KernelTables.Length);

        var (fresh, _) = PagingBadInputTests.Boot(side, format, 2048);
        Assert.True(fresh.Vmalloc(perTable).IsOk);
        var above = fresh.Vmalloc(1).Value;
        Assert.Equal(new VirtAddr(boundary + Page), above);
        tables = fresh.Snapshot().KernelTables.Length;
        Assert.True(fresh.Vfree(above).IsOk);
        Assert.Equal(tables - 1, fresh.Snapshot().KernelTables.Length);
    }

    [Theory]
    [InlineData("model")]
    [InlineData("impl")]
    public void Boot_needs_a_frame_for_the_shared_vmalloc_table(string side)
    {
        var layout = MemoryLayout.Flat(4);
        IBuddyAllocator pages = side == "model" ? new BuddyModel(layout) : new BuddyAllocator(layout);
        Drain(pages);
        var refused = Assert.Throws<InvalidOperationException>(() => side == "model"
            ? new PagingModel(PagingFormat.FourLevel, pages)
            : (IPagingSystem)new PagingSystem(PagingFormat.FourLevel, pages));
        Assert.Equal("no frame for the kernel's vmalloc table", refused.Message);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_frame_freed_behind_the_paging_layers_back_is_not_hidden(string side, string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot(side, format, 64);
        var pgd = paging.Snapshot().Spaces.Single().Pgd;
        Assert.True(paging.Pages.FreePages(pgd, new Order(0)).IsOk);
        var refused = Assert.Throws<InvalidOperationException>(() => paging.DestroyAddressSpace(mm));
        Assert.StartsWith($"the buddy allocator refused the paging layer's frame {pgd}: ", refused.Message,
            StringComparison.Ordinal);
    }

    /// <summary>Takes every free frame from the allocator (as another subsystem would), lowest first.</summary>
    private static List<Pfn> Drain(IBuddyAllocator pages)
    {
        var taken = new List<Pfn>();
        for (var frame = pages.AllocPages(new Order(0), ZoneType.Normal); frame.IsOk;
            frame = pages.AllocPages(new Order(0), ZoneType.Normal))
        {
            taken.Add(frame.Value);
        }

        return taken;
    }
}
