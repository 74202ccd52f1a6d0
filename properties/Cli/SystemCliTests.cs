using System.Text.Json;
using MMSpec.Cli.Campaign;
using MMSpec.Cli.Check;
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
        Assert.True(root.GetProperty("scenarios").TryGetProperty("an OOM kill", out _));
        Assert.True(root.GetProperty("rules").GetProperty("no-data-lost").GetInt64() > 0);
    }

    [Theory]
    [InlineData("--operations", "0")]
    [InlineData("--level", "strict")]
    public void A_campaign_with_bad_options_is_a_usage_error(string option, string value)
    {
        var (exit, _) = CliTests.Captured(() => CampaignCommand.Create().Parse([option, value]).Invoke());
        Assert.Equal(CheckCommand.UsageOrProtocol, exit);
    }
}
