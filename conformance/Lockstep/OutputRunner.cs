using System.Text.RegularExpressions;
using FsCheck;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using MMSpec.Model.Core;
using Xunit.Abstractions;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// Writes FsCheck's verdict (statistics on success; seed, original and shrunk sequence on failure) to the xunit
/// output, adds the command that replays a failure, and fails the test by throwing. The command names the test
/// project by its directory, found from the test's <paramref name="sourceFile"/> only when a run fails, so it works
/// from wherever it is pasted, the test project of an outside user included.
/// </summary>
public sealed partial class OutputRunner(ITestOutputHelper output, string testName, string sourceFile) : IRunner
{
    private static readonly AsyncLocal<ReplaySettings?> Settings = new();

    /// <summary>
    /// Where a program other than a test run (the mmspec command) wants the JSON traces and what replay command it
    /// prints, for the properties run in this flow of control; null for a test run: the traces beside the test
    /// assembly, `dotnet test` on the test project.
    /// </summary>
    public static ReplaySettings? Replay
    {
        get => Settings.Value;
        set => Settings.Value = value;
    }

    public void OnStartFixture(Type t)
    {
    }

    public void OnArguments(int ntest, FSharpList<object> args,
        FSharpFunc<int, FSharpFunc<FSharpList<object>, string>> every)
    {
    }

    public void OnShrink(FSharpList<object> args, FSharpFunc<FSharpList<object>, string> everyShrink)
    {
    }

    public void OnFinished(string name, TestResult testResult)
    {
        var text = Runner.onFinishedToStringWithFormatter(
            FuncConvert.FromFunc<object, string>(o => o.ToString()!), name, testResult);
        if (testResult is TestResult.Passed)
        {
            output.WriteLine(text);
            return;
        }

        if (ShrinkBudget.Spent)
        {
            text += $"\nshrinking stopped when its budget of {ShrinkBudget.Steps} candidate steps ran out: the " +
                "sequence above is the smallest failing one found, maybe not the smallest there is";
        }

        var seed = SeedPattern().Match(text);
        var (seedValue, gamma) = (seed.Groups[1].Value, seed.Groups[2].Value);
        var command = seed.Success ? ReplayCommand(seedValue, gamma) : null;
        var replay = command is null ? string.Empty : $"\nreplay: {command}";
        var trace = command is null ? string.Empty : TraceLine(seedValue, gamma, command);
        output.WriteLine(text + replay + trace);
        throw new PropertyFailedException(text + replay + trace);
    }

    /// <summary>
    /// Writes the shrunk counterexample's JSON trace (<see cref="Counterexample"/>) beside the test assembly, and
    /// the line that names it; nothing for a property that is not a lockstep run.
    /// </summary>
    private string TraceLine(string seed, string gamma, string replay)
    {
        if (Counterexample.Take() is not { } failure)
        {
            return string.Empty;
        }

        var json = Counterexample.ToJson(failure, testName, seed, gamma, replay);
        var path = Counterexample.Write(Replay?.TraceDirectory ?? AppContext.BaseDirectory, testName, json);
        return path is null ? string.Empty : $"\ncounterexample (JSON trace): {path}";
    }

    /// <summary>The shell command that runs this one test again from that seed and gamma.</summary>
    private string ReplayCommand(string seed, string gamma) =>
        Replay is { } settings
            ? settings.Command(Counterexample.PathFor(settings.TraceDirectory, testName))
            : $"{PropertyRunner.ReplayVariable}=\"{seed},{gamma}\" dotnet test \"{ProjectOf(sourceFile)}\" "
        + $"--filter \"FullyQualifiedName~{testName}\"";

    /// <summary>
    /// The directory of the project a test's source file belongs to (the nearest one up with a .csproj), or the
    /// current directory when the sources are not where they were built.
    /// </summary>
    public static string ProjectOf(string sourceFile)
    {
        var bound = new LoopBound(64);
        for (var dir = Path.GetDirectoryName(sourceFile);
            !string.IsNullOrEmpty(dir);
            dir = Path.GetDirectoryName(dir))
        {
            bound.Next();
            if (Directory.Exists(dir) && Directory.EnumerateFiles(dir, "*.csproj").Any())
            {
                return dir;
            }
        }

        return ".";
    }

    [GeneratedRegex(@"\((\d+),(\d+)\)")]
    private static partial Regex SeedPattern();
}

/// <summary>
/// A program's own replay: the directory its JSON traces go to, and the command that replays one, given its path.
/// </summary>
public sealed record ReplaySettings(string TraceDirectory, Func<string, string> Command);

/// <summary>A property found a counterexample; the message has the seed, the shrunk steps, the broken rule.</summary>
public sealed class PropertyFailedException(string message) : Exception(message);
