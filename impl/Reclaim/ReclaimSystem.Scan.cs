using System.Diagnostics;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// Direct reclaim's arithmetic (mm/vmscan.c, classic LRU): the priority loop of do_try_to_free_pages,
/// prepare_scan_control, get_scan_count and shrink_lruvec with its proportional scaling.
/// </summary>
public sealed partial class ReclaimSystem
{
    // sc->skipped_deactivate: an active list was passed over in this try_to_free_pages.
    private bool _skippedDeactivate;

    /// <summary>The scan_control fields prepare_scan_control sets for one shrink_node.</summary>
    private readonly record struct ScanState(int Priority, bool DeactivateAnon, bool DeactivateFile,
        bool CacheTrimMode, bool FileIsTiny, ulong AnonCost, ulong FileCost);

    /// <summary>
    /// try_to_free_pages / do_try_to_free_pages: the priority loop; with nothing reclaimed, once more (the memcg full
    /// walk retry, unconditional), then once more with force_deactivate when an active list was skipped.
    /// </summary>
    public Result<ulong> TryToFreePages()
    {
        _skippedDeactivate = false;
        var reclaimed = PriorityLoop(forceDeactivate: false);
        if (reclaimed == 0)
        {
            reclaimed = PriorityLoop(forceDeactivate: false);
        }

        if (reclaimed == 0 && _skippedDeactivate)
        {
            reclaimed = PriorityLoop(forceDeactivate: true);
        }

        return reclaimed;
    }

    /// <summary>
    /// do_try_to_free_pages' loop: shrink_node at priority 12 down to 0, stopping after the priority that brought
    /// the pages reclaimed to SWAP_CLUSTER_MAX.
    /// </summary>
    private ulong PriorityLoop(bool forceDeactivate)
    {
        var reclaimed = 0UL;
        for (var priority = DefPriority; priority >= 0; priority--)
        {
            reclaimed += ShrinkLruvec(PrepareScanControl(priority, forceDeactivate));
            if (reclaimed >= ClusterMax)
            {
                break;
            }
        }

        return reclaimed;
    }

    /// <summary>
    /// prepare_scan_control: the costs snapshotted; may_deactivate from inactive_is_low (no refaults here), both
    /// bits with force_deactivate; cache_trim_mode and file_is_tiny (file + free at or below the high watermarks).
    /// </summary>
    private ScanState PrepareScanControl(int priority, bool forceDeactivate)
    {
        var deactivateAnon = forceDeactivate || InactiveIsLow(LruList.InactiveAnon);
        var deactivateFile = forceDeactivate || InactiveIsLow(LruList.InactiveFile);
        var highWmarks = 0UL;
        foreach (var zone in _zones)
        {
            highWmarks += zone.High;
        }

        var file = Size(LruList.InactiveFile) + Size(LruList.ActiveFile);
        return new ScanState(priority, deactivateAnon, deactivateFile,
            CacheTrimMode: (Size(LruList.InactiveFile) >> priority) != 0 && !deactivateFile,
            FileIsTiny: file + FreeFrames() <= highWmarks && !deactivateAnon
                && (Size(LruList.InactiveAnon) >> priority) != 0,
            _anonCost, _fileCost);
    }

    /// <summary>
    /// get_scan_count: FILE without a free swap slot, EQUAL at priority 0 (swappiness not 0), ANON for a tiny file
    /// LRU, FILE in cache-trim mode, else FRACT by calculate_pressure_balance; each list's size over the priority.
    /// </summary>
    private void GetScanCount(ScanState sc, Span<ulong> nr)
    {
        var swappiness = (ulong)_swappiness.Value;
        var balance = FreeSwapSlots() == 0 ? ScanBalance.File
            : sc.Priority == 0 && swappiness != 0 ? ScanBalance.Equal
            : sc.FileIsTiny ? ScanBalance.Anon
            : sc.CacheTrimMode ? ScanBalance.File
            : ScanBalance.Fract;
        var total = sc.AnonCost + sc.FileCost;
        var (a, f) = (total + sc.AnonCost, total + sc.FileCost);
        var ap = swappiness * (a + f + 1) / (a + 1);
        var fp = (Swappiness.Max - swappiness) * (a + f + 1) / (f + 1);
        Debug.Assert(ap + fp >= Swappiness.Max, "ap >= swappiness, fp >= 200 - swappiness: never a 0 denominator");
        for (var lru = LruList.InactiveAnon; lru <= LruList.ActiveFile; lru++)
        {
            var scan = Size(lru) >> sc.Priority;
            var file = IsFileList(lru);
            nr[(int)lru] = balance switch
            {
                ScanBalance.Fract => scan * (file ? fp : ap) / (ap + fp),
                ScanBalance.File => file ? scan : 0,
                ScanBalance.Anon => file ? 0 : scan,
                _ => scan,
            };
        }
    }

    /// <summary>
    /// shrink_lruvec: the lists scanned SWAP_CLUSTER_MAX at a time; past the goal (not at DEF_PRIORITY) the type with
    /// less left stops and the other is scaled to what its target leaves; then the active anon list aged when swap
    /// is on and the inactive anon list is low.
    /// </summary>
    private ulong ShrinkLruvec(ScanState sc)
    {
        Span<ulong> nr = stackalloc ulong[4];
        Span<ulong> targets = stackalloc ulong[4];
        GetScanCount(sc, nr);
        nr.CopyTo(targets);
        var proportional = sc.Priority == DefPriority;
        var reclaimed = 0UL;
        var bound = new LoopBound((long)(nr[0] + nr[1] + nr[2] + nr[3]) + 1);
        while (nr[(int)LruList.InactiveAnon] != 0 || nr[(int)LruList.ActiveFile] != 0
            || nr[(int)LruList.InactiveFile] != 0)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            for (var lru = LruList.InactiveAnon; lru <= LruList.ActiveFile; lru++)
            {
                if (nr[(int)lru] != 0)
                {
                    var n = Math.Min(nr[(int)lru], ClusterMax);
                    nr[(int)lru] -= n;
                    reclaimed += ShrinkList(lru, (int)n, sc);
                }
            }

            if (reclaimed < ClusterMax || proportional)
            {
                continue;
            }

            if (!ScaleRemainder(nr, targets))
            {
                break;
            }
        }

        if (TotalSwapSlots() > 0 && InactiveIsLow(LruList.InactiveAnon))
        {
            ShrinkActiveList(ClusterMax, LruList.ActiveAnon);
        }

        return reclaimed;
    }

    /// <summary>
    /// shrink_lruvec's nudge towards proportionality: false when the file or the anon remainder is 0 (stop);
    /// otherwise the smaller type zeroed and the other's lists cut to target * (100 - percentage) / 100 less what
    /// they scanned.
    /// </summary>
    private static bool ScaleRemainder(Span<ulong> nr, ReadOnlySpan<ulong> targets)
    {
        var nrFile = nr[(int)LruList.InactiveFile] + nr[(int)LruList.ActiveFile];
        var nrAnon = nr[(int)LruList.InactiveAnon] + nr[(int)LruList.ActiveAnon];
        if (nrFile == 0 || nrAnon == 0)
        {
            return false;
        }

        var smaller = nrFile > nrAnon ? (int)LruList.InactiveAnon : (int)LruList.InactiveFile;
        var left = nrFile > nrAnon ? nrAnon : nrFile;
        var percentage = left * 100 / (targets[smaller] + targets[smaller + 1] + 1);
        nr[smaller] = 0;
        nr[smaller + 1] = 0;
        var other = smaller == (int)LruList.InactiveFile ? (int)LruList.InactiveAnon : (int)LruList.InactiveFile;
        for (var lru = other; lru <= other + 1; lru++)
        {
            var scanned = targets[lru] - nr[lru];
            var scaled = targets[lru] * (100 - percentage) / 100;
            nr[lru] = scaled - Math.Min(scaled, scanned);
        }

        Debug.Assert(percentage <= 100, "what is left is at most the target");
        return true;
    }

    /// <summary>
    /// shrink_list: an active list only when may_deactivate has its type (else skipped_deactivate; its pages
    /// reclaimed are 0), an inactive list by shrink_inactive_list.
    /// </summary>
    private ulong ShrinkList(LruList lru, int n, ScanState sc)
    {
        if (lru is LruList.InactiveAnon or LruList.InactiveFile)
        {
            return ShrinkInactiveList(n, lru);
        }

        if (IsFileList(lru) ? sc.DeactivateFile : sc.DeactivateAnon)
        {
            ShrinkActiveList(n, lru);
        }
        else
        {
            _skippedDeactivate = true;
        }

        return 0;
    }
}
