using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Properties.Lockstep;

namespace MMSpec.Properties.Paging;

/// <summary>
/// Binds a paging system under test to the reference model for the lockstep runner; any
/// <see cref="IPagingSystem"/> can be checked this way. Each step is resolved against the implementation's
/// state, run on both, and must return the same value or typed fault; then the implementation's own
/// snapshot must keep the invariants, bad input must have changed nothing, and (level 3) the model must be
/// in the same state, frame numbers aside.
/// </summary>
public sealed class PagingLockstep(IPagingSystem impl, PagingModel model, PagingChecks checks)
    : ILockstepSubject<PagingStep>
{
    public const string Destroyed = "address space destroyed";
    public const string SharedAcrossSpaces = "page-cache page mapped in 2+ address spaces";
    public const string CopyOnWrite = "copy-on-write broken";
    public const string StackGrew = "stack grew";
    public const string StackLimit = "access below the 8 MiB stack limit refused";
    public const string FaultOom = "page fault out of memory";
    public const string TableOom = "out of memory for a page-table page";
    public const string Downgrade = "mprotect took a right from a mapped page";
    public const string WriteToReadOnly = "write to a read-only page refused";
    public const string NxFetch = "fetch from NX refused";
    public const string BrkShrink = "brk shrank the heap";
    public const string Straddles = "mapping straddles a table boundary";
    public const string TablesFreed = "page tables freed by munmap";
    public const string Dense = "one PTE table maps 16+ pages";
    public const string Sparse = "8+ lower tables in one address space";
    public const string VmallocUsed = "vmalloc area accessed";
    public const string Migrated = "anonymous page migrated";
    public const string InvalidRejected = "invalid operation rejected";

    private readonly List<AsId> _live = [];
    private readonly List<AsId> _dead = [];
    private readonly Dictionary<AsId, AddressSpaceState> _view = [];
    private PagingSnapshot? _last;
    private HashSet<AsId>? _lastSpaces;
    private int _vmallocAreas;
    private (AsId Mm, VirtAddr Start, ulong Pages)? _recent;

    public static IReadOnlyList<string> AllScenarios { get; } =
        [Destroyed, SharedAcrossSpaces, CopyOnWrite, StackGrew, StackLimit, FaultOom, TableOom, Downgrade,
            WriteToReadOnly, NxFetch, BrkShrink, Straddles, TablesFreed, Dense, Sparse, VmallocUsed, Migrated,
            InvalidRejected];

    private PagingFormat Format => impl.Format;

    public Violation? CheckInitialState()
    {
        _last = impl.Snapshot();
        Remember(_last, null);
        return CheckState(_last, null);
    }

    /// <summary>
    /// Runs one step. The full check takes whole snapshots; the incremental one the address spaces the step can run
    /// in (<see cref="IPagingSystem.SnapshotOf"/> on both sides: a step changes no other), with the page cache,
    /// vmalloc, the kernel tables and the frames whole, and leaves a leaked frame to the next full check.
    /// </summary>
    public Violation? Apply(PagingStep operation, StepLog log)
    {
        var touched = log.FullCheck ? null : Touched(operation);
        var before = Before(touched);
        if (Resolve(operation, before) is not { } call)
        {
            return null;
        }

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

        var after = touched is null ? impl.Snapshot() : impl.SnapshotOf(touched);
        (_last, _lastSpaces) = (after, touched);
        Remember(after, touched);
        if (observed != expected)
        {
            return new Violation(PagingRules.SameResult,
                $"{call}: the implementation returned {observed}, the model {expected}");
        }

        var error = observed.Error;
        var violation = (checks.HasFlag(PagingChecks.Safe) ? CheckSafe(call, error, before, after) : null)
            ?? CheckState(after, touched);
        if (violation is null)
        {
            Track(operation, observed, error, before, after, log);
        }

        return violation;
    }

    /// <summary>
    /// Destroys every address space and frees every vmalloc area, on both sides: the level-2 teardown.
    /// </summary>
    public Violation? TearDown(StepLog log)
    {
        for (var spaces = _live.Count; spaces > 0; spaces--)
        {
            if (Apply(new DestroyMm(0), log) is { } violation)
            {
                return violation;
            }
        }

        for (var areas = _vmallocAreas; areas > 0; areas--)
        {
            if (Apply(new VfreeStep(0), log) is { } violation)
            {
                return violation;
            }
        }

        return null;
    }

    private Violation? CheckSafe(PagingOp call, MmError? error, PagingSnapshot before, PagingSnapshot after)
    {
        var nonCanonical = call is AccessByte access && !Format.IsCanonical(access.Addr.Value);
        if (nonCanonical && error is not SegmentationFault { Fault.Kind: FaultKind.NonCanonical })
        {
            return new Violation(PagingRules.NonCanonicalFaults,
                $"{call} returned {error?.ToString() ?? "a value"}, not a non-canonical fault");
        }

        if (error is not null and not SegmentationFault && (before.DiffFrom(after)
            ?? before.Pages.DiffFrom(after.Pages)) is { } changed)
        {
            return new Violation(PagingRules.UnchangedOnError,
                $"{call} failed with {error} but changed the state: {changed}");
        }

        return null;
    }

    /// <summary>The invariants, then (level 3) the model's state; on a snapshot of some spaces, those only.</summary>
    private Violation? CheckState(PagingSnapshot state, IReadOnlySet<AsId>? spaces)
    {
        var invariants = spaces is null ? PagingInvariants.All(state) : PagingInvariants.Within(state);
        if (checks.HasFlag(PagingChecks.Safe) && invariants.FirstOrDefault() is { } broken)
        {
            return broken;
        }

        if (!checks.HasFlag(PagingChecks.Exact))
        {
            return null;
        }

        var reference = spaces is null ? model.Snapshot() : model.SnapshotOf(spaces);
        return reference.DiffFrom(state) is { } diff
            ? new Violation(PagingRules.SameState, $"the model's state differs from the implementation's: {diff}")
            : null;
    }

    /// <summary>
    /// The state before the step: the previous step's snapshot when it holds every address space asked for (nothing
    /// has run on the implementation since), otherwise a new one.
    /// </summary>
    private PagingSnapshot Before(HashSet<AsId>? spaces)
    {
        if (_last is null || (_lastSpaces is not null && (spaces is null || !spaces.IsSubsetOf(_lastSpaces))))
        {
            return spaces is null ? impl.Snapshot() : impl.SnapshotOf(spaces);
        }

        return spaces is null || _lastSpaces?.SetEquals(spaces) == true
            ? _last
            : _last with { Spaces = [.. _last.Spaces.Where(s => spaces.Contains(s.Id))] };
    }

    /// <summary>The address spaces a step can change: the one it picks, and the recent mapping's.</summary>
    private HashSet<AsId> Touched(PagingStep step)
    {
        var spaces = new HashSet<AsId>();
        if (HandleOf(step) is { } handle && Pick(handle) is { } mm)
        {
            spaces.Add(mm);
        }

        var recentStep = step is MunmapRecent or MigrateRecent or AccessStep { Target: AccessTarget.Recent };
        if (_recent is { } recent && recentStep)
        {
            spaces.Add(recent.Mm);
        }

        return spaces;
    }

    /// <summary>
    /// Every live address space as last seen: those in the step's snapshot are new, the others unchanged.
    /// </summary>
    private void Remember(PagingSnapshot after, IReadOnlySet<AsId>? spaces)
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

        foreach (var space in after.Spaces)
        {
            _view[space.Id] = space;
        }

        _vmallocAreas = after.Vmalloc.Length;
    }

    private static int? HandleOf(PagingStep step) => step switch
    {
        DestroyMm d => d.Mm,
        MmapStep m => m.Mm,
        MunmapStep m => m.Mm,
        MprotectStep m => m.Mm,
        MigrateStep m => m.Mm,
        BrkStep b => b.Mm,
        AccessStep a => a.Mm,
        _ => null,
    };

    /// <summary>The step's handles resolved against the state: the call it makes, as data, or none.</summary>
    private PagingOp? Resolve(PagingStep step, PagingSnapshot state)
    {
        var mm = HandleOf(step) is { } handle ? Pick(handle) : null;
        var space = mm is { } picked ? state.Spaces.FirstOrDefault(s => s.Id == picked) : null;
        return step switch
        {
            NewMm => new CreateAddressSpace(),
            DestroyMm when mm is { } id => new DestroyAddressSpace(id),
            MmapStep m when mm is { } id => Mmap(id, m),
            MunmapRecent when _recent is { } r => new Munmap(r.Mm, r.Start, r.Pages),
            MunmapStep m when space is { Vmas.IsEmpty: false } =>
                InVma(space, m.Vma, m.Offset, m.Pages, m.Unaligned, (at, n) => new Munmap(space.Id, at, n)),
            MprotectStep m when space is { Vmas.IsEmpty: false } =>
                InVma(space, m.Vma, m.Offset, m.Pages, false, (at, n) => new Mprotect(space.Id, at, n, m.Prot)),
            MigrateStep m when space is { Vmas.IsEmpty: false } =>
                InVma(space, m.Vma, m.Offset, 1, m.Unaligned, (at, _) => new MigratePage(space.Id, at)),
            MigrateRecent m when _recent is { } r =>
                new MigratePage(r.Mm, new VirtAddr(r.Start.Value + ((ulong)m.Page << Pfn.PageShift))),
            BrkStep b when space is not null => Brk(space, b.Delta),
            AccessStep { Target: AccessTarget.Recent } a when _recent is { } r =>
                Access(r.Mm, r.Start.Value + (ulong)a.Offset, a),
            AccessStep a when space is not null => Access(space.Id, AddressOf(space, state, a), a),
            VmallocStep v => new Vmalloc((ulong)Math.Max(0, v.Pages)),
            VfreeStep v when !state.Vmalloc.IsEmpty => Vfree(state, v),
            DeadMmStep d => Dead(d.Which),
            _ => null,
        };
    }

    private AsId? Pick(int handle) => _live.Count == 0 ? null : _live[handle % _live.Count];

    private Mmap Mmap(AsId mm, MmapStep m)
    {
        VirtAddr? at = null;
        if (m.Boundary is { } boundary)
        {
            // The span one table maps at this depth above the leaf; 2-level has only the PTE tables' 4 MiB.
            var span = Format.SpanOf(Math.Max(0, Format.Depth - 1 - Math.Clamp(boundary, 1, Format.Depth - 1)));
            at = new VirtAddr(0x4000_0000UL + ((ulong)(m.Slot + 1) * span) - ((ulong)m.Back << Pfn.PageShift));
        }

        var request = new MmapRequest((ulong)Math.Max(0, m.Pages), m.Prot, m.File, (ulong)m.PgOff, m.Shared, at);
        return new Mmap(mm, request);
    }

    /// <summary>The call on offset pages into VMA #vma (a byte more when unaligned), pages never negative.</summary>
    private static PagingOp InVma(AddressSpaceState space, int vma, int offset, int pages, bool unaligned,
        Func<VirtAddr, ulong, PagingOp> call)
    {
        var v = space.Vmas[vma % space.Vmas.Length];
        var at = new VirtAddr(v.Start + ((ulong)offset << Pfn.PageShift) + (unaligned ? 1UL : 0));
        return call(at, (ulong)Math.Max(0, pages));
    }

    private static Brk Brk(AddressSpaceState space, long delta)
    {
        var target = new VirtAddr(delta < 0 && (ulong)-delta > space.Brk ? 0 : (ulong)((long)space.Brk + delta));
        return new Brk(space.Id, target);
    }

    private ulong AddressOf(AddressSpaceState space, PagingSnapshot state, AccessStep a)
    {
        var offset = (ulong)a.Offset;
        return a.Target switch
        {
            AccessTarget.Vma when !space.Vmas.IsEmpty => space.Vmas[a.Index % space.Vmas.Length].Start + offset,
            AccessTarget.BelowStack when !space.Vmas.IsEmpty => space.Vmas[^1].Start - 1 - offset,
            AccessTarget.Vmalloc => (state.Vmalloc.IsEmpty ? Format.VmallocStart
                : state.Vmalloc[a.Index % state.Vmalloc.Length].Start) + offset,
            AccessTarget.NonCanonical => (Format.VirtualBits == 32 ? 1UL << 32 : 1UL << (Format.VirtualBits - 1))
                + offset,
            AccessTarget.Unmapped => a.Index % 2 == 0 ? offset % Pfn.PageSize : Format.KernelBase + offset,
            _ => offset,
        };
    }

    private static AccessByte Access(AsId mm, ulong addr, AccessStep a) =>
        new(mm, new VirtAddr(addr), a.Access, a.Privilege, a.Value);

    private static Vfree Vfree(PagingSnapshot state, VfreeStep v)
    {
        var area = state.Vmalloc[v.Area % state.Vmalloc.Length];
        return new Vfree(new VirtAddr(area.Start + (v.Interior ? Pfn.PageSize : 0)));
    }

    private Munmap Dead(int which)
    {
        var mm = _dead.Count > 0 ? _dead[which % _dead.Count] : new AsId(1000 + which);
        return new Munmap(mm, new VirtAddr(0x10000), 1);
    }

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
