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
            (d.Spaces is null ? PagingInvariants.All(d.After) : PagingInvariants.Within(d.After)).FirstOrDefault()),
        SharedRules.Same<PagingStepDone>(Level.Exact, static d =>
            (d.Spaces is null ? d.Model.Snapshot() : d.Model.SnapshotOf(d.Spaces)).DiffFrom(d.After)),
    ];

    /// <summary>Every rule checked after a step, in order; those of the levels a run checks apply.</summary>
    public static IReadOnlyList<Rule<PagingStepDone>> Rules { get; } =
    [
        Rule<PagingStepDone>.Of(PagingRules.NonCanonicalFaults, Level.Safe, static d => NonCanonical(d)),
        SharedRules.Unchanged<PagingStepDone>(static d => d.Call!,
            static d => d.Error is SegmentationFault ? null : d.Error,
            static d => d.Before.DiffFrom(d.After) ?? d.Before.Pages.DiffFrom(d.After.Pages)),
        .. StateRules,
    ];

    /// <summary>An access to a non-canonical address always faults, whatever is mapped.</summary>
    private static string? NonCanonical(PagingStepDone d) =>
        d.Call is AccessByte access && !d.After.Format.IsCanonical(access.Addr.Value)
            && d.Error is not SegmentationFault { Fault.Kind: FaultKind.NonCanonical }
            ? $"{access} returned {d.Error?.ToString() ?? "a value"}, not a non-canonical fault"
            : null;
}
