using MMSpec.Conformance.Protocol;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Protocol;

/// <summary>
/// The process protocol (docs/protocol.md): MMSpec's own allocator served over it conforms at every level, and a
/// process that crashes, hangs, answers garbage or another version is a protocol error with the request and its
/// standard error, never a broken rule.
/// </summary>
public sealed class ProtocolTests(ITestOutputHelper output)
{
    private const string Hello = """{"ok": {"protocol": 1, "component": "buddy", "capabilities": []}}""";
    private const string Unit = """{"ok": {}}""";
    private static readonly MemoryLayout Layout = MemoryLayout.Flat(64);

    /// <summary>`mmspec serve buddy`, the built-in allocator behind the protocol.</summary>
    public static string Served => $"dotnet {Path.Combine(AppContext.BaseDirectory, "mmspec.dll")} serve buddy";

    /// <summary>`mmspec serve slab`, the built-in slab allocator behind the protocol.</summary>
    public static string ServedSlab => $"dotnet {Path.Combine(AppContext.BaseDirectory, "mmspec.dll")} serve slab";

    [Fact]
    public void The_built_in_allocator_served_over_the_protocol_conforms_at_the_exact_level()
    {
        using var session = new ProtocolSession(new ProcessChannel(Served, TimeSpan.FromSeconds(30)));
        Assert.Equal(new HelloAnswer(1, "buddy",
                [ProcessBuddy.SnapshotRange, ProtocolSession.Pipeline, ProcessBuddy.LowestPfn]),
            session.Hello("buddy"), HelloEquality.Instance);
        PropertyRunner.CheckFrom(output,
            BuddySafeSpecification.Lockstepped(layout => new ProcessBuddy(session, layout), Level.All),
            MutationProfile.Active ? 2 : 15, BrokenVariant.Seed);
        Assert.True(session.Channel.Requests > 20);
        Assert.Null(session.Fault);
        Assert.Equal(0, session.Mispredictions);
        Assert.True(session.Pipelines);
    }

    [Fact]
    public void The_built_in_slab_allocator_served_over_the_protocol_conforms_at_the_exact_level()
    {
        using var session = new ProtocolSession(new ProcessChannel(ServedSlab, TimeSpan.FromSeconds(30)));
        Assert.Equal("slab", session.Hello("slab").Component);
        PropertyRunner.CheckFrom(output,
            SlabSafeSpecification.Lockstepped(layout => new ProcessSlab(session, layout), Level.All),
            MutationProfile.Active ? 2 : 10, BrokenVariant.Seed);
        Assert.True(session.Channel.Requests > 100);
        Assert.Null(session.Fault);
    }

    [Fact]
    public void A_predicted_snapshot_answer_is_written_as_MmJson_writes_it()
    {
        var layout = new MemoryLayout(96, new Pfn(16), new Pfn(32), [new PfnRange(new Pfn(0), new Pfn(1))]);
        var buddy = new BuddyModel(layout);
        Assert.True(buddy.AllocPages(new Order(2), ZoneType.Normal).IsOk);
        Assert.True(buddy.AllocPages(new Order(0), ZoneType.Dma).IsOk);
        foreach (var snapshot in new[] { buddy.Snapshot(), buddy.SnapshotOf(new PfnRange(new Pfn(40), new Pfn(40))) })
        {
            Assert.Equal(MmJson.Serialize(Result<BuddySnapshot>.Ok(snapshot)),
                ProcessBuddy.AnswerText(snapshot, MmJson.Serialize(layout), new System.Text.StringBuilder()));
        }
    }

    [Fact]
    public void A_case_whose_answers_were_mispredicted_runs_again_in_turn_and_conforms()
    {
        // Linux's placement (the head of the free list) behind a proxy that claims the model's (lowest_pfn):
        // allocations are predicted and some predictions fail; each such case runs again in turn and conforms.
        var proxy = Path.Combine(Path.GetTempPath(), $"mmspec-proxy-{Guid.NewGuid():N}.py");
        File.WriteAllText(proxy, $"""
            import subprocess, sys
            child = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for line in sys.stdin:
                child.stdin.write(line)
                child.stdin.flush()
                answer = child.stdout.readline()
                if '"hello"' in line:
                    answer = answer.replace('"{ProtocolSession.Pipeline}"',
                        '"{ProtocolSession.Pipeline}","{ProcessBuddy.LowestPfn}"')
                sys.stdout.write(answer)
                sys.stdout.flush()

            """);
        using var session = new ProtocolSession(new ProcessChannel(
            $"python3 {proxy} {Served} --placement HeadOfList", TimeSpan.FromSeconds(30)));
        Assert.Contains(ProcessBuddy.LowestPfn, session.Hello("buddy").Capabilities);

        PropertyRunner.CheckFrom(output,
            BuddySafeSpecification.Lockstepped(layout => new ProcessBuddy(session, layout), Level.Safe),
            MutationProfile.Active ? 4 : 30, BrokenVariant.Seed);

        Assert.InRange(session.Mispredictions, 1, ProtocolSession.MispredictionsTolerated);
        Assert.Equal(session.Mispredictions < ProtocolSession.MispredictionsTolerated, session.Pipelines);
        Assert.Null(session.Fault);
    }

    [Fact]
    public void A_malformed_answer_is_a_protocol_error_the_lockstep_does_not_call_a_broken_rule()
    {
        using var session = Script([Hello, Unit, """{"ok": {"layout": "not a layout"}}"""]);
        session.Hello("buddy");
        var steps = new BuddyStep[] { new Alloc(0, ZoneType.Normal) };
        var subject = new BuddyLockstep(new ProcessBuddy(session, Layout), new BuddyModel(Layout), Level.Safe);

        var e = Assert.Throws<ProtocolException>(() => LockstepRunner.Run(subject, steps));

        Assert.Equal(ProtocolFault.Malformed, e.Fault);
        Assert.Equal(ProtocolSession.SnapshotRequest, e.Request);
        Assert.Same(e, session.Fault);
        Assert.Same(e, Assert.Throws<ProtocolException>(() => session.Reset(Layout)));
    }

    [Fact]
    public void A_crash_is_a_protocol_error_with_the_last_lines_of_standard_error()
    {
        using var session = Script([Hello], "print('boom: no such frame', file=sys.stderr); sys.exit(3)");
        session.Hello("buddy");

        var e = Assert.Throws<ProtocolException>(() => session.Reset(Layout));

        Assert.Equal(ProtocolFault.Crash, e.Fault);
        Assert.Contains("boom: no such frame", e.StderrTail, StringComparison.Ordinal);
        Assert.Contains("reset", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hang_is_a_protocol_error_after_the_time_limit()
    {
        using var session = Script([Hello], "time.sleep(30)");
        session.Hello("buddy");
        session.Channel.Timeout = TimeSpan.FromMilliseconds(300);

        Assert.Equal(ProtocolFault.Timeout, Assert.Throws<ProtocolException>(() => session.Reset(Layout)).Fault);
    }

    [Fact]
    public void Another_version_or_an_unknown_error_kind_is_a_protocol_error()
    {
        using var other = Script([Hello.Replace("1", "2", StringComparison.Ordinal)]);
        var version = Assert.Throws<ProtocolException>(() => other.Hello("buddy"));
        Assert.Equal(ProtocolFault.Version, version.Fault);
        Assert.Contains("protocol 2", version.Message, StringComparison.Ordinal);

        using var unknown = Script([Hello, """{"error": "UnknownOp", "op": "reset"}"""]);
        unknown.Hello("buddy");
        Assert.Equal(ProtocolFault.Malformed, Assert.Throws<ProtocolException>(() => unknown.Reset(Layout)).Fault);
    }

    /// <summary>
    /// A python3 process that reads one request before each of <paramref name="answers"/>, then reads one more and
    /// runs <paramref name="then"/> (exits when it is empty, as at the end of its input).
    /// </summary>
    private static ProtocolSession Script(IEnumerable<string> answers, string then = "")
    {
        var path = Path.Combine(Path.GetTempPath(), $"mmspec-protocol-{Guid.NewGuid():N}.py");
        var list = System.Text.Json.JsonSerializer.Serialize(answers);
        File.WriteAllText(path, $"""
            import sys, time
            for answer in {list}:
                sys.stdin.readline()
                print(answer, flush=True)
            sys.stdin.readline()
            {then}

            """);
        return new ProtocolSession(new ProcessChannel($"python3 {path}", TimeSpan.FromSeconds(30)));
    }

    /// <summary>Hello answers compared by value (the capabilities are an immutable array).</summary>
    private sealed class HelloEquality : IEqualityComparer<HelloAnswer>
    {
        public static readonly HelloEquality Instance = new();

        public bool Equals(HelloAnswer? x, HelloAnswer? y) =>
            x is not null && y is not null && x.Protocol == y.Protocol && x.Component == y.Component
            && x.Capabilities.SequenceEqual(y.Capabilities);

        public int GetHashCode(HelloAnswer obj) => obj.Protocol;
    }
}
