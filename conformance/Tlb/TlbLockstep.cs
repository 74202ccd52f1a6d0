using System.Collections.Immutable;
using System.Diagnostics;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Tlb;

/// <summary>
/// Binds a machine under test (real TLBs and PDE caches) to the reference machine (every access walks from CR3;
/// each CPU remembers the entries its TLB may hold) for the lockstep runner. After each step: the same value or
/// typed fault on both (transparency); every entry of every TLB coherent with the current PTEs, and every
/// PDE-cache entry naming its region's current page table; every TLB entry one the reference allows (isolation:
/// nothing cached that no walk produced in that PCID since the last invalidation); the instruction just run left
/// what the SDM says in both caches; and the paging state the same as the reference's. A machine under test that is
/// a <see cref="Machine"/> (MMSpec's own, or one built on it) is checked incrementally between full checks; any
/// other <see cref="IMachine"/> is read whole through <see cref="IMachine.Snapshot"/> after every step. Below the
/// exact level a refused mmap, munmap or mprotect may name any error that applies to it
/// (<see cref="Machine.ErrorsOf"/>); at the exact level it must name Linux's first.
/// </summary>
public sealed partial class TlbLockstep(IMachine impl, Machine model, Level checks) : ILockstepSubject<TlbStep>
{
    /// <summary>A lockstep at the safe level, the TLB's rules all included.</summary>
    public TlbLockstep(IMachine impl, Machine model)
        : this(impl, model, Level.Safe)
    {
    }

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

    /// <summary>The machine under test when its caches and paging can be read apart (the incremental check).</summary>
    private Machine? Parts => impl as Machine;
    private readonly HandleTable<AsId> _spaces = new();
    private readonly HashSet<Pfn> _unmappedFrames = [];
    private readonly HashSet<(Pfn Table, int Cpu)> _tablesFreedUnderPde = [];
    private readonly HashSet<int> _cpusWhoseTableWasReused = [];
    private readonly Dictionary<AsId, AddressSpaceState> _view = [];
    private MachineSnapshot? _last;
    private HashSet<AsId>? _lastSpaces;

    public Violation? CheckInitialState()
    {
        _last = impl.Snapshot();
        Remember(_last, null);
        return Rule<TlbStepDone>.FirstBroken(Rules, new(null, null, default, _last, _last, null, true, model), checks);
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
        var parts = Parts;
        var touched = log.FullCheck || parts is null ? null : Touched(operation, last);
        var before = Before(last, touched);
        if (Resolve(operation, before) is not { } call)
        {
            return null;
        }

        var watched = parts?.Paging as WatchedPaging;
        watched?.Called = false;
        var observed = call.ApplyTo(impl);
        var expected = call.ApplyTo(model);
        if (log.Tracing)
        {
            (log.Call, log.Operation) = ($"{call} = {observed}", call);
        }

        if (touched is not null && observed.Value is AsId created)
        {
            touched.Add(created);
        }

        // On the incremental check, a step that called nothing able to change the paging state left it as it was.
        var unchanged = touched is not null && watched is { Called: false };
        var after = parts is null ? impl.Snapshot() : After(parts, last, before, touched, unchanged);
        (_last, _lastSpaces) = (after, touched);
        Remember(after, touched);
        var why = SharedRules.Permits(checks, observed, expected, (model, call),
            static s => s.model.ErrorsOf(s.call));
        if (why is not null)
        {
            return new Violation(SameResult, $"{call}: {why} (walking the page tables)");
        }

        var done = new TlbStepDone(operation, call, observed, before, after, touched, !unchanged, model);
        var violation = Rule<TlbStepDone>.FirstBroken(Rules, done, checks);
        if (violation is null)
        {
            SharedRules.Called(log, observed.Error, SameResult);
            Rule<TlbStepDone>.Cover(Rules, done, checks, log);
            var whole = after with { Paging = after.Paging with { Spaces = [.. _view.Values] } };
            Track(operation, call, observed, before, whole, log);
        }

        return violation;
    }

    /// <summary>The machine's state after the step, read again only where the step could have changed it.</summary>
    private static MachineSnapshot After(Machine parts, MachineSnapshot last, MachineSnapshot before,
        HashSet<AsId>? touched, bool unchanged)
    {
        var cpus = CpusNow(parts, last);
        return touched is null ? new MachineSnapshot(parts.Config, cpus, parts.Paging.Snapshot())
            : unchanged ? before with { Cpus = cpus }
            : new MachineSnapshot(parts.Config, cpus, parts.Paging.SnapshotOf(touched));
    }

    /// <summary>
    /// Every CPU's state now, as <see cref="Machine.CpuStates()"/> reads it, but keeping from <paramref name="last"/>
    /// (the state the previous step left) each CPU whose watched caches saw no call since: on most steps one CPU
    /// ran, and the others' entries need no reading and sorting again. Unwatched caches are read every time.
    /// </summary>
    private static ImmutableArray<CpuState> CpusNow(Machine parts, MachineSnapshot last)
    {
        var cpus = parts.CpuStates(last.Cpus, static tlb => tlb is WatchedTlb { Called: false });
        for (var i = 0; i < cpus.Length; i++)
        {
            if (parts.TlbOf(new CpuId(i)) is WatchedTlb watched)
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
            var parts = Parts;
            Debug.Assert(parts is not null, "only the incremental check keeps part of a snapshot");
            var paging = spaces is null ? parts.Paging.Snapshot() : parts.Paging.SnapshotOf(spaces);
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
        if (named is { } handle && _spaces.TryPick(handle, out var mm))
        {
            spaces.Add(mm);
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
        if (cpu is { } id && state.Cpus[id % cpus].Mm is { } running)
        {
            spaces.Add(running);
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
}
