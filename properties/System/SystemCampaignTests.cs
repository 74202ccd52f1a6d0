using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.MemorySystem;
using MMSpec.Impl.MemorySystem;
using MMSpec.Model.MemorySystem;
using MMSpec.Properties.MemorySystem.Broken;
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
            PropertyRunner.Cases(Operations), jobs: Environment.ProcessorCount);
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

    [Fact]
    public void A_campaign_on_three_threads_reports_what_one_thread_does()
    {
        if (MutationProfile.Active)
        {
            return; // The campaign runner is not mutated; its threads would only slow each mutant's run.
        }

        var one = SystemCampaign.Run(ImplSystem.Create, Level.Safe, Seed, 8_000);
        var three = SystemCampaign.Run(ImplSystem.Create, Level.Safe, Seed, 8_000, jobs: 3);

        Assert.Equal((1, 3), (one.Jobs, three.Jobs));
        Assert.True(one.Workloads > 3, $"{one.Workloads} workloads: too few to run side by side");
        Assert.Equal(Counted(one), Counted(three));
        Assert.Equal(one.Reached, three.Reached);
        Assert.Equal(one.Exercised, three.Exercised);
    }

    [Fact]
    public void A_campaign_on_three_threads_fails_at_the_workload_one_thread_fails_at()
    {
        if (MutationProfile.Active)
        {
            return; // The campaign runner is not mutated; its threads would only slow each mutant's run.
        }

        static IMemorySystem KillsAtAdjMin(SystemConfig config) =>
            BrokenWholeSystemTests.Create(nameof(Oom.Broken.KillsAtAdjMin), config);
        var one = SystemCampaign.Run(KillsAtAdjMin, Level.Safe, Seed, 1_000_000);
        var three = SystemCampaign.Run(KillsAtAdjMin, Level.Safe, Seed, 1_000_000, jobs: 3);

        Assert.False(one.Passed);
        Assert.Equal(Counted(one), Counted(three));
        Assert.Equal(one.Failure, three.Failure);
    }

    [Fact]
    public void A_workload_that_throws_throws_where_the_campaign_takes_it()
    {
        if (MutationProfile.Active)
        {
            return; // The campaign runner is not mutated; its threads would only slow each mutant's run.
        }

        var made = 0;
        IMemorySystem ThrowsOnTheThird(SystemConfig config) => Interlocked.Increment(ref made) == 3
            ? throw new InvalidOperationException("the third system")
            : ImplSystem.Create(config);

        var thrown = Assert.Throws<InvalidOperationException>(() =>
            SystemCampaign.Run(ThrowsOnTheThird, Level.Safe, Seed, 1_000_000, jobs: 2));
        Assert.Equal("the third system", thrown.Message);
    }

    private static (int, long, int, int, ulong?) Counted(CampaignReport r) =>
        (r.Workloads, r.Operations, r.OomKills, r.Panics, r.FailingSeed);
}
