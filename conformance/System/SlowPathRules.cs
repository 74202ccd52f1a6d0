using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>
/// The slow path's rules (docs/system.md): four any correct allocator keeps, read off the run's steps (safe), and
/// Linux 6.18's steps in Linux's order (exact, against <see cref="SlowPathModel"/>).
/// </summary>
public static class SlowPathRules
{
    public const string AtomicNeverReclaims = "slowpath-atomic-never-reclaims";
    public const string OomOnlyWhereItMayHelp = "slowpath-oom-only-where-it-may-help";
    public const string ReclaimGivesUp = "slowpath-reclaim-gives-up";
    public const string AllocatedOnlyWithAPage = "slowpath-allocated-only-with-a-page";
    public const string StepsAsLinux = "slowpath-steps-as-linux";

    private static readonly SlowPathModel Model = new();

    /// <summary>The first rule <paramref name="subject"/> breaks on <paramref name="c"/>, or null.</summary>
    public static Violation? FirstBroken(ISlowPath subject, SlowPathCase c, Level checks)
    {
        var run = subject.Run(c.Request, new ScriptedWorld(c.Script));
        var gfp = c.Request.Gfp;
        var steps = run.Steps;
        if (!gfp.HasFlag(Gfp.DirectReclaim) && steps.Any(s => s.Action is SlowPathAction.Reclaim
            or SlowPathAction.Compact))
        {
            return new(AtomicNeverReclaims,
                $"an allocation without __GFP_DIRECT_RECLAIM reclaimed or compacted:\n{run}");
        }

        var mayKill = c.Request.Order <= SlowPathModel.CostlyOrder && gfp.HasFlag(Gfp.Fs)
            && !gfp.HasFlag(Gfp.RetryMayFail) && !gfp.HasFlag(Gfp.ThisNode)
            && GfpRules.HighestZone(gfp) == ZoneType.Normal;
        if (!mayKill && steps.Any(s => s.Action == SlowPathAction.OutOfMemory))
        {
            return new(OomOnlyWhereItMayHelp, $"out_of_memory was called where it may not kill:\n{run}");
        }

        if (LongestFruitlessRetry(c.Request, steps) > SlowPathModel.MaxReclaimRetries)
        {
            return new(ReclaimGivesUp, $"more than {SlowPathModel.MaxReclaimRetries} reclaim retries without "
                + $"progress:\n{run}");
        }

        var found = steps.Count > 0 && steps[^1] is { Action: SlowPathAction.Freelist, Answer: "page" };
        if (found != (run.Outcome == SlowPathOutcome.Allocated)
            || steps.SkipLast(1).Any(s => s is { Action: SlowPathAction.Freelist, Answer: "page" }))
        {
            return new(AllocatedOnlyWithAPage, $"the run ends {run.Outcome} but its page came elsewhere:\n{run}");
        }

        if (checks.HasFlag(Level.Exact))
        {
            var linux = Model.Run(c.Request, new ScriptedWorld(c.Script));
            if (linux.Outcome != run.Outcome || !linux.Steps.SequenceEqual(steps))
            {
                return new(StepsAsLinux, $"the slow path ran\n{run}\nLinux 6.18 runs\n{linux}");
            }
        }

        return null;
    }

    /// <summary>
    /// The most reclaim-retry questions asked in a row without progress: a reclaim that freed pages (for an order
    /// up to 3) or a visit to __alloc_pages_may_oom (its last freelist try at the high mark; a run that goes on after
    /// it had progress there: a kill, an abort, or a request without __GFP_FS that loops) starts the count again.
    /// </summary>
    private static int LongestFruitlessRetry(SlowPathRequest request, IReadOnlyList<SlowPathStep> steps)
    {
        var (run, longest) = (0, 0);
        foreach (var step in steps)
        {
            var progress = (step.Action == SlowPathAction.Reclaim && step.Answer != "0"
                    && request.Order <= SlowPathModel.CostlyOrder)
                || step is { Action: SlowPathAction.Freelist, Flags: AllocFlags.WmarkHigh | AllocFlags.Cpuset };
            run = progress ? 0 : step.Action == SlowPathAction.ReclaimRetryCheck ? run + 1 : run;
            longest = Math.Max(longest, run);
        }

        return longest;
    }
}
