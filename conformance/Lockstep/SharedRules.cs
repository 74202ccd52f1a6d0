namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// The rules every component's lockstep checks, each under one name across the project (docs/README.md, "The rules
/// every component shares"). A component's rules class gives them its own constant names for its code to use.
/// </summary>
public static class SharedRules
{
    /// <summary>The implementation's result (value or typed error) is one the model permits.</summary>
    public const string ModelPermits = "model-permits";

    /// <summary>A call that returned a typed error changed nothing.</summary>
    public const string UnchangedOnError = "unchanged-on-error";

    /// <summary>
    /// After the step the implementation's state is the model's (once the model adopted its choices).
    /// </summary>
    public const string SameState = "same-state-as-model";
}
