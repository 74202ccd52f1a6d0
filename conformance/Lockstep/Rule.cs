using MMSpec.Model.Core;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// A rule as data: the name a failing property prints after "rule broken:" (the docs' rule tables use the same), the
/// level whose checks include it, and its check over what one step did (<typeparamref name="TStep"/>, the component's
/// record of the call, its result and the states around it). A component lists its rules in the order they are
/// checked, so a failure names the most specific one. One entry may stand for a family of rules that each carry
/// their own name: a component's invariants, checked by the model's functions (<see cref="Invariants"/>).
/// <para>
/// <see cref="Exercises"/> say when a step put the rule (or each rule of a family) to the test: a step in a state
/// where it could have failed, so that the rule-coverage count (<see cref="Cover"/>) counts the steps that tested
/// a rule, not those that merely ran its check.
/// </para>
/// </summary>
public sealed record Rule<TStep>(string Name, Level Level, Func<TStep, Violation?> Judge)
{
    /// <summary>The rules this entry checks, each with when a step puts it to the test.</summary>
    public IReadOnlyList<Exercise<TStep>> Exercises { get; init; } = [];

    /// <summary>The name of an entry that checks the model's invariants, each under its own name.</summary>
    public const string InvariantsName = "the model's invariants";

    /// <summary>
    /// A rule whose check says what broke it (null when the step kept it), put to the test when
    /// <paramref name="exercised"/> holds.
    /// </summary>
    public static Rule<TStep> Of(string name, Level level, Func<TStep, string?> check, Func<TStep, bool> exercised) =>
        new(name, level, step => check(step) is { } detail ? new Violation(name, detail) : null)
        {
            Exercises = [new(name, exercised)],
        };

    /// <summary>The model's invariants, each violation under its own rule name, each clause with its test.</summary>
    public static Rule<TStep> Invariants(Level level, Func<TStep, Violation?> check,
        params Exercise<TStep>[] clauses) =>
        new(InvariantsName, level, check) { Exercises = clauses };

    /// <summary>The rule names <paramref name="rules"/> check at <paramref name="checks"/>' levels.</summary>
    public static IEnumerable<string> Names(IReadOnlyList<Rule<TStep>> rules, Level checks) =>
        rules.Where(r => (checks & r.Level) != 0).SelectMany(r => r.Exercises).Select(e => e.Rule).Distinct();

    /// <summary>
    /// Records in <paramref name="log"/> each rule, at the levels checked, that a step which kept them all put to
    /// the test.
    /// </summary>
    public static void Cover(IReadOnlyList<Rule<TStep>> rules, TStep step, Level checks, StepLog log)
    {
        for (var i = 0; i < rules.Count; i++)
        {
            if ((checks & rules[i].Level) == 0)
            {
                continue;
            }

            foreach (var exercise in rules[i].Exercises)
            {
                if (exercise.PutToTest(step))
                {
                    log.Exercised(exercise.Rule);
                }
            }
        }
    }

    /// <summary>The first of <paramref name="rules"/>, at the levels checked, that the step broke.</summary>
    public static Violation? FirstBroken(IReadOnlyList<Rule<TStep>> rules, TStep step, Level checks)
    {
        for (var i = 0; i < rules.Count; i++)
        {
            if ((checks & rules[i].Level) != 0 && rules[i].Judge(step) is { } broken)
            {
                return broken;
            }
        }

        return null;
    }
}

/// <summary>A rule's name, and when a step puts it to the test (could have failed it).</summary>
public sealed record Exercise<TStep>(string Rule, Func<TStep, bool> PutToTest);

/// <summary>
/// A scenario as data: its name in the tally, and whether a step that passed reached it. A component lists its
/// scenarios; <see cref="Track"/> records the ones each step reached.
/// </summary>
public sealed record Scenario<TStep>(string Name, Func<TStep, bool> Reached)
{
    public static IReadOnlyList<string> Names(IReadOnlyList<Scenario<TStep>> scenarios) =>
        [.. scenarios.Select(s => s.Name)];

    /// <summary>Records in <paramref name="log"/> each scenario <paramref name="step"/> reached.</summary>
    public static void Track(IReadOnlyList<Scenario<TStep>> scenarios, TStep step, StepLog log)
    {
        for (var i = 0; i < scenarios.Count; i++)
        {
            if (scenarios[i].Reached(step))
            {
                log.Reached(scenarios[i].Name);
            }
        }
    }
}
