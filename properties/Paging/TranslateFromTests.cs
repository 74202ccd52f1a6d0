using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>
/// The walk a PDE-cache hit makes (<see cref="IPagingSystem.TranslateFrom"/>) on both sides, and physical
/// addresses past the end of memory, which a walk through a freed page table can produce.
/// </summary>
public sealed class TranslateFromTests
{
    private const ulong Frames = 64;

    [Theory]
    [MemberData(nameof(PagingBadInputTests.Cases), MemberType = typeof(PagingBadInputTests))]
    public void From_the_address_s_page_table_the_walk_is_the_walk_from_cr3(string side, string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot(side, format, Frames);
        var bss = new VirtAddr(UserLayout.BssStart(paging.Format));
        Assert.Equal((byte)6, paging.Access(mm, bss, Access.Write, Privilege.User, 6).Value);
        var read = paging.Translate(mm, bss, Access.Read, Privilege.User).Value;
        var leaf = paging.Snapshot().Spaces.Single().Tables.Single(t => t.Depth == paging.Format.Depth - 1);
        Assert.Equal(leaf.Frame, read.PageTable);
        Assert.Equal(read, paging.TranslateFrom(mm, read.PageTable, bss, Access.Read, Privilege.User).Value);
        var fetched = paging.TranslateFrom(mm, read.PageTable, bss, Access.Fetch, Privilege.User);
        Assert.Equal(paging.Format.HasNx ? new PageFault(bss, FaultKind.FetchFromNx, PageLevel.Pte) : null,
            fetched.Error);
        var text = new VirtAddr(UserLayout.TextStart(paging.Format) + 1);
        Assert.Equal(new PageFault(text, FaultKind.NotPresent, PageLevel.Pte),
            paging.TranslateFrom(mm, read.PageTable, text, Access.Read, Privilege.User).Error);
        Assert.Equal(new UnknownAddressSpace(new AsId(7)),
            paging.TranslateFrom(new AsId(7), read.PageTable, bss, Access.Read, Privilege.User).Error);
    }

    [Theory]
    [MemberData(nameof(PagingBadInputTests.Cases), MemberType = typeof(PagingBadInputTests))]
    public void A_vmalloc_page_walks_from_the_shared_kernel_page_table(string side, string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot(side, format, Frames);
        var area = paging.Vmalloc(1).Value;
        var walk = paging.Translate(mm, area, Access.Write, Privilege.Supervisor).Value;
        Assert.Equal(walk, paging.TranslateFrom(mm, walk.PageTable, area, Access.Write, Privilege.Supervisor).Value);
        Assert.Equal(walk.PageTable,
            paging.Snapshot().KernelTables.Single(t => t.Depth == paging.Format.Depth - 1).Frame);
    }

    [Theory]
    [MemberData(nameof(PagingExamples.Formats), MemberType = typeof(PagingExamples))]
    public void The_model_refuses_a_walk_from_a_frame_that_is_not_the_address_s_page_table(string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot("model", format, Frames);
        var bss = new VirtAddr(UserLayout.BssStart(paging.Format));
        Assert.True(paging.Access(mm, bss, Access.Write, Privilege.User, 6).IsOk);
        var table = paging.Translate(mm, bss, Access.Read, Privilege.User).Value.PageTable;
        var elsewhere = new Pfn(table.Value + 1);
        Assert.Equal(new StaleTableWalk(bss, elsewhere),
            paging.TranslateFrom(mm, elsewhere, bss, Access.Read, Privilege.User).Error);
        Assert.True(paging.Munmap(mm, new VirtAddr(UserLayout.TextStart(paging.Format)),
            UserLayout.TextPages + UserLayout.DataPages + UserLayout.BssPages).IsOk);
        Assert.Equal(new StaleTableWalk(bss, table),
            paging.TranslateFrom(mm, table, bss, Access.Read, Privilege.User).Error);
        Assert.Equal($"StaleTableWalk: walk of {bss} from {table}, which is not its page table any more",
            new StaleTableWalk(bss, table).ToString());
    }

    [Fact]
    public void The_implementation_walks_from_whatever_the_frame_holds()
    {
        var (paging, mm) = PagingBadInputTests.Boot("impl", PagingFormat.FourLevel.Name, Frames);
        var stack = new VirtAddr(UserLayout.StackTop(PagingFormat.FourLevel) - Pfn.PageSize);
        var table = paging.Pages.AllocPages(new Order(0), ZoneType.Normal).Value;
        var page = paging.Pages.AllocPages(new Order(0), ZoneType.Normal).Value;
        var entry = PagingFormat.MakeEntry(page, PteFlags.Present | PteFlags.User);
        var at = (ulong)PagingFormat.FourLevel.IndexOf(stack.Value, 3) * 8;
        for (var b = 0; b < 8; b++)
        {
            paging.WriteFrame(table, at + (ulong)b, (byte)(entry >> (8 * b)));
        }

        var walked = paging.TranslateFrom(mm, table, stack, Access.Read, Privilege.User).Value;
        Assert.Equal(new PageWalk(new Translation(page, PteFlags.Present | PteFlags.User | PteFlags.Accessed), table),
            walked);
        Assert.Equal((byte)PteFlags.Accessed, paging.ReadFrame(table, at) & (byte)PteFlags.Accessed);
        Assert.Equal(new PageFault(stack, FaultKind.NotPresent, PageLevel.Pgd),
            paging.Translate(mm, stack, Access.Read, Privilege.User).Error);
        Assert.Equal(new PageFault(stack, FaultKind.WriteToReadOnly, PageLevel.Pte),
            paging.TranslateFrom(mm, table, stack, Access.Write, Privilege.User).Error);
    }

    [Theory]
    [InlineData("model")]
    [InlineData("impl")]
    public void A_frame_past_the_end_of_memory_reads_as_all_ones_and_ignores_writes(string side)
    {
        var (paging, _) = PagingBadInputTests.Boot(side, PagingFormat.FourLevel.Name, Frames);
        var last = new Pfn(Frames - 1);
        var beyond = new Pfn(Frames << 20);
        paging.WriteFrame(last, 9, 7);
        paging.WriteFrame(beyond, 9, 7);
        Assert.Equal(((byte)7, (byte)0xFF), (paging.ReadFrame(last, 9), paging.ReadFrame(beyond, 9)));
        Assert.Equal((byte)0xFF, paging.ReadFrame(new Pfn(Frames), 0));
    }
}
