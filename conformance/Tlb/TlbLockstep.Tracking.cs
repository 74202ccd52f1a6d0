using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Tlb;

/// <summary>
/// What one step of the machine reached, for the scenarios: the step, its call and result, the machine before and
/// after (every live address space as last seen), and what the run's memory of earlier steps says: a frame unmapped
/// before is in use again, the walk started at a PDE-cached table, a table freed under this CPU's PDE cache was
/// reused.
/// </summary>
public readonly record struct TlbStepReached(TlbStep Step, MachineOp Call, OpResult Observed, MachineSnapshot Before,
    MachineSnapshot After)
{
    public bool FrameReused { get; init; }

    public bool PdeHit { get; init; }

    public bool TableReused { get; init; }
}

/// <summary>The address spaces a run knows of, and the scenarios it reached, as data.</summary>
public sealed partial class TlbLockstep
{
    public static IReadOnlyList<Scenario<TlbStepReached>> Scenarios { get; } =
    [
        new(Hit, static r => r.After.Cpus.Sum(c => c.Hits) > r.Before.Cpus.Sum(c => c.Hits)),
        new(Eviction, static r => r.After.Cpus.Zip(r.Before.Cpus).Any(p =>
            p.First.Entries.Length == r.After.Config.Sets * r.After.Config.Ways && p.First.Misses > p.Second.Misses)),
        new(SharedMm, static r => r.After.Cpus.Where(c => c.Mm is not null).GroupBy(c => c.Mm).Any(g => g.Count() > 1)),
        new(Lazy, static r => r.After.Cpus.Any(c => c.Entries.Any(e => !e.Global
            && c.OwnerOf(e.Pcid, r.After.Config.PcidEnabled) is { } owner && owner != c.Mm))),
        new(PcidReused, static r => r.Step is SwitchStep && r.After.Cpus.Zip(r.Before.Cpus).Any(p =>
            p.First.Asids.Zip(p.Second.Asids).Any(a => a.First is not null && a.Second is not null
                && a.First != a.Second))),
        new(Downgraded, static r => r.Step is ProtectStep && r.Before.Cpus.Any(c => c.Entries.Any(e =>
            e.Translation.Flags.HasFlag(PteFlags.ReadWrite)))),
        new(ReusedFrame, static r => r.FrameReused),
        new(Shootdown, static r => r.Step is UnmapStep or ProtectStep or HeapStep or VfreeAreaStep or MigratePageStep
            && r.After.Cpus.Zip(r.Before.Cpus).Count(p => p.First.Entries.Length < p.Second.Entries.Length) >= 2),
        new(GlobalSurvived, static r => r.Step is Cr3Step or SwitchStep && !r.After.Config.PcidEnabled
            && r.After.Cpus.Any(c => c.Entries.Any(e => e.Global))),
        new(InvalidRejected, static r => r.Step.IsInvalid && !r.Observed.IsOk),
        new(PdeHit, static r => r.PdeHit),
        new(TableReused, static r => r.TableReused),
        new(MigratedCached, static r => r is { Step: MigratePageStep, Observed.IsOk: true }
            && Target(r.Call).Vpn is { } moved && r.Before.Cpus.Any(c => c.Entries.Any(e => !e.Global
                && e.Vpn == moved && r.After.Paging.Pages.Allocated.All(b => b.Pfn != e.Translation.Frame)))),
    ];

    public static IReadOnlyList<string> AllScenarios { get; } = Scenario<TlbStepReached>.Names(Scenarios);

    private void Track(TlbStep step, MachineOp call, OpResult observed, MachineSnapshot before,
        MachineSnapshot after, StepLog log)
    {
        if (step is CreateMm && observed.Value is AsId created)
        {
            _spaces.Take(created);
        }

        if (step is DestroyMmStep && observed.IsOk)
        {
            _spaces.ConsumeAll(id => after.Paging.Spaces.All(s => s.Id != id));
        }

        if (step is UnmapStep && observed.IsOk)
        {
            var frames = after.Paging.Spaces.SelectMany(s => s.Pages).Select(p => p.Frame).ToHashSet();
            _unmappedFrames.UnionWith(before.Paging.Spaces.SelectMany(s => s.Pages).Select(p => p.Frame).Where(f =>
                !frames.Contains(f)));
        }

        // Every page of every space is looked up only once some frame was unmapped.
        var reached = new TlbStepReached(step, call, observed, before, after)
        {
            FrameReused = _unmappedFrames.Count > 0
                && after.Paging.Spaces.SelectMany(s => s.Pages).Any(p => _unmappedFrames.Contains(p.Frame)),
        };
        Scenario<TlbStepReached>.Track(Scenarios, TrackPdeCache(reached), log);
    }

    /// <summary>
    /// A TLB miss the PDE cache served, and the freed-table case: freed while another CPU cached it, its frame handed
    /// out again, then that CPU's access.
    /// </summary>
    private TlbStepReached TrackPdeCache(TlbStepReached reached)
    {
        var (step, call, observed, before, after) = reached;
        var format = after.Paging.Format;
        var (cpu, page) = Target(call);
        if (step is TouchStep && cpu is { } id && page is { } vpn && vpn << Pfn.PageShift < format.UserTop)
        {
            var region = (vpn << Pfn.PageShift) & ~(format.PageTableSpan - 1);
            var was = before.Cpus[id];
            reached = reached with
            {
                PdeHit = after.Cpus[id].Misses > was.Misses
                    && was.PageTables.Any(p => p.Pcid == was.Pcid && p.Region == region),
                TableReused = _cpusWhoseTableWasReused.Contains(id),
            };
        }

        if (step is UnmapStep or HeapStep or DestroyMmStep && observed.IsOk)
        {
            var tables = after.Paging.Spaces.SelectMany(s => s.Tables).Select(t => t.Frame).ToHashSet();
            _tablesFreedUnderPde.UnionWith(before.Cpus.Where(c => c.Id.Value != cpu).SelectMany(c =>
                c.PageTables.Where(p => !tables.Contains(p.PageTable)).Select(p => (p.PageTable, c.Id.Value))));
        }

        if (_tablesFreedUnderPde.Count == 0)
        {
            return reached;
        }

        var allocated = after.Paging.Pages.Allocated.Select(b => b.Pfn).ToHashSet();
        _cpusWhoseTableWasReused.UnionWith(_tablesFreedUnderPde.Where(f => allocated.Contains(f.Table)).Select(f =>
            f.Cpu));
        _tablesFreedUnderPde.RemoveWhere(f => allocated.Contains(f.Table));
        return reached;
    }
}
