using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using Xunit;
using static MMSpec.Properties.Core.PageAddresses;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// compact_zone's paths the generated campaign reaches too rarely for a mutation run's budget, written out by hand on
/// a machine of four pageblocks filled with one-page anonymous mappings (mapping i on frame i: the lowest-address
/// placement), run on both sides: the same result, the same state, every word read back.
/// </summary>
public sealed class CompactionPathTests
{
    private static readonly ReclaimConfig Machine = new(4 * ReclaimConfig.PageblockPages, 2, 1, 4);

    private static readonly CpuId Cpu0 = new(0);

    /// <summary>The word mapping i holds.</summary>
    private static ulong Word(ulong i) => 0xD0000 + i;

    /// <summary>One mm with one written page per frame of the machine (four pageblocks unless told), mapping i on
    /// frame i.</summary>
    internal static (IReclaimSystem System, AsId Mm, List<VirtAddr> Pages) Filled(string side,
        ReclaimConfig? machine = null)
    {
        var system = ReclaimSides.Create(side, machine ?? Machine);
        var mm = system.CreateMm().Value;
        var pages = new List<VirtAddr>();
        for (var i = 0UL; i < system.Config.Frames; i++)
        {
            var start = system.Mmap(mm, MapKind.Anon, 0, 1).Value;
            Assert.True(system.Access(mm, Cpu0, start, true, Word(i)).IsOk);
            pages.Add(start);
        }

        Assert.Equal(0UL, system.Snapshot().Pages.FreePages);
        return (system, mm, pages);
    }

    internal static void Unmap(IReclaimSystem system, AsId mm, List<VirtAddr> pages, Func<int, bool> which)
    {
        for (var i = 0; i < pages.Count; i++)
        {
            if (which(i))
            {
                Assert.True(system.Munmap(mm, pages[i]).IsOk);
            }
        }
    }

    internal static void ReadsBack(IReclaimSystem system, AsId mm, List<VirtAddr> pages, Func<int, bool> kept)
    {
        for (var i = 0; i < pages.Count; i++)
        {
            if (kept(i))
            {
                Assert.Equal(Word((ulong)i), system.Access(mm, Cpu0, pages[i], false, 0).Value);
            }
        }
    }

    [Fact]
    public void A_folio_in_the_swap_cache_migrates_and_the_cache_follows_it()
    {
        // Frame 0 becomes a folio of another address space in the swap cache (paged out, forked, read back by the
        // parent through the cache); then every other frame of the first pageblock freed, with free targets in the
        // pageblocks above. Migration repoints the swap cache (folio_migrate_mapping): the child's fault finds the
        // folio at its new frame.
        static bool Unmapped(int i) => (i < 512 && i % 2 == 1) || (i >= 1024 && i % 4 == 0);
        var runs = ReclaimSides.Names.Select(side =>
        {
            var (system, mm, pages) = Filled(side);
            Assert.True(system.Swapon(8, null).IsOk);
            Assert.True(system.Munmap(mm, pages[0]).IsOk);
            var parent = system.CreateMm().Value;
            var shared = system.Mmap(parent, MapKind.Anon, 0, 1).Value;
            Assert.True(system.Access(parent, Cpu0, shared, true, 0x5C).IsOk);
            Assert.Equal(1UL, system.PageOut(parent, shared).Value);
            var child = system.Fork(parent).Value;
            Assert.Equal(0x5CUL, system.Access(parent, Cpu0, shared, false, 0).Value);
            var cached = Assert.Single(system.Snapshot().Folios, f => f.Flags.HasFlag(FolioFlags.SwapCache));
            Assert.Equal(new Pfn(0), cached.Pfn);
            Unmap(system, mm, pages, i => i > 0 && Unmapped(i));
            var run = system.Compact(ZoneType.Normal, 2).Value;
            var moved = Assert.Single(system.Snapshot().Folios, f => f.Flags.HasFlag(FolioFlags.SwapCache));
            Assert.NotEqual(new Pfn(0), moved.Pfn);
            Assert.Equal(0x5CUL, system.Access(child, new CpuId(1), shared, false, 0).Value);
            ReadsBack(system, mm, pages, i => i > 0 && !Unmapped(i));
            return (Run: run, State: system.Snapshot());
        }).ToList();
        var (model, impl) = (runs[0].State, runs[1].State);
        Assert.True(impl.SameAs(model), impl.DiffFrom(model));
        Assert.Equal(runs[0].Run, runs[1].Run);
        Assert.Equal(CompactResult.Success, runs[0].Run.Result);
    }

    /// <summary>
    /// compaction_suitable at its edge on 2048 frames (min 90, low 112): free pages must be above min + 2^(order+1),
    /// plus low - min for a costly order. Single free frames from the second pageblock on (so no free block of the
    /// order and a fragmentation index far above 500): one page short of the mark is COMPACT_SKIPPED, the mark plus
    /// one runs.
    /// </summary>
    [Theory]
    [InlineData(2, 98, true)]
    [InlineData(2, 99, false)]
    [InlineData(3, 106, true)]
    [InlineData(3, 107, false)]
    [InlineData(4, 144, true)]
    [InlineData(4, 145, false)]
    public void Compaction_is_skipped_up_to_min_plus_the_compact_gap_and_runs_above_it(int order, int free,
        bool skipped)
    {
        var runs = ReclaimSides.Names.Select(side =>
        {
            var (system, mm, pages) = Filled(side);
            Unmap(system, mm, pages, i => i >= 512 && i % 2 == 1 && i < 512 + (2 * free));
            Assert.Equal((ulong)free, system.Snapshot().Pages.FreePages);
            return (Run: system.Compact(ZoneType.Normal, order).Value, State: system.Snapshot());
        }).ToList();
        Assert.Equal(runs[0].Run, runs[1].Run);
        Assert.True(runs[1].State.SameAs(runs[0].State), runs[1].State.DiffFrom(runs[0].State));
        Assert.Equal(skipped, runs[0].Run.Result == CompactResult.Skipped);
    }

    /// <summary>
    /// compaction_suitable's fragmentation index for a costly order, on either side of extfrag_threshold 500: twenty
    /// free order-3 blocks (160 pages, above the order-4 mark of 144) give 1000 - (1000 + 160 * 1000 / 16) / 20 = 450,
    /// a zone short of memory rather than fragmented, so order-4 compaction is COMPACT_SKIPPED; four single free
    /// frames more give 1000 - (1000 + 164 * 1000 / 16) / 24 = 532, fragmentation, and compaction runs.
    /// </summary>
    [Theory]
    [InlineData(0, true)]
    [InlineData(4, false)]
    public void A_costly_order_is_compacted_only_when_the_fragmentation_index_is_above_the_threshold(int singles,
        bool skipped)
    {
        var runs = ReclaimSides.Names.Select(side =>
        {
            var (system, mm, pages) = Filled(side);
            Unmap(system, mm, pages, i => (i >= 512 && i < 512 + (20 * 16) && i % 16 < 8)
                || (i >= 1024 && i < 1024 + (2 * singles) && i % 2 == 0));
            Assert.Equal(160UL + (ulong)singles, system.Snapshot().Pages.FreePages);
            return (Run: system.Compact(ZoneType.Normal, 4).Value, State: system.Snapshot());
        }).ToList();
        Assert.Equal(runs[0].Run, runs[1].Run);
        Assert.True(runs[1].State.SameAs(runs[0].State), runs[1].State.DiffFrom(runs[0].State));
        Assert.Equal(skipped, runs[0].Run.Result == CompactResult.Skipped);
    }

    /// <summary>
    /// A frame compaction emptied is a new folio's next (lowest-address placement): every other frame of the first
    /// pageblock freed, targets above, order-2 compaction moves frames 0 and 2 away; the new folio on frame 0 starts
    /// with no reverse mapping of the page that left, so paging it out touches only its own entry, and every page
    /// still reads its word.
    /// </summary>
    [Fact]
    public void A_frame_compaction_emptied_carries_no_reverse_mapping_into_its_next_folio()
    {
        static bool Unmapped(int i) => (i < 512 && i % 2 == 1) || (i >= 1024 && i % 4 == 0);
        var states = ReclaimSides.Names.Select(side =>
        {
            var (system, mm, pages) = Filled(side);
            Unmap(system, mm, pages, Unmapped);
            Assert.Equal(CompactResult.Success, system.Compact(ZoneType.Normal, 2).Value.Result);
            Assert.DoesNotContain(system.Snapshot().Folios, f => f.Pfn.Value < 4);
            var other = system.CreateMm().Value;
            var page = system.Mmap(other, MapKind.Anon, 0, 1).Value;
            Assert.True(system.Access(other, Cpu0, page, true, 77).IsOk);
            Assert.Equal(0UL, system.Snapshot().Folios.Single(f => f.Content == 77).Pfn.Value);
            Assert.True(system.Swapon(16, null).IsOk);
            Assert.Equal(1UL, system.PageOut(other, page).Value);
            ReadsBack(system, mm, pages, i => !Unmapped(i));
            return system.Snapshot();
        }).ToList();
        Assert.True(states[1].SameAs(states[0]), states[1].DiffFrom(states[0]));
    }

    [Fact]
    public void The_models_fragmentation_index_is_0_with_nothing_free_and_minus_1000_with_a_block_of_the_order()
    {
        // __fragmentation_index: no free block, 0; a free block of the order, -1000; else
        // 1000 - (1000 + free_pages * 1000 / 2^order) / free_blocks_total.
        var system = new ReclaimModel(Machine);
        Assert.Equal(-1000L, system.FragmentationIndex(Order.Max));
        var mm = system.CreateMm().Value;
        var start = system.Mmap(mm, MapKind.Anon, 0, Machine.Frames).Value;
        for (var page = 0UL; page < Machine.Frames; page++)
        {
            Assert.True(system.Access(mm, Cpu0, Page(start, page), true, page).IsOk);
        }

        Assert.Equal(0L, system.FragmentationIndex(2));
        Assert.True(system.Munmap(mm, start).IsOk);
        Assert.True(system.KernelAlloc(new Order(0)).IsOk);
        Assert.True(system.KernelAlloc(new Order(Order.Max)).IsOk);

        // Frame 0 and frames 1024 to 2047 allocated: one free block of each order 0 to 9, 1023 pages; for order 10,
        // 1000 - (1000 + 1023 * 1000 / 1024) / 10 = 1000 - 1999 / 10 = 801.
        Assert.Equal(801L, system.FragmentationIndex(Order.Max));
    }
}
