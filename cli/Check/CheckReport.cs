using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace MMSpec.Cli.Check;

/// <summary>The end of a check: a table of the properties, the verdict, and the --json report.</summary>
public static class CheckReport
{
    public static void Table(IAnsiConsole console, CheckOptions options, CheckRun.Outcome outcome)
    {
        var table = new Table().AddColumns("property", "verdict", "seconds");
        foreach (var result in outcome.Results)
        {
            table.AddRow(Markup.Escape(result.Test), result.Passed ? "[green]pass[/]" : "[red]FAIL[/]",
                result.Time.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));
        }

        console.Write(table);
        console.WriteLine(Verdict(options, outcome));
        if (outcome.Fault is { } fault)
        {
            console.WriteLine(fault.Message);
        }
    }

    /// <summary>One line: what was checked, against what, with which seed, and the verdict.</summary>
    public static string Verdict(CheckOptions options, CheckRun.Outcome outcome)
    {
        var against = options.Exec is { } exec ? $"\"{exec}\"" : "the built-in implementation";
        var verdict = outcome.Fault is not null ? "protocol error"
            : outcome.Results.All(r => r.Passed) ? "conforms" : "does not conform";
        var rate = outcome.Requests / Math.Max(0.001, outcome.Time.TotalSeconds);
        var requests = options.Exec is null ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $", {outcome.Requests} requests ({rate:0}/s)");
        return string.Create(CultureInfo.InvariantCulture,
            $"{options.Component} at {options.Level.ToString().ToLowerInvariant()}, {against}, seed {outcome.Seed}: "
            + $"{verdict} ({outcome.Results.Count(r => r.Passed)} of {outcome.Results.Count} properties passed"
            + $"{requests}, {outcome.Time.TotalSeconds:0.0} s)");
    }

    /// <summary>
    /// The machine-readable report: the check, the verdict, each property with its output (statistics, rule
    /// coverage, or the failure's report), and the protocol error if one stopped the run.
    /// </summary>
    public static string Json(CheckOptions options, CheckRun.Outcome outcome)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("component", options.Component);
            json.WriteString("level", options.Level.ToString().ToLowerInvariant());
            json.WriteString("target", options.Exec ?? "builtin");
            json.WriteString("seed", outcome.Seed.ToString(CultureInfo.InvariantCulture));
            json.WriteBoolean("conforms", outcome.Fault is null && outcome.Results.All(r => r.Passed));
            json.WriteNumber("cases", outcome.Cases);
            json.WriteNumber("requests", outcome.Requests);
            json.WriteNumber("seconds", Math.Round(outcome.Time.TotalSeconds, 3));
            json.WriteStartArray("properties");
            foreach (var result in outcome.Results)
            {
                json.WriteStartObject();
                json.WriteString("name", result.Test);
                json.WriteBoolean("passed", result.Passed);
                json.WriteNumber("seconds", Math.Round(result.Time.TotalSeconds, 3));
                json.WriteString("output", result.Report);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (outcome.Fault is { } fault)
            {
                json.WriteStartObject("protocol_error");
                json.WriteString("fault", fault.Fault.ToString().ToLowerInvariant());
                json.WriteString("request", fault.Request);
                json.WriteString("message", fault.Message);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
