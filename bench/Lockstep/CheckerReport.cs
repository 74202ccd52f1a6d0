using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Impl.Slab;
using MMSpec.Impl.Tlb;
using MMSpec.Model.Buddy;
using MMSpec.Model.Paging;
using MMSpec.Model.Slab;
using MMSpec.Model.Tlb;
using MMSpec.Conformance.Buddy;
using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.Paging;
using MMSpec.Conformance.Slab;
using MMSpec.Conformance.Tlb;

namespace MMSpec.Bench.Lockstep;

/// <summary>
/// `dotnet run -c Release --project bench -- checker`: checked lockstep steps per second for each component, on
/// scenarios from the project's own generators at a fixed seed and FsCheck's largest size (the Level 1 property's
/// checks; generation is not timed). What one test run of a property, and so every mutant, pays per step.
/// `... -- checker tlb` measures one component (buddy, slab, paging, tlb), for a profiler. Per CPU second counts
/// the process's processor time (the collector's threads included), a steadier figure on a shared machine. Cold is
/// the first pass over the scenarios, with the JIT still tiering the code up; warm is the best of three more.
/// </summary>
internal static class CheckerReport
{
    private const int Size = 100;
    private const int StepsPerComponent = 100_000;

    /// <summary>The passes after the first, cold one; the fastest of them is the warm figure.</summary>
    private const int WarmPasses = 3;

    public static void Print(TextWriter output, string only)
    {
        output.WriteLine(
            $"checked steps per second (fixed seed, size {Size}, about {StepsPerComponent} steps each, one thread)");
        Measure(output, only, "buddy (head of list)", BuddyGen.Scenario(), s => s.Steps.Length, s =>
        {
            BuddyLockstep Subject() => new(new BuddyAllocator(s.Layout), new BuddyModel(s.Layout), Level.Safe);
            return LockstepRunner.Run(Subject(), s.Steps, Subject);
        });
        Measure(output, only, "slab (on the buddy impl)", SlabGen.Scenario(), s => s.Steps.Length, s =>
        {
            SlabLockstep Subject() =>
                new(new SlabAllocator(new BuddyAllocator(s.Layout)), new SlabModel(new BuddyModel(s.Layout)),
                    Level.Safe);
            return LockstepRunner.Run(Subject(), s.Steps, Subject);
        });
        Measure(output, only, "paging (4-level)", PagingGen.Scenario(PagingFormat.FourLevel), s => s.Steps.Length, s =>
        {
            PagingLockstep Subject() => new(
                new PagingSystem(s.Format, new BuddyAllocator(s.Layout)),
                new PagingModel(s.Format, new BuddyModel(s.Layout)),
                Level.Safe);
            return LockstepRunner.Run(Subject(), s.Steps, Subject);
        });
        var tlb = TlbGen.Scenario(PagingFormat.FourLevel, true);
        Measure(output, only, "tlb (4-level, PCIDs on)", tlb, s => s.Steps.Length, s =>
        {
            TlbLockstep Subject() => new(
                new Machine(new WatchedPaging(new PagingSystem(s.Format, new BuddyAllocator(s.Layout()))), s.Config,
                    WatchedTlb.Around(_ => new SetAssociativeTlb(s.Config.Sets, s.Config.Ways, s.Config.PdeEntries))),
                new Machine(new PagingModel(s.Format, new BuddyModel(s.Layout())), s.Config,
                    _ => new AllowedEntries()));
            return LockstepRunner.Run(Subject(), s.Steps, Subject);
        });
    }

    private static void Measure<TScenario>(TextWriter output, string only, string name, Gen<TScenario> gen,
        Func<TScenario, int> steps, Func<TScenario, LockstepRun> run)
    {
        if (!name.StartsWith(only, StringComparison.Ordinal))
        {
            return;
        }

        var scenarios = Sample(gen, steps);
        var cold = Pass(name, scenarios, run);
        var warm = Enumerable.Range(0, WarmPasses).Select(_ => Pass(name, scenarios, run)).MaxBy(p => p.Wall);
        output.WriteLine($"  {name,-26} cold {cold.Wall,9:N0} steps/s wall, {cold.Cpu,9:N0} per CPU second; "
            + $"warm {warm.Wall,9:N0} steps/s wall, {warm.Cpu,9:N0} per CPU second"
            + $"  ({cold.Steps} steps, {scenarios.Count} scenarios)");
    }

    /// <summary>
    /// One pass over every scenario: steps per second of wall time and of the process's processor time. The first
    /// pass runs while the JIT is still tiering the code up (what a short test process pays), later ones at steady
    /// state.
    /// </summary>
    private static (double Wall, double Cpu, long Steps) Pass<TScenario>(string name, List<TScenario> scenarios,
        Func<TScenario, LockstepRun> run)
    {
        var ran = 0L;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        foreach (var scenario in scenarios)
        {
            var result = run(scenario);
            if (result.Failure is not null)
            {
                throw new InvalidOperationException($"{name}: a passing implementation failed: {result.Failure}");
            }

            ran += result.Steps;
        }

        clock.Stop();
        var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        return (ran / clock.Elapsed.TotalSeconds, ran / used, ran);
    }

    private static List<TScenario> Sample<TScenario>(Gen<TScenario> gen, Func<TScenario, int> steps)
    {
        var scenarios = new List<TScenario>();
        var total = 0;
        var batch = 0UL;
        while (total < StepsPerComponent)
        {
            foreach (var scenario in gen.Sample(Size, new Rnd(0x5EED + batch++, PropertyRunner.Gamma), 10))
            {
                scenarios.Add(scenario);
                total += steps(scenario);
            }
        }

        return scenarios;
    }
}
