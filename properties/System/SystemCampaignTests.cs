using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.MemorySystem;
using MMSpec.Impl.MemorySystem;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.MemorySystem;

/// <summary>
/// The test suite's whole-system campaign: MMSpec's implementations composed, from a fixed seed, checked at the safe
/// and live levels for <see cref="Operations"/> operations (scaled by MMSPEC_SCALE); it passes, and it reaches every
/// scenario and puts every rule and error kind to the test. <c>mmspec campaign</c> runs a longer one.
/// </summary>
public sealed class SystemCampaignTests(ITestOutputHelper output)
{
    public const ulong Seed = 20261207;

    public const int Operations = 60_000;

    [Fact]
    public void The_whole_system_campaign_passes_and_reaches_every_scenario_and_rule()
    {
        var report = SystemCampaign.Run(ImplSystem.Create, Level.Safe | Level.Live, Seed,
            PropertyRunner.Cases(Operations));
        output.WriteLine($"{report.Workloads} workloads, {report.Operations} operations in {report.Seconds:0.0} s, "
            + $"{report.OomKills} OOM kills, {report.Panics} panics");
        Assert.True(report.Passed, report.Failure);
        if (MutationProfile.Active)
        {
            return;
        }

        Assert.Empty(report.Reached.Where(r => r.Value == 0).Select(r => r.Key));
        Assert.Empty(report.Exercised.Where(r => r.Value == 0).Select(r => r.Key));
    }
}
