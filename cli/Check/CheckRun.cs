using System.Diagnostics;
using MMSpec.Cli.Buddy;
using MMSpec.Cli.Paging;
using MMSpec.Cli.Reclaim;
using MMSpec.Cli.Slab;
using MMSpec.Cli.Tlb;
using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.Protocol;
using Xunit.Abstractions;

namespace MMSpec.Cli.Check;

/// <summary>
/// One `mmspec check`: the process started and greeted (or the implementation built in), the level's properties of
/// the component run one by one from one seed, and the results.
/// </summary>
public sealed class CheckRun(CheckOptions options)
{
    /// <summary>What the run found: each property's result, and the protocol error that stopped it, if any.</summary>
    public sealed record Outcome(IReadOnlyList<CheckResult> Results, ProtocolException? Fault, ulong Seed,
        long Requests, TimeSpan Time)
    {
        /// <summary>The cases the run started, over every property (a reset or a fresh subject each).</summary>
        public int Cases { get; init; }
    }

    /// <summary>
    /// Runs the check; <paramref name="progress"/> sees each result as it ends. Every property starts from the same
    /// seed (<see cref="PropertyRunner.ReplayFrom"/>), so a run is repeated exactly with --seed.
    /// </summary>
    public Outcome Run(Action<CheckResult> progress, Action<Target>? started = null)
    {
        var seed = options.Seed ?? (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        using var replay = PropertyRunner.ReplayFrom(seed, options.Gamma);
        using var cases = options.Cases is null ? null : PropertyRunner.CasesAsGiven();
        var settings = OutputRunner.Replay;
        OutputRunner.Replay = new ReplaySettings(Environment.CurrentDirectory, options.ReplayCommand);
        var clock = Stopwatch.StartNew();
        using var session = options.Exec is { } command
            ? new ProtocolSession(new ProcessChannel(command, options.Timeout))
            : null;
        var results = new List<CheckResult>();
        Target? target = null;
        ProtocolException? fault;
        try
        {
            session?.Hello(options.Component);
            target = new Target(options.Component, options.Level, options.Cases, seed, session);
            started?.Invoke(target);
            var tests = ConformanceRunner.Each(Specification(target),
                (_, test) => target.Includes(test.Name) && (options.Only is null || options.Only == test.Name));
            foreach (var result in tests)
            {
                results.Add(result);
                progress(result);
                if (session?.Fault is not null)
                {
                    break;
                }
            }

            fault = session?.Fault;
        }
        catch (ProtocolException e)
        {
            fault = e;
        }
        finally
        {
            OutputRunner.Replay = settings;
        }

        return new Outcome(results, fault, seed, session?.Channel.Requests ?? 0, clock.Elapsed)
        {
            Cases = target?.CasesStarted ?? 0,
        };
    }

    private static Func<ITestOutputHelper, Specification> Specification(Target target) => target.Component switch
    {
        "buddy" => output => new BuddyTarget(output, target),
        "slab" => output => new SlabTarget(output, target),
        "paging" => output => new PagingTarget(output, target),
        "tlb" => output => new TlbTarget(output, target),
        "reclaim" => output => new ReclaimTarget(output, target),
        "system" => output => new MemorySystem.SystemTarget(output, target),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target.Component, "checked by CheckOptions"),
    };
}
