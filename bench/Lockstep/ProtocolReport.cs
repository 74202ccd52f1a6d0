using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Cli.Buddy;
using MMSpec.Conformance.Buddy;
using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.Protocol;
using MMSpec.Impl.Buddy;
using MMSpec.Model.Buddy;

namespace MMSpec.Bench.Lockstep;

/// <summary>
/// `dotnet run -c Release --project bench -- protocol ["&lt;command line&gt;"]`: checked buddy steps per second
/// through the process protocol (docs/protocol.md) against the command (by default MMSpec's own allocator behind
/// `mmspec serve buddy`), and the same scenarios checked in-process, at the safe level (the fast pass). One process
/// serves every scenario, reset before each; the figure is the best of three passes after a warm-up one.
/// </summary>
internal static class ProtocolReport
{
    private const int Size = 100;
    private const int Scenarios = 60;
    private const int Passes = 3;

    public static void Print(TextWriter output, string? command)
    {
        var exec = command ?? $"dotnet {Path.Combine(AppContext.BaseDirectory, "mmspec.dll")} serve buddy";
        var scenarios = BuddyGen.Scenario().Sample(Scenarios, new Rnd(0x5EED, PropertyRunner.Gamma), Size).ToList();
        using var session = new ProtocolSession(new ProcessChannel(exec, TimeSpan.FromSeconds(10)));
        session.Hello("buddy");
        var inProcess = Best(scenarios, layout => new BuddyAllocator(layout));
        var requests = session.Channel.Requests;
        var clock = Stopwatch.StartNew();
        var through = Best(scenarios, layout => new ProcessBuddy(session, layout, BuddyTarget.Predictor));
        var perSecond = (session.Channel.Requests - requests) / clock.Elapsed.TotalSeconds;
        output.WriteLine($"buddy, safe level, {scenarios.Sum(s => s.Steps.Length)} steps in {Scenarios} scenarios "
            + $"(size {Size}), best of {Passes}:");
        output.WriteLine($"  in-process          {inProcess,9:N0} checked steps/s");
        output.WriteLine($"  through the process {through,9:N0} checked steps/s ({perSecond:N0} requests/s overall)");
        output.WriteLine($"  ratio               {inProcess / through,9:N1}x   ({exec})");
        output.WriteLine(
            $"  pipelined: {(session.Pipelines ? "yes" : "no")}, {session.Mispredictions} cases mispredicted");
    }

    /// <summary>Checked steps per second: the best of <see cref="Passes"/> passes after a warm-up pass.</summary>
    private static double Best(List<BuddyScenario> scenarios, Func<MemoryLayout, IBuddyAllocator> create)
    {
        Pass(scenarios, create);
        return Enumerable.Range(0, Passes).Max(_ => Pass(scenarios, create));
    }

    private static double Pass(List<BuddyScenario> scenarios, Func<MemoryLayout, IBuddyAllocator> create)
    {
        var steps = 0L;
        var clock = Stopwatch.StartNew();
        foreach (var s in scenarios)
        {
            BuddyLockstep Subject() => new(create(s.Layout), new BuddyModel(s.Layout), Level.Safe);
            var run = Pipelined.Check(() => LockstepRunner.Run(Subject(), s.Steps, Subject));
            steps += run.Failure is null ? run.Steps
                : throw new InvalidOperationException($"a conforming allocator failed: {run.Failure}");
        }

        return steps / clock.Elapsed.TotalSeconds;
    }
}
