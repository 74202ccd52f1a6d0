namespace MMSpec.Properties.Paging;

/// <summary>The names of the rules the paging lockstep checks beyond the model's invariants.</summary>
public static class PagingRules
{
    public const string SameResult = "same-result-as-model";
    public const string UnchangedOnError = "bad-input-changes-nothing";
    public const string NonCanonicalFaults = "non-canonical-always-faults";
    public const string SameState = "same-state-as-model";
    public const string RestoresInitial = "destroy-all-restores-free-areas";
}
