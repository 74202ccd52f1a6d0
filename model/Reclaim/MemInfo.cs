using System.Globalization;
using System.Text;
using MMSpec.Model.Core;

namespace MMSpec.Model.Reclaim;

/// <summary>
/// The reclaim lines of /proc/meminfo, as fs/proc/meminfo.c meminfo_proc_show prints them in Linux 6.18: each
/// show_val_kb(m, label, pages), the label padded to 16 columns by the source's own string, the pages in KiB
/// (pages &lt;&lt; (PAGE_SHIFT - 10)) right-aligned in 8 columns (seq_put_decimal_ull_width), then " kB". Only the
/// lines reclaim moves, in the kernel's order; the others (MemTotal, Cached, Slab ...) are not printed.
/// </summary>
public static class MemInfo
{
    /// <summary>The lines, in meminfo_proc_show's order, with the page count each shows.</summary>
    public static IEnumerable<(string Label, ulong Pages)> Lines(ReclaimSnapshot snapshot)
    {
        var total = (ulong)snapshot.Swap.Sum(a => (long)a.Usable);
        var used = (ulong)snapshot.Swap.Sum(a => (long)a.InUse);
        yield return ("SwapCached:     ", Count(snapshot, f => f.Flags.HasFlag(FolioFlags.SwapCache)));
        yield return ("Active(anon):   ", ListLength(snapshot, LruList.ActiveAnon));
        yield return ("Inactive(anon): ", ListLength(snapshot, LruList.InactiveAnon));
        yield return ("Active(file):   ", ListLength(snapshot, LruList.ActiveFile));
        yield return ("Inactive(file): ", ListLength(snapshot, LruList.InactiveFile));
        yield return ("Unevictable:    ", ListLength(snapshot, LruList.Unevictable));
        yield return ("SwapTotal:      ", total);
        yield return ("SwapFree:       ", total - used);

        // NR_FILE_DIRTY counts the dirty folios of mappings that can write back (folio_account_dirtied): regular
        // files only, shmem and anon folios never; NR_WRITEBACK every folio under writeback.
        yield return ("Dirty:          ",
            Count(snapshot, f => f.Kind == FolioKind.File && f.Flags.HasFlag(FolioFlags.Dirty)));
        yield return ("Writeback:      ", Count(snapshot, f => f.Flags.HasFlag(FolioFlags.Writeback)));
    }

    /// <summary>The lines as /proc/meminfo's text, each ended by a newline.</summary>
    public static string Render(ReclaimSnapshot snapshot) => Render(Lines(snapshot));

    /// <summary>Lines of labels and page counts as /proc/meminfo's text: show_val_kb for each.</summary>
    public static string Render(IEnumerable<(string Label, ulong Pages)> lines)
    {
        var text = new StringBuilder();
        foreach (var (label, pages) in lines)
        {
            text.Append(label).Append(CultureInfo.InvariantCulture, $"{pages * (Pfn.PageSize / 1024),8}")
                .Append(" kB\n");
        }

        return text.ToString();
    }

    private static ulong ListLength(ReclaimSnapshot snapshot, LruList list) => (ulong)snapshot.Lru[(int)list].Length;

    private static ulong Count(ReclaimSnapshot snapshot, Func<FolioState, bool> which) =>
        (ulong)snapshot.Folios.Count(which);
}
