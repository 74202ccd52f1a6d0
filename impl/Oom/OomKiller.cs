using MMSpec.Model.Oom;

namespace MMSpec.Impl.Oom;

/// <summary>
/// The OOM killer's selection: one pass over the processes in creation order (select_bad_process), each weighed as
/// oom_evaluate_task does, the badness folded into the same pass (oom_badness) and the page-table bytes turned into
/// pages by a shift.
/// </summary>
public class OomKiller : IOomKiller
{
    private const int PageShift = 12;

    public long Badness(OomTask task, ulong totalPages) =>
        Eligible(task) ? Points(task, totalPages) : long.MinValue;

    public OomSelection SelectBadProcess(IReadOnlyList<OomTask> tasks, ulong totalPages)
    {
        var chosen = -1;
        var chosenPoints = long.MinValue;
        for (var i = 0; i < tasks.Count; i++)
        {
            var task = tasks[i];
            if (task.KernelThread || task.Pid.Value == 1)
            {
                continue;
            }

            if (task.Victim)
            {
                // tsk_is_oom_victim: MMF_OOM_SKIP lets the scan go on past it; otherwise abort (chosen = -1).
                if (task.OomSkip)
                {
                    continue;
                }

                return OomSelection.Aborted;
            }

            // oom_task_origin is chosen before oom_badness is asked; oom_badness's LONG_MIN passes the task over.
            var points = task.Origin ? long.MaxValue : Eligible(task) ? Points(task, totalPages) : long.MinValue;
            if (points == long.MinValue)
            {
                continue;
            }

            // "points < chosen_points" skips: ties go to the later task.
            if (points >= chosenPoints)
            {
                (chosen, chosenPoints) = (i, points);
            }
        }

        return chosen < 0
            ? OomSelection.NoKillable
            : new OomSelection(OomOutcome.Victim, tasks[chosen].Pid, chosenPoints);
    }

    public long OomScore(OomTask task, ulong totalPages)
    {
        if (!Eligible(task))
        {
            return 0;
        }

        var badness = Points(task, totalPages);
        return ((badness * 1000 / (long)totalPages) + 1000) * 2 / 3;
    }

    /// <summary>oom_badness's early returns of LONG_MIN, negated.</summary>
    private static bool Eligible(OomTask task) =>
        !task.KernelThread && task.Pid.Value != 1 && task.HasMm && task.Adj.Value != -1000 && !task.OomSkip
        && !task.InVfork;

    /// <summary>
    /// get_mm_rss + MM_SWAPENTS + mm_pgtables_bytes / PAGE_SIZE, and oom_score_adj scaled by totalpages / 1000.
    /// </summary>
    protected virtual long Points(OomTask task, ulong totalPages) =>
        (long)(task.AnonRss + task.FileRss + task.ShmemRss + task.SwapEntries + (task.PgTablesBytes >> PageShift))
        + (task.Adj.Value * (long)(totalPages / 1000));
}
