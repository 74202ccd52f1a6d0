using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace MMSpec.Cli.Check;

/// <summary>
/// `mmspec check &lt;component&gt; --exec "&lt;command line&gt;" | --builtin [--level safe|live|exact] [--cases N]
/// [--seed S] [--timeout SECONDS] [--json]`: exit code 0 when it conforms, 1 when a rule broke, 2 for a usage or
/// protocol error.
/// </summary>
public static class CheckCommand
{
    public const int Conforms = 0;
    public const int Broken = 1;
    public const int UsageOrProtocol = 2;

    public static Command Create()
    {
        var component = new Argument<string>("component")
        {
            Description = "buddy, slab, paging, tlb, reclaim or system",
        };
        var exec = new Option<string?>("--exec") { Description = "the command line of the process under test" };
        var builtin = new Option<bool>("--builtin") { Description = "check MMSpec's own implementation" };
        var level = new Option<string>("--level")
        {
            Description = "safe, live or exact (each includes the ones before)",
            DefaultValueFactory = _ => "exact",
        };
        var cases = new Option<int?>("--cases")
        {
            Description = "generated cases per property, run exactly (MMSPEC_SCALE does not scale them)",
        };
        var seed = new Option<ulong?>("--seed") { Description = "the seed every property starts from" };
        var timeout = new Option<double>("--timeout")
        {
            Description = "seconds the process may take to answer one request",
            DefaultValueFactory = _ => 5,
        };
        var json = new Option<bool>("--json") { Description = "a machine-readable report on standard output" };
        var command = new Command("check", "run the conformance properties against an implementation")
        {
            component, exec, builtin, level, cases, seed, timeout, json,
        };
        command.SetAction(parsed =>
        {
            var words = parsed.GetValue(level)!;
            if (CheckOptions.LevelOf(words) is not { } chosen)
            {
                return Usage($"unknown level \"{words}\" (safe, live or exact)");
            }

            var options = new CheckOptions(parsed.GetValue(component)!, parsed.GetValue(exec),
                parsed.GetValue(builtin), chosen, parsed.GetValue(cases), parsed.GetValue(seed),
                TimeSpan.FromSeconds(parsed.GetValue(timeout)), parsed.GetValue(json));
            return Check(options);
        });
        return command;
    }

    /// <summary>Validates the options and runs the check: the exit code.</summary>
    public static int Check(CheckOptions options) => options.Problem() is { } problem ? Usage(problem) : Run(options);

    private static int Usage(string problem)
    {
        Console.Error.WriteLine($"mmspec check: {problem}");
        return UsageOrProtocol;
    }

    private static int Run(CheckOptions options)
    {
        var human = options.Json ? Console.Error : Console.Out;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(human) });
        if (Console.IsOutputRedirected || options.Json)
        {
            // A log or a pipe: no line wrapped (a replay command must stay one line to paste).
            console.Profile.Width = 4096;
        }

        var live = !options.Json && !Console.IsOutputRedirected;
        var outcome = live ? WithProgress(options, console) : new CheckRun(options).Run(r => Line(console, r));
        CheckReport.Table(console, options, outcome);
        if (options.Json)
        {
            Console.Out.WriteLine(CheckReport.Json(options, outcome));
        }

        return outcome.Fault is not null ? UsageOrProtocol : outcome.Results.All(r => r.Passed) ? Conforms : Broken;
    }

    /// <summary>A live line while the properties run: the test, the cases started, requests per second.</summary>
    private static CheckRun.Outcome WithProgress(CheckOptions options, IAnsiConsole console)
    {
        CheckRun.Outcome? outcome = null;
        console.Status().Start("starting", status =>
        {
            Target? target = null;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var work = Task.Run(() => outcome = new CheckRun(options).Run(r => Line(console, r), t => target = t));
            while (!work.Wait(250))
            {
                if (target is { } t)
                {
                    var requests = t.Session?.Channel.Requests ?? 0;
                    var rate = requests / Math.Max(0.001, clock.Elapsed.TotalSeconds);
                    status.Status(string.Create(CultureInfo.InvariantCulture,
                        $"{t.Component} at {options.Level}: {t.CasesStarted} cases, {rate:0} requests/s"));
                }
            }

            work.GetAwaiter().GetResult();
        });
        return outcome!;
    }

    private static void Line(IAnsiConsole console, Conformance.Lockstep.CheckResult result)
    {
        var seconds = result.Time.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        console.MarkupLine(result.Passed
            ? $"  [green]pass[/]  {Markup.Escape(result.Test)} ({seconds} s)"
            : $"  [red]FAIL[/]  {Markup.Escape(result.Test)} ({seconds} s)");
        if (!result.Passed)
        {
            console.WriteLine(result.Report.TrimEnd());
        }
    }
}
