using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Paging;

/// <summary>The names of the rules the paging lockstep checks beyond the model's invariants.</summary>
public static class PagingRules
{
    public const string SameResult = SharedRules.ModelPermits;
    public const string UnchangedOnError = SharedRules.UnchangedOnError;
    public const string NonCanonicalFaults = "non-canonical-always-faults";
    public const string SameState = SharedRules.SameState;
    public const string RestoresInitial = "destroy-all-restores-free-areas";
}
