using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Paging;

/// <summary>
/// Binds a paging system under test to the reference model for the lockstep runner; any
/// <see cref="IPagingSystem"/> can be checked this way. Each step is resolved against the implementation's
/// state, run on both, and must return the same value or typed fault; then the implementation's own
/// snapshot must keep the invariants, bad input must have changed nothing, and (level 3) the model must be
/// in the same state, frame numbers aside.
/// </summary>
public sealed partial class PagingLockstep(IPagingSystem impl, PagingModel model, Level checks)
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

    private readonly IReadOnlyList<Boundary> _boundaries = PagingBoundaries.All(impl.Format);
    private readonly HandleTable<AsId> _spaces = new();
    private readonly Dictionary<AsId, AddressSpaceState> _view = [];
    private PagingSnapshot? _last;
    private HashSet<AsId>? _lastSpaces;
    private int _vmallocAreas;
    private (AsId Mm, VirtAddr Start, ulong Pages)? _recent;

    private PagingFormat Format => impl.Format;

    public Violation? CheckInitialState()
    {
        _last = impl.Snapshot();
        Remember(_last, null);
        return Rule<PagingStepDone>.FirstBroken(StateRules, new(null, null, _last, _last, null, model), checks);
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
            (log.Call, log.Operation) = ($"{call} = {observed}", call);
        }

        if (touched is not null && observed.Value is AsId created)
        {
            touched.Add(created);
        }

        var after = touched is null ? impl.Snapshot() : impl.SnapshotOf(touched);
        (_last, _lastSpaces) = (after, touched);
        Remember(after, touched);
        var why = SharedRules.Permits(checks, observed, expected, (model, call),
            static s => s.model.ErrorsOf(s.call));
        if (why is not null)
        {
            return new Violation(PagingRules.SameResult, $"{call}: {why}");
        }

        var error = observed.Error;
        var done = new PagingStepDone(call, error, before, after, touched, model);
        var violation = Rule<PagingStepDone>.FirstBroken(Rules, done, checks);
        if (violation is null)
        {
            SharedRules.Called(log, error);
            Rule<PagingStepDone>.Cover(Rules, done, checks, log);
            Track(operation, observed, error, before, after, log);
        }

        return violation;
    }

    /// <summary>
    /// Destroys every address space and frees every vmalloc area, on both sides: the level-2 teardown.
    /// </summary>
    public Violation? TearDown(StepLog log)
    {
        for (var spaces = _spaces.Count; spaces > 0; spaces--)
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
}
