using System.CommandLine;
using System.Globalization;
using MMSpec.Cli.Check;
using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.MemorySystem;
using MMSpec.Impl.MemorySystem;
using Spectre.Console;

namespace MMSpec.Cli.Campaign;

/// <summary>
/// `mmspec campaign [--operations N] [--seed S] [--level safe|live|exact] [--jobs N] [--json FILE]`: a long generated
/// run of the
/// whole system (MMSpec's implementations composed) checked against the system's rules, with a progress bar
/// (operations per second, scenarios reached, OOM kills so far), a final table, and a JSON report. The workloads run
/// on --jobs threads (one per core unless told); the report is the same for any number. Exit code 0 when every rule
/// held, 1 when one broke, 2 for a usage error.
/// </summary>
public static class CampaignCommand
{
    public static Command Create()
    {
        var operations = new Option<long>("--operations")
        {
            Description = "checked operations to run (whole workloads: the last one may go past)",
            DefaultValueFactory = _ => 200_000,
        };
        var seed = new Option<ulong>("--seed")
        {
            Description = "workload n is generated from seed + n",
            DefaultValueFactory = _ => 1,
        };
        var level = new Option<string>("--level")
        {
            Description = "safe, live or exact (each includes the ones before)",
            DefaultValueFactory = _ => "live",
        };
        var jobs = new Option<int>("--jobs")
        {
            Description = "threads the workloads run on (the report is the same for any number)",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        var json = new Option<string?>("--json") { Description = "write the JSON report to this file (- for stdout)" };
        var command = new Command("campaign", "a long checked run of the whole system, with a progress bar")
        {
            operations, seed, level, jobs, json,
        };
        command.SetAction(parsed =>
        {
            var words = parsed.GetValue(level)!;
            if (CheckOptions.LevelOf(words) is not { } chosen)
            {
                return Usage($"unknown level \"{words}\" (safe, live or exact)");
            }

            var (count, threads) = (parsed.GetValue(operations), parsed.GetValue(jobs));
            return count < 1 ? Usage("--operations must be at least 1")
                : threads < 1 ? Usage("--jobs must be at least 1")
                : Run(new(count, parsed.GetValue(seed), Including(chosen), threads), parsed.GetValue(json));
        });
        return command;
    }

    /// <summary>A level and the ones before it.</summary>
    private static Level Including(Level level) =>
        level == Level.Exact ? Level.All : level == Level.Live ? Level.Safe | Level.Live : Level.Safe;

    private static int Usage(string problem)
    {
        Console.Error.WriteLine($"mmspec campaign: {problem}");
        return CheckCommand.UsageOrProtocol;
    }

    /// <summary>What a campaign is asked to run.</summary>
    private sealed record Request(long Operations, ulong Seed, Level Checks, int Jobs)
    {
        public CampaignReport Run(Action<CampaignProgress>? progress = null) =>
            SystemCampaign.Run(ImplSystem.Create, Checks, Seed, Operations, progress, Jobs);
    }

    private static int Run(Request request, string? json)
    {
        var toStdout = json == "-";
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(toStdout ? Console.Error : Console.Out),
        });
        if (Console.IsOutputRedirected || toStdout)
        {
            // A log or a pipe: no line wrapped (the replay command must stay one line to paste).
            console.Profile.Width = 4096;
        }

        var report = Console.IsOutputRedirected || toStdout
            ? request.Run()
            : WithProgress(console, request);
        CampaignReportView.Table(console, report);
        if (json is not null)
        {
            var text = CampaignReportView.Json(report);
            if (toStdout)
            {
                Console.Out.WriteLine(text);
            }
            else
            {
                File.WriteAllText(json, text);
            }
        }

        return report.Passed ? CheckCommand.Conforms : CheckCommand.Broken;
    }

    private static CampaignReport WithProgress(IAnsiConsole console, Request request)
    {
        var operations = request.Operations;
        CampaignReport? report = null;
        console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
            new ElapsedTimeColumn()).Start(context =>
        {
            var task = context.AddTask("starting", maxValue: operations);
            report = request.Run(p =>
            {
                task.Value = Math.Min(operations, p.Operations);
                task.Description = string.Create(CultureInfo.InvariantCulture,
                    $"{p.OperationsPerSecond:0} ops/s, {p.ScenariosReached}/{p.Scenarios} scenarios, "
                    + $"{p.OomKills} OOM kills");
            });
            task.Value = operations;
        });
        return report!;
    }
}
