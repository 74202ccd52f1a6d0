using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;
using MMSpec.Model.Reclaim;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>The checks behind the whole system's rules.</summary>
public static partial class SystemRules
{
    private static readonly OomKillerModel Reference = new();

    /// <summary>
    /// After an exit (or the reaper's pass, for the private mappings it unmaps), every anonymous page only that
    /// address space mapped, unpinned and outside the swap cache, is no folio any more, and every swap slot only its
    /// entries referenced is free.
    /// </summary>
    private static string? NotGivenBack(SystemStepDone d)
    {
        var (pid, reap) = d.Op switch
        {
            SystemOp.DoExit e => (e.Pid, false),
            SystemOp.OomReap r => (r.Pid, true),
            _ => (new Pid(0), false),
        };
        if (pid.Value == 0 || d.Error is not null)
        {
            return null;
        }

        var owned = d.Before.Mms.Single(p => p.Pid == pid).Mm;
        var mm = d.Before.Reclaim.Mms.Single(m => m.Id == owned);
        var folios = d.Before.Reclaim.Folios.ToDictionary(f => f.Pfn);
        var left = d.After.Reclaim.Folios.Select(f => f.Pfn).ToHashSet();
        foreach (var pte in mm.Ptes)
        {
            var kind = mm.Mappings.First(m => pte.Addr.Value >= m.Start.Value && pte.Addr.Value < m.End).Kind;
            if (reap && kind is not (MapKind.Anon or MapKind.FileExec))
            {
                continue;
            }

            if (pte.Frame is { } frame && folios[frame] is { Kind: FolioKind.Anon, MapCount: 1, Pins: 0, Swap: null }
                && left.Contains(frame))
            {
                return $"{d.Op}: {pid}'s anonymous page at {pte.Addr} is still a folio at {frame}";
            }

            if (pte.Swap is { } entry && Slot(d.Before, entry) is { Count: 1, HasCache: false }
                && Slot(d.After, entry) is not null)
            {
                return $"{d.Op}: {pid}'s swap slot {entry} is still in use";
            }
        }

        return null;
    }

    private static SlotState? Slot(SystemSnapshot s, SwapEntry entry) =>
        s.Reclaim.Swap.FirstOrDefault(a => a.Type == entry.Type)?.Used.FirstOrDefault(u => u.Offset == entry.Offset)
            is { } slot && (slot.Count > 0 || slot.HasCache) ? slot : null;

    private static string? DeadTlb(SystemStepDone d)
    {
        // The state before held the rule: with the same TLB entries and the same address spaces it still does.
        if (d.After.Reclaim.Tlb.IsEmpty
            || (d.After.Reclaim.Tlb == d.Before.Reclaim.Tlb && d.After.Mms.SequenceEqual(d.Before.Mms)))
        {
            return null;
        }

        var live = d.After.Mms.Select(p => p.Mm).ToHashSet();
        return d.After.Reclaim.Tlb.Where(e => !live.Contains(e.Mm)).Select(e => $"{e}").FirstOrDefault() is { } stale
            ? $"a TLB entry of a dead address space survives: {stale}" : null;
    }

    private static IEnumerable<TaskState> Pending(SystemSnapshot s) => s.Tasks.Tasks.Where(t => t.Victim && !t.OomSkip);

    /// <summary>MMF_OOM_SKIP's purpose: no second victim while the first one is neither gone nor reaped.</summary>
    private static string? KillStorm(SystemStepDone d) =>
        d.After.OomKills > d.Before.OomKills && Pending(d.Before).FirstOrDefault() is { } pending
            ? $"{d.Op} killed again while {pending.Pid} was still a pending victim"
            : Pending(d.After).Count() > 1
                ? $"{d.Op} left victims {string.Join(", ", Pending(d.After).Select(t => t.Pid))} pending at once"
                : null;

    /// <summary>A panic means no process was eligible (Linux 6.18's oom_badness) and no victim was pending.</summary>
    private static string? Killable(SystemStepDone d)
    {
        if (d.Error is not KernelPanic)
        {
            return null;
        }

        var total = SystemViews.TotalPages(d.After);
        var eligible = SystemViews.OomTasks(d.After)
            .FirstOrDefault(t => Reference.Badness(t, total) != OomKillerModel.Ineligible);
        return eligible is not null ? $"{d.Op} panicked while {eligible} could be killed"
            : Pending(d.After).FirstOrDefault() is { } pending ? $"{d.Op} panicked while {pending.Pid} was pending"
            : null;
    }

    /// <summary>
    /// When the OOM killer fires, reclaim has nothing left to take: no clean unpinned file folio on an evictable
    /// list, and, while swap has a free slot, no unpinned anonymous or shmem folio. With swap full get_scan_count
    /// scans no anon list at all (can_reclaim_anon_pages), so a clean swap-cache folio stays too, as in Linux.
    /// </summary>
    private static string? StillReclaimable(SystemStepDone d)
    {
        if (d.After.OomKills == d.Before.OomKills)
        {
            return null;
        }

        var s = d.After.Reclaim;
        var swapFree = s.Swap.Any(a => a.InUse < a.Usable);
        var evictable = s.Lru.Take((int)LruList.Unevictable).SelectMany(l => l).ToHashSet();
        return s.Folios.FirstOrDefault(f => evictable.Contains(f.Pfn) && f.Pins == 0
                && !f.Flags.HasFlag(FolioFlags.Writeback) && (f.Kind == FolioKind.File
                    ? !f.Flags.HasFlag(FolioFlags.Dirty)
                    : swapFree))
            is { } reclaimable ? $"{d.Op} ended in an OOM kill while {reclaimable} could be reclaimed" : null;
    }

    /// <summary>A new victim is never init, nor a process whose oom_score_adj is -1000 (OOM_SCORE_ADJ_MIN).</summary>
    private static string? KilledUnkillable(SystemStepDone d) =>
        d.After.OomKills > d.Before.OomKills && NewVictim(d) is { } victim
            && (victim.Pid == Pid.Init || victim.Adj.Value == OomScoreAdj.Min)
            ? $"{d.Op} killed {victim}" : null;

    private static OomTask? NewVictim(SystemStepDone d) => SystemViews.OomTasks(d.After)
        .FirstOrDefault(t => t.Victim && !d.Before.Tasks.Tasks.Any(b => b.Pid == t.Pid && b.Victim));

    /// <summary>Whether an earlier process of the scan had the new victim's badness (the tie the last wins).</summary>
    private static bool TiedWithAnEarlier(SystemStepDone d)
    {
        var tasks = SystemViews.OomTasks(d.After);
        var total = SystemViews.TotalPages(d.After);
        var victim = NewVictim(d);
        var points = victim is null ? OomKillerModel.Ineligible : Reference.Badness(victim with { Victim = false },
            total);
        return victim is not null && tasks.TakeWhile(t => t.Pid != victim.Pid)
            .Any(t => !t.Victim && Reference.Badness(t, total) == points);
    }

    /// <summary>Whether a kill chose its victim over a larger process whose oom_score_adj is -1000.</summary>
    private static bool SparedProtected(SystemStepDone d)
    {
        var victim = NewVictim(d);
        return victim is not null
            && SystemViews.OomTasks(d.After).Any(t => t.Adj.Value == OomScoreAdj.Min && t.Rss > victim.Rss);
    }
}
