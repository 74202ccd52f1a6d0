using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.MemorySystem;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>Where a campaign is: the workloads run, the operations checked, the kills, the scenarios reached.</summary>
public sealed record CampaignProgress(int Workloads, long Operations, TimeSpan Elapsed, int OomKills,
    int ScenariosReached, int Scenarios)
{
    public double OperationsPerSecond => Operations / Math.Max(1e-3, Elapsed.TotalSeconds);
}

/// <summary>
/// What a campaign did: its seed and level, the workloads and operations checked, the time and the threads it ran
/// on, the kills and panics,
/// how many workloads reached each scenario, how many steps put each rule to the test, and the first failure (the
/// broken rule, its report, and the seed of its workload: <c>--seed S --operations 1</c> runs that one again).
/// </summary>
public sealed record CampaignReport(ulong Seed, Level Level, int Workloads, long Operations, double Seconds, int Jobs,
    int OomKills, int Panics, IReadOnlyDictionary<string, int> Reached, IReadOnlyDictionary<string, long> Exercised,
    string? Failure, ulong? FailingSeed)
{
    public bool Passed => Failure is null;

    public double OperationsPerSecond => Operations / Math.Max(1e-3, Seconds);
}

/// <summary>
/// The whole-system campaign: generated workloads (<see cref="SystemScenario"/>, workload n from seed + n at size
/// <see cref="Size"/>) checked against the system's rules until the operations are done or a rule breaks. The test
/// suite runs one, <c>mmspec campaign</c> another, longer. Workloads run on <c>jobs</c> threads, each on systems of
/// its own, and their results are taken in workload order: the report, all but its seconds, is the one a single job
/// gives, and the workloads past the last one it takes are dropped.
/// </summary>
public static class SystemCampaign
{
    /// <summary>The size every workload is generated at: the largest the properties reach.</summary>
    public const int Size = 100;

    /// <summary>
    /// Runs the campaign. <paramref name="create"/> is called from <paramref name="jobs"/> threads at once when
    /// there is more than one; the systems it returns are each used by one thread.
    /// </summary>
    public static CampaignReport Run(Func<SystemConfig, IMemorySystem> create, Level checks, ulong seed,
        long operations, Action<CampaignProgress>? progress = null, int jobs = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(operations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1);
        var reached = SystemRules.AllScenarios.ToDictionary(s => s, _ => 0);
        var exercised = SystemRules.Coverage(checks).Distinct().ToDictionary(r => r, _ => 0L);
        var clock = Stopwatch.StartNew();
        var (workloads, done, kills, panics) = (0, 0L, 0, 0);
        using var runs = new WorkloadQueue(n => Workload(create, checks, seed + (ulong)n), jobs);
        while (done < operations)
        {
            var result = runs.Take(workloads);
            workloads++;
            done += result.Run.Steps;
            (kills, panics) = (kills + result.OomKills, panics + result.Panics);
            Tally(result.Run, reached, exercised);
            if (result.Failure is { } failure)
            {
                return Report(failure, seed + (ulong)(workloads - 1));
            }

            progress?.Invoke(new CampaignProgress(workloads, done, clock.Elapsed, kills,
                reached.Count(r => r.Value > 0), reached.Count));
        }

        return Report(null, null);

        CampaignReport Report(string? failure, ulong? failingSeed) => new(seed, checks, workloads, done,
            clock.Elapsed.TotalSeconds, jobs, kills, panics, reached, exercised, failure, failingSeed);
    }

    /// <summary>Workload <paramref name="workload"/>, generated and checked.</summary>
    private static WorkloadResult Workload(Func<SystemConfig, IMemorySystem> create, Level checks, ulong workload)
    {
        var scenario = SystemScenario.Generator().Sample(1, new Rnd(workload, PropertyRunner.Gamma), Size).Single();
        SystemLockstep Subject() => SystemLockstep.For(create(scenario.Config), scenario.Config, checks);
        var subject = Subject();
        var run = LockstepRunner.Run(subject, scenario.Steps, Subject);
        return new(run, subject.Outcomes.OomKills, subject.Outcomes.Panics,
            run.Failure is { } failure ? failure.ToString() + scenario : null);
    }

    private static void Tally(LockstepRun run, Dictionary<string, int> reached, Dictionary<string, long> exercised)
    {
        foreach (var scenario in run.Scenarios.Where(reached.ContainsKey))
        {
            reached[scenario]++;
        }

        foreach (var (rule, steps) in run.ExercisedRules.Where(r => exercised.ContainsKey(r.Key)))
        {
            exercised[rule] += steps;
        }
    }
}
