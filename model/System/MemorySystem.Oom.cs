using System.Diagnostics;
using MMSpec.Model.Core;
using MMSpec.Model.Oom;
using MMSpec.Model.Reclaim;

namespace MMSpec.Model.MemorySystem;

/// <summary>out_of_memory, oom_kill_process, the OOM reaper and kswapd: what the system does when memory runs out.
/// </summary>
public sealed partial class MemorySystem
{
    private readonly IOomKiller _oom;
    private readonly HashSet<int> _victims = [];
    private int _oomKills;
    private int _panics;

    /// <summary>
    /// out_of_memory for a global OOM (CONSTRAINT_NONE, totalram_pages + total_swap_pages): select_bad_process over
    /// every process; a victim is killed (oom_kill_process: mark_oom_victim, the "Killed process" line; its memory
    /// comes back when it exits or the reaper runs), nothing killable is logged before the panic.
    /// </summary>
    private OomOutcome OutOfMemory()
    {
        var snapshot = Snapshot();
        var tasks = SystemViews.OomTasks(snapshot);
        var chosen = _oom.SelectBadProcess(tasks, SystemViews.TotalPages(snapshot));
        if (chosen.Outcome == OomOutcome.NoKillable)
        {
            _log.Add(OomLog.NoKillableProcesses);
        }
        else if (chosen is { Outcome: OomOutcome.Victim, Chosen: { } pid })
        {
            var marked = _tasks.MarkOomVictim(pid);
            Debug.Assert(marked.IsOk, "the OOM killer chooses a killable process");
            _victims.Add(pid.Value);
            _oomKills++;
            _log.Add(OomLog.KilledProcess(tasks.First(t => t.Pid == pid)));
        }

        return chosen.Outcome;
    }

    public Result<ulong> Kswapd()
    {
        if (!_kswapdAwake)
        {
            return 0UL;
        }

        // balance_pgdat: reclaim until the zone is balanced at its high mark, or reclaim stops making progress.
        // pgdat_balanced asks __zone_watermark_ok, which fails at free_pages <= mark: balanced is above the mark.
        // Every pass that goes on frees a page, so the machine's frames bound the passes.
        var reclaimed = 0UL;
        var passes = new LoopBound((long)Config.Frames + 1);
        while (_reclaim.Counters().FreePages <= _marks.High)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            passes.Next();
            var freed = _reclaim.TryToFreePages();
            if (!freed.IsOk || freed.Value == 0)
            {
                break;
            }

            reclaimed += freed.Value;
        }

        _kswapdAwake = false;
        return reclaimed;
    }

    public Result<Unit> OomReap(Pid pid)
    {
        var task = _tasks.Snapshot().Tasks.FirstOrDefault(t => t.Pid == pid);
        if (task is null)
        {
            return new NoSuchProcess(pid);
        }

        if (!task.Victim)
        {
            return new NotAnOomVictim(pid);
        }

        if (task.OomSkip)
        {
            return new AlreadyReaped(pid);
        }

        // __oom_reap_task_mm walks the VMAs in reverse (6.18) and unmaps every private one: anonymous memory and
        // private file text; shared file and shmem mappings stay.
        var mm = _mms[pid.Value];
        var mappings = _reclaim.Snapshot().Mms.First(m => m.Id == mm).Mappings;
        foreach (var mapping in mappings.Reverse().Where(m => m.Kind is MapKind.Anon or MapKind.FileExec))
        {
            var unmapped = _reclaim.Munmap(mm, mapping.Start);
            Debug.Assert(unmapped.IsOk, "a mapping of the snapshot is there");
        }

        _log.Add(OomLog.Reaped(SystemViews.TaskOf(Snapshot(), pid)!));
        return _tasks.OomReaped(pid);
    }
}
