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
        Rule<BuddyStepDone>.Invariants(Level.Safe, static d => Invariants(d.After, d.Model)),
        SharedRules.Same<BuddyStepDone>(Level.Safe,
            static d => d.After.SameBlocks(d.Model) ? null : d.After.DiffFrom(d.Model)),
    ];

    /// <summary>Every rule checked after a step, in order; those of the levels a run checks apply.</summary>
    public static IReadOnlyList<Rule<BuddyStepDone>> Rules { get; } =
    [
        SharedRules.Unchanged<BuddyStepDone>(static d => d.Op!, static d => d.Error,
            static d => d.After.SameBlocks(d.Before) ? null : d.After.DiffFrom(d.Before)),
        .. StateRules,
        Rule<BuddyStepDone>.Of(BuddyRules.SucceedsIffFree, Level.Live, static d => SucceedsIffFree(d)),
        Rule<BuddyStepDone>.Of(BuddyRules.LinuxCounts, Level.Exact, static d => LinuxCounts(d)),
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
