using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Paging;

/// <summary>The checks after each step: bad input changed nothing, the invariants, and the model's state.</summary>
public sealed partial class PagingLockstep
{
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
        if (checks.HasFlag(Level.Safe) && invariants.FirstOrDefault() is { } broken)
        {
            return broken;
        }

        if (!checks.HasFlag(Level.Exact))
        {
            return null;
        }

        var reference = spaces is null ? model.Snapshot() : model.SnapshotOf(spaces);
        return reference.DiffFrom(state) is { } diff
            ? new Violation(PagingRules.SameState, $"the model's state differs from the implementation's: {diff}")
            : null;
    }
}
