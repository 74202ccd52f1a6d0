using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>The lockstep comparison: frame numbers aside, every part of the state is compared and a difference is
/// named.</summary>
public sealed class PagingSnapshotTests
{
    private readonly PagingSnapshot _state;
    private readonly AddressSpaceState _mm;

    public PagingSnapshotTests()
    {
        var paging = new PagingModel(PagingFormat.TwoLevel, new BuddyModel(MemoryLayout.Flat(64)));
        var mm = paging.CreateAddressSpace().Value;
        Assert.True(paging.Access(mm, new VirtAddr(UserLayout.DataStart(paging.Format)), Access.Read, Privilege.User,
            0).IsOk);
        Assert.True(paging.Vmalloc(1).IsOk);
        _state = paging.Snapshot();
        _mm = _state.Spaces.Single();
    }

    [Fact]
    public void Frame_numbers_alone_make_no_difference()
    {
        var renumbered = _mm with
        {
            Pgd = new Pfn(63),
            Tables = [.. _mm.Tables.Select(t => t with { Frame = new Pfn(62) })],
            Pages = [.. _mm.Pages.Select(p => p with { Frame = new Pfn(61) })],
        };
        Assert.Null(_state.DiffFrom(_state with { Spaces = [renumbered],
            Cache = [.. _state.Cache.Select(c => c with { Frame = new Pfn(61) })] }));
    }

    [Fact]
    public void Each_part_of_an_address_space_is_compared()
    {
        var page = _mm.Pages.Single();
        Assert.Equal("address spaces differ: here [mm0], there [mm1]",
            _state.DiffFrom(Space(_mm with { Id = new AsId(1) })));
        Assert.Equal("mm0: brk differ: only here [134561792], only there [134561793]",
            _state.DiffFrom(Space(_mm with { Brk = _mm.Brk + 1 })));
        Assert.StartsWith("mm0: VMAs differ: only here [",
            _state.DiffFrom(Space(_mm with { Vmas = _mm.Vmas.RemoveAt(0) })), StringComparison.Ordinal);
        Assert.Equal("mm0: tables differ: only here [(1, 32)], only there []",
            _state.DiffFrom(Space(_mm with { Tables = [] })));
        Assert.Equal(
            $"mm0: pages differ: only here [({page.Addr}, {page.Flags}, file0@8)], only there [({page.Addr}, "
            + $"{page.Flags | PteFlags.Dirty}, file0@8)]",
            _state.DiffFrom(Space(_mm with { Pages = [page with { Flags = page.Flags | PteFlags.Dirty }] })));
        Assert.Equal("mm0: VmPTE bytes differ: only here [4096], only there [0]",
            _state.DiffFrom(Space(_mm with { PgTablesBytes = 0 })));
        Assert.Equal("mm0: RSS file/anon/shmem differ: only here [(1, 0, 0)], only there [(1, 1, 0)]",
            _state.DiffFrom(Space(_mm with { RssAnon = 1 })));
    }

    [Fact]
    public void The_page_cache_vmalloc_kernel_tables_and_free_frames_are_compared()
    {
        Assert.Equal("page cache differ: only here [(file0, 8)], only there []",
            _state.DiffFrom(_state with { Cache = [] }));
        Assert.Equal($"vmalloc areas differ: only here [({_state.Vmalloc[0].Start}, 1)], only there []",
            _state.DiffFrom(_state with { Vmalloc = [] }));
        Assert.Equal("kernel tables differ: only here [(1, 994)], only there []",
            _state.DiffFrom(_state with { KernelTables = [] }));
        var kernel = _state.KernelPages.Single();
        Assert.Equal($"kernel pages differ: only here [({kernel.Addr}, {kernel.Flags}, anon)], only there []",
            _state.DiffFrom(_state with { KernelPages = [] }));
        var pages = _state.Pages;
        var fewer = new BuddySnapshot(pages.Layout, pages.Free.Skip(1), pages.Allocated.Concat(pages.Free.Take(1)));
        Assert.StartsWith("free frames differ: only here [", _state.DiffFrom(_state with { Pages = fewer }),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Every_difference_is_reported_a_line_each_with_every_item()
    {
        var two = _mm with { Brk = _mm.Brk + 1,
            Tables = [new TableState(1, 40, new Pfn(40)), new TableState(1, 41, new Pfn(41))] };
        var mine = _mm with { Tables = [new TableState(1, 32, new Pfn(32)), new TableState(1, 33, new Pfn(33))] };
        Assert.Equal(
            "mm0: brk differ: only here [134561792], only there [134561793]\n"
            + "mm0: tables differ: only here [(1, 32); (1, 33)], only there [(1, 40); (1, 41)]\n"
            + "page cache differ: only here [(file0, 8)], only there []",
            Space(mine).DiffFrom(_state with { Spaces = [two], Cache = [] }));
    }

    private PagingSnapshot Space(AddressSpaceState mm) => _state with { Spaces = ImmutableArray.Create(mm) };
}
