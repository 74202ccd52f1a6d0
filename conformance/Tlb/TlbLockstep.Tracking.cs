using System.Collections.Immutable;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Tlb;

/// <summary>The scenarios a step reached, for the tally.</summary>
public sealed partial class TlbLockstep
{
    private void Track(TlbStep step, MachineOp call, OpResult observed, MachineSnapshot before,
        MachineSnapshot after, StepLog log)
    {
        if (step.IsInvalid && !observed.IsOk)
        {
            log.Reached(InvalidRejected);
        }

        if (step is CreateMm && observed.Value is AsId created)
        {
            _live.Add(created);
        }

        if (step is DestroyMmStep && observed.IsOk)
        {
            _live.RemoveAll(id => after.Paging.Spaces.All(s => s.Id != id));
        }

        var hits = after.Cpus.Sum(c => c.Hits) > before.Cpus.Sum(c => c.Hits);
        if (hits)
        {
            log.Reached(Hit);
        }

        if (after.Cpus.Zip(before.Cpus).Any(p => p.First.Entries.Length == after.Config.Sets * after.Config.Ways
            && p.First.Misses > p.Second.Misses))
        {
            log.Reached(Eviction);
        }

        var running = new HashSet<AsId>();
        if (after.Cpus.Any(c => c.Mm is { } mm && !running.Add(mm)))
        {
            log.Reached(SharedMm);
        }

        if (after.Cpus.Any(c => c.Entries.Any(e => !e.Global && c.OwnerOf(e.Pcid, after.Config.PcidEnabled) is { } owner
            && owner != c.Mm)))
        {
            log.Reached(Lazy);
        }

        if (step is SwitchStep && after.Cpus.Zip(before.Cpus).Any(p =>
            p.First.Asids.Zip(p.Second.Asids).Any(a => a.First is not null && a.Second is not null
            && a.First != a.Second)))
        {
            log.Reached(PcidReused);
        }

        if (step is ProtectStep && before.Cpus.Any(c => c.Entries.Any(e =>
            e.Translation.Flags.HasFlag(PteFlags.ReadWrite))))
        {
            log.Reached(Downgraded);
        }

        if (step is UnmapStep && observed.IsOk)
        {
            var frames = after.Paging.Spaces.SelectMany(s => s.Pages).Select(p => p.Frame).ToHashSet();
            _unmappedFrames.UnionWith(before.Paging.Spaces.SelectMany(s => s.Pages).Select(p => p.Frame).Where(f =>
                !frames.Contains(f)));
        }

        // Every page of every space is looked up only once some frame was unmapped.
        if (_unmappedFrames.Count > 0
            && after.Paging.Spaces.SelectMany(s => s.Pages).Any(p => _unmappedFrames.Contains(p.Frame)))
        {
            log.Reached(ReusedFrame);
        }

        if (step is MigratePageStep && observed.IsOk && Target(call).Vpn is { } moved
            && before.Cpus.Any(c => c.Entries.Any(e => !e.Global && e.Vpn == moved
                && after.Paging.Pages.Allocated.All(b => b.Pfn != e.Translation.Frame))))
        {
            log.Reached(MigratedCached);
        }

        if (step is UnmapStep or ProtectStep or HeapStep or VfreeAreaStep or MigratePageStep
            && after.Cpus.Zip(before.Cpus).Count(p => p.First.Entries.Length < p.Second.Entries.Length) >= 2)
        {
            log.Reached(Shootdown);
        }

        if (step is Cr3Step or SwitchStep && !after.Config.PcidEnabled
            && after.Cpus.Any(c => c.Entries.Any(e => e.Global)))
        {
            log.Reached(GlobalSurvived);
        }

        TrackPdeCache(step, call, observed, before, after, log);
    }

    /// <summary>
    /// A TLB miss the PDE cache served, and the freed-table case: freed while another CPU cached it, its frame handed
    /// out again, then that CPU's access.
    /// </summary>
    private void TrackPdeCache(TlbStep step, MachineOp call, OpResult observed, MachineSnapshot before,
        MachineSnapshot after, StepLog log)
    {
        var format = after.Paging.Format;
        var (cpu, page) = Target(call);
        if (step is TouchStep && cpu is { } id && page is { } vpn && vpn << Pfn.PageShift < format.UserTop)
        {
            var region = (vpn << Pfn.PageShift) & ~(format.PageTableSpan - 1);
            var was = before.Cpus[id];
            if (after.Cpus[id].Misses > was.Misses && was.PageTables.Any(p => p.Pcid == was.Pcid && p.Region == region))
            {
                log.Reached(PdeHit);
            }

            if (_cpusWhoseTableWasReused.Contains(id))
            {
                log.Reached(TableReused);
            }
        }

        if (step is UnmapStep or HeapStep or DestroyMmStep && observed.IsOk)
        {
            var tables = after.Paging.Spaces.SelectMany(s => s.Tables).Select(t => t.Frame).ToHashSet();
            _tablesFreedUnderPde.UnionWith(before.Cpus.Where(c => c.Id.Value != cpu).SelectMany(c =>
                c.PageTables.Where(p => !tables.Contains(p.PageTable)).Select(p => (p.PageTable, c.Id.Value))));
        }

        if (_tablesFreedUnderPde.Count == 0)
        {
            return;
        }

        var allocated = after.Paging.Pages.Allocated.Select(b => b.Pfn).ToHashSet();
        _cpusWhoseTableWasReused.UnionWith(_tablesFreedUnderPde.Where(f => allocated.Contains(f.Table)).Select(f =>
            f.Cpu));
        _tablesFreedUnderPde.RemoveWhere(f => allocated.Contains(f.Table));
    }
}
