using System.Text.Json;
using MMSpec.Cli.Check;
using MMSpec.Cli.Trace;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Reclaim;
using MMSpec.Properties.Protocol;
using Xunit;

namespace MMSpec.Properties.Cli;

/// <summary>
/// The mmspec command's verdicts and exit codes: 0 conforms, 1 a rule broke, 2 a usage or protocol error; its
/// JSON report; and its traces, which are the protocol's request lines and replay to the same /proc view.
/// </summary>
[Collection(nameof(CliTests))]
public sealed class CliTests
{
    [Fact]
    public void The_built_in_implementation_conforms_and_the_json_report_says_so()
    {
        var (exit, json) =
            Run(new CheckOptions("buddy", null, true, Level.Exact, 5, 11, TimeSpan.FromSeconds(5), true));

        Assert.Equal(CheckCommand.Conforms, exit);
        using var report = JsonDocument.Parse(json);
        Assert.True(report.RootElement.GetProperty("conforms").GetBoolean());
        Assert.Equal("11", report.RootElement.GetProperty("seed").GetString());
        Assert.Equal(4, report.RootElement.GetProperty("properties").GetArrayLength());
    }

    [Fact]
    public void A_process_served_over_the_protocol_conforms_at_the_safe_level_and_runs_only_that_level()
    {
        var (exit, json) = Run(new CheckOptions("buddy", ProtocolTests.Served, false, Level.Safe, 5, 11,
            TimeSpan.FromSeconds(30), true));

        Assert.Equal(CheckCommand.Conforms, exit);
        using var report = JsonDocument.Parse(json);
        var property = Assert.Single(report.RootElement.GetProperty("properties").EnumerateArray());
        Assert.StartsWith("Level1_", property.GetProperty("name").GetString(), StringComparison.Ordinal);
        Assert.True(report.RootElement.GetProperty("requests").GetInt64() > 0);
    }

    [Fact]
    public void A_slab_allocator_served_over_the_protocol_conforms_at_the_exact_level()
    {
        var (exit, json) = Run(new CheckOptions("slab", ProtocolTests.ServedSlab, false, Level.Exact, 3, 11,
            TimeSpan.FromSeconds(30), true));

        Assert.Equal(CheckCommand.Conforms, exit);
        using var report = JsonDocument.Parse(json);
        Assert.True(report.RootElement.GetProperty("properties").GetArrayLength() >= 3);
        Assert.True(report.RootElement.GetProperty("requests").GetInt64() > 100);
    }

    [Fact]
    public void A_paging_system_served_over_the_protocol_conforms_at_the_safe_level()
    {
        var (exit, json) = Run(new CheckOptions("paging", PagingAndTlbProtocolTests.ServedPaging, false, Level.Safe,
            2, 11, TimeSpan.FromSeconds(30), true));

        Assert.Equal(CheckCommand.Conforms, exit);
        using var report = JsonDocument.Parse(json);
        Assert.True(report.RootElement.GetProperty("requests").GetInt64() > 100);
    }

    [Fact]
    public void A_reclaim_system_served_over_the_protocol_conforms_at_the_live_level_and_runs_only_to_it()
    {
        var (exit, json) = Run(new CheckOptions("reclaim", ReclaimProtocolTests.ServedReclaim, false, Level.Live,
            2, 11, TimeSpan.FromSeconds(30), true));

        Assert.Equal(CheckCommand.Conforms, exit);
        using var report = JsonDocument.Parse(json);
        var names = report.RootElement.GetProperty("properties").EnumerateArray()
            .Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Equal(4, names.Count);
        Assert.DoesNotContain(names, n => n!.StartsWith("Level3", StringComparison.Ordinal));
        Assert.True(report.RootElement.GetProperty("requests").GetInt64() > 100);
    }

    [Theory]
    [InlineData("nosuch", null, true)]
    [InlineData("buddy", null, false)]
    [InlineData("buddy", "cat", true)]
    public void A_usage_error_is_exit_code_2(string component, string? exec, bool builtin) =>
        Assert.Equal(CheckCommand.UsageOrProtocol, CheckCommand.Check(
            new CheckOptions(component, exec, builtin, Level.Safe, 1, 1, TimeSpan.FromSeconds(5), false)));

    [Fact]
    public void A_process_that_answers_garbage_is_a_protocol_error_not_a_nonconformance()
    {
        var (exit, json) = Run(new CheckOptions("buddy", "cat", false, Level.Safe, 2, 1, TimeSpan.FromSeconds(30),
            true));

        Assert.Equal(CheckCommand.UsageOrProtocol, exit);
        using var report = JsonDocument.Parse(json);
        Assert.Equal("malformed",
            report.RootElement.GetProperty("protocol_error").GetProperty("fault").GetString());
    }

    [Fact]
    public void A_trace_is_the_protocol_requests_of_a_seed_and_replays_to_the_same_state()
    {
        var lines = Traces.Of("buddy", 7, 5);
        Assert.Equal(lines, Traces.Of("buddy", 7, 5));
        Assert.StartsWith("""{"op":"hello","protocol":1""", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("""{"op":"reset","layout":""", lines[1], StringComparison.Ordinal);
        Assert.All(lines.Skip(2), l => Assert.Matches("""^\{"op":"(alloc|free)_pages",""", l));
        var state = ProcCommand.Replay(lines);
        var reserved = (ulong)state.Layout.Reserved.Sum(r => (long)(r.End.Value - r.Start.Value));
        Assert.Equal(state.Layout.FrameCount - reserved,
            (ulong)(state.Free.Sum(b => (long)b.Order.Pages) + state.Allocated.Sum(b => (long)b.Order.Pages)));
        // The calls were applied: the state is not the one the reset alone leaves.
        Assert.False(state.SameBlocks(ProcCommand.Replay(lines.Take(2))));
        Assert.Throws<InvalidDataException>(() => ProcCommand.Replay([lines[0], lines[2]]));
    }

    [Theory]
    [InlineData("slab")]
    [InlineData("paging")]
    [InlineData("tlb")]
    [InlineData("reclaim")]
    public void Every_component_has_a_trace_of_protocol_requests(string component)
    {
        var lines = Traces.Of(component, 3, 8);
        Assert.Equal(lines, Traces.Of(component, 3, 8));
        Assert.Contains($"\"component\":\"{component}\"", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("""{"op":"reset",""", lines[1], StringComparison.Ordinal);
        Assert.True(lines.Count > 3);
        Assert.All(lines.Skip(2), l => Assert.Matches("""^\{"op":"[a-z_0-9]+"[,}]""", l));
    }

    [Fact]
    public void A_slab_trace_replays_to_its_slabinfo_and_buddyinfo()
    {
        var lines = Traces.Of("slab", 5, 10);
        var slabinfo = ProcCommand.View("slabinfo", lines);
        Assert.StartsWith("slabinfo - version: 2.1", slabinfo, StringComparison.Ordinal);
        Assert.NotEqual(ProcCommand.View("slabinfo", lines.Take(2).ToList()), slabinfo);
        Assert.Contains("Node 0, zone", ProcCommand.View("buddyinfo", lines), StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => ProcCommand.View("slabinfo", Traces.Of("buddy", 5, 10)));
    }

    [Fact]
    public void A_reclaim_trace_replays_to_its_meminfo_vmstat_and_buddyinfo()
    {
        var lines = Traces.Of("reclaim", 5, 30);
        var meminfo = ProcCommand.View("meminfo", lines);
        Assert.Equal(MemInfo.Render(ProcCommand.ReplayReclaim(lines)), meminfo);
        Assert.NotEqual(ProcCommand.View("meminfo", lines.Take(2).ToList()), meminfo);
        Assert.Matches("^(?:[A-Za-z()]+: +[0-9]+ kB\n){10}$", meminfo);
        Assert.StartsWith("pgpgin ", ProcCommand.View("vmstat", lines), StringComparison.Ordinal);
        Assert.Contains("Node 0, zone   Normal", ProcCommand.View("buddyinfo", lines), StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => ProcCommand.View("meminfo", Traces.Of("buddy", 5, 10)));
    }

    [Fact]
    public async Task The_cases_asked_for_are_run_exactly_whatever_mmspec_scale_and_the_mutation_profile_say()
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "mmspec.dll"), "check", "buddy", "--builtin", "--level", "safe",
                "--cases", "2", "--seed", "11", "--json"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment[PropertyRunner.ScaleVariable] = "3";
        start.Environment[MutationProfile.Variable] = "mutation";
        using var process = System.Diagnostics.Process.Start(start)!;
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var errors = process.StandardError.ReadToEndAsync(limit.Token);
        var json = await process.StandardOutput.ReadToEndAsync(limit.Token);
        await process.WaitForExitAsync(limit.Token);
        Assert.Equal(CheckCommand.Conforms, process.ExitCode);
        Assert.Contains("conforms", await errors, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(json);
        var properties = report.RootElement.GetProperty("properties").GetArrayLength();
        Assert.Equal(1, properties);
        Assert.Equal(2, report.RootElement.GetProperty("cases").GetInt32());
    }

    /// <summary>Runs a check with its JSON report captured (the human text goes to standard error).</summary>
    private static (int Exit, string Json) Run(CheckOptions options) => Captured(() => CheckCommand.Check(options));

    /// <summary>Runs a command, standard output captured and standard error dropped: exit code, output.</summary>
    internal static (int Exit, string Output) Captured(Func<int> command)
    {
        var output = Console.Out;
        var error = Console.Error;
        using var captured = new StringWriter();
        Console.SetOut(captured);
        Console.SetError(TextWriter.Null);
        try
        {
            return (command(), captured.ToString());
        }
        finally
        {
            Console.SetOut(output);
            Console.SetError(error);
        }
    }
}
