using MMSpec.Model.Core;

namespace MMSpec.Model.Reclaim;

public partial class ReclaimModel
{
    /// <summary>
    /// shrink_lruvec: the lists scanned in batches of 32 toward get_scan_count's targets; once 32 are reclaimed
    /// below DEF_PRIORITY, the type with less left stops and the other is scaled to what remains of its target.
    /// Then the anon active list is aged when swap is on and the inactive anon list is low.
    /// </summary>
    private void ShrinkLruvec(ScanControl sc)
    {
        var nr = GetScanCount(sc);
        var targets = (ulong[])nr.Clone();
        var proportional = sc.Priority == DefPriority;
        ulong reclaimed = 0;
        var bound = new LoopBound((long)nr.Aggregate(0UL, (a, b) => a + b) + 1);
        while (nr[(int)LruList.InactiveAnon] != 0 || nr[(int)LruList.ActiveFile] != 0
            || nr[(int)LruList.InactiveFile] != 0)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            for (var lru = LruList.InactiveAnon; lru <= LruList.ActiveFile; lru++)
            {
                if (nr[(int)lru] != 0)
                {
                    var batch = Math.Min(nr[(int)lru], SwapClusterMax);
                    nr[(int)lru] -= batch;
                    reclaimed += ShrinkList(lru, (int)batch, sc);
                }
            }

            if (reclaimed < SwapClusterMax || proportional)
            {
                continue;
            }

            if (!ScaleTargets(nr, targets))
            {
                break;
            }
        }

        sc.NrReclaimed += reclaimed;
        if (CanAgeAnonPages && InactiveIsLow(LruList.InactiveAnon))
        {
            ShrinkActiveList(SwapClusterMax, LruList.ActiveAnon);
        }
    }

    /// <summary>
    /// The goal met: the type with less left stops; the other's lists get what remains of their targets scaled by
    /// the share the stopped type had still to go. False when one type has nothing left (the loop ends).
    /// </summary>
    private static bool ScaleTargets(ulong[] nr, ulong[] targets)
    {
        var nrFile = nr[(int)LruList.InactiveFile] + nr[(int)LruList.ActiveFile];
        var nrAnon = nr[(int)LruList.InactiveAnon] + nr[(int)LruList.ActiveAnon];
        if (nrFile == 0 || nrAnon == 0)
        {
            return false;
        }

        var stopAnon = nrFile > nrAnon;
        var smaller = stopAnon ? LruList.InactiveAnon : LruList.InactiveFile;
        var scanTarget = targets[(int)smaller] + targets[(int)smaller + 1] + 1;
        var percentage = (stopAnon ? nrAnon : nrFile) * 100 / scanTarget;
        nr[(int)smaller] = 0;
        nr[(int)smaller + 1] = 0;
        var other = stopAnon ? LruList.InactiveFile : LruList.InactiveAnon;
        foreach (var lru in new[] { other, other + 1 })
        {
            var scanned = targets[(int)lru] - nr[(int)lru];
            var scaled = targets[(int)lru] * (100 - percentage) / 100;
            nr[(int)lru] = scaled - Math.Min(scaled, scanned);
        }

        return true;
    }

    /// <summary>shrink_list: an active list only when its type may be deactivated; an inactive one always.</summary>
    private ulong ShrinkList(LruList lru, int count, ScanControl sc)
    {
        if (lru is LruList.ActiveAnon or LruList.ActiveFile)
        {
            if (IsFileList(lru) ? sc.DeactivateFile : sc.DeactivateAnon)
            {
                ShrinkActiveList(count, lru);
            }
            else
            {
                sc.SkippedDeactivate = true;
            }

            return 0;
        }

        return ShrinkInactiveList(count, lru);
    }

    /// <summary>isolate_lru_folios: up to <paramref name="count"/> folios off the tail, the tail-most first.</summary>
    private List<Folio> Isolate(LruList lru, int count)
    {
        var list = _lru[(int)lru];
        var taken = new List<Folio>();
        while (taken.Count < count && list.Count > 0)
        {
            taken.Add(_folios[list[^1]]);
            list.RemoveAt(list.Count - 1);
        }

        return taken;
    }

    /// <summary>move_folios_to_lru: each to the head of the list its flags name, the first isolated first.</summary>
    private void PutBack(IEnumerable<Folio> folios)
    {
        foreach (var folio in folios)
        {
            AddToLru(folio);
        }
    }

    /// <summary>
    /// shrink_active_list: referenced executable file folios stay active; every other folio is deactivated
    /// (PG_workingset set), referenced or not.
    /// </summary>
    private void ShrinkActiveList(int count, LruList lru)
    {
        var taken = Isolate(lru, count);
        var kept = new List<Folio>();
        var deactivated = new List<Folio>();
        foreach (var folio in taken)
        {
            var (young, exec) = FolioReferenced(folio);
            if (young > 0 && exec && folio.Kind == FolioKind.File)
            {
                kept.Add(folio);
                continue;
            }

            folio.Set(FolioFlags.Active, false);
            folio.Set(FolioFlags.Workingset, true);
            deactivated.Add(folio);
        }

        PutBack(kept);
        PutBack(deactivated);
        _events = _events with
        {
            PgRefill = _events.PgRefill + (ulong)taken.Count,
            PgDeactivate = _events.PgDeactivate + (ulong)deactivated.Count,
        };
        LruNoteCost(IsFileList(lru), 0, (ulong)kept.Count);
    }

    /// <summary>
    /// shrink_inactive_list: isolate, shrink_folio_list, the rest back; the scans and steals counted, the cost noted.
    /// </summary>
    private ulong ShrinkInactiveList(int count, LruList lru)
    {
        var taken = Isolate(lru, count);
        var file = IsFileList(lru);
        var scanned = (ulong)taken.Count;
        _events = _events with
        {
            PgScanDirect = _events.PgScanDirect + scanned,
            PgScanAnon = _events.PgScanAnon + (file ? 0 : scanned),
            PgScanFile = _events.PgScanFile + (file ? scanned : 0),
        };
        if (taken.Count == 0)
        {
            return 0;
        }

        var (reclaimed, pageout, back) = ShrinkFolioList(taken, ignoreReferences: false);
        PutBack(back);
        _events = _events with
        {
            PgStealDirect = _events.PgStealDirect + reclaimed,
            PgStealAnon = _events.PgStealAnon + (file ? 0 : reclaimed),
            PgStealFile = _events.PgStealFile + (file ? reclaimed : 0),
        };
        LruNoteCost(file, pageout, scanned - reclaimed);
        return reclaimed;
    }
}
