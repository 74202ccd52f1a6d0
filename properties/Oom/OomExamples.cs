using MMSpec.Impl.Oom;
using MMSpec.Model.Oom;
using Xunit;

namespace MMSpec.Properties.Oom;

/// <summary>
/// Worked examples of the OOM killer with answers derived by hand from Linux 6.18's mm/oom_kill.c and fs/proc/base.c,
/// run on the model and the implementation.
/// </summary>
public sealed class OomExamples
{
    public static TheoryData<string> Sides => ["model", "impl"];

    private static IOomKiller Create(string side) => side == "model" ? new OomKillerModel() : new OomKiller();

    private const ulong Million = 1_000_000;

    private static OomTask Task(int pid, ulong rss, int adj = 0) =>
        new(new Pid(pid), $"t{pid}", 1000, false, new OomScoreAdj(adj), true, rss, 0, 0, 0, 0, rss);

    /// <summary>totalpages 1 000 000, 10 000 pages of RSS, swap and page tables; (adj, badness, oom_score).</summary>
    public static TheoryData<string, int, long, long> Scores => new()
    {
        { "model", 0, 10_000, 673 }, { "impl", 0, 10_000, 673 },
        { "model", 500, 510_000, 1006 }, { "impl", 500, 510_000, 1006 },
        { "model", -500, -490_000, 340 }, { "impl", -500, -490_000, 340 },
        { "model", -999, -989_000, 7 }, { "impl", -999, -989_000, 7 },
        { "model", 1000, 1_010_000, 1340 }, { "impl", 1000, 1_010_000, 1340 },
        { "model", -1000, long.MinValue, 0 }, { "impl", -1000, long.MinValue, 0 },
    };

    [Theory]
    [MemberData(nameof(Scores))]
    public void Badness_counts_rss_swap_and_page_tables_and_oom_score_scales_it_to_0_to_2000(string side, int adj,
        long badness, long score)
    {
        // 6 000 resident, 3 000 swap entries, 1 000 pages of page tables.
        var task = new OomTask(new Pid(100), "hog", 0, false, new OomScoreAdj(adj), true, 4000, 1500, 500, 3000,
            1000 * 4096, 20_000);
        var oom = Create(side);
        Assert.Equal((badness, score), (oom.Badness(task, Million), oom.OomScore(task, Million)));
    }

    [Theory]
    [InlineData(0, 10UL)]
    [InlineData(500, 510UL)]
    [InlineData(-500, 0UL)]
    [InlineData(1000, 1010UL)]
    [InlineData(-1000, 0UL)]
    public void The_models_oom_score_before_5_9_is_unsigned_badness_clamped_to_1_in_thousandths(int adj, ulong score)
    {
        var task = Task(100, 10_000, adj);
        var model = new OomKillerModel();
        Assert.Equal(score, model.OomScoreBefore59(task, Million));
        Assert.Equal(adj == -1000 ? 0UL : adj < 0 ? 1UL : (ulong)(10_000 + (adj * 1000)),
            model.BadnessBefore59(task, Million));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void The_highest_badness_is_chosen_and_of_equal_ones_the_last_scanned(string side)
    {
        var oom = Create(side);
        OomTask[] tasks = [Task(100, 500), Task(101, 900), Task(102, 900), Task(103, 100)];
        Assert.Equal(new OomSelection(OomOutcome.Victim, new Pid(102), 900), oom.SelectBadProcess(tasks, Million));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_victim_not_yet_reaped_aborts_the_scan_and_a_reaped_one_is_passed_over(string side)
    {
        var oom = Create(side);
        var pending = Task(101, 10) with { Victim = true };
        OomTask[] tasks = [Task(100, 500), pending, Task(102, 900)];
        Assert.Equal(OomSelection.Aborted, oom.SelectBadProcess(tasks, Million));
        tasks[1] = pending with { OomSkip = true };
        Assert.Equal(new OomSelection(OomOutcome.Victim, new Pid(102), 900), oom.SelectBadProcess(tasks, Million));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void An_oom_task_origin_is_chosen_with_long_max_whatever_its_adj(string side)
    {
        var oom = Create(side);
        OomTask[] tasks = [Task(100, 900), Task(101, 1, -1000) with { Origin = true }, Task(102, 900)];
        Assert.Equal(new OomSelection(OomOutcome.Victim, new Pid(101), long.MaxValue),
            oom.SelectBadProcess(tasks, Million));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Init_kernel_threads_tasks_without_an_mm_in_vfork_or_at_minus_1000_leave_no_killable_process(
        string side)
    {
        var oom = Create(side);
        OomTask[] tasks =
        [
            Task(1, 5000), Task(2, 5000) with { KernelThread = true }, Task(100, 5000) with { HasMm = false },
            Task(101, 5000) with { InVfork = true }, Task(102, 5000, -1000), Task(103, 5000) with { OomSkip = true },
        ];
        Assert.Equal(OomSelection.NoKillable, oom.SelectBadProcess(tasks, Million));
        Assert.All(tasks, t => Assert.Equal(long.MinValue, oom.Badness(t, Million)));
        Assert.Equal(OomSelection.NoKillable, oom.SelectBadProcess([], Million));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Below_1000_pages_oom_score_adj_scales_by_nothing(string side)
    {
        // adj * (totalpages / 1000): 999 / 1000 is 0, so only the memory counts.
        var oom = Create(side);
        OomTask[] tasks = [Task(100, 300, 1000), Task(101, 400, -999)];
        Assert.Equal((300L, 400L), (oom.Badness(tasks[0], 999), oom.Badness(tasks[1], 999)));
        Assert.Equal(new OomSelection(OomOutcome.Victim, new Pid(101), 400), oom.SelectBadProcess(tasks, 999));
        Assert.Equal((1000 + (400 * 1000 / 999)) * 2 / 3, oom.OomScore(tasks[1], 999));
    }

    [Theory]
    [InlineData(-17, -1000)]
    [InlineData(-16, -941)]
    [InlineData(0, 0)]
    [InlineData(1, 58)]
    [InlineData(14, 823)]
    [InlineData(15, 1000)]
    public void The_legacy_oom_adj_maps_to_oom_score_adj_with_cs_truncation(int oomAdj, int scoreAdj)
    {
        Assert.True(OomAdj.IsValid(oomAdj));
        Assert.Equal(new OomScoreAdj(scoreAdj), OomAdj.ToScoreAdj(oomAdj));
    }

    [Theory]
    [InlineData(1000, 15)]
    [InlineData(999, 15)]
    [InlineData(941, 15)]
    [InlineData(58, 0)]
    [InlineData(0, 0)]
    [InlineData(-941, -15)]
    [InlineData(-1000, -17)]
    public void The_legacy_oom_adj_reads_oom_score_adj_times_17_over_1000_capped_at_15(int scoreAdj, int oomAdj)
    {
        Assert.True(new OomScoreAdj(scoreAdj).IsValid);
        Assert.Equal(oomAdj, OomAdj.FromScoreAdj(new OomScoreAdj(scoreAdj)));
    }

    [Fact]
    public void Values_outside_the_ranges_are_not_valid()
    {
        Assert.False(new OomScoreAdj(-1001).IsValid);
        Assert.False(new OomScoreAdj(1001).IsValid);
        Assert.False(OomAdj.IsValid(-18));
        Assert.False(OomAdj.IsValid(16));
    }

    [Fact]
    public void The_kill_is_logged_as_6_18_prints_it()
    {
        var hog = new OomTask(new Pid(1234), "hog", 1000, false, new OomScoreAdj(0), true, 1_000_308, 0, 0, 0,
            7880 * 1024, 1_049_600);
        Assert.Equal("Out of memory: Killed process 1234 (hog) total-vm:4198400kB, anon-rss:4001232kB, file-rss:0kB, "
            + "shmem-rss:0kB, UID:1000 pgtables:7880kB oom_score_adj:0", OomLog.KilledProcess(hog));
    }
}
