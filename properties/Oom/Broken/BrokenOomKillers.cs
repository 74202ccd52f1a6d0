using MMSpec.Model.Oom;

namespace MMSpec.Properties.Oom.Broken;

/// <summary>
/// oom_badness as Linux 5.7 and 5.8 computed it: unsigned, an eligible task's points clamped to at least 1
/// ("points &gt; 0 ? points : 1"), so every task pushed below zero by oom_score_adj weighs the same and the last of
/// them wins. 5.9 made it signed ("mm, oom: make the calculation of oom badness more accurate"; the facts are in
/// ../shared/kernel/reclaim-swap-compaction-oom.md, section 11.2).
/// </summary>
public sealed class UnsignedBadness : OomKillerModel
{
    public override long Badness(OomTask task, ulong totalPages) =>
        base.Badness(task, totalPages) is var points && points == Ineligible ? Ineligible : Math.Max(points, 1);
}

/// <summary>
/// The ~4.15 tie rule: oom_evaluate_task skipped a task whose points equalled the chosen one's when the chosen was a
/// thread-group leader ("points == chosen_points &amp;&amp; thread_group_leader(chosen)"), and for_each_process
/// yields only leaders, so the first of equal tasks won. 6.18 has no such rule: the last one wins.
/// </summary>
public sealed class TiesToTheFirst : OomKillerModel
{
    protected override Verdict Evaluate(OomTask task, ulong totalPages, long chosenPoints, out long points)
    {
        var verdict = base.Evaluate(task, totalPages, chosenPoints, out points);
        return verdict == Verdict.Select && points == chosenPoints ? Verdict.Skip : verdict;
    }
}

/// <summary>
/// A victim not yet reaped is passed over instead of aborting the scan, so a second task is killed while the first
/// one's memory is still on its way back: the spurious OOM kill 212925802454 ("mm: oom: let oom_reap_task and
/// exit_mmap run concurrently", 4.14) closed for a victim whose exit_mmap had not yet freed its memory.
/// </summary>
public sealed class KillsPastThePendingVictim : OomKillerModel
{
    protected override Verdict Evaluate(OomTask task, ulong totalPages, long chosenPoints, out long points)
    {
        var verdict = base.Evaluate(task, totalPages, chosenPoints, out points);
        return verdict == Verdict.Abort ? Verdict.Skip : verdict;
    }
}

/// <summary>
/// A task at oom_score_adj -1000 weighed like any other (its adj scaling its memory down, not making it ineligible):
/// earlyoom's bug rfjakob/earlyoom#210 ("earlyoom can kill a process with oom_score_adj=-1000"), a public OOM killer
/// that fell back to VmRSS when every oom_score was 0.
/// </summary>
public sealed class KillsAtAdjMin : OomKillerModel
{
    public override long Badness(OomTask task, ulong totalPages) =>
        task.Adj.Value == OomScoreAdj.Min && !task.Unkillable && task.HasMm && !task.OomSkip && !task.InVfork
            ? (long)(task.Rss + task.SwapEntries) + (OomScoreAdj.Min * (long)(totalPages / 1000))
            : base.Badness(task, totalPages);
}

/// <summary>
/// Badness from the resident pages alone, the swap entries and page tables left out: before a63d83f427fb ("oom:
/// badness heuristic rewrite", 2.6.36) made the baseline "the proportion of RAM that each task's rss, pagetable and
/// swap space use", and what a userspace killer ranking by VmRSS (earlyoom's fallback) still computes. A process
/// whose memory went to swap looks small and is spared while a smaller resident one dies.
/// </summary>
public sealed class BadnessOfRssOnly : OomKillerModel
{
    public override long Badness(OomTask task, ulong totalPages) =>
        base.Badness(task, totalPages) is var points && points == Ineligible
            ? Ineligible
            : points - (long)task.SwapEntries - (long)(task.PgTablesBytes / Model.Core.Pfn.PageSize);
}
