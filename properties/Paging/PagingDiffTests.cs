using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>
/// <see cref="PagingSnapshot.DiffFrom"/> reports every difference but frame numbers, one field alone included: its
/// shortcut for the usual case (all agreeing) must not let a single differing field through.
/// </summary>
public sealed class PagingDiffTests
{
    private static readonly PagingFormat Format = PagingFormat.FourLevel;

    [Fact]
    public void A_page_cache_page_at_another_offset_is_a_difference()
    {
        var model = new PagingModel(Format, new BuddyModel(MemoryLayout.Flat(256)));
        var mm = model.CreateAddressSpace().Value;
        var at = model.Mmap(mm, new MmapRequest(1, VmProt.Read, 1, 0, false)).Value;
        Assert.True(model.Access(mm, at, Access.Read, Privilege.User, 0).IsOk);
        var snapshot = model.Snapshot();
        var page = Assert.Single(snapshot.Cache);
        Assert.NotNull(snapshot.DiffFrom(snapshot with { Cache = [page with { PgOff = page.PgOff + 1 }] }));
        var otherFile = page with { Backing = new MappedObject(false, 2) };
        Assert.NotNull(snapshot.DiffFrom(snapshot with { Cache = [otherFile] }));
        Assert.Null(snapshot.DiffFrom(snapshot with { Cache = [page] }));
    }

    [Fact]
    public void A_vmalloc_area_at_another_start_or_of_another_length_is_a_difference()
    {
        var model = new PagingModel(Format, new BuddyModel(MemoryLayout.Flat(256)));
        Assert.True(model.Vmalloc(2).IsOk);
        var snapshot = model.Snapshot();
        var area = Assert.Single(snapshot.Vmalloc);
        var moved = area with { Start = area.Start + Pfn.PageSize };
        Assert.NotNull(snapshot.DiffFrom(snapshot with { Vmalloc = [moved] }));
        Assert.NotNull(snapshot.DiffFrom(snapshot with { Vmalloc = [area with { Frames = [area.Frames[0]] }] }));
        Assert.Null(snapshot.DiffFrom(snapshot with { Vmalloc = [area] }));
    }
}
