using MMSpec.Model.Core;

namespace MMSpec.Model.Oom;

/// <summary>The OOM killer's kernel log lines, byte for byte as Linux 6.18 prints them (mm/oom_kill.c).</summary>
public static class OomLog
{
    /// <summary>The message of a global OOM kill (out_of_memory).</summary>
    public const string OutOfMemory = "Out of memory";

    /// <summary>
    /// __oom_kill_process's pr_err: "%s: Killed process %d (%s) total-vm:%lukB, anon-rss:%lukB, file-rss:%lukB,
    /// shmem-rss:%lukB, UID:%u pgtables:%lukB oom_score_adj:%hd" (K(x) is pages &lt;&lt; 2; pgtables are bytes
    /// &gt;&gt; 10).
    /// </summary>
    public static string KilledProcess(OomTask victim, string message = OutOfMemory) =>
        $"{message}: Killed process {victim.Pid.Value} ({victim.Comm}) total-vm:{Kb(victim.TotalVm)}kB, "
        + $"anon-rss:{Kb(victim.AnonRss)}kB, file-rss:{Kb(victim.FileRss)}kB, shmem-rss:{Kb(victim.ShmemRss)}kB, "
        + $"UID:{victim.Uid} pgtables:{victim.PgTablesBytes >> 10}kB oom_score_adj:{victim.Adj.Value}";

    /// <summary>select_bad_process found nothing: out_of_memory's message before it panics.</summary>
    public const string NoKillableProcesses = "Out of memory and no killable processes...";

    /// <summary>
    /// oom_reap_task's pr_info after __oom_reap_task_mm: "oom_reaper: reaped process %d (%s), now anon-rss:%lukB,
    /// file-rss:%lukB, shmem-rss:%lukB", the counters as the reaper left them.
    /// </summary>
    public static string Reaped(OomTask victim) =>
        $"oom_reaper: reaped process {victim.Pid.Value} ({victim.Comm}), now anon-rss:{Kb(victim.AnonRss)}kB, "
        + $"file-rss:{Kb(victim.FileRss)}kB, shmem-rss:{Kb(victim.ShmemRss)}kB";

    private static ulong Kb(ulong pages) => pages << (Pfn.PageShift - 10);
}
