using System.Text;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// Counts, across the cases of one property run, how many reached each scenario: FsCheck's Classify table shows
/// combinations, this shows each scenario on its own line, with the ones never reached named.
/// </summary>
public sealed class ScenarioTally(IEnumerable<string> expected)
{
    private readonly Dictionary<string, int> _reached = expected.ToDictionary(s => s, _ => 0);
    private int _runs;

    public void Add(IEnumerable<string> scenarios)
    {
        _runs++;
        foreach (var scenario in scenarios.Where(_reached.ContainsKey))
        {
            _reached[scenario]++;
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

        return text.ToString();
    }
}
