using MMSpec.Model.Oom;
using Xunit;

namespace MMSpec.Properties.Oom;

/// <summary>
/// The OOM killer's values as a counterexample prints them (each flag named once, each outcome in words), and the
/// pre-5.9 badness of a task with nothing to its name: 1, never 0 ("points &gt; 0 ? points : 1").
/// </summary>
public sealed class OomTextTests
{
    [Fact]
    public void A_task_prints_its_numbers_and_every_flag_it_has()
    {
        var plain = new OomTask(new Pid(7), "sh", 0, false, new OomScoreAdj(-5), true, 1, 2, 3, 4, 8192, 10);
        Assert.Equal("pid 7 (sh) adj -5 rss 6 swap 4 pgtables 8192B", plain.ToString());
        var flagged = plain with
        {
            HasMm = false, Victim = true, OomSkip = true, InVfork = true, Origin = true, KernelThread = true,
        };
        Assert.Equal("pid 7 (sh) adj -5 rss 6 swap 4 pgtables 8192B no-mm victim oom-skip vfork origin kthread",
            flagged.ToString());
    }

    [Fact]
    public void A_selection_prints_its_victim_and_points_or_its_outcome()
    {
        Assert.Equal("victim pid 9 (42 points)", new OomSelection(OomOutcome.Victim, new Pid(9), 42).ToString());
        Assert.Equal("Aborted", OomSelection.Aborted.ToString());
        Assert.Equal("NoKillable", OomSelection.NoKillable.ToString());
        Assert.Equal("-1000", new OomScoreAdj(-1000).ToString());
    }

    [Fact]
    public void Before_5_9_an_eligible_task_with_no_points_weighs_1()
    {
        var empty = new OomTask(new Pid(3), "idle", 0, false, new OomScoreAdj(0), true, 0, 0, 0, 0, 0, 0);
        Assert.Equal(0L, new OomKillerModel().Badness(empty, 1000));
        Assert.Equal(1UL, new OomKillerModel().BadnessBefore59(empty, 1000));
    }
}
