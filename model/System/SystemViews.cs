using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using MMSpec.Model.Core;
using MMSpec.Model.Oom;
using MMSpec.Model.Reclaim;

namespace MMSpec.Model.MemorySystem;

/// <summary>
/// What the OOM killer and /proc read of a whole system, computed from its snapshot alone, so they hold for any
/// <see cref="IMemorySystem"/>: each process's counters as an <see cref="OomTask"/>, /proc/&lt;pid&gt;/status's
/// memory lines, oom_score.
/// </summary>
public static class SystemViews
{
    /// <summary>The page-table pages' size on x86-64.</summary>
    private const ulong TableBytes = 4096;

    /// <summary>totalram_pages() + total_swap_pages: what oom_badness and oom_score divide by.</summary>
    public static ulong TotalPages(SystemSnapshot snapshot) =>
        snapshot.Reclaim.Config.Frames + snapshot.Reclaim.Swap.Aggregate(0UL, (sum, area) => sum + area.Usable);

    /// <summary>
    /// Every process in creation order as the OOM killer reads it: MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES by the
    /// kind of folio each present entry maps, MM_SWAPENTS, total_vm, and mm_pgtables_bytes: the PTE, PMD and PUD
    /// tables (4-level paging) the entries need. The reclaim system keeps no empty table, so a table whose entries
    /// all went is not counted, where Linux keeps it until munmap.
    /// </summary>
    public static ImmutableArray<OomTask> OomTasks(SystemSnapshot snapshot)
    {
        var folios = snapshot.Reclaim.Folios;
        var mms = snapshot.Reclaim.Mms.ToDictionary(m => m.Id);
        return [.. snapshot.Tasks.Tasks.Select(task =>
        {
            var owned = snapshot.Mms.FirstOrDefault(p => p.Pid == task.Pid);
            var mm = owned.Pid == task.Pid ? mms.GetValueOrDefault(owned.Mm) : null;
            var (anon, file, shmem) = mm is null ? default : Rss(mm, folios);
            var totalVm = mm?.Mappings.Aggregate(0UL, (sum, m) => sum + m.Pages) ?? 0;
            return new OomTask(task.Pid, task.Comm, 0, false, task.Adj, mm is not null, anon, file, shmem,
                (ulong)(mm?.VmSwap ?? 0), PgTablesBytes(mm), totalVm, task.Victim, task.OomSkip);
        })];
    }

    /// <summary>MM_ANONPAGES, MM_FILEPAGES and MM_SHMEMPAGES: present entries by the kind of folio they map.</summary>
    private static (ulong Anon, ulong File, ulong Shmem) Rss(MmState mm, ImmutableArray<FolioState> folios)
    {
        var (anon, file, shmem) = (0UL, 0UL, 0UL);
        foreach (var pte in mm.Ptes)
        {
            if (pte.Frame is { } frame)
            {
                var kind = KindAt(folios, frame);
                anon += kind == FolioKind.Anon ? 1UL : 0;
                file += kind == FolioKind.File ? 1UL : 0;
                shmem += kind == FolioKind.Shmem ? 1UL : 0;
            }
        }

        return (anon, file, shmem);
    }

    /// <summary>The kind of the folio in the frame, by binary search: a snapshot's folios are in pfn order.</summary>
    private static FolioKind KindAt(ImmutableArray<FolioState> folios, Pfn pfn)
    {
        var (low, high) = (0, folios.Length);
        var halvings = new LoopBound(64);
        while (low < high)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            halvings.Next();
            var middle = (low + high) >>> 1;
            (low, high) = folios[middle].Pfn < pfn ? (middle + 1, high) : (low, middle);
        }

        return low < folios.Length && folios[low].Pfn == pfn ? folios[low].Kind
            : throw new InvalidOperationException($"a present entry maps {pfn}, which holds no folio");
    }

    /// <summary>
    /// The PTE, PMD and PUD tables the entries need: the distinct 2 MiB, 1 GiB and 512 GiB regions they fall in,
    /// counted as the entries (in address order) enter a new one.
    /// </summary>
    private static ulong PgTablesBytes(MmState? mm)
    {
        if (mm is null)
        {
            return 0;
        }

        var tables = 0UL;
        foreach (var shift in (ReadOnlySpan<int>)[21, 30, 39])
        {
            var last = ulong.MaxValue;
            foreach (var pte in mm.Ptes)
            {
                var region = pte.Addr.Value >> shift;
                tables += region != last ? 1UL : 0;
                last = region;
            }
        }

        return tables * TableBytes;
    }

    /// <summary>The process's <see cref="OomTask"/>, or null when no process has the pid.</summary>
    public static OomTask? TaskOf(SystemSnapshot snapshot, Pid pid) =>
        OomTasks(snapshot).FirstOrDefault(t => t.Pid == pid);

    /// <summary>
    /// The memory lines of /proc/&lt;pid&gt;/status as task_mem (fs/proc/task_mmu.c) prints them: each value in kB,
    /// right-aligned in 8 columns after its tab (seq_put_decimal_ull_width); VmPeak, VmLck, VmPin, VmHWM, VmData,
    /// VmStk, VmExe and VmLib are not kept by the simulation and not printed.
    /// </summary>
    public static string? Status(SystemSnapshot snapshot, Pid pid)
    {
        if (TaskOf(snapshot, pid) is not { } task)
        {
            return null;
        }

        var text = new StringBuilder();
        Line(text, "VmSize", task.TotalVm << 2);
        Line(text, "VmRSS", task.Rss << 2);
        Line(text, "RssAnon", task.AnonRss << 2);
        Line(text, "RssFile", task.FileRss << 2);
        Line(text, "RssShmem", task.ShmemRss << 2);
        Line(text, "VmPTE", task.PgTablesBytes >> 10);
        Line(text, "VmSwap", task.SwapEntries << 2);
        return text.ToString();
    }

    private static void Line(StringBuilder text, string label, ulong kb) =>
        text.Append(CultureInfo.InvariantCulture, $"{label}:\t{kb,8} kB\n");

    /// <summary>
    /// /proc/meminfo's lines the whole system keeps, in meminfo_proc_show's order: MemTotal (totalram_pages, every
    /// frame) and MemFree (NR_FREE_PAGES), the reclaim lines (<see cref="Reclaim.MemInfo"/>), then Slab, SReclaimable
    /// and SUnreclaim (no cache is SLAB_RECLAIM_ACCOUNT; slabs and large kmallocs are NR_SLAB_UNRECLAIMABLE_B) and
    /// VmallocUsed (vmalloc_nr_pages).
    /// </summary>
    public static string MemInfo(SystemSnapshot snapshot) => Reclaim.MemInfo.Render(
        new (string, ulong)[]
        {
            ("MemTotal:       ", snapshot.Reclaim.Config.Frames),
            ("MemFree:        ", snapshot.Reclaim.Pages.FreePages),
        }.Concat(Reclaim.MemInfo.Lines(snapshot.Reclaim)).Concat(new (string, ulong)[]
        {
            ("Slab:           ", SlabPages(snapshot)),
            ("SReclaimable:   ", 0),
            ("SUnreclaim:     ", SlabPages(snapshot)),
            ("VmallocUsed:    ", VmallocPages(snapshot)),
        }));

    /// <summary>
    /// /proc/vmstat's lines the whole system keeps, in vmstat_text's order (Linux 6.18), "name value" each: the zone
    /// counters (nr_free_pages, the zone's LRU sizes), the node counters (the LRU sizes, the slab pages), then the
    /// events (<see cref="VmEvents"/>) with allocstall_normal and allocstall_movable after pswpout and oom_kill
    /// before pgmigrate_success. The machine has one ZONE_NORMAL, so no allocstall_dma or _dma32 line.
    /// </summary>
    public static string VmStat(SystemSnapshot snapshot)
    {
        var reclaim = snapshot.Reclaim;
        var lru = Enum.GetValues<LruList>().Select(l => (ulong)reclaim.Lru[(int)l].Length).ToList();
        var text = new StringBuilder();
        void Line(string name, ulong value) => text.Append(CultureInfo.InvariantCulture, $"{name} {value}\n");
        Line("nr_free_pages", reclaim.Pages.FreePages);
        foreach (var prefix in new[] { "nr_zone_", "nr_" })
        {
            for (var list = 0; list < LruNames.Length; list++)
            {
                Line(prefix + LruNames[list], lru[list]);
            }
        }

        Line("nr_slab_reclaimable", 0);
        Line("nr_slab_unreclaimable", SlabPages(snapshot));
        foreach (var (name, value) in reclaim.Events.Lines())
        {
            if (name == "pgmigrate_success")
            {
                Line("oom_kill", (ulong)snapshot.OomKills);
            }

            Line(name, value);
            if (name == "pswpout")
            {
                Line("allocstall_normal", snapshot.AllocStalls.Normal);
                Line("allocstall_movable", snapshot.AllocStalls.Movable);
            }
        }

        return text.ToString();
    }

    /// <summary>enum lru_list's names in its order, as /proc/vmstat prints them after nr_ and nr_zone_.</summary>
    private static readonly ImmutableArray<string> LruNames =
        ["inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable"];

    private static ulong SlabPages(SystemSnapshot snapshot) =>
        snapshot.Slab.Pages.Allocated.Aggregate(0UL, (sum, b) => sum + b.Order.Pages);

    private static ulong VmallocPages(SystemSnapshot snapshot) =>
        snapshot.Vmalloc.Aggregate(0UL, (sum, a) => sum + a.Pages);

    /// <summary>/proc/zoneinfo's watermark lines for the machine's one zone, its free pages as they are now.</summary>
    public static string ZoneInfo(SystemSnapshot snapshot)
    {
        var frames = snapshot.Reclaim.Config.Frames;
        var zone = new ZoneView(WatermarksModel.NormalZone(frames), snapshot.Reclaim.Pages.FreePages, frames, frames);
        return MMSpec.Model.MemorySystem.ZoneInfo.Render([zone]);
    }

    /// <summary>/proc/&lt;pid&gt;/oom_score by <paramref name="oom"/>'s formula; null when no process has it.</summary>
    public static long? OomScore(SystemSnapshot snapshot, Pid pid, IOomKiller oom) =>
        TaskOf(snapshot, pid) is { } task ? oom.OomScore(task, TotalPages(snapshot)) : null;
}
