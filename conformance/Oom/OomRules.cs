using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Core;
using MMSpec.Model.Oom;

namespace MMSpec.Conformance.Oom;

/// <summary>
/// The OOM killer's rules (docs/oom.md): three any correct OOM killer keeps (safe), two that make it Linux 6.18's
/// (exact, against <see cref="OomKillerModel"/>). <see cref="FirstBroken"/> checks one scan.
/// </summary>
public static class OomRules
{
    public const string NeverKillsTheUnkillable = "oom-never-kills-the-unkillable";
    public const string WaitsForThePendingVictim = "oom-waits-for-the-pending-victim";
    public const string PanicsOnlyWithNoneKillable = "oom-panics-only-with-none-killable";
    public const string VictimAsLinux = "oom-victim-as-linux";
    public const string ScoresAsLinux = "oom-scores-as-linux";

    private static readonly OomKillerModel Model = new();

    /// <summary>The first rule <paramref name="subject"/> breaks on <paramref name="scan"/>, or null.</summary>
    public static Violation? FirstBroken(IOomKiller subject, OomScan scan, Level checks)
    {
        var chosen = subject.SelectBadProcess(scan.Tasks, scan.TotalPages);
        var victim = scan.Tasks.FirstOrDefault(t => t.Pid == chosen.Chosen);
        var pending = scan.Tasks.FirstOrDefault(t => !t.Unkillable && t.Victim && !t.OomSkip);
        var selectable = scan.Tasks.Any(t => !t.Unkillable && !t.Victim
            && (t.Origin || Model.Badness(t, scan.TotalPages) != OomKillerModel.Ineligible));
        if (chosen.Outcome == OomOutcome.Victim && (victim is null || victim.Unkillable || victim.Victim
            || (!victim.Origin && Model.Badness(victim, scan.TotalPages) == OomKillerModel.Ineligible)))
        {
            return new(NeverKillsTheUnkillable, $"{chosen}: {victim?.ToString() ?? "no such task"} may not be killed");
        }

        if ((pending is not null) != (chosen.Outcome == OomOutcome.Aborted))
        {
            return new(WaitsForThePendingVictim, pending is null
                ? $"{chosen} with no victim pending"
                : $"{chosen} while {pending} is not yet reaped (no MMF_OOM_SKIP): the scan must abort");
        }

        if (pending is null && (chosen.Outcome == OomOutcome.NoKillable) == selectable)
        {
            return new(PanicsOnlyWithNoneKillable, selectable
                ? "no killable process reported, but a task may be killed"
                : $"{chosen} where no task may be killed");
        }

        return checks.HasFlag(Level.Exact) ? Exact(subject, scan, chosen) : null;
    }

    private static Violation? Exact(IOomKiller subject, OomScan scan, OomSelection chosen)
    {
        var expected = Model.SelectBadProcess(scan.Tasks, scan.TotalPages);
        if (chosen != expected)
        {
            return new(VictimAsLinux, $"select_bad_process chose {chosen}; Linux 6.18 chooses {expected}");
        }

        foreach (var task in scan.Tasks)
        {
            var (badness, score) = (subject.Badness(task, scan.TotalPages), subject.OomScore(task, scan.TotalPages));
            var (linuxBadness, linuxScore) = (Model.Badness(task, scan.TotalPages),
                Model.OomScore(task, scan.TotalPages));
            if (badness != linuxBadness || score != linuxScore)
            {
                return new(ScoresAsLinux, $"{task}: oom_badness {badness}, oom_score {score}; Linux 6.18 gives "
                    + $"{linuxBadness} and {linuxScore}");
            }
        }

        return null;
    }
}
