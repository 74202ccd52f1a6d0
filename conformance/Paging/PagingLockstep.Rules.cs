using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Paging;

/// <summary>
/// What one paging step did, for the rules: the call (null for the initial state), its error, the implementation's
/// state before and after, the address spaces the incremental check took (null for the whole state), and the model.
/// </summary>
public readonly record struct PagingStepDone(PagingOp? Call, MmError? Error, PagingSnapshot Before,
    PagingSnapshot After, IReadOnlySet<AsId>? Spaces, PagingModel Model);

/// <summary>The paging lockstep's rules as data: bad input changes nothing, invariants, the model's state.</summary>
public sealed partial class PagingLockstep
{
    /// <summary>
    /// The rules on a state: the invariants (on a snapshot of some spaces, those only), then (exact level) the
    /// model's state.
    /// </summary>
    public static IReadOnlyList<Rule<PagingStepDone>> StateRules { get; } =
    [
        Rule<PagingStepDone>.Invariants(Level.Safe, static d =>
                (d.Spaces is null ? PagingInvariants.All(d.After) : PagingInvariants.Within(d.After))
                .FirstOrDefault(),
            new(PagingInvariants.FrameOwnership, static d => FramesMoved(d)),
            new(PagingInvariants.EntriesPointAtOwners, static d => PagesMoved(d) || d.Call is MigratePage),
            new(PagingInvariants.EntriesInsideVmas,
                static d => d is { Error: null, Call: Munmap or Mprotect or Model.Paging.Brk }
                    && PageCount(d.Before) > 0),
            new(PagingInvariants.TablesOnlyWhereNeeded,
                static d => d.Error is null && PageCount(d.After) < PageCount(d.Before)),
            new(PagingInvariants.PgTablesBytes, static d => TableCount(d.Before) != TableCount(d.After)),
            new(PagingInvariants.RssCounters, static d => PagesMoved(d))),
        SharedRules.Same<PagingStepDone>(Level.Exact, static d =>
                (d.Spaces is null ? d.Model.Snapshot() : d.Model.SnapshotOf(d.Spaces)).DiffFrom(d.After),
            static d => d.Call is not null && FramesMoved(d)),
    ];

    /// <summary>Every rule checked after a step, in order; those of the levels a run checks apply.</summary>
    public static IReadOnlyList<Rule<PagingStepDone>> Rules { get; } =
    [
        Rule<PagingStepDone>.Of(PagingRules.NonCanonicalFaults, Level.Safe, static d => NonCanonical(d),
            static d => d.Call is AccessByte a && !d.After.Format.IsCanonical(a.Addr.Value)),
        SharedRules.Unchanged<PagingStepDone>(static d => d.Call!,
            static d => d.Error is SegmentationFault ? null : d.Error,
            static d => d.Before.DiffFrom(d.After) ?? d.Before.Pages.DiffFrom(d.After.Pages)),
        .. StateRules,
    ];

    /// <summary>
    /// The errors a paging system returns, each a rule ("exactly when it applies") that a step puts to the test by
    /// returning it.
    /// </summary>
    public static IReadOnlyList<Type> ErrorKinds { get; } =
    [
        typeof(UnknownAddressSpace), typeof(InvalidRange), typeof(RangeInUse), typeof(NoVirtualSpace),
        typeof(RangeNotMapped), typeof(BrkRefused), typeof(PagingOutOfMemory), typeof(NotVmallocArea),
        typeof(NotMigratable), typeof(SegmentationFault), typeof(FaultOutOfMemory),
    ];

    /// <summary>
    /// The rules a run at <paramref name="checks"/> puts to the test: model-permits, the rules of those levels, and
    /// (safe level) every error kind.
    /// </summary>
    public static IReadOnlyList<string> Coverage(Level checks) =>
    [
        SharedRules.ModelPermits, .. Rule<PagingStepDone>.Names(Rules, checks),
        .. (checks & Level.Safe) != 0 ? ErrorKinds.Select(SharedRules.Returned) : [],
    ];

    /// <summary>Frames changed hands: the buddy allocator's allocated blocks are not the same.</summary>
    private static bool FramesMoved(PagingStepDone d) =>
        d.Before.Pages.Allocated.Length != d.After.Pages.Allocated.Length
        || !d.Before.Pages.Allocated.SequenceEqual(d.After.Pages.Allocated);

    private static bool PagesMoved(PagingStepDone d) => PageCount(d.Before) != PageCount(d.After);

    private static int PageCount(PagingSnapshot s) => s.Spaces.Sum(x => x.Pages.Length);

    /// <summary>An access to a non-canonical address always faults, whatever is mapped.</summary>
    private static string? NonCanonical(PagingStepDone d) =>
        d.Call is AccessByte access && !d.After.Format.IsCanonical(access.Addr.Value)
            && d.Error is not SegmentationFault { Fault.Kind: FaultKind.NonCanonical }
            ? $"{access} returned {d.Error?.ToString() ?? "a value"}, not a non-canonical fault"
            : null;
}
