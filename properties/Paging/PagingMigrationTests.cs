using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>Page migration on both sides: the bytes move with the page, the flags stay, the old frame is freed; bad
/// input changes nothing.</summary>
public sealed class PagingMigrationTests
{
    private const ulong Page = 4096;

    public static TheoryData<string, string> Cases() => PagingBadInputTests.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Migration_moves_the_bytes_keeps_the_flags_and_frees_the_old_frame(string side, string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot(side, format, 256);
        var at = paging.Mmap(mm, new MmapRequest(2, VmProt.Read | VmProt.Write, null, 0, false)).Value;
        Assert.Equal((byte)0x5A,
            paging.Access(mm, new VirtAddr(at.Value + 8), Access.Write, Privilege.User, 0x5A).Value);
        var before = paging.Snapshot();
        var old = PageAt(before, at);
        Assert.True(paging.MigratePage(mm, at).IsOk);
        var after = paging.Snapshot();
        var moved = PageAt(after, at);
        Assert.NotEqual(old.Frame, moved.Frame);
        Assert.Equal(old.Logical, moved.Logical);
        Assert.DoesNotContain(after.Pages.Allocated, b => b.Pfn == old.Frame);
        Assert.Contains(after.Pages.Allocated, b => b.Pfn == moved.Frame);
        Assert.Equal(before.Pages.Allocated.Length, after.Pages.Allocated.Length);
        Assert.Equal((byte)0x5A, paging.ReadFrame(moved.Frame, 8));
        Assert.Equal((byte)0x5A, paging.Access(mm, new VirtAddr(at.Value + 8), Access.Read, Privilege.User, 0).Value);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Migration_refuses_what_it_cannot_move_and_changes_nothing(string side, string format)
    {
        var (paging, mm) = PagingBadInputTests.Boot(side, format, 256);
        var rw = VmProt.Read | VmProt.Write;
        var anon = paging.Mmap(mm, new MmapRequest(2, rw, null, 0, false)).Value;
        var file = paging.Mmap(mm, new MmapRequest(1, VmProt.Read, 0, 0, false)).Value;
        Assert.Equal((byte)0, paging.Access(mm, file, Access.Read, Privilege.User, 0).Value);
        Assert.Equal((byte)1, paging.Access(mm, anon, Access.Write, Privilege.User, 1).Value);
        var top = paging.Format.UserTop;
        var before = paging.Snapshot();
        Assert.Equal(new UnknownAddressSpace(new AsId(99)), paging.MigratePage(new AsId(99), anon).Error);
        Assert.Equal(new InvalidRange(new VirtAddr(anon.Value + 1), 1, "address not page-aligned"),
            paging.MigratePage(mm, new VirtAddr(anon.Value + 1)).Error);
        Assert.Equal(new InvalidRange(new VirtAddr(top), 1, "length 0, or the range leaves user space"),
            paging.MigratePage(mm, new VirtAddr(top)).Error);
        Assert.Equal(new NotMigratable(new VirtAddr(anon.Value + Page), "no page is mapped there"),
            paging.MigratePage(mm, new VirtAddr(anon.Value + Page)).Error);
        Assert.Equal(new NotMigratable(new VirtAddr(0x1000_0000), "no page is mapped there"),
            paging.MigratePage(mm, new VirtAddr(0x1000_0000)).Error);
        Assert.Equal(new NotMigratable(file, "a page-cache page; only anonymous pages migrate here"),
            paging.MigratePage(mm, file).Error);
        Assert.Null(before.DiffFrom(paging.Snapshot()));
        Assert.Null(before.Pages.DiffFrom(paging.Snapshot().Pages));
        var taken = 0;
        while (paging.Pages.AllocPages(new Order(0), ZoneType.Normal).IsOk)
        {
            taken++;
        }

        Assert.True(taken > 0);

        var full = paging.Snapshot();
        Assert.Equal(new PagingOutOfMemory("migrate_pages", 1), paging.MigratePage(mm, anon).Error);
        Assert.Null(full.DiffFrom(paging.Snapshot()));
        Assert.Null(full.Pages.DiffFrom(paging.Snapshot().Pages));
        Assert.Equal(PageAt(full, anon), PageAt(paging.Snapshot(), anon));
        Assert.Equal("page at 0x10000000 cannot be migrated: no page is mapped there",
            new NotMigratable(new VirtAddr(0x1000_0000), "no page is mapped there").Message);
    }

    private static PageState PageAt(PagingSnapshot state, VirtAddr at) =>
        state.Spaces.Single().Pages.Single(p => p.Addr == at.Value);
}
