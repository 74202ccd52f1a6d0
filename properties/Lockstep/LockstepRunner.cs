using System.Text;
using MMSpec.Model.Core;

namespace MMSpec.Properties.Lockstep;

/// <summary>The step at which a run broke a rule, with the calls that led there.</summary>
public sealed record LockstepFailure(int StepIndex, string Step, Violation Violation, IReadOnlyList<string> Trace)
{
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

/// <summary>The outcome of one generated sequence: the scenarios it reached, and the first failure if any.</summary>
public sealed record LockstepRun(LockstepFailure? Failure, IReadOnlySet<string> Scenarios, int Steps);

/// <summary>
/// Runs a sequence of steps against a subject, stopping at the first step that breaks a rule. An exception
/// thrown by the implementation or the model is itself a failure (rule "no-exception").
/// </summary>
public static class LockstepRunner
{
    public const string NoException = "no-exception";

    public static LockstepRun Run<TStep>(ILockstepSubject<TStep> subject, IReadOnlyList<TStep> steps)
        where TStep : notnull
    {
        var scenarios = new HashSet<string>();
        var trace = new List<string>();
        if (subject.CheckInitialState() is { } initial)
        {
            return new LockstepRun(new LockstepFailure(-1, "initial state, before any step", initial, trace), scenarios, 0);
        }

        for (var i = 0; i < steps.Count; i++)
        {
            var log = new StepLog();
            Violation? violation;
            try
            {
                violation = subject.Apply(steps[i], log);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                violation = new Violation(NoException, $"{e.GetType().Name}: {e.Message}");
            }

            trace.Add($"{steps[i]} -> {log.Call}");
            scenarios.UnionWith(log.Scenarios);
            if (violation is not null)
            {
                return new LockstepRun(new LockstepFailure(i, steps[i].ToString()!, violation, trace), scenarios, i + 1);
            }
        }

        return new LockstepRun(null, scenarios, steps.Count);
    }
}
