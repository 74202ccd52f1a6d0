using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Buddy;

/// <summary>
/// Binds a buddy allocator under test to the reference model for the lockstep runner. Any
/// <see cref="IBuddyAllocator"/> can be checked this way: the conformance kit passes its own.
/// </summary>
public sealed partial class BuddyLockstep(IBuddyAllocator impl, BuddyModel model, Level checks)
    : ILockstepSubject<BuddyStep>
{
    public const string MemoryExhausted = "memory exhausted";
    public const string MaxOrderAlloc = "max-order (10) alloc";
    public const string MergeToMaxOrder = "merge back to order 10";
    public const string ZoneFallback = "fallback to a lower zone";
    public const string ReverseFrees = "frees in reverse order";
    public const string RandomFrees = "frees in random order";
    public const string InvalidRejected = "invalid op rejected";

    private readonly List<Block> _live = [];
    private readonly List<Block> _freed = [];
    private int _lastFreesInARow;
    private BuddySnapshot? _last;
    private Pfn? _lastPfn;

    public static IReadOnlyList<string> AllScenarios { get; } =
        [MemoryExhausted, MaxOrderAlloc, MergeToMaxOrder, ZoneFallback, ReverseFrees, RandomFrees, InvalidRejected];

    public Violation? CheckInitialState() => checks.HasFlag(Level.Safe) ? CheckState(impl.Snapshot()) : null;

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

        var window = WindowOf(op, error);
        BuddySnapshot? touched;
        Violation? violation;
        if (before is not null)
        {
            var after = impl.Snapshot();
            _last = after;
            touched = window is { } frames ? after.Within(frames) : null;
            violation = Check(op, error, before, after);
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
        while (_live.Count > 0)
        {
            var oldest = _live[0];
            var violation = Apply(new Free(0), log);
            if (violation is not null)
            {
                return violation;
            }

            if (_live.Count > 0 && _live[0] == oldest)
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

    private Violation? Check(BuddyOp op, MmError? error, BuddySnapshot before, BuddySnapshot after)
    {
        var failed = error is not null;
        if (checks.HasFlag(Level.Safe))
        {
            if (failed && !after.SameBlocks(before))
            {
                var changed = after.DiffFrom(before);
                return new Violation(BuddyRules.UnchangedOnError, $"{op} failed but changed the state: {changed}");
            }

            if (CheckState(after) is { } broken)
            {
                return broken;
            }
        }

        if (checks.HasFlag(Level.Live) && op is AllocPages { Order.IsValid: true } a
            && BuddyRules.FreeAlignedBlockExists(before, a.Order, a.HighestZone) == failed)
        {
            return new Violation(BuddyRules.SucceedsIffFree, failed
                ? $"{op} failed although a free aligned block of order {a.Order} exists in an allowed zone"
                : $"{op} succeeded although no free aligned block of order {a.Order} exists in an allowed zone");
        }

        if (checks.HasFlag(Level.Exact))
        {
            var expected = failed ? before.Counts() : op switch
            {
                AllocPages alloc => BuddyRules.CountsAfterAlloc(before, alloc.Order, alloc.HighestZone),
                FreePages free => BuddyRules.CountsAfterFree(before, free.Pfn, free.Order),
                _ => before.Counts(),
            };
            if (BuddyRules.CountsDiffer(expected, after.Counts()) is { } counts)
            {
                return new Violation(BuddyRules.LinuxCounts, $"after {op}: {counts}");
            }
        }

        return null;
    }

    /// <summary>Invariants on both sides, then equal snapshots.</summary>
    private Violation? CheckState(BuddySnapshot actual)
    {
        var expected = model.Snapshot();
        var same = actual.SameBlocks(expected);
        var implementation = BuddyInvariants.All(actual).Select(v => v with { Detail = $"implementation: {v.Detail}" });

        // Equal snapshots break the same rules, so the model's need no second pass.
        var broken = same ? implementation.FirstOrDefault() : implementation
            .Concat(BuddyInvariants.All(expected).Select(v => v with { Detail = $"model: {v.Detail}" }))
            .FirstOrDefault();
        if (broken is not null)
        {
            return broken;
        }

        return same
            ? null
            : new Violation(BuddyRules.SnapshotsEqual, $"implementation vs model: {actual.DiffFrom(expected)}");
    }
}
