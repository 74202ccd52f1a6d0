using System.CommandLine;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Buddy;
using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.Protocol;
using MMSpec.Impl.Buddy;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Cli.Trace;

/// <summary>
/// `mmspec trace buddy --seed S [--size N]`: the generated case of that seed as the JSON lines a check sends the
/// process (hello, reset, then each call with its handles resolved against MMSpec's own implementation); a file of
/// them is what `mmspec proc` reads.
/// </summary>
public static class TraceCommand
{
    public static Command Create()
    {
        var component = new Argument<string>("component") { Description = "buddy" };
        var seed = new Option<ulong>("--seed") { Description = "the seed of the generated case", Required = true };
        var size = new Option<int>("--size")
        {
            Description = "the generator's size (longer sequences for larger sizes)",
            DefaultValueFactory = _ => 50,
        };
        var command = new Command("trace", "print a generated case as protocol requests, one JSON line each")
        {
            component, seed, size,
        };
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(component) != "buddy")
            {
                Console.Error.WriteLine("mmspec trace: protocol version 1 defines the buddy allocator only");
                return 2;
            }

            foreach (var line in Buddy(parsed.GetValue(seed), Math.Max(1, parsed.GetValue(size))))
            {
                Console.Out.WriteLine(line);
            }

            return 0;
        });
        return command;
    }

    /// <summary>The requests of the case the buddy generator makes from <paramref name="seed"/>.</summary>
    public static IReadOnlyList<string> Buddy(ulong seed, int size)
    {
        var scenario = BuddyGen.Scenario().Sample(1, new Rnd(seed, PropertyRunner.Gamma), size).Single();
        var recorded = new Recording(new BuddyAllocator(scenario.Layout));
        var run = LockstepRunner.Run(new BuddyLockstep(recorded, new BuddyModel(scenario.Layout), Level.Safe),
            scenario.Steps);
        if (run.Failure is { } failure)
        {
            throw new InvalidOperationException($"MMSpec's own allocator broke a rule tracing seed {seed}: {failure}");
        }

        return
        [
            MmJson.Serialize(new HelloRequest("hello", ProtocolSession.Version, "buddy")),
            MmJson.Serialize(new ResetRequest("reset", scenario.Layout)),
            .. recorded.Requests,
        ];
    }

    /// <summary>The implementation, each call recorded as the request line a process would get.</summary>
    private sealed class Recording(IBuddyAllocator inner) : IBuddyAllocator
    {
        public List<string> Requests { get; } = [];

        public MemoryLayout Layout => inner.Layout;

        public Result<Pfn> AllocPages(Order order, ZoneType highestZone)
        {
            Requests.Add(MmJson.Serialize<BuddyOp>(new AllocPages(order, highestZone)));
            return inner.AllocPages(order, highestZone);
        }

        public Result<Unit> FreePages(Pfn pfn, Order order)
        {
            Requests.Add(MmJson.Serialize<BuddyOp>(new FreePages(pfn, order)));
            return inner.FreePages(pfn, order);
        }

        public BuddySnapshot Snapshot() => inner.Snapshot();
    }
}
