using System.Globalization;
using System.Text;
using System.Text.Json;
using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.MemorySystem;
using Spectre.Console;

namespace MMSpec.Cli.Campaign;

/// <summary>The end of a campaign: the verdict line, the scenario and rule tables, and the JSON report.</summary>
public static class CampaignReportView
{
    public static void Table(IAnsiConsole console, CampaignReport report)
    {
        var scenarios = new Table().AddColumns("scenario", "workloads");
        foreach (var (scenario, count) in report.Reached)
        {
            scenarios.AddRow(Markup.Escape(scenario), count == 0 ? "[red]0[/]" : Num(count));
        }

        var rules = new Table().AddColumns("rule or error kind", "steps that tested it");
        foreach (var (rule, steps) in report.Exercised)
        {
            rules.AddRow(Markup.Escape(rule), steps == 0 ? "[red]0[/]" : Num(steps));
        }

        console.Write(scenarios);
        console.Write(rules);
        if (report.Failure is { } failure)
        {
            console.WriteLine(failure.TrimEnd());
        }

        console.WriteLine(Verdict(report));
    }

    /// <summary>One line: the verdict, level, seed, workloads, operations, speed, kills and panics.</summary>
    public static string Verdict(CampaignReport report)
    {
        var level = LevelName(report.Level);
        var verdict = report.Passed ? "every rule held"
            : $"a rule broke (replay: mmspec campaign --seed {report.FailingSeed} --operations 1 --level {level})";
        return string.Create(CultureInfo.InvariantCulture,
            $"whole system at {level}, seed {report.Seed}: {verdict}; {report.Workloads} workloads, "
            + $"{report.Operations} operations in {report.Seconds:0.0} s on {Jobs(report.Jobs)} "
            + $"({report.OperationsPerSecond:0}/s), "
            + $"{report.OomKills} OOM kills, {report.Panics} panics");
    }

    private static string Jobs(int jobs) => jobs == 1 ? "1 thread" : $"{jobs} threads";

    public static string Json(CampaignReport report)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("level", LevelName(report.Level));
            json.WriteString("seed", report.Seed.ToString(CultureInfo.InvariantCulture));
            json.WriteBoolean("passed", report.Passed);
            json.WriteNumber("workloads", report.Workloads);
            json.WriteNumber("operations", report.Operations);
            json.WriteNumber("seconds", Math.Round(report.Seconds, 3));
            json.WriteNumber("jobs", report.Jobs);
            json.WriteNumber("operations_per_second", Math.Round(report.OperationsPerSecond));
            json.WriteNumber("oom_kills", report.OomKills);
            json.WriteNumber("panics", report.Panics);
            Counts(json, "scenarios", report.Reached.ToDictionary(r => r.Key, r => (long)r.Value));
            Counts(json, "rules", report.Exercised);
            if (report.Failure is { } failure)
            {
                json.WriteString("failure", failure);
                json.WriteString("failing_seed", report.FailingSeed!.Value.ToString(CultureInfo.InvariantCulture));
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Counts(Utf8JsonWriter json, string name, IReadOnlyDictionary<string, long> counts)
    {
        json.WriteStartObject(name);
        foreach (var (key, count) in counts)
        {
            json.WriteNumber(key, count);
        }

        json.WriteEndObject();
    }

    private static string LevelName(Level level) =>
        level.HasFlag(Level.Exact) ? "exact" : level.HasFlag(Level.Live) ? "live" : "safe";

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);
}
