using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Buddy;

/// <summary>
/// Binds a buddy allocator under test to the reference model for the lockstep runner. Any
/// <see cref="IBuddyAllocator"/> can be checked this way: the conformance kit passes its own. The rules it checks
/// after a step are <see cref="Rules"/>, in order; the scenarios it tallies are <see cref="Scenarios"/>.
/// </summary>
public sealed partial class BuddyLockstep(IBuddyAllocator impl, BuddyModel model, Level checks)
    : ILockstepSubject<BuddyStep>
{
    private readonly HandleTable<Block> _blocks = new();
    private int _lastFreesInARow;
    private BuddySnapshot? _last;
    private Pfn? _lastPfn;

    public Violation? CheckInitialState()
    {
        var initial = impl.Snapshot();
        return Rule<BuddyStepDone>.FirstBroken(StateRules, new(null, null, initial, initial, model.Snapshot()), checks);
    }

    /// <summary>
    /// Runs one step. The full check compares whole snapshots; the incremental one (safe level only: the live and
    /// exact rules need the whole state) compares the MAX_PAGE_ORDER-aligned window the step's block lies in, which
    /// holds every block a correct alloc_pages or __free_one_page changes.
    /// </summary>
    public Violation? Apply(BuddyStep operation, StepLog log)
    {
        var op = Resolve(operation);
        if (op is null)
        {
            return null;
        }

        if (log.Tracing)
        {
            log.Operation = op;
        }

        var full = log.FullCheck || checks != Level.Safe;
        var before = full ? _last ?? impl.Snapshot() : null;
        _last = null;
        var (error, permitted) = op switch
        {
            AllocPages alloc => RunAlloc(alloc, log),
            FreePages free => RunFree(free, log),
            _ => throw new ArgumentOutOfRangeException(nameof(operation), op, "unknown buddy op"),
        };
        if (permitted is not null)
        {
            return new Violation(BuddyRules.ModelPermits, permitted);
        }

        SharedRules.Called(log, error);

        var window = WindowOf(op, error);
        BuddySnapshot? touched;
        Violation? violation;
        if (before is not null)
        {
            var after = impl.Snapshot();
            _last = after;
            touched = window is { } frames ? after.Within(frames) : null;
            var done = new BuddyStepDone(op, error, before, after, model.Snapshot());
            violation = Rule<BuddyStepDone>.FirstBroken(Rules, done, checks);
            if (violation is null)
            {
                Rule<BuddyStepDone>.Cover(Rules, done, checks, log);
            }
        }
        else
        {
            touched = window is { } frames ? impl.SnapshotOf(frames) : null;
            violation = window is { } w && touched is not null ? CheckWindow(touched, w) : null;
        }

        if (violation is null)
        {
            Track(operation, op, error, touched, log);
        }

        return violation;
    }

    /// <summary>Frees every live allocation (oldest first), checking each step; used by the live property.</summary>
    public Violation? FreeAll(StepLog log)
    {
        while (_blocks.Count > 0)
        {
            var oldest = _blocks.Live[0];
            var violation = Apply(new Free(0), log);
            if (violation is not null)
            {
                return violation;
            }

            if (_blocks.Count > 0 && _blocks.Live[0] == oldest)
            {
                return new Violation(BuddyRules.RestoresInitial, $"{log.Call}: a live block could not be freed");
            }
        }

        return null;
    }

    /// <summary>
    /// The MAX_PAGE_ORDER-aligned frames a step can change: those of the allocated block, or of the pfn freed (an
    /// error then changes nothing there either). A failed allocation has none: the full check covers it.
    /// </summary>
    private PfnRange? WindowOf(BuddyOp op, MmError? error)
    {
        var pfn = op switch
        {
            AllocPages when error is null => _lastPfn,
            FreePages free when free.Pfn.Value < impl.Layout.FrameCount => free.Pfn,
            _ => null,
        };
        if (pfn is not { } at)
        {
            return null;
        }

        var start = at.Value & ~((1UL << Order.Max) - 1);
        var end = Math.Min(start + (1UL << Order.Max), impl.Layout.FrameCount);
        return new PfnRange(new Pfn(start), new Pfn(end));
    }

    /// <summary>The incremental check: the same window on both sides, and every rule but conservation in it.</summary>
    private Violation? CheckWindow(BuddySnapshot touched, PfnRange window)
    {
        var expected = model.SnapshotOf(window);
        if (!touched.SameBlocks(expected))
        {
            var diff = touched.DiffFrom(expected);
            return new Violation(BuddyRules.SnapshotsEqual, $"implementation vs model in {window}: {diff}");
        }

        return BuddyInvariants.Window(touched, window).FirstOrDefault();
    }
}
