using MMSpec.Impl.MemorySystem;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;
using Xunit;

namespace MMSpec.Properties.MemorySystem;

/// <summary>
/// Worked examples of the process table with answers derived by hand from kernel/fork.c, kernel/pid.c and
/// fs/proc/base.c (Linux 6.18), on the model and the implementation.
/// </summary>
public sealed class TaskExamples
{
    public static TheoryData<string> Sides => ["model", "impl"];

    private static ITaskTable Create(string side, int pidMax = TaskConfig.DefaultPidMax) => side == "model"
        ? new TaskTableModel(new TaskConfig(pidMax))
        : new TaskTable(new TaskConfig(pidMax));

    /// <summary>Forks from init until <paramref name="pidMax"/>, each taking the next pid from 2.</summary>
    private static void ForksTakeEveryPidBelow(ITaskTable table, int pidMax)
    {
        for (var expected = 2; expected < pidMax; expected++)
        {
            Assert.Equal(new Pid(expected), table.Fork(Pid.Init).Value);
        }
    }

    private static TaskState Task(ITaskTable table, Pid pid) => table.Snapshot().Tasks.Single(t => t.Pid == pid);

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_child_inherits_comm_oom_score_adj_and_its_floor_and_takes_the_next_pid(string side)
    {
        var table = Create(side);
        var shell = table.Fork(Pid.Init).Value;
        Assert.Equal(new Pid(2), shell);
        Assert.True(table.SetComm(shell, "a-name-longer-than-15").IsOk);
        Assert.True(table.WriteOomScoreAdj(shell, -500, capSysResource: true).IsOk);
        var child = table.Fork(shell).Value;
        Assert.Equal(new TaskState(new Pid(3), shell, "a-name-longer-t", new OomScoreAdj(-500), new OomScoreAdj(-500)),
            Task(table, child));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Without_cap_sys_resource_oom_score_adj_may_not_go_below_its_floor_nor_oom_adj_below_the_value(
        string side)
    {
        var table = Create(side);
        var p = table.Fork(Pid.Init).Value;
        // oom_score_adj_min starts at 0: an unprivileged writer may raise the value and lower it back to 0 only.
        Assert.True(table.WriteOomScoreAdj(p, 300, capSysResource: false).IsOk);
        Assert.Equal(new OomScoreAdjDenied(p, new OomScoreAdj(-200), new OomScoreAdj(0)),
            table.WriteOomScoreAdj(p, -200, capSysResource: false).Error);
        Assert.True(table.WriteOomScoreAdj(p, -100, capSysResource: true).IsOk);
        var before = table.Snapshot();
        Assert.Equal(new OomScoreAdjDenied(p, new OomScoreAdj(-101), new OomScoreAdj(-100)),
            table.WriteOomScoreAdj(p, -101, capSysResource: false).Error);

        // oom_adj 1 is 58 > -100: allowed; then -1 (-58) is below 58: refused without the capability.
        Assert.True(table.WriteOomAdj(p, 1, capSysResource: false).IsOk);
        Assert.Equal(new OomScoreAdjDenied(p, new OomScoreAdj(-58), new OomScoreAdj(58)),
            table.WriteOomAdj(p, -1, capSysResource: false).Error);
        Assert.Equal(new OomScoreAdj(58), Task(table, p).Adj);
        Assert.True(table.WriteOomAdj(p, 1, capSysResource: false).IsOk, "the same value is not a lowering");
        Assert.Equal(new OomScoreAdj(-100), Task(table, p).AdjMin);
        Assert.Equal(new InvalidOomScoreAdj(1001), table.WriteOomScoreAdj(p, 1001, true).Error);
        Assert.Equal(new InvalidOomAdj(16), table.WriteOomAdj(p, 16, true).Error);
        Assert.Equal(new InvalidOomAdj(-18), table.WriteOomAdj(p, -18, true).Error);
        Assert.Equal(new OomScoreAdj(58), Task(table, p).Adj);
        Assert.True(before.LastPid == table.Snapshot().LastPid);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Pids_run_to_pid_max_then_wrap_to_reserved_pids_and_fork_fails_when_none_is_left(string side)
    {
        var table = Create(side, pidMax: 310);
        ForksTakeEveryPidBelow(table, 310);

        Assert.Equal(new NoPidLeft(310), table.Fork(Pid.Init).Error);

        // Freed pids below RESERVED_PIDS are not taken again after the wrap; 300 and up are, lowest first.
        Assert.True(table.DoExit(new Pid(5)).IsOk && table.DoExit(new Pid(305)).IsOk);
        Assert.True(table.DoExit(new Pid(302)).IsOk);
        Assert.Equal(new Pid(302), table.Fork(Pid.Init).Value);
        Assert.Equal(new Pid(305), table.Fork(Pid.Init).Value);
        Assert.Equal(new NoPidLeft(310), table.Fork(Pid.Init).Error);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void An_exit_hands_the_children_to_init_and_init_may_not_exit(string side)
    {
        var table = Create(side);
        var parent = table.Fork(Pid.Init).Value;
        var child = table.Fork(parent).Value;
        Assert.True(table.DoExit(parent).IsOk);
        Assert.Equal(Pid.Init, Task(table, child).Parent);
        var before = table.Snapshot();
        Assert.Equal(new ExitOfInit(), table.DoExit(Pid.Init).Error);
        Assert.Equal(new NoSuchProcess(parent), table.DoExit(parent).Error);
        Assert.Equal(new NoSuchProcess(parent), table.Fork(parent).Error);
        Assert.Equal(new NoSuchProcess(new Pid(0)), table.SetComm(new Pid(0), "x").Error);
        Assert.Equal(new NoSuchProcess(new Pid(40000)), table.WriteOomAdj(new Pid(40000), 0, true).Error);
        Assert.True(table.Snapshot().SameAs(before), table.Snapshot().DiffFrom(before));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_pid_max_outside_301_to_4194304_is_refused(string side)
    {
        foreach (var pidMax in new[] { 300, TaskConfig.PidMaxLimit + 1 })
        {
            var refused = Assert.Throws<ArgumentOutOfRangeException>(() => Create(side, pidMax));
            Assert.Equal(("config", (object)pidMax), (refused.ParamName, refused.ActualValue));
            Assert.StartsWith("pid_max 301..4194304", refused.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_snapshot_shows_the_oom_victim_and_reaped_marks_as_they_are_set(string side)
    {
        var table = Create(side);
        var p = table.Fork(Pid.Init).Value;
        var before = table.Snapshot();
        Assert.True(table.MarkOomVictim(p).IsOk);
        var marked = table.Snapshot();
        Assert.True(table.OomReaped(p).IsOk);
        var reaped = Task(table, p);
        Assert.Equal((false, false), (before.Tasks[1].Victim, before.Tasks[1].OomSkip));
        Assert.Equal((true, false), (marked.Tasks[1].Victim, marked.Tasks[1].OomSkip));
        Assert.Equal((true, true), (reaped.Victim, reaped.OomSkip));
    }

    [Fact]
    public void The_implementation_hands_back_its_last_snapshot_until_an_oom_mark_changes()
    {
        var table = new TaskTable(new TaskConfig(TaskConfig.DefaultPidMax));
        var p = table.Fork(Pid.Init).Value;
        var before = table.Snapshot();
        Assert.Same(before, table.Snapshot());
        Assert.True(table.MarkOomVictim(p).IsOk);
        var marked = table.Snapshot();
        Assert.NotSame(before, marked);
        Assert.Same(marked, table.Snapshot());
        Assert.True(table.OomReaped(p).IsOk);
        Assert.NotSame(marked, table.Snapshot());
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_pid_max_of_whole_bitmap_words_fills_to_its_last_pid_and_knows_no_pid_past_it(string side)
    {
        // 320 = 5 words of 64 pids: pid 319 is the last bit of the last word, and no bit is left past it.
        var table = Create(side, pidMax: 320);
        ForksTakeEveryPidBelow(table, 320);

        var full = table.Snapshot();
        Assert.False(full.PidLeft);
        Assert.Equal(new NoPidLeft(320), table.Fork(Pid.Init).Error);
        Assert.Equal(new NoSuchProcess(new Pid(320)), table.DoExit(new Pid(320)).Error);
        Assert.True(table.Snapshot().SameAs(full));
        Assert.True(table.DoExit(new Pid(319)).IsOk);
        Assert.Equal(new Pid(319), table.Fork(Pid.Init).Value);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void The_smallest_and_the_largest_pid_max_are_taken(string side)
    {
        Assert.Equal(new Pid(2), Create(side, TaskConfig.ReservedPids + 1).Fork(Pid.Init).Value);
        Assert.Equal(TaskConfig.PidMaxLimit, Create(side, TaskConfig.PidMaxLimit).Snapshot().PidMax);
    }
}
