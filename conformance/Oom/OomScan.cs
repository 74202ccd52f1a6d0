using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Oom;

namespace MMSpec.Conformance.Oom;

/// <summary>
/// One OOM scan as data: the processes in creation order and oc-&gt;totalpages. The generator makes the tables the
/// rules are decided on: init and kernel threads first, then processes of equal badness (ties), oom_score_adj at
/// -1000, -999, 0, 1, 500 and 1000 and anywhere between, tasks without an mm or in vfork, a victim pending or reaped
/// (MMF_OOM_SKIP), an oom_task_origin, machines below and above 1000 pages (where adj scales by nothing).
/// </summary>
public sealed record OomScan(ulong TotalPages, ImmutableArray<OomTask> Tasks)
{
    public override string ToString() =>
        $"totalpages {TotalPages}:\n  " + string.Join("\n  ", Tasks.Select(t => t.ToString()));

    public static Arbitrary<OomScan> Arbitrary() => MutationProfile.Arbitrary(Generator(), Shrink);

    public static Gen<OomScan> Generator() =>
        from total in Gen.Elements(999UL, 1000UL, 4096UL, 262_144UL, 1_000_000UL, 4_194_304UL)
        from count in Gen.Choose(0, 12)
        from shared in Gen.Choose(0, 64)
        from tasks in Gen.ArrayOf(Task(total, (ulong)shared), count)
        from init in Gen.Elements(true, false)
        select new OomScan(total, [.. Prefix(init), .. tasks.Select((t, i) => t with { Pid = new Pid(100 + i) })]);

    /// <summary>The tasks before every user process: init (pid 1) and a kernel thread, each with memory.</summary>
    private static IEnumerable<OomTask> Prefix(bool present) => present
        ? [Plain(Pid.Init, "systemd", 0, 4096), Plain(new Pid(2), "kthreadd", 0, 0) with { KernelThread = true }]
        : [];

    private static OomTask Plain(Pid pid, string comm, int adj, ulong rss) =>
        new(pid, comm, 0, false, new OomScoreAdj(adj), true, rss, 0, 0, 0, 4096, rss * 2);

    private static Gen<OomTask> Task(ulong total, ulong shared) =>
        from adj in Gen.Frequency((3, Gen.Constant(0)), (3, Gen.Elements(-1000, -999, 1, 500, 1000, -500)),
            (2, Gen.Choose(OomScoreAdj.Min, OomScoreAdj.Max)))
        from equal in Gen.Elements(true, true, false)
        from anon in Gen.Choose(0, (int)Math.Min(total, 1_000_000UL))
        from file in Gen.Choose(0, 512)
        from swap in Gen.Choose(0, 512)
        from tables in Gen.Choose(0, 64)
        from state in Gen.Frequency((12, Gen.Constant(0)), (1, Gen.Choose(1, 6)))
        from uid in Gen.Elements(0, 1000)
        select new OomTask(new Pid(0), $"task{anon % 97}", uid, false, new OomScoreAdj(adj), state != 1,
            equal ? shared : (ulong)anon, equal ? 0 : (ulong)file, 0, equal ? 0 : (ulong)swap,
            equal ? 0 : (ulong)tables * 4096, (ulong)anon + 1024, Victim: state is 2 or 3, OomSkip: state is 3 or 4,
            InVfork: state == 5, Origin: state == 6);

    /// <summary>Simpler: a task fewer, then each task plain (no flags, adj 0).</summary>
    public static IEnumerable<OomScan> Shrink(OomScan scan)
    {
        for (var i = 0; i < scan.Tasks.Length; i++)
        {
            yield return scan with { Tasks = scan.Tasks.RemoveAt(i) };
        }

        for (var i = 0; i < scan.Tasks.Length; i++)
        {
            var t = scan.Tasks[i];
            var plain = t with { Victim = false, OomSkip = false, InVfork = false, Origin = false, HasMm = true };
            if (plain != t)
            {
                yield return scan with { Tasks = scan.Tasks.SetItem(i, plain) };
            }
            else if (t.Adj.Value != 0)
            {
                yield return scan with { Tasks = scan.Tasks.SetItem(i, t with { Adj = new OomScoreAdj(0) }) };
            }
        }
    }
}
