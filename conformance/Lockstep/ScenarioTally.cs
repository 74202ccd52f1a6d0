using System.Text;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// Counts, across the cases of one property run, how many reached each scenario, and how many steps put each rule
/// to the test (the rule coverage): FsCheck's Classify table shows combinations, this shows each scenario and each
/// rule on its own line, with the ones never reached or never tested named.
/// </summary>
public sealed class ScenarioTally(IEnumerable<string> expected, IEnumerable<string>? rules = null)
{
    private readonly Dictionary<string, int> _reached = expected.ToDictionary(s => s, _ => 0);
    private readonly Dictionary<string, int> _exercised = (rules ?? []).ToDictionary(r => r, _ => 0);
    private int _runs;
    private long _steps;

    /// <summary>The scenarios expected that no run reached.</summary>
    public IReadOnlyList<string> NeverReached => [.. _reached.Where(s => s.Value == 0).Select(s => s.Key)];

    /// <summary>The rules expected to be tested that no step of any run put to the test.</summary>
    public IReadOnlyList<string> Unexercised => [.. _exercised.Where(r => r.Value == 0).Select(r => r.Key)];

    public void Add(IEnumerable<string> scenarios)
    {
        _runs++;
        foreach (var scenario in scenarios.Where(_reached.ContainsKey))
        {
            _reached[scenario]++;
        }
    }

    /// <summary>A run's scenarios and the steps that put each expected rule to the test.</summary>
    public void Add(LockstepRun run)
    {
        Add(run.Scenarios);
        _steps += run.Steps;
        foreach (var (rule, steps) in run.ExercisedRules)
        {
            if (_exercised.ContainsKey(rule))
            {
                _exercised[rule] += steps;
            }
        }
    }

    public override string ToString()
    {
        var text = new StringBuilder($"scenario coverage over {_runs} runs:\n");
        foreach (var (scenario, count) in _reached)
        {
            var never = count == 0 ? "  (NEVER REACHED)" : string.Empty;
            text.AppendLine($"  {100.0 * count / Math.Max(1, _runs),5:0.0}%  {scenario}{never}");
        }

        if (_exercised.Count == 0)
        {
            return text.ToString();
        }

        text.AppendLine($"rule coverage over {_steps} steps (the steps that put each rule to the test):");
        foreach (var (rule, count) in _exercised)
        {
            var never = count == 0 ? "  (NEVER TESTED)" : string.Empty;
            text.AppendLine($"  {count,7}  {rule}{never}");
        }

        return text.ToString();
    }
}
