using System.Text.RegularExpressions;
using FsCheck;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using Xunit.Abstractions;

namespace MMSpec.Properties.Lockstep;

/// <summary>
/// Writes FsCheck's verdict (statistics on success; seed, original and shrunk sequence on failure) to the xunit
/// output, adds the command that replays a failure, and fails the test by throwing.
/// </summary>
public sealed partial class OutputRunner(ITestOutputHelper output, string testName) : IRunner
{
    public void OnStartFixture(Type t)
    {
    }

    public void OnArguments(int ntest, FSharpList<object> args, FSharpFunc<int, FSharpFunc<FSharpList<object>, string>> every)
    {
    }

    public void OnShrink(FSharpList<object> args, FSharpFunc<FSharpList<object>, string> everyShrink)
    {
    }

    public void OnFinished(string name, TestResult testResult)
    {
        var text = Runner.onFinishedToStringWithFormatter(FuncConvert.FromFunc<object, string>(o => o.ToString()!), name, testResult);
        if (testResult is TestResult.Passed)
        {
            output.WriteLine(text);
            return;
        }

        var seed = SeedPattern().Match(text);
        var replay = seed.Success
            ? $"\nreplay: {PropertyRunner.ReplayVariable}=\"{seed.Groups[1].Value},{seed.Groups[2].Value}\" dotnet test properties --filter \"FullyQualifiedName~{testName}\""
            : string.Empty;
        output.WriteLine(text + replay);
        throw new PropertyFailedException(text + replay);
    }

    [GeneratedRegex(@"\((\d+),(\d+)\)")]
    private static partial Regex SeedPattern();
}

/// <summary>A property found a counterexample; the message has the seed, the shrunk sequence and the broken rule.</summary>
public sealed class PropertyFailedException(string message) : Exception(message);
