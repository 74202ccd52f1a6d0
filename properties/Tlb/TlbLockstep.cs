using System.Collections.Immutable;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using MMSpec.Properties.Lockstep;

namespace MMSpec.Properties.Tlb;

/// <summary>
/// Binds a machine under test (real TLBs and PDE caches) to the reference machine (every access walks from CR3;
/// each CPU remembers the entries its TLB may hold) for the lockstep runner. After each step: the same value or
/// typed fault on both (transparency); every entry of every TLB coherent with the current PTEs, and every
/// PDE-cache entry naming its region's current page table; every TLB entry one the reference allows (isolation:
/// nothing cached that no walk produced in that PCID since the last invalidation); the instruction just run left
/// what the SDM says in both caches; and the paging state the same as the reference's.
/// </summary>
public sealed class TlbLockstep(Machine impl, Machine model) : ILockstepSubject<TlbStep>
{
    public const string SameResult = "same-result-as-walking";
    public const string OnlyAllowedEntries = "only-entries-a-walk-produced";
    public const string InstructionEffect = "instruction-invalidates-what-the-sdm-says";
    public const string SameState = SharedRules.SameState;

    public const string Hit = "TLB hit";
    public const string Eviction = "TLB capacity eviction";
    public const string SharedMm = "2+ CPUs ran one address space";
    public const string Lazy = "CPU switched away keeps entries";
    public const string PcidReused = "PCID reused for another address space";
    public const string Downgraded = "mprotect downgrade with a cached entry";
    public const string ReusedFrame = "munmapped frame reused";
    public const string Shootdown = "flush reached another CPU";
    public const string GlobalSurvived = "global entry survived a CR3 write";
    public const string InvalidRejected = "invalid instruction rejected";
    public const string PdeHit = "walk started at a PDE-cached page table";
    public const string MigratedCached = "page migrated while a TLB cached it";
    public const string TableReused = "page table freed under another CPU's PDE cache, reused, then that CPU accessed";

    private readonly List<AsId> _live = [];
    private readonly HashSet<Pfn> _unmappedFrames = [];
    private readonly HashSet<(Pfn Table, int Cpu)> _tablesFreedUnderPde = [];
    private readonly HashSet<int> _cpusWhoseTableWasReused = [];
    private readonly Dictionary<AsId, AddressSpaceState> _view = [];
    private MachineSnapshot? _last;
    private HashSet<AsId>? _lastSpaces;

    public static IReadOnlyList<string> AllScenarios { get; } =
        [Hit, Eviction, SharedMm, Lazy, PcidReused, Downgraded, ReusedFrame, Shootdown, GlobalSurvived, InvalidRejected,
            PdeHit, TableReused, MigratedCached];

    public Violation? CheckInitialState()
    {
        _last = impl.Snapshot();
        Remember(_last, null);
        return Coherence(_last, null) ?? Check(_last, null);
    }

    /// <summary>
    /// Runs one step. The full check takes whole snapshots; the incremental one every CPU whole but the paging state
    /// of only the address spaces the step can change (<see cref="Machine.SnapshotOf"/> on both machines), and the
    /// coherence of the entries that stand for those spaces or for the kernel: the others' PTEs did not change, and
    /// a step adds entries only for the space its CPU runs.
    /// </summary>
    public Violation? Apply(TlbStep operation, StepLog log)
    {
        var last = _last ?? impl.Snapshot();
        var touched = log.FullCheck ? null : Touched(operation, last);
        var before = Before(last, touched);
        if (Resolve(operation, before) is not { } call)
        {
            return null;
        }

        var watched = impl.Paging as WatchedPaging;
        watched?.Called = false;
        var observed = call.ApplyTo(impl);
        var expected = call.ApplyTo(model);
        if (log.Tracing)
        {
            log.Call = $"{call} = {observed}";
        }

        if (touched is not null && observed.Value is AsId created)
        {
            touched.Add(created);
        }

        // On the incremental check, a step that called nothing able to change the paging state left it as it was.
        var unchanged = touched is not null && watched is { Called: false };
        var cpus = CpusNow(last);
        var after = touched is null ? new MachineSnapshot(impl.Config, cpus, impl.Paging.Snapshot())
            : unchanged ? before with { Cpus = cpus }
            : new MachineSnapshot(impl.Config, cpus, impl.Paging.SnapshotOf(touched));
        (_last, _lastSpaces) = (after, touched);
        Remember(after, touched);
        if (observed != expected)
        {
            return new Violation(SameResult,
                $"{call}: the machine with TLBs returned {observed}, walking gives {expected}");
        }

        var violation = Coherence(after, touched)
            ?? (observed.IsOk ? CheckInstruction(operation, call, before, after) : null)
            ?? Check(after, touched, paging: !unchanged);
        if (violation is null)
        {
            var whole = after with { Paging = after.Paging with { Spaces = [.. _view.Values] } };
            Track(operation, call, observed, before, whole, log);
        }

        return violation;
    }

    /// <summary>
    /// Every CPU's state now, as <see cref="Machine.CpuStates()"/> reads it, but keeping from <paramref name="last"/>
    /// (the state the previous step left) each CPU whose watched caches saw no call since: on most steps one CPU
    /// ran, and the others' entries need no reading and sorting again. Unwatched caches are read every time.
    /// </summary>
    private ImmutableArray<CpuState> CpusNow(MachineSnapshot last)
    {
        var cpus = impl.CpuStates(last.Cpus, static tlb => tlb is WatchedTlb { Called: false });
        for (var i = 0; i < cpus.Length; i++)
        {
            if (impl.TlbOf(new CpuId(i)) is WatchedTlb watched)
            {
                watched.Called = false;
            }
        }

        return cpus;
    }

    /// <summary>
    /// The state before the step: the previous step's snapshot when it holds every address space asked for (nothing
    /// has run on the machine since), otherwise a new one.
    /// </summary>
    private MachineSnapshot Before(MachineSnapshot last, HashSet<AsId>? spaces)
    {
        if (_lastSpaces is not null && (spaces is null || !spaces.IsSubsetOf(_lastSpaces)))
        {
            // Only the paging state is read again: the CPUs are as the last snapshot has them.
            var paging = spaces is null ? impl.Paging.Snapshot() : impl.Paging.SnapshotOf(spaces);
            return last with { Paging = paging };
        }

        if (spaces is null || _lastSpaces?.SetEquals(spaces) == true)
        {
            return last;
        }

        var kept = last.Paging.Spaces.Where(m => spaces.Contains(m.Id));
        return last with { Paging = last.Paging with { Spaces = [.. kept] } };
    }

    /// <summary>
    /// The address spaces a step can change or make its CPU's entries stand for: the one it names, and its CPU's (whose
    /// VMAs an invalidation's address is picked from).
    /// </summary>
    private HashSet<AsId> Touched(TlbStep step, MachineSnapshot state)
    {
        var cpus = state.Cpus.Length;
        var spaces = new HashSet<AsId>();
        var named = step switch
        {
            DestroyMmStep d => d.Mm,
            SwitchStep s => s.Mm,
            MigratePageStep g => g.Mm,
            _ => (int?)null,
        };
        if (named is { } handle && _live.Count > 0)
        {
            spaces.Add(_live[handle % _live.Count]);
        }

        var cpu = step switch
        {
            TouchStep t => t.Cpu,
            MapStep m => m.Cpu,
            UnmapStep u => u.Cpu,
            ProtectStep p => p.Cpu,
            HeapStep h => h.Cpu,
            InvlpgStep i => i.Cpu,
            InvpcidStep i => i.Cpu,
            _ => (int?)null,
        };
        if (cpu is { } id && state.Cpus[id % cpus].Mm is { } mm)
        {
            spaces.Add(mm);
        }

        return spaces;
    }

    /// <summary>
    /// Every live address space as last seen: those in the step's snapshot are new, the others unchanged.
    /// </summary>
    private void Remember(MachineSnapshot after, IReadOnlySet<AsId>? spaces)
    {
        if (spaces is null)
        {
            _view.Clear();
        }
        else
        {
            foreach (var id in spaces)
            {
                _view.Remove(id);
            }
        }

        foreach (var space in after.Paging.Spaces)
        {
            _view[space.Id] = space;
        }
    }

    private static Violation? Coherence(MachineSnapshot state, IReadOnlySet<AsId>? spaces) =>
        TlbInvariants.CheckCoherence(state, spaces).FirstOrDefault()
        ?? TlbInvariants.CheckPagingStructureCoherence(state, spaces).FirstOrDefault();

    /// <summary>
    /// Isolation on every CPU, then (unless the step left the paging state alone) the paging invariants and the
    /// reference's paging state, of <paramref name="spaces"/> only when given.
    /// </summary>
    private Violation? Check(MachineSnapshot state, IReadOnlySet<AsId>? spaces, bool paging = true)
    {
        foreach (var cpu in state.Cpus)
        {
            var allowed = (AllowedEntries)model.TlbOf(cpu.Id);
            foreach (var entry in cpu.Entries)
            {
                // A loop rather than Where: no closure for each CPU at each step.
                if (!allowed.Allows(entry))
                {
                    return new Violation(OnlyAllowedEntries,
                        $"{cpu.Id} holds {entry}, which no walk in its PCID produced since the last invalidation");
                }
            }
        }

        if (!paging)
        {
            return null;
        }

        var invariants = spaces is null ? PagingInvariants.All(state.Paging) : PagingInvariants.Within(state.Paging);
        if (invariants.FirstOrDefault() is { } broken)
        {
            return broken;
        }

        var reference = spaces is null ? model.Paging.Snapshot() : model.Paging.SnapshotOf(spaces);
        return reference.DiffFrom(state.Paging) is { } diff ? new Violation(SameState, diff) : null;
    }

    /// <summary>
    /// What an instruction must have left in the TLB and the PDE cache of its CPU, checked on the entries themselves.
    /// </summary>
    private static Violation? CheckInstruction(TlbStep step, MachineOp call, MachineSnapshot before,
        MachineSnapshot after)
    {
        if (Target(call) is not ({ } id, var vpn) || id >= after.Cpus.Length)
        {
            return null;
        }

        var was = before.Cpus[id];
        var now = after.Cpus[id];
        var pcidOn = after.Config.PcidEnabled;
        var left = step switch
        {
            InvlpgStep when vpn is { } page => now.Entries.Where(e => e.Vpn == page
                && (e.Global || e.Pcid == now.Pcid)),
            Cr3Step { NoFlush: false } when !pcidOn => now.Entries.Where(e =>
                !e.Global).Concat(was.Entries.Where(e => e.Global).Except(now.Entries)),
            Cr3Step { NoFlush: false } => now.Entries.Where(e => !e.Global && e.Pcid == now.Pcid),
            Cr3Step => was.Entries.Except(now.Entries),
            PgeStep => now.Entries,
            InvpcidStep { Type: InvpcidType.IndividualAddress } s when s.Pcid <= Pcid.Max && vpn is { } page =>
                now.Entries.Where(e => !e.Global && e.Pcid.Value == s.Pcid
                    && e.Vpn == page).Concat(was.Entries.Where(e => e.Global).Except(now.Entries)),
            InvpcidStep { Type: InvpcidType.SingleContext } s when s.Pcid <= Pcid.Max =>
                now.Entries.Where(e => !e.Global && e.Pcid.Value == s.Pcid),
            InvpcidStep { Type: InvpcidType.AllIncludingGlobal } s when s.Pcid <= Pcid.Max => now.Entries,
            InvpcidStep { Type: InvpcidType.AllExceptGlobal } s when s.Pcid <= Pcid.Max =>
                now.Entries.Where(e => !e.Global),
            _ => [],
        };
        foreach (var wrong in left)
        {
            return new Violation(InstructionEffect, $"after {call} {now.Id} still has (or lost) {wrong}");
        }

        // SDM 4.10.4.1: each of these drops every PDE-cache entry of its PCID whatever the address; a CR3 write with
        // the no-flush bit none.
        var leftTables = step switch
        {
            InvlpgStep or Cr3Step { NoFlush: false } => now.PageTables.Where(p => p.Pcid == now.Pcid),
            Cr3Step => was.PageTables.Except(now.PageTables),
            PgeStep => now.PageTables,
            InvpcidStep { Type: InvpcidType.IndividualAddress or InvpcidType.SingleContext } s =>
                now.PageTables.Where(p => p.Pcid.Value == s.Pcid),
            InvpcidStep => now.PageTables,
            _ => [],
        };
        foreach (var wrong in leftTables)
        {
            return new Violation(InstructionEffect,
                $"after {call} {now.Id} still has (or lost) PDE-cache entry {wrong}");
        }

        return null;
    }

    /// <summary>The step's handles resolved against the state: the call it makes, as data, or none.</summary>
    private MachineOp? Resolve(TlbStep step, MachineSnapshot state)
    {
        var cpus = state.Cpus.Length;
        AsId? Mm(int handle) => _live.Count == 0 ? null : _live[handle % _live.Count];
        AddressSpaceState? SpaceOf(int cpu) => state.Cpus[cpu % cpus].Mm is { } mm
            ? state.Paging.Spaces.FirstOrDefault(s => s.Id == mm)
            : null;
        VirtAddr? Page(int cpu, bool vmalloc, int index, int offset) =>
            Address(state, SpaceOf(cpu), vmalloc, index, offset);
        CpuId On(int cpu) => new(cpu % cpus);

        return step switch
        {
            CreateMm => new MachineOp.CreateAddressSpace(),
            DestroyMmStep d when Mm(d.Mm) is { } mm => new MachineOp.DestroyAddressSpace(mm),
            SwitchStep s when Mm(s.Mm) is { } mm => new MachineOp.SwitchMm(On(s.Cpu), mm),
            TouchStep t when Page(t.Cpu, t.Vmalloc, t.Index, t.Offset) is { } at =>
                new MachineOp.Access(On(t.Cpu), at, t.Access, t.Privilege, t.Value),
            MapStep m => new MachineOp.Mmap(On(m.Cpu), new MmapRequest((ulong)m.Pages, m.Prot, m.File, 0, m.Shared)),
            UnmapStep u when Page(u.Cpu, false, u.Vma, u.Offset * 4096) is { } at =>
                new MachineOp.Munmap(On(u.Cpu), at, (ulong)u.Pages),
            ProtectStep p when Page(p.Cpu, false, p.Vma, p.Offset * 4096) is { } at =>
                new MachineOp.Mprotect(On(p.Cpu), at, (ulong)p.Pages, p.Prot),
            MigratePageStep g when Mm(g.Mm) is { } mm
                && state.Paging.Spaces.FirstOrDefault(s => s.Id == mm) is { Vmas.IsEmpty: false } space =>
                new MachineOp.MigratePage(On(g.Cpu), mm,
                    new VirtAddr(space.Vmas[g.Vma % space.Vmas.Length].Start + ((ulong)g.Offset << Pfn.PageShift))),
            HeapStep h when SpaceOf(h.Cpu) is { } space => new MachineOp.Brk(On(h.Cpu),
                new VirtAddr((ulong)Math.Max(0, (long)space.Brk + (h.DeltaPages * 4096L)))),
            VmallocAreaStep v => new MachineOp.Vmalloc((ulong)v.Pages),
            VfreeAreaStep v when !state.Paging.Vmalloc.IsEmpty => new MachineOp.Vfree(On(v.Cpu),
                new VirtAddr(state.Paging.Vmalloc[v.Area % state.Paging.Vmalloc.Length].Start)),
            InvlpgStep i when Page(i.Cpu, i.Vmalloc, i.Index, i.Offset) is { } at =>
                new MachineOp.Invlpg(On(i.Cpu), at),
            Cr3Step c => new MachineOp.WriteCr3(On(c.Cpu), c.NoFlush),
            PgeStep p => new MachineOp.TogglePge(On(p.Cpu)),
            InvpcidStep i => new MachineOp.Invpcid(On(i.Cpu), i.Type, new Pcid(i.Pcid),
                Page(i.Cpu, i.Vmalloc, i.Index, i.Offset) ?? default),
            NoSuchCpuStep n => new MachineOp.Invlpg(new CpuId(cpus + n.Cpu), default),
            _ => null,
        };
    }

    /// <summary>Offset bytes into vmalloc area #index, or into VMA #index of the CPU's address space.</summary>
    private static VirtAddr? Address(MachineSnapshot state, AddressSpaceState? space, bool vmalloc, int index,
        int offset)
    {
        var areas = state.Paging.Vmalloc;
        ulong? start = vmalloc ? (areas.IsEmpty ? null : areas[index % areas.Length].Start)
            : space is { Vmas.IsEmpty: false } ? space.Vmas[index % space.Vmas.Length].Start : null;
        return start is { } at ? new VirtAddr(at + (ulong)offset) : null;
    }

    /// <summary>The CPU a call runs on and the page it names, which the instruction checks read.</summary>
    private static (int? Cpu, ulong? Vpn) Target(MachineOp call) => call switch
    {
        MachineOp.Access a => (a.Cpu.Value, a.Addr.Vpn),
        MachineOp.Invlpg i => (i.Cpu.Value, i.Addr.Vpn),
        MachineOp.Invpcid i => (i.Cpu.Value, i.Addr.Vpn),
        MachineOp.MigratePage g => (g.Cpu.Value, g.Addr.Vpn),
        MachineOp.SwitchMm c => (c.Cpu.Value, null),
        MachineOp.WriteCr3 c => (c.Cpu.Value, null),
        MachineOp.TogglePge c => (c.Cpu.Value, null),
        MachineOp.Mmap c => (c.Cpu.Value, null),
        MachineOp.Munmap c => (c.Cpu.Value, null),
        MachineOp.Mprotect c => (c.Cpu.Value, null),
        MachineOp.Brk c => (c.Cpu.Value, null),
        MachineOp.Vfree c => (c.Cpu.Value, null),
        _ => (null, null),
    };

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
