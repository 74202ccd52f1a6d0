using MMSpec.Model.Core;

namespace MMSpec.Model.Oom;

/// <summary>
/// The reference OOM killer: each rule of mm/oom_kill.c and fs/proc/base.c (Linux 6.18) written as the kernel states
/// it, one step per line.
/// </summary>
public class OomKillerModel : IOomKiller
{
    /// <summary>LONG_MIN: what oom_badness returns for a task it will not kill.</summary>
    public const long Ineligible = long.MinValue;

    /// <summary>LONG_MAX: the points of an oom_task_origin task.</summary>
    public const long OriginPoints = long.MaxValue;

    public virtual long Badness(OomTask task, ulong totalPages)
    {
        if (task.Unkillable || !task.HasMm)
        {
            return Ineligible;
        }

        if (task.Adj.Value == OomScoreAdj.Min || task.OomSkip || task.InVfork)
        {
            return Ineligible;
        }

        long points = (long)(task.Rss + task.SwapEntries + (task.PgTablesBytes / Pfn.PageSize));

        // "Use the integer division first": adj * (totalpages / 1000).
        long adj = task.Adj.Value;
        adj *= (long)(totalPages / 1000);
        return points + adj;
    }

    public OomSelection SelectBadProcess(IReadOnlyList<OomTask> tasks, ulong totalPages)
    {
        Pid? chosen = null;
        var chosenPoints = long.MinValue;
        foreach (var task in tasks)
        {
            var verdict = Evaluate(task, totalPages, chosenPoints, out var points);
            if (verdict == Verdict.Abort)
            {
                return OomSelection.Aborted;
            }

            if (verdict == Verdict.Select)
            {
                (chosen, chosenPoints) = (task.Pid, points);
            }
        }

        return chosen is { } pid ? new OomSelection(OomOutcome.Victim, pid, chosenPoints) : OomSelection.NoKillable;
    }

    /// <summary>oom_evaluate_task: skip, abort the scan, or select with these points.</summary>
    protected virtual Verdict Evaluate(OomTask task, ulong totalPages, long chosenPoints, out long points)
    {
        points = 0;
        if (task.Unkillable)
        {
            return Verdict.Skip;
        }

        // A victim not yet reaped: no new victim until the reaper set MMF_OOM_SKIP on its mm.
        if (task.Victim)
        {
            return task.OomSkip ? Verdict.Skip : Verdict.Abort;
        }

        if (task.Origin)
        {
            points = OriginPoints;
            return Verdict.Select;
        }

        points = Badness(task, totalPages);

        // Strictly less is skipped: an equal score replaces the choice, so the task scanned last wins a tie.
        if (points == Ineligible || points < chosenPoints)
        {
            return Verdict.Skip;
        }

        return Verdict.Select;
    }

    /// <summary>
    /// proc_oom_score: (1000 + badness * 1000 / totalpages) * 2 / 3 with C's truncation, 0 for an ineligible task.
    /// </summary>
    public long OomScore(OomTask task, ulong totalPages)
    {
        var badness = Badness(task, totalPages);
        if (badness == Ineligible)
        {
            return 0;
        }

        return (1000 + (badness * 1000 / (long)totalPages)) * 2 / 3;
    }

    /// <summary>
    /// oom_badness before 5.9 (5.7, 5.8): unsigned, 0 for a task it will not kill, and at least 1 for one it may
    /// (points &gt; 0 ? points : 1), so a task far below zero weighs as much as one barely above it.
    /// </summary>
    public ulong BadnessBefore59(OomTask task, ulong totalPages)
    {
        var points = Badness(task, totalPages);
        if (points == Ineligible)
        {
            return 0;
        }

        return points > 0 ? (ulong)points : 1;
    }

    /// <summary>proc_oom_score before 5.9: oom_badness * 1000 / totalpages, 0..1000.</summary>
    public ulong OomScoreBefore59(OomTask task, ulong totalPages) =>
        BadnessBefore59(task, totalPages) * 1000 / totalPages;

    /// <summary>oom_evaluate_task's three answers.</summary>
    protected enum Verdict
    {
        Skip,
        Abort,
        Select,
    }
}
