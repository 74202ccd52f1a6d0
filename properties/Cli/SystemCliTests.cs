using System.Text.Json;
using MMSpec.Cli.Campaign;
using MMSpec.Cli.Check;
using MMSpec.Cli.Trace;
using MMSpec.Properties.Protocol;
using Xunit;

namespace MMSpec.Properties.Cli;

/// <summary>
/// The whole system on the command line: `mmspec check system` through the protocol, and `mmspec campaign`'s
/// verdict, exit codes and JSON report.
/// </summary>
[Collection(nameof(CliTests))]
public sealed class SystemCliTests
{
    [Fact]
    public void A_system_trace_replays_to_its_meminfo_vmstat_zoneinfo_slabinfo_and_buddyinfo()
    {
        string[] lines =
        [
            "{\"op\": \"hello\", \"protocol\": 1, \"component\": \"system\"}",
            "{\"op\": \"reset\", \"config\": {\"frames\": 256, \"cpus\": 1, \"files\": 1, \"file_pages\": 8, "
                + "\"pid_max\": 32768}}",
            "{\"op\": \"kmalloc\", \"size\": 96, \"gfp\": \"kernel\"}",
            "{\"op\": \"vmalloc\", \"pages\": 2}",
            "{\"op\": \"snapshot\"}",
        ];

        // One slab page and two vmalloc pages of 256: 253 free.
        Assert.StartsWith("nr_free_pages 253\n", ProcCommand.View("vmstat", lines), StringComparison.Ordinal);
        Assert.Contains("\nnr_slab_unreclaimable 1\n", ProcCommand.View("vmstat", lines), StringComparison.Ordinal);
        var meminfo = ProcCommand.View("meminfo", lines);
        Assert.StartsWith("MemTotal:           1024 kB\nMemFree:            1012 kB\n", meminfo,
            StringComparison.Ordinal);
        Assert.EndsWith("SUnreclaim:            4 kB\nVmallocUsed:           8 kB\n", meminfo,
            StringComparison.Ordinal);
        Assert.Contains("253", ProcCommand.View("zoneinfo", lines), StringComparison.Ordinal);
        Assert.Contains("kmalloc-96", ProcCommand.View("slabinfo", lines), StringComparison.Ordinal);
        Assert.StartsWith("Node 0, zone   Normal", ProcCommand.View("buddyinfo", lines), StringComparison.Ordinal);
    }

    [Fact]
    public void A_whole_system_served_over_the_protocol_conforms_at_the_safe_level()
    {
        var (exit, json) = CliTests.Captured(() => CheckCommand.Check(new CheckOptions("system",
            SystemProtocolTests.ServedSystem, false, Level.Safe, 2, 11, TimeSpan.FromSeconds(30), true)));

        Assert.Equal(CheckCommand.Conforms, exit);
        using var report = JsonDocument.Parse(json);
        Assert.Equal("system", report.RootElement.GetProperty("component").GetString());
        Assert.True(report.RootElement.GetProperty("requests").GetInt64() > 100);
    }

    [Fact]
    public void A_campaign_reports_its_operations_scenarios_and_rules_in_json_and_exits_0()
    {
        var (exit, json) = CliTests.Captured(() =>
            CampaignCommand.Create().Parse(["--operations", "3000", "--seed", "4", "--json", "-"]).Invoke());

        Assert.Equal(CheckCommand.Conforms, exit);
        using var report = JsonDocument.Parse(json);
        var root = report.RootElement;
        Assert.True(root.GetProperty("passed").GetBoolean());
        Assert.Equal("live", root.GetProperty("level").GetString());
        Assert.Equal("4", root.GetProperty("seed").GetString());
        Assert.True(root.GetProperty("operations").GetInt64() >= 3000);
        Assert.Equal(Environment.ProcessorCount, root.GetProperty("jobs").GetInt32());
        Assert.True(root.GetProperty("scenarios").TryGetProperty("an OOM kill", out _));
        Assert.True(root.GetProperty("rules").GetProperty("no-data-lost").GetInt64() > 0);
    }

    [Theory]
    [InlineData("--operations", "0")]
    [InlineData("--level", "strict")]
    [InlineData("--jobs", "0")]
    public void A_campaign_with_bad_options_is_a_usage_error(string option, string value)
    {
        var (exit, _) = CliTests.Captured(() => CampaignCommand.Create().Parse([option, value]).Invoke());
        Assert.Equal(CheckCommand.UsageOrProtocol, exit);
    }
}
