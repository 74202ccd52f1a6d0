using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Buddy;

/// <summary>
/// What one buddy step did, for the rules: the call (null for the initial state), its error, the implementation's
/// state before and after, and the model's after.
/// </summary>
public readonly record struct BuddyStepDone(BuddyOp? Op, MmError? Error, BuddySnapshot Before, BuddySnapshot After,
    BuddySnapshot Model);

/// <summary>
/// What one buddy step reached, for the scenarios: the step and its call, the error, the zone the allocation was
/// allowed up to and the block it got, the frees of the newest block in a row, whether a free was of an older
/// block than the newest, and whether it merged up to MAX_PAGE_ORDER.
/// </summary>
public readonly record struct BuddyStepReached(BuddyStep Step, BuddyOp Op, MmError? Error, bool FellBack,
    int NewestFreesInARow, bool FreedOlder, bool MergedToMax);

/// <summary>The buddy lockstep's rules and scenarios, as data.</summary>
public sealed partial class BuddyLockstep
{
    public const string MemoryExhausted = "memory exhausted";
    public const string MaxOrderAlloc = "max-order (10) alloc";
    public const string MergeToMaxOrder = "merge back to order 10";
    public const string ZoneFallback = "fallback to a lower zone";
    public const string ReverseFrees = "frees in reverse order";
    public const string RandomFrees = "frees in random order";
    public const string InvalidRejected = "invalid op rejected";

    /// <summary>The rules on a state: both sides' invariants (the model's only when they differ), then equal.</summary>
    public static IReadOnlyList<Rule<BuddyStepDone>> StateRules { get; } =
    [
        Rule<BuddyStepDone>.Invariants(Level.Safe, static d => Invariants(d.After, d.Model),
            new(BuddyInvariants.OrderRange, static d => Succeeded(d) && MaxOrderBlockNew(d)),
            new(BuddyInvariants.NaturalAlignment, static d => Succeeded(d) && OrderOf(d.Op) > 0),
            new(BuddyInvariants.ZoneContainment,
                static d => d is { Error: null, Op: FreePages f } && BuddyAcrossZones(d, f)),
            new(BuddyInvariants.Partition, Succeeded),
            new(BuddyInvariants.MaximalCoalescing, static d => d is { Error: null, Op: FreePages f } && Merges(d, f)),
            new(BuddyInvariants.Conservation, Succeeded)),
        SharedRules.Same<BuddyStepDone>(Level.Safe,
            static d => d.After.SameBlocks(d.Model) ? null : d.After.DiffFrom(d.Model), Succeeded),
    ];

    /// <summary>Every rule checked after a step, in order; those of the levels a run checks apply.</summary>
    public static IReadOnlyList<Rule<BuddyStepDone>> Rules { get; } =
    [
        SharedRules.Unchanged<BuddyStepDone>(static d => d.Op!, static d => d.Error,
            static d => d.After.SameBlocks(d.Before) ? null : d.After.DiffFrom(d.Before)),
        .. StateRules,
        Rule<BuddyStepDone>.Of(BuddyRules.SucceedsIffFree, Level.Live, static d => SucceedsIffFree(d),
            static d => d.Op is AllocPages { Order.IsValid: true }),
        Rule<BuddyStepDone>.Of(BuddyRules.LinuxCounts, Level.Exact, static d => LinuxCounts(d),
            static d => Succeeded(d) && CountsChanged(d) >= 2),
    ];

    /// <summary>
    /// The errors a buddy allocator returns, each a rule ("exactly when it applies") that a step puts to the test by
    /// returning it.
    /// </summary>
    public static IReadOnlyList<Type> ErrorKinds { get; } =
    [
        typeof(InvalidOrder), typeof(PfnOutOfRange), typeof(MisalignedPfn), typeof(BlockSpansZones),
        typeof(DoubleFree), typeof(NotAllocated), typeof(OrderMismatch), typeof(OutOfMemory),
    ];

    /// <summary>
    /// The rules a run at <paramref name="checks"/> puts to the test: model-permits, the rules of those levels, and
    /// (safe level) every error kind.
    /// </summary>
    public static IReadOnlyList<string> Coverage(Level checks) =>
    [
        SharedRules.ModelPermits, .. Rule<BuddyStepDone>.Names(Rules, checks),
        .. (checks & Level.Safe) != 0 ? ErrorKinds.Select(SharedRules.Returned) : [],
    ];

    public static IReadOnlyList<Scenario<BuddyStepReached>> Scenarios { get; } =
    [
        new(MemoryExhausted, static r => r.Error is OutOfMemory),
        new(MaxOrderAlloc, static r => r is { Error: null, Op: AllocPages { Order.Value: Order.Max } }),
        new(MergeToMaxOrder, static r => r.MergedToMax),
        new(ZoneFallback, static r => r.FellBack),
        new(ReverseFrees, static r => r is { Error: null, Op: FreePages, NewestFreesInARow: >= 3 }),
        new(RandomFrees, static r => r is { Error: null, Step: Free, NewestFreesInARow: < 3, FreedOlder: true }),
        new(InvalidRejected, static r => r.Error is not null and not OutOfMemory),
    ];

    public static IReadOnlyList<string> AllScenarios { get; } = Scenario<BuddyStepReached>.Names(Scenarios);

    private static bool Succeeded(BuddyStepDone d) => d is { Op: not null, Error: null };

    private static int OrderOf(BuddyOp? op) => op switch
    {
        AllocPages a => a.Order.Value,
        FreePages f => f.Order.Value,
        _ => 0,
    };

    /// <summary>A block of MAX_PAGE_ORDER appeared: the largest order the rule allows was reached.</summary>
    private static bool MaxOrderBlockNew(BuddyStepDone d) =>
        d.Op is AllocPages { Order.Value: Order.Max }
        || d.After.Free.Any(b => b.Order.Value == Order.Max && !d.Before.Free.Contains(b));

    /// <summary>The freed block's buddy lies in another zone (or past the machine): a merge would cross it.</summary>
    private static bool BuddyAcrossZones(BuddyStepDone d, FreePages f)
    {
        var zone = d.Before.Layout.ZoneOf(f.Pfn);
        var buddy = new Pfn(f.Pfn.Value ^ f.Order.Pages);
        return f.Order.IsValid && zone is not null && !zone.Contains(buddy);
    }

    /// <summary>The freed block's buddy was free: __free_one_page had to merge.</summary>
    private static bool Merges(BuddyStepDone d, FreePages f) =>
        f.Order.Value < Order.Max && d.Before.Free.Contains(new Block(new Pfn(f.Pfn.Value ^ f.Order.Pages), f.Order));

    /// <summary>How many (zone, order) free-area counts the step changed: 2 or more when it split or merged.</summary>
    private static int CountsChanged(BuddyStepDone d)
    {
        var (before, after) = (d.Before.Counts(), d.After.Counts());
        return before.Sum(z => z.Value.Where((count, order) => after[z.Key][order] != count).Count());
    }

    /// <summary>The invariants on the implementation's state, and on the model's when the two differ.</summary>
    private static Violation? Invariants(BuddySnapshot actual, BuddySnapshot expected)
    {
        var implementation = BuddyInvariants.All(actual).Select(v => v with { Detail = $"implementation: {v.Detail}" });

        // Equal snapshots break the same rules, so the model's need no second pass.
        return actual.SameBlocks(expected) ? implementation.FirstOrDefault() : implementation
            .Concat(BuddyInvariants.All(expected).Select(v => v with { Detail = $"model: {v.Detail}" }))
            .FirstOrDefault();
    }

    private static string? SucceedsIffFree(BuddyStepDone d)
    {
        if (d.Op is not AllocPages { Order.IsValid: true } a)
        {
            return null;
        }

        var failed = d.Error is not null;
        if (BuddyRules.FreeAlignedBlockExists(d.Before, a.Order, a.HighestZone) != failed)
        {
            return null;
        }

        return failed
            ? $"{a} failed although a free aligned block of order {a.Order} exists in an allowed zone"
            : $"{a} succeeded although no free aligned block of order {a.Order} exists in an allowed zone";
    }

    private static string? LinuxCounts(BuddyStepDone d)
    {
        var expected = d.Error is not null ? d.Before.Counts() : d.Op switch
        {
            AllocPages alloc => BuddyRules.CountsAfterAlloc(d.Before, alloc.Order, alloc.HighestZone),
            FreePages free => BuddyRules.CountsAfterFree(d.Before, free.Pfn, free.Order),
            _ => d.Before.Counts(),
        };
        return BuddyRules.CountsDiffer(expected, d.After.Counts()) is { } counts ? $"after {d.Op}: {counts}" : null;
    }
}
