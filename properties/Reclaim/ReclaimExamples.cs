using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using Xunit;
using static MMSpec.Properties.Core.PageAddresses;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// Worked examples with answers derived by hand from Linux 6.18's rules, run on the model and on the implementation:
/// the reclaim lines of /proc/meminfo and the /proc/vmstat counters through swap-out, swap-in, the two-touch rule and
/// writeback.
/// </summary>
public sealed class ReclaimExamples
{
    private static readonly ReclaimConfig Machine = new(1024, 1, 1, 8);

    private static readonly CpuId Cpu0 = new(0);

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Meminfo_and_vmstat_follow_a_page_out_to_swap_and_back(string side)
    {
        var system = Create(side);
        Assert.Equal(new SwapType(0), system.Swapon(65, null).Value);
        var mm = system.CreateMm().Value;
        var anon = system.Mmap(mm, MapKind.Anon, 0, 4).Value;
        for (var page = 0UL; page < 4; page++)
        {
            Assert.True(system.Access(mm, Cpu0, Page(anon, page), true, 0x100 + page).IsOk);
        }

        // Four new anonymous folios start on the inactive list (Linux >= 5.9); 64 usable slots are 256 kB of swap.
        Assert.Equal(Meminfo(swapFree: 256, inactiveAnon: 16), MemInfo.Render(system.Snapshot()));

        // MADV_PAGEOUT: the folio is written to its slot, every PTE becomes the swap entry, the frame is freed.
        Assert.Equal(1UL, system.PageOut(mm, anon).Value);
        var swapped = system.Snapshot();
        Assert.Equal(Meminfo(swapFree: 252, inactiveAnon: 12), MemInfo.Render(swapped));
        Assert.Equal((1UL, 0UL, 4UL), (swapped.Events.PswpOut, swapped.Events.PswpIn, swapped.Events.PgPgOut));

        // The next read faults it back (do_swap_page); a slot of count 1 skips the swap cache (SWP_SYNCHRONOUS_IO)
        // and is freed once the page is mapped. The word written before is there.
        Assert.Equal(0x100UL, system.Access(mm, Cpu0, anon, false, 0).Value);
        var back = system.Snapshot();
        Assert.Equal(Meminfo(swapFree: 256, inactiveAnon: 16), MemInfo.Render(back));
        Assert.Equal((1UL, 1UL, 4UL, 1UL), (back.Events.PswpIn, back.Events.PgMajFault, back.Events.PgPgIn,
            back.Events.PswpOut));
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Meminfo_counts_a_second_read_as_active_and_a_written_page_as_dirty_until_writeback(string side)
    {
        var system = Create(side);

        // folio_mark_accessed: the first read sets PG_referenced, the second activates the folio.
        Assert.True(system.ReadFile(0, 0).IsOk);
        Assert.True(system.ReadFile(0, 1).IsOk);
        Assert.True(system.ReadFile(0, 0).IsOk);
        Assert.Equal(Meminfo(swapFree: 0, activeFile: 4, inactiveFile: 4, swapTotal: 0),
            MemInfo.Render(system.Snapshot()));
        Assert.Equal(1UL, system.Snapshot().Events.PgActivate);

        // A whole-page write() dirties the folio (NR_FILE_DIRTY); the flusher moves it to writeback, its end clears it.
        Assert.True(system.WriteFile(0, 2, 0xabc).IsOk);
        Assert.Equal(Meminfo(swapFree: 0, activeFile: 4, inactiveFile: 8, swapTotal: 0, dirty: 4),
            MemInfo.Render(system.Snapshot()));
        Assert.Equal(1UL, system.StartWriteback().Value);
        Assert.Equal(Meminfo(swapFree: 0, activeFile: 4, inactiveFile: 8, swapTotal: 0, writeback: 4),
            MemInfo.Render(system.Snapshot()));
        Assert.True(system.EndWriteback().IsOk);
        Assert.Equal(Meminfo(swapFree: 0, activeFile: 4, inactiveFile: 8, swapTotal: 0),
            MemInfo.Render(system.Snapshot()));
        Assert.Equal(0xabcUL, system.ReadFile(0, 2).Value);
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Paging_out_an_active_dirty_file_page_marks_it_workingset_and_keeps_it_for_writeback(string side)
    {
        var system = Create(side);
        Assert.True(system.ReadFile(0, 0).IsOk && system.ReadFile(0, 0).IsOk);
        var mm = system.CreateMm().Value;
        var file = system.Mmap(mm, MapKind.File, 0, 1).Value;
        Assert.True(system.Access(mm, Cpu0, file, true, 0x77).IsOk);

        // madvise_cold_or_pageout_pte_range: an active folio gets PG_workingset, loses PG_active and PG_referenced;
        // shrink_folio_list cannot write a dirty file folio from direct reclaim: PG_reclaim, activated again.
        Assert.Equal(0UL, system.PageOut(mm, file).Value);
        var folio = Assert.Single(system.Snapshot().Folios);
        var kept = FolioFlags.Active | FolioFlags.Workingset | FolioFlags.Dirty | FolioFlags.Reclaim;
        Assert.Equal(kept, folio.Flags & (kept | FolioFlags.Referenced));
        Assert.Equal(0x77UL, system.ReadFile(0, 0).Value);
    }

    [Fact]
    public void Meminfo_lines_are_the_kernels_labels_padded_to_16_and_kib_right_aligned_in_8()
    {
        var line = MemInfo.Render(Create("model").Snapshot()).Split('\n')[0];
        Assert.Equal("SwapCached:            0 kB", line);
        Assert.Equal(16 + 8 + 3, line.Length);
    }

    private static IReclaimSystem Create(string side) => ReclaimSides.Create(side, Machine);

    /// <summary>The expected reclaim lines of /proc/meminfo, every value in kB.</summary>
    private static string Meminfo(ulong swapFree, ulong inactiveAnon = 0, ulong activeFile = 0,
        ulong inactiveFile = 0, ulong swapTotal = 256, ulong dirty = 0, ulong writeback = 0) =>
        $"SwapCached:     {0,8} kB\n"
        + $"Active(anon):   {0,8} kB\n"
        + $"Inactive(anon): {inactiveAnon,8} kB\n"
        + $"Active(file):   {activeFile,8} kB\n"
        + $"Inactive(file): {inactiveFile,8} kB\n"
        + $"Unevictable:    {0,8} kB\n"
        + $"SwapTotal:      {swapTotal,8} kB\n"
        + $"SwapFree:       {swapFree,8} kB\n"
        + $"Dirty:          {dirty,8} kB\n"
        + $"Writeback:      {writeback,8} kB\n";
}
