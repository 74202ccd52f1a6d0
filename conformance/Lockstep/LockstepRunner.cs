using System.Diagnostics;
using System.Text;
using MMSpec.Conformance.Protocol;
using MMSpec.Model.Core;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// The step at which a run broke a rule, with the calls that led there: as text (<see cref="Trace"/>) and as data
/// (<see cref="Operations"/>, one record per call made, the failing one last).
/// </summary>
public sealed record LockstepFailure(int StepIndex, string Step, Violation Violation, IReadOnlyList<string> Trace)
{
    public IReadOnlyList<object> Operations { get; init; } = [];

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine($"rule broken: {Violation.Rule}");
        text.AppendLine(StepIndex < 0 ? $"in the {Step}" : $"at step {StepIndex}: {Step}");
        text.AppendLine($"  {Violation.Detail}");
        text.AppendLine("calls made (resolved handles, results):");
        for (var i = 0; i < Trace.Count; i++)
        {
            text.AppendLine($"  {i,3}: {Trace[i]}");
        }

        return text.ToString();
    }
}

/// <summary>
/// The outcome of one generated sequence: the scenarios it reached, the first failure if any, and how many steps
/// put each rule to the test.
/// </summary>
public sealed record LockstepRun(LockstepFailure? Failure, IReadOnlySet<string> Scenarios, int Steps)
{
    public IReadOnlyDictionary<string, int> ExercisedRules { get; init; } = new Dictionary<string, int>();

    /// <summary>A traced run's calls as data, one operation record per call made (none on the fast pass).</summary>
    public IReadOnlyList<object> Operations { get; init; } = [];
}

/// <summary>
/// Runs a sequence of steps against a subject, stopping at the first step that breaks a rule. An exception
/// thrown by the implementation or the model is itself a failure (rule "no-exception"), but not a
/// <see cref="ProtocolException"/> (a process under test that broke the protocol broke no rule) or a
/// <see cref="MispredictionException"/> (the case runs again in turn: <see cref="Pipelined"/>).
/// </summary>
public static class LockstepRunner
{
    public const string NoException = "no-exception";

    /// <summary>On the fast pass, every this many steps (and at the last step) a step gets the full check.</summary>
    public const int FullCheckPeriod = 32;

    /// <summary>The reference mode: the full check and the trace at every step.</summary>
    public static LockstepRun Run<TStep>(ILockstepSubject<TStep> subject, IReadOnlyList<TStep> steps)
        where TStep : notnull => Run(subject, steps, int.MaxValue, period: 1, tracing: true);

    /// <summary>
    /// The fast pass: the incremental check at each step, the full check every <paramref name="period"/> steps and
    /// at the last, no trace text. A failing run is replayed on a fresh subject from <paramref name="replay"/> in the
    /// reference mode, so what is reported is exactly what the full check finds, with its trace; under the mutation
    /// profile it is not unless <paramref name="alwaysReplay"/> (the trace is for people: a mutant is killed by the
    /// fast pass's failure, and a replay in full made slow failures into Stryker timeouts).
    /// </summary>
    public static LockstepRun Run<TStep>(ILockstepSubject<TStep> subject, IReadOnlyList<TStep> steps,
        Func<ILockstepSubject<TStep>> replay, int period = FullCheckPeriod, bool alwaysReplay = false)
        where TStep : notnull
    {
        var fast = Run(subject, steps, steps.Count - 1, period, tracing: false);
        if (fast.Failure is null || (MutationProfile.Active && !alwaysReplay))
        {
            return fast;
        }

        var full = Run(replay(), steps);
        Debug.Assert(full.Failure is not null, "the full check finds whatever the incremental check finds");
        return full.Failure is null ? fast : full;
    }

    private static LockstepRun Run<TStep>(ILockstepSubject<TStep> subject, IReadOnlyList<TStep> steps, int last,
        int period, bool tracing)
        where TStep : notnull
    {
        var scenarios = new HashSet<string>();
        var exercised = new Dictionary<string, int>();
        var trace = new List<string>();
        var operations = tracing ? new List<object>() : null;
        if (subject.CheckInitialState() is { } initial)
        {
            var failure = new LockstepFailure(-1, "initial state, before any step", initial, trace);
            Counterexample.Record(failure);
            return new LockstepRun(failure, scenarios, 0);
        }

        for (var i = 0; i < steps.Count; i++)
        {
            var log = new StepLog(scenarios, exercised)
            {
                Tracing = tracing,
                FullCheck = i == last || (i + 1) % period == 0,
            };
            Violation? violation;
            try
            {
                violation = subject.Apply(steps[i], log);
            }
            catch (Exception e)
                when (e is not OutOfMemoryException and not ProtocolException and not MispredictionException)
            {
                violation = new Violation(NoException, $"{e.GetType().Name}: {e.Message}");
            }

            if (tracing)
            {
                trace.Add($"{steps[i]} -> {log.Call}");
                if (log.Operation is { } operation)
                {
                    operations!.Add(operation);
                }
            }

            if (violation is not null)
            {
                var step = tracing ? steps[i].ToString()! : "(fast pass)";
                var failure = new LockstepFailure(i, step, violation, trace) { Operations = operations ?? [] };
                Counterexample.Record(failure);
                return new LockstepRun(failure, scenarios, i + 1);
            }
        }

        return new LockstepRun(null, scenarios, steps.Count)
        {
            ExercisedRules = exercised,
            Operations = operations ?? [],
        };
    }
}
