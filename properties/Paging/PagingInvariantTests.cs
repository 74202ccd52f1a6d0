using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>Each invariant, given a real snapshot broken in exactly one way, reports exactly that (and the sound one,
/// nothing).</summary>
public sealed class PagingInvariantTests
{
    private readonly PagingSnapshot _sound;
    private readonly AddressSpaceState _mm;

    public PagingInvariantTests()
    {
        var paging = new PagingModel(PagingFormat.FourLevel, new BuddyModel(MemoryLayout.Flat(64)));
        var mm = paging.CreateAddressSpace().Value;
        Assert.True(paging.Access(mm, new VirtAddr(UserLayout.TextStart(paging.Format)), Access.Read, Privilege.User,
            0).IsOk);
        Assert.True(paging.Access(mm, new VirtAddr(UserLayout.BssStart(paging.Format)), Access.Write, Privilege.User,
            1).IsOk);
        Assert.True(paging.Vmalloc(1).IsOk);
        _sound = paging.Snapshot();
        _mm = _sound.Spaces.Single();
    }

    private PageState Text => _mm.Pages[0];

    private PageState Bss => _mm.Pages[1];

    [Fact]
    public void A_sound_snapshot_breaks_no_rule()
    {
        Assert.Equal(2, _mm.Pages.Length);
        Assert.Empty(PagingInvariants.All(_sound));
    }

    [Fact]
    public void Frame_ownership_catches_a_frame_owned_twice_a_leak_and_a_free_frame_in_use()
    {
        var twice = With(_mm with { Pages = [Text, Bss with { Frame = _mm.Pgd }] });
        Assert.Equal([$"frame {_mm.Pgd} is owned by mm0 PGD and mm0 anon page {Bss.Addr:x}",
            $"allocated but owned by nobody [{Bss.Frame}], owned but free []"],
            Details(PagingInvariants.CheckFrameOwnership(twice), PagingInvariants.FrameOwnership));

        var leaked = With(_mm with { Pages = [Text] });
        Assert.Equal([$"allocated but owned by nobody [{Bss.Frame}], owned but free []"],
            Details(PagingInvariants.CheckFrameOwnership(leaked), PagingInvariants.FrameOwnership));

        var pages = _sound.Pages;
        var free = _sound with { Pages = new BuddySnapshot(pages.Layout, pages.Free,
            pages.Allocated.Where(b => b.Pfn != Bss.Frame)) };
        Assert.Equal([$"allocated but owned by nobody [], owned but free [({Bss.Frame}, mm0 anon page {Bss.Addr:x})]"],
            Details(PagingInvariants.CheckFrameOwnership(free), PagingInvariants.FrameOwnership));
    }

    [Fact]
    public void Frame_ownership_lists_every_frame_of_a_leaked_block_in_order_and_every_free_frame_in_use()
    {
        var pages = _sound.Pages;
        var block = pages.Free.First(b => b.Order.Value >= 1);
        var pair = new Block(block.Pfn, new Order(1));
        var leaked = _sound with { Pages = new BuddySnapshot(pages.Layout, pages.Free.Where(b => b != block),
            pages.Allocated.Append(pair)) };
        Assert.Equal([$"allocated but owned by nobody [{block.Pfn} {new Pfn(block.Pfn.Value + 1)}], owned but free []"],
            Details(PagingInvariants.CheckFrameOwnership(leaked), PagingInvariants.FrameOwnership));

        var free = _sound with { Pages = new BuddySnapshot(pages.Layout, pages.Free,
            pages.Allocated.Where(b => b.Pfn != Bss.Frame && b.Pfn != _mm.Pgd)) };
        Assert.Equal(
            [$"allocated but owned by nobody [], owned but free [({_mm.Pgd}, mm0 PGD); ({Bss.Frame}, mm0 anon page "
            + $"{Bss.Addr:x})]"],
            Details(PagingInvariants.CheckFrameOwnership(free), PagingInvariants.FrameOwnership));
    }

    [Fact]
    public void Frame_ownership_names_every_kind_of_owner()
    {
        var pgd = _mm.Pgd;
        var table = _mm.Tables[0];
        var cached = _sound.Cache.Single();
        var kernelTable = _sound.KernelTables[0];
        var area = _sound.Vmalloc.Single();
        var everywhere = _sound with
        {
            Spaces = [_mm with { Tables = _mm.Tables.SetItem(0, table with { Frame = pgd }) }],
            Cache = [cached with { Frame = pgd }],
            KernelTables = _sound.KernelTables.SetItem(0, kernelTable with { Frame = pgd }),
            Vmalloc = [area with { Frames = [area.Frames[0], pgd] }],
        };
        var level = (int depth) => PageLevelText.Of(_sound.Format.Levels[depth]);
        Assert.Equal(
            $"frame {pgd} is owned by mm0 PGD and mm0 {level(table.Depth)} table {table.Index:x} and page cache file0@0"
            + $" and kernel {level(kernelTable.Depth)} table {kernelTable.Index:x} and vmalloc page "
                + $"{area.Start + Pfn.PageSize:x}",
            Details(PagingInvariants.CheckFrameOwnership(everywhere), PagingInvariants.FrameOwnership).First());
    }

    [Fact]
    public void Entries_must_point_at_the_page_cache_page_of_their_offset()
    {
        var wrong = With(_mm with { Pages = [Text with { Frame = Bss.Frame }, Bss] });
        Assert.Equal([$"mm0: {Text with { Frame = Bss.Frame }} is not the page-cache page of file0@0"],
            Details(PagingInvariants.CheckEntriesPointAtOwners(wrong), PagingInvariants.EntriesPointAtOwners));
    }

    [Theory]
    [InlineData("outside", "outside every VMA")]
    [InlineData("backing", "backed by file0@1, not by 400000-408000 r-xp file0@0")]
    [InlineData("supervisor", "not user-accessible")]
    [InlineData("writable", "writable in 400000-408000 r-xp file0@0")]
    [InlineData("private", "writable in 408000-40a000 rw-p file0@8")]
    [InlineData("executable", "executable in 40a000-40c000 rw-p anon")]
    [InlineData("absent", "present bit disagrees with 40a000-40c000 rw-p anon")]
    public void Entries_must_lie_in_a_vma_with_no_more_rights_than_it_grants(string how, string why)
    {
        var (page, broken) = how switch
        {
            "outside" => (Bss, Bss with { Addr = 0x50_0000 }),
            "backing" => (Text, Text with { Owner = Text.Owner with { PgOff = 1 } }),
            "supervisor" => (Text, Text with { Flags = Text.Flags & ~PteFlags.User }),
            "writable" => (Text, Text with { Flags = Text.Flags | PteFlags.ReadWrite }),
            "private" =>
                (Text, Text with { Addr = UserLayout.DataStart(_sound.Format),
                Owner = Text.Owner with { PgOff = UserLayout.TextPages }, Flags = Text.Flags | PteFlags.ReadWrite }),
            "executable" => (Bss, Bss with { Flags = Bss.Flags & ~PteFlags.NoExecute }),
            _ => (Bss, Bss with { Flags = Bss.Flags & ~PteFlags.Present }),
        };
        var snapshot = With(_mm with { Pages = [.. _mm.Pages.Select(p => p == page ? broken : p)] });
        Assert.Equal([$"mm0: {broken} {why}"],
            Details(PagingInvariants.CheckEntriesInsideVmas(snapshot), PagingInvariants.EntriesInsideVmas));
    }

    [Fact]
    public void Kernel_entries_must_never_be_user_accessible()
    {
        var page = _sound.KernelPages.Single();
        var snapshot = _sound with { KernelPages = [page with { Flags = page.Flags | PteFlags.User }] };
        Assert.Equal([$"kernel page {page with { Flags = page.Flags | PteFlags.User }} is user-accessible"],
            Details(PagingInvariants.CheckEntriesInsideVmas(snapshot), PagingInvariants.EntriesInsideVmas));
    }

    [Fact]
    public void Tables_exist_only_under_their_parent_and_over_a_vma()
    {
        var far = new TableState(1, 200, new Pfn(60));
        Assert.Equal([$"mm0: PUD table for {200UL << 39:x} (frame 0x3c) maps no VMA"],
            Details(PagingInvariants.CheckTablesOnlyWhereNeeded(With(_mm with { Tables = _mm.Tables.Add(far) })),
                PagingInvariants.TablesOnlyWhereNeeded));

        var pte = _mm.Tables.Single(t => t.Depth == 3);
        var orphaned = With(_mm with { Tables = [.. _mm.Tables.Where(t => t.Depth != 2)] });
        Assert.Equal([$"mm0: PTE table for {pte.Index << 21:x} (frame {pte.Frame}) has no parent table"],
            Details(PagingInvariants.CheckTablesOnlyWhereNeeded(orphaned), PagingInvariants.TablesOnlyWhereNeeded));
    }

    [Fact]
    public void VmPTE_and_the_rss_counters_must_match_the_tables_and_pages()
    {
        Assert.Equal(3 * 4096UL, _mm.PgTablesBytes);
        Assert.Equal(["mm0: VmPTE 16384 bytes, its tables make 12288"],
            Details(PagingInvariants.CheckAccounting(With(_mm with { PgTablesBytes = 16384 })),
                PagingInvariants.PgTablesBytes));
        Assert.Equal(["mm0: RSS file/anon/shmem 1/2/0, its pages make 1/1/0"],
            Details(PagingInvariants.CheckAccounting(With(_mm with { RssAnon = 2 })), PagingInvariants.RssCounters));
        Assert.Equal(["mm0: RSS file/anon/shmem 0/1/1, its pages make 1/1/0"],
            Details(PagingInvariants.CheckAccounting(With(_mm with { RssFile = 0, RssShmem = 1 })),
                PagingInvariants.RssCounters));
    }

    [Fact]
    public void All_reports_every_broken_rule_in_order()
    {
        var broken = With(_mm with
        {
            Pages = [Text with { Frame = Bss.Frame, Flags = Text.Flags | PteFlags.ReadWrite }, Bss],
            Tables = _mm.Tables.Add(new TableState(1, 200, new Pfn(60))),
            PgTablesBytes = 0,
        });
        Assert.Equal(
            [PagingInvariants.FrameOwnership, PagingInvariants.EntriesPointAtOwners, PagingInvariants.EntriesInsideVmas,
             PagingInvariants.TablesOnlyWhereNeeded, PagingInvariants.PgTablesBytes],
            PagingInvariants.All(broken).Select(v => v.Rule));

        // The incremental check's rules on part of the spaces: every per-space rule is reported there too.
        Assert.Equal(
            [PagingInvariants.FrameOwnership, PagingInvariants.EntriesPointAtOwners, PagingInvariants.EntriesInsideVmas,
             PagingInvariants.TablesOnlyWhereNeeded, PagingInvariants.PgTablesBytes],
            PagingInvariants.Within(broken).Select(v => v.Rule));
    }

    private static IEnumerable<string> Details(IEnumerable<Violation> violations, string rule) =>
        violations.Select(v => v.Rule == rule ? v.Detail : $"{v.Rule}: {v.Detail}");

    private PagingSnapshot With(AddressSpaceState mm) => _sound with { Spaces = ImmutableArray.Create(mm) };
}
