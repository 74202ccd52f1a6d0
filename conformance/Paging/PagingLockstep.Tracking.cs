using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Paging;

/// <summary>
/// What one paging step reached, for the scenarios: the step, its error, the implementation's state before and
/// after, every live address space as last seen, and whether a mapping placed at a table boundary straddles it.
/// </summary>
public readonly record struct PagingStepReached(PagingStep Step, MmError? Error, PagingSnapshot Before,
    PagingSnapshot After, IReadOnlyCollection<AddressSpaceState> All, bool Straddled);

/// <summary>The address spaces a run knows of after each step, and the scenarios it reached, as data.</summary>
public sealed partial class PagingLockstep
{
    public static IReadOnlyList<Scenario<PagingStepReached>> Scenarios { get; } =
    [
        new(Destroyed, static r => r is { Step: DestroyMm, Error: null }),
        new(SharedAcrossSpaces, static r => r.Step is AccessStep && r.All.SelectMany(s => s.Pages
            .Where(p => p.Owner.Backing is not null).Select(p => (s.Id, p.Frame))).Distinct()
            .GroupBy(x => x.Frame).Any(g => g.Count() > 1)),
        new(CopyOnWrite, static r => r is { Step: AccessStep { Access: Model.Paging.Access.Write }, Error: null }
            && r.After.Spaces.Sum(s => s.RssAnon) > r.Before.Spaces.Sum(s => s.RssAnon)
            && r.After.Spaces.Sum(s => s.RssFile) < r.Before.Spaces.Sum(s => s.RssFile)),
        new(StackGrew, static r => r is { Step: AccessStep { Target: AccessTarget.BelowStack }, Error: null }
            && r.Before.Spaces.Zip(r.After.Spaces).Any(p => p.First.Vmas[^1].Start > p.Second.Vmas[^1].Start)
            && VmaCount(r.Before) == VmaCount(r.After)),
        new(StackLimit, static r => r is { Step: AccessStep { Target: AccessTarget.BelowStack },
            Error: SegmentationFault { Fault.Kind: not FaultKind.WriteToReadOnly and not FaultKind.FetchFromNx } }),
        new(FaultOom, static r => r is { Step: AccessStep, Error: FaultOutOfMemory }),
        new(TableOom, static r => r is { Step: AccessStep, Error: FaultOutOfMemory { FramesNeeded: > 1 } }),
        new(Downgrade, static r => r is { Step: MprotectStep, Error: null } && Downgraded(r.Before, r.After)),
        new(WriteToReadOnly, static r =>
            r is { Step: AccessStep, Error: SegmentationFault { Fault.Kind: FaultKind.WriteToReadOnly } }),
        new(NxFetch, static r =>
            r is { Step: AccessStep, Error: SegmentationFault { Fault.Kind: FaultKind.FetchFromNx } }),
        new(BrkShrink, static r => r is { Step: BrkStep { Delta: < 0 }, Error: null }),
        new(Straddles, static r => r.Straddled),
        new(TablesFreed, static r => r.Step is MunmapStep && TableCount(r.After) < TableCount(r.Before)),
        new(Dense, static r => r.Step is AccessStep && r.All.Any(s => s.Pages
            .GroupBy(p => p.Addr / r.After.Format.SpanOf(r.After.Format.Depth - 2)).Any(g => g.Count() >= 16))),
        new(Sparse, static r => r.Step is AccessStep && r.All.Any(s => s.Tables.Length >= 8)),
        new(VmallocUsed, static r => r is { Step: AccessStep { Target: AccessTarget.Vmalloc }, Error: null }),
        new(Migrated, static r => r is { Step: MigrateStep or MigrateRecent, Error: null }),
        new(InvalidRejected, static r => r.Step.IsInvalid && r.Error is not null),
    ];

    public static IReadOnlyList<string> AllScenarios { get; } = Scenario<PagingStepReached>.Names(Scenarios);

    private void Track(PagingStep step, OpResult observed, MmError? error, PagingSnapshot before,
        PagingSnapshot after, StepLog log)
    {
        var straddled = false;
        switch (step)
        {
            case NewMm when observed.Value is AsId created:
                _spaces.Take(created);
                break;
            case DestroyMm d when error is null:
                _spaces.ConsumeAt(_spaces.IndexOf(Pick(d.Mm)!.Value));
                break;
            case MmapStep m when observed.Value is VirtAddr mapped:
                _recent = (Pick(m.Mm)!.Value, mapped, (ulong)m.Pages);
                straddled = m.Boundary is not null && Straddling(before.Format, mapped, _recent.Value.Mm);
                break;
            case MmapAtStep m when observed.Value is VirtAddr mapped:
                _recent = (Pick(m.Mm)!.Value, mapped, (ulong)m.Pages);
                break;
        }

        var reached = new PagingStepReached(step, error, before, after, _view.Values, straddled);
        Scenario<PagingStepReached>.Track(Scenarios, reached, log);
    }

    /// <summary>Whether the VMA a mapping starts crosses a boundary of the tables one level above the leaf.</summary>
    private bool Straddling(PagingFormat format, VirtAddr mapped, AsId mm)
    {
        var size = format.SpanOf(format.Depth - 2);
        var end = _view[mm].Vmas.First(v => v.Contains(mapped.Value)).End;
        return mapped.Value / size != (end - 1) / size;
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

    private static int VmaCount(PagingSnapshot s) => s.Spaces.Sum(x => x.Vmas.Length);
}
