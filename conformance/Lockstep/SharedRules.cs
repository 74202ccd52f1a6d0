using MMSpec.Model.Core;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// The rules every component's lockstep checks, each under one name across the project (docs/README.md, "The rules
/// every component shares"), and each written once here. A component's rules class gives the names its own constants
/// for its code to use.
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

    /// <summary>
    /// The check of <see cref="ModelPermits"/> for a call whose result the model computes itself: the
    /// implementation's result must be the model's; but below the exact level a refusal may name any error that
    /// applies to the call (<paramref name="applicable"/>, asked only when the two differ and the model refused
    /// too, so that the model's state is still the one before the call; null when the call breaks one check at a
    /// time). Returns null when permitted, else what the model permits and what came back.
    /// </summary>
    public static string? Permits<T, TState>(Level checks, Result<T> actual, Result<T> expected, TState state,
        Func<TState, IReadOnlyList<MmError>?> applicable) =>
        actual == expected ? null
            : Judge(checks, actual.Error, expected.Error, $"{expected}", $"{actual}", state, applicable);

    /// <summary><see cref="Permits{T, TState}"/> for untyped results (a PagingOp's, a MachineOp's).</summary>
    public static string? Permits<TState>(Level checks, OpResult actual, OpResult expected, TState state,
        Func<TState, IReadOnlyList<MmError>?> applicable) =>
        actual == expected ? null
            : Judge(checks, actual.Error, expected.Error, $"{expected}", $"{actual}", state, applicable);

    /// <summary>
    /// The rule <see cref="UnchangedOnError"/>, at the safe level: a step whose call returned a typed error
    /// (<paramref name="error"/>) changed nothing (<paramref name="changed"/> says what it changed, or null);
    /// <paramref name="call"/> is what the report names.
    /// </summary>
    public static Rule<TStep> Unchanged<TStep>(Func<TStep, object> call, Func<TStep, MmError?> error,
        Func<TStep, string?> changed) =>
        Rule<TStep>.Of(UnchangedOnError, Level.Safe, step => error(step) is { } e && changed(step) is { } diff
                ? $"{call(step)} failed with {e} but changed the state: {diff}"
                : null,
            step => error(step) is not null);

    /// <summary>
    /// The rule <see cref="SameState"/> at <paramref name="level"/>: <paramref name="diff"/> says how the
    /// implementation's state differs from the model's, or null; <paramref name="exercised"/> whether the step
    /// changed a state (the comparison then tests what it did).
    /// </summary>
    public static Rule<TStep> Same<TStep>(Level level, Func<TStep, string?> diff, Func<TStep, bool> exercised) =>
        Rule<TStep>.Of(SameState, level, step => diff(step) is { } d ? $"implementation vs model: {d}" : null,
            exercised);

    /// <summary>
    /// Records in <paramref name="log"/> what every call puts to the test: the rule its result is checked by
    /// (<paramref name="result"/>, model-permits unless the component names its own), and the error kind it returned.
    /// </summary>
    public static void Called(StepLog log, MmError? error, string result = ModelPermits)
    {
        log.Exercised(result);
        if (error is not null)
        {
            log.Exercised(Returned(error.GetType()));
        }
    }

    /// <summary>
    /// The coverage name of an error kind: a step put the rule "this error, exactly when it applies" to the test
    /// when the implementation returned it.
    /// </summary>
    public static string Returned(Type error) => $"returns {error.Name}";

    /// <summary>
    /// Null when a refusal that differs from the model's is permitted (below the exact level, an applicable error);
    /// else what the model permits, "one of" the applicable errors when there are several, and what came back.
    /// </summary>
    private static string? Judge<TState>(Level checks, MmError? actual, MmError? expected, string expectedText,
        string actualText, TState state, Func<TState, IReadOnlyList<MmError>?> applicable)
    {
        var errors = expected is null ? null : applicable(state);
        var exact = checks.HasFlag(Level.Exact);
        if (!exact && actual is not null && errors?.Contains(actual) == true)
        {
            return null;
        }

        var permitted = exact || errors is null || errors.Count < 2
            ? expectedText
            : $"one of {string.Join(", ", errors)}";
        return $"expected {permitted}, got {actualText}";
    }
}
