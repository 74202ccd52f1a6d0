using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Paging;

/// <summary>The scenarios a step reached, for the tally.</summary>
public sealed partial class PagingLockstep
{
    private void Track(PagingStep step, OpResult observed, MmError? error, PagingSnapshot before,
        PagingSnapshot after, StepLog log)
    {
        if (step.IsInvalid && error is not null)
        {
            log.Reached(InvalidRejected);
        }

        switch (step)
        {
            case NewMm when observed.Value is AsId created:
                _live.Add(created);
                break;
            case DestroyMm d when error is null:
                var gone = Pick(d.Mm)!.Value;
                _live.Remove(gone);
                _dead.Add(gone);
                log.Reached(Destroyed);
                break;
            case MmapStep m when observed.Value is VirtAddr mapped:
                _recent = (Pick(m.Mm)!.Value, mapped, (ulong)m.Pages);
                if (m.Boundary is null)
                {
                    break;
                }

                var size = before.Format.SpanOf(before.Format.Depth - 2);
                var start = mapped.Value;
                var end = _view[_recent.Value.Mm].Vmas.First(v => v.Contains(start)).End;
                if (start / size != (end - 1) / size)
                {
                    log.Reached(Straddles);
                }

                break;
            case MunmapStep when TableCount(after) < TableCount(before):
                log.Reached(TablesFreed);
                break;
            case MprotectStep when error is null && Downgraded(before, after):
                log.Reached(Downgrade);
                break;
            case MigrateStep or MigrateRecent when error is null:
                log.Reached(Migrated);
                break;
            case BrkStep { Delta: < 0 } when error is null:
                log.Reached(BrkShrink);
                break;
            case AccessStep a:
                TrackAccess(a, error, before, after, _view.Values, log);
                break;
        }
    }

    private static void TrackAccess(AccessStep a, MmError? error, PagingSnapshot before, PagingSnapshot after,
        IReadOnlyCollection<AddressSpaceState> all, StepLog log)
    {
        switch (error)
        {
            case FaultOutOfMemory oom:
                log.Reached(FaultOom);
                if (oom.FramesNeeded > 1)
                {
                    log.Reached(TableOom);
                }

                break;
            case SegmentationFault { Fault.Kind: FaultKind.WriteToReadOnly }:
                log.Reached(WriteToReadOnly);
                break;
            case SegmentationFault { Fault.Kind: FaultKind.FetchFromNx }:
                log.Reached(NxFetch);
                break;
            case SegmentationFault when a.Target == AccessTarget.BelowStack:
                log.Reached(StackLimit);
                break;
        }

        var vmas = (before.Spaces.Sum(s => s.Vmas.Length), after.Spaces.Sum(s => s.Vmas.Length));
        if (a.Target == AccessTarget.BelowStack && error is null && before.Spaces.Zip(after.Spaces).Any(p =>
            p.First.Vmas[^1].Start > p.Second.Vmas[^1].Start) && vmas.Item1 == vmas.Item2)
        {
            log.Reached(StackGrew);
        }

        if (a.Target == AccessTarget.Vmalloc && error is null)
        {
            log.Reached(VmallocUsed);
        }

        if (a.Access == Model.Paging.Access.Write && error is null && after.Spaces.Sum(s =>
            s.RssAnon) > before.Spaces.Sum(s => s.RssAnon)
            && after.Spaces.Sum(s => s.RssFile) < before.Spaces.Sum(s => s.RssFile))
        {
            log.Reached(CopyOnWrite);
        }

        if (all.SelectMany(s => s.Pages.Where(p => p.Owner.Backing is not null).Select(p =>
            (s.Id, p.Frame))).Distinct().GroupBy(x => x.Frame).Any(g => g.Count() > 1))
        {
            log.Reached(SharedAcrossSpaces);
        }

        if (all.Any(s => s.Pages.GroupBy(p => p.Addr / after.Format.SpanOf(after.Format.Depth - 2)).Any(g =>
            g.Count() >= 16)))
        {
            log.Reached(Dense);
        }

        if (all.Any(s => s.Tables.Length >= 8))
        {
            log.Reached(Sparse);
        }
    }

    /// <summary>Whether some page lost RW or Present, or gained NX, between two states.</summary>
    private static bool Downgraded(PagingSnapshot before, PagingSnapshot after)
    {
        const PteFlags Rights = PteFlags.Present | PteFlags.ReadWrite;
        var old = before.Spaces.SelectMany(s => s.Pages.Select(p => ((s.Id, p.Addr), p.Flags))).ToDictionary(x =>
            x.Item1, x => x.Flags);
        return after.Spaces.Any(s => s.Pages.Any(p => old.TryGetValue((s.Id, p.Addr), out var was)
            && ((was & Rights & ~p.Flags) != 0 || (p.Flags & PteFlags.NoExecute & ~was) != 0)));
    }

    private static int TableCount(PagingSnapshot s) => s.Spaces.Sum(x => x.Tables.Length);
}
