using System.Diagnostics;
using MMSpec.Model.Core;

namespace MMSpec.Model.Reclaim;

public partial class ReclaimModel
{
    /// <summary>DEF_PRIORITY: the scan starts at 1/4096 of each list.</summary>
    public const int DefPriority = 12;

    /// <summary>SWAP_CLUSTER_MAX: direct reclaim's nr_to_reclaim, and the batch shrink_list takes.</summary>
    public const int SwapClusterMax = 32;

    private ulong _anonCost;
    private ulong _fileCost;

    /// <summary>
    /// do_try_to_free_pages: shrink_node at priorities 12..0 until 32 pages are reclaimed; with nothing reclaimed,
    /// once more with the full memcg walk (6be5e186fd65), then once more with forced deactivation when an active
    /// list was skipped.
    /// </summary>
    public Result<ulong> TryToFreePages()
    {
        var sc = new ScanControl();
        for (var pass = 0; pass < 3; pass++)
        {
            for (sc.Priority = DefPriority; sc.Priority >= 0; sc.Priority--)
            {
                ShrinkNode(sc);
                if (sc.NrReclaimed >= SwapClusterMax)
                {
                    return sc.NrReclaimed;
                }
            }

            if (sc.NrReclaimed > 0)
            {
                return sc.NrReclaimed;
            }

            if (pass == 1 && !sc.SkippedDeactivate)
            {
                break;
            }

            if (pass == 1)
            {
                (sc.ForceDeactivate, sc.SkippedDeactivate) = (true, false);
            }
        }

        return sc.NrReclaimed;
    }

    /// <summary>shrink_node: prepare_scan_control, then shrink_lruvec of the one lruvec.</summary>
    private void ShrinkNode(ScanControl sc)
    {
        (sc.AnonCost, sc.FileCost) = (_anonCost, _fileCost);
        sc.DeactivateAnon = sc.ForceDeactivate || InactiveIsLow(LruList.InactiveAnon);
        sc.DeactivateFile = sc.ForceDeactivate || InactiveIsLow(LruList.InactiveFile);
        sc.CacheTrimMode = ((ulong)Size(LruList.InactiveFile) >> sc.Priority) != 0 && !sc.DeactivateFile;
        var file = (ulong)(Size(LruList.ActiveFile) + Size(LruList.InactiveFile));
        sc.FileIsTiny = file + _pages.Snapshot().FreePages <= Watermarks.High && !sc.DeactivateAnon
            && ((ulong)Size(LruList.InactiveAnon) >> sc.Priority) != 0;
        ShrinkLruvec(sc);
    }

    /// <summary>
    /// inactive_is_low: the inactive list is low when inactive * ratio &lt; active, the ratio int_sqrt(10 * GiB) of
    /// both lists together (1 under 1 GiB).
    /// </summary>
    protected virtual bool InactiveIsLow(LruList inactive)
    {
        var inactivePages = (ulong)Size(inactive);
        var activePages = (ulong)Size(inactive + 1);
        var gb = (inactivePages + activePages) >> (30 - Pfn.PageShift);
        var ratio = gb != 0 ? MemorySystem.WatermarksModel.IntSqrt(10 * gb) : 1;
        return inactivePages * ratio < activePages;
    }

    /// <summary>get_scan_count: how many pages of each evictable list to scan at this priority.</summary>
    protected virtual ulong[] GetScanCount(ScanControl sc)
    {
        var balance = !CanReclaimAnonPages ? ScanBalance.File
            : sc.Priority == 0 && Swappiness.Value != 0 ? ScanBalance.Equal
            : sc.FileIsTiny ? ScanBalance.Anon
            : sc.CacheTrimMode ? ScanBalance.File
            : ScanBalance.Fract;
        var (ap, fp) = PressureBalance(sc.AnonCost, sc.FileCost, Swappiness.Value);
        Debug.Assert(ap + fp >= 200, "ap >= swappiness and fp >= 200 - swappiness: the denominator is never 0");
        var nr = new ulong[4];
        for (var lru = LruList.InactiveAnon; lru <= LruList.ActiveFile; lru++)
        {
            var scan = (ulong)Size(lru) >> sc.Priority;
            var file = IsFileList(lru);
            nr[(int)lru] = balance switch
            {
                ScanBalance.Fract => (ulong)(((UInt128)scan * (file ? fp : ap)) / (ap + fp)),
                ScanBalance.File => file ? scan : 0,
                ScanBalance.Anon => file ? 0 : scan,
                _ => scan,
            };
        }

        return nr;
    }

    /// <summary>
    /// calculate_pressure_balance: anon and file shares from swappiness and the IO costs, each cost counted twice
    /// against its own type.
    /// </summary>
    protected virtual (ulong Anon, ulong File) PressureBalance(ulong anonCost, ulong fileCost, int swappiness)
    {
        var total = anonCost + fileCost;
        var a = total + anonCost;
        var f = total + fileCost;
        var all = a + f + 1;
        return ((ulong)swappiness * all / (a + 1), (ulong)(200 - swappiness) * all / (f + 1));
    }

    /// <summary>
    /// lru_note_cost: nr_io * SWAP_CLUSTER_MAX + nr_rotated added to the type's cost; both halved when their sum
    /// passes a quarter of the four lists.
    /// </summary>
    private void LruNoteCost(bool file, ulong nrIo, ulong nrRotated)
    {
        var cost = NoteCost(nrIo, nrRotated);
        if (cost == 0)
        {
            // lru_note_cost_unlock_irq returns before the decay when there is nothing to charge.
            return;
        }

        if (file)
        {
            _fileCost += cost;
        }
        else
        {
            _anonCost += cost;
        }

        var lruSize = (ulong)(Size(LruList.InactiveAnon) + Size(LruList.ActiveAnon) + Size(LruList.InactiveFile)
            + Size(LruList.ActiveFile));
        if (_fileCost + _anonCost > lruSize / 4)
        {
            _fileCost /= 2;
            _anonCost /= 2;
        }
    }

    /// <summary>can_reclaim_anon_pages for global reclaim: a free swap slot (get_nr_swap_pages() &gt; 0).</summary>
    protected virtual bool CanReclaimAnonPages => FreeSwapSlots() > 0;

    /// <summary>can_age_anon_pages: swap is present (total_swap_pages &gt; 0), full or not.</summary>
    private bool CanAgeAnonPages => _swap.Count > 0;

    /// <summary>lru_note_cost's charge (6.3 on): 32 per page of IO, 1 per rotation.</summary>
    protected virtual ulong NoteCost(ulong nrIo, ulong nrRotated) => (nrIo * SwapClusterMax) + nrRotated;

    /// <summary>struct scan_control, for one try_to_free_pages.</summary>
    protected sealed class ScanControl
    {
        public int Priority { get; set; }

        public ulong NrReclaimed { get; set; }

        public ulong AnonCost { get; set; }

        public ulong FileCost { get; set; }

        public bool DeactivateAnon { get; set; }

        public bool DeactivateFile { get; set; }

        public bool CacheTrimMode { get; set; }

        public bool FileIsTiny { get; set; }

        public bool ForceDeactivate { get; set; }

        public bool SkippedDeactivate { get; set; }
    }
}
