namespace MMSpec.Model.Oom;

/// <summary>
/// The OOM killer's choices as Linux 6.18 makes them (mm/oom_kill.c, fs/proc/base.c), over the processes in creation
/// order (for_each_process follows init_task.tasks, and fork adds at the tail). totalPages is oc-&gt;totalpages:
/// totalram_pages() + total_swap_pages for a global OOM.
/// </summary>
public interface IOomKiller
{
    /// <summary>
    /// oom_badness (&gt;= 5.9, signed): long.MinValue for a task that may not be killed (unkillable, no mm left,
    /// oom_score_adj -1000, MMF_OOM_SKIP, in vfork); otherwise RSS + swap entries + page-table pages, plus
    /// oom_score_adj * (totalPages / 1000), which may be negative.
    /// </summary>
    long Badness(OomTask task, ulong totalPages);

    /// <summary>select_bad_process with oom_evaluate_task's rules, the processes in creation order.</summary>
    OomSelection SelectBadProcess(IReadOnlyList<OomTask> tasks, ulong totalPages);

    /// <summary>/proc/&lt;pid&gt;/oom_score (&gt;= 5.9): 0 for an ineligible task, else 0..2000.</summary>
    long OomScore(OomTask task, ulong totalPages);
}
