using MMSpec.Model.Core;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// One component's binding to the lockstep runner: applies a generated step to the implementation, asks the
/// model whether the result is permitted (the model adopts it), and checks invariants and snapshots.
/// </summary>
public interface ILockstepSubject<in TStep>
{
    /// <summary>Checks the state both sides start from, before any step. Returns the broken rule, or null.</summary>
    Violation? CheckInitialState();

    /// <summary>
    /// Runs one step. Returns the broken rule, or null; records each scenario the step reached. With
    /// <see cref="StepLog.FullCheck"/> off the subject may check only what the step touched (a subset of the full
    /// check, so a step the full check passes also passes here); with <see cref="StepLog.Tracing"/> off it need not
    /// build <see cref="StepLog.Call"/>.
    /// </summary>
    Violation? Apply(TStep operation, StepLog log);
}

/// <summary>What one step did, for the trace printed on failure and the scenario statistics.</summary>
public sealed class StepLog
{
    private readonly HashSet<string> _scenarios;
    private readonly Dictionary<string, int> _exercised;

    public StepLog()
        : this([], [])
    {
    }

    /// <summary>
    /// A log whose scenarios and rule counts go straight into <paramref name="scenarios"/> and
    /// <paramref name="exercised"/>: the runner's for the whole run, so a step allocates nothing of its own and
    /// nothing is copied after it.
    /// </summary>
    public StepLog(HashSet<string> scenarios, Dictionary<string, int> exercised) =>
        (_scenarios, _exercised) = (scenarios, exercised);

    public IReadOnlySet<string> Scenarios => _scenarios;

    /// <summary>How many steps put each rule to the test (<see cref="Rule{TStep}.Cover"/>).</summary>
    public IReadOnlyDictionary<string, int> ExercisedRules => _exercised;

    /// <summary>The concrete call the step resolved to and its result: "free_pages(pfn=0x10, order=2) = ok".</summary>
    public string Call { get; set; } = "(skipped)";

    /// <summary>
    /// The call as data (a BuddyOp, SlabOp, PagingOp or MachineOp record), set with <see cref="Call"/>, for the
    /// JSON trace of a counterexample; null for a step that made no call.
    /// </summary>
    public object? Operation { get; set; }

    /// <summary>Whether the trace text is wanted: off on the fast pass, on when a failing run is replayed.</summary>
    public bool Tracing { get; init; } = true;

    /// <summary>Whether this step gets every invariant and the whole comparison, or the incremental check.</summary>
    public bool FullCheck { get; init; } = true;

    public void Reached(string scenario) => _scenarios.Add(scenario);

    /// <summary>Records that the step put <paramref name="rule"/> to the test.</summary>
    public void Exercised(string rule) =>
        _exercised[rule] = _exercised.TryGetValue(rule, out var count) ? count + 1 : 1;
}
