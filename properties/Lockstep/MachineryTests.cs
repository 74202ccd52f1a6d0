using System.Collections.Immutable;
using MMSpec.Conformance.Paging;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using Xunit;

namespace MMSpec.Properties.Lockstep;

/// <summary>
/// The lockstep machinery every component shares: handles, rules and scenarios as data, the model-permits check and
/// generic shrinking.
/// </summary>
public sealed class MachineryTests
{
    private static readonly Rule<int>[] Rules =
    [
        Rule<int>.Of("negative", Level.Safe, n => n < 0 ? $"{n} < 0" : null, n => n <= 1),
        Rule<int>.Of("odd", Level.Exact, n => n % 2 != 0 ? $"{n} is odd" : null, _ => true),
    ];

    [Fact]
    public void A_handle_names_the_nth_live_object_modulo_and_a_consumed_one_is_picked_newest_first()
    {
        var table = new HandleTable<string>(["a"]);
        table.Take("b");
        table.Take("c");
        Assert.Equal(("b", "c", "a"), (table[1], table.Last, table[3]));
        table.ConsumeAt(table.IndexOf("b"));
        Assert.Equal(1, table.ConsumeAll(s => s == "a"));
        Assert.Equal(["c"], table.Live);
        Assert.True(table.TryPickGone(0, out var newest));
        Assert.True(table.TryPickGone(1, out var older));
        Assert.Equal(("a", "b"), (newest, older));
        Assert.False(new HandleTable<string>().TryPick(0, out _));
    }

    [Fact]
    public void A_rule_applies_only_at_the_levels_checked_and_the_first_broken_rule_is_reported()
    {
        Assert.Null(Rule<int>.FirstBroken(Rules, -3, Level.Live));
        Assert.Equal(new Violation("negative", "-3 < 0"), Rule<int>.FirstBroken(Rules, -3, Level.All));
        Assert.Equal(new Violation("odd", "3 is odd"), Rule<int>.FirstBroken(Rules, 3, Level.All));
        Assert.Null(Rule<int>.FirstBroken(Rules, 3, Level.Safe));
    }

    [Fact]
    public void Rule_coverage_counts_the_steps_that_put_each_rule_to_the_test_at_the_levels_checked()
    {
        var log = new StepLog();
        foreach (var n in new[] { 0, 1, 2, 4 })
        {
            Rule<int>.Cover(Rules, n, Level.Safe, log);
        }

        Assert.Equal(new Dictionary<string, int> { ["negative"] = 2 }, log.ExercisedRules);
        Assert.Equal(["negative", "odd"], Rule<int>.Names(Rules, Level.All));
        Assert.Equal(["odd"], Rule<int>.Names(Rules, Level.Exact));
        var tally = new ScenarioTally([], ["negative", "odd"]);
        tally.Add(new LockstepRun(null, new HashSet<string>(), 4) { ExercisedRules = log.ExercisedRules });
        Assert.Equal(["odd"], tally.Unexercised);
        Assert.Contains("      2  negative", tally.ToString(), StringComparison.Ordinal);
        Assert.Contains("odd  (NEVER TESTED)", tally.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Scenarios_are_recorded_when_their_predicate_holds()
    {
        Scenario<int>[] scenarios = [new("big", n => n > 10), new("even", n => n % 2 == 0)];
        var log = new StepLog();
        Scenario<int>.Track(scenarios, 12, log);
        Scenario<int>.Track(scenarios, 5, log);
        Assert.Equal(["big", "even"], log.Scenarios.Order());
        Assert.Equal(["big", "even"], Scenario<int>.Names(scenarios));
    }

    [Fact]
    public void Below_the_exact_level_a_refusal_may_name_any_applicable_error_at_the_exact_level_only_the_first()
    {
        Result<Unit> first = new PfnOutOfRange(new Pfn(9), new Order(1), 8);
        Result<Unit> second = new MisalignedPfn(new Pfn(9), new Order(1));
        IReadOnlyList<MmError> both = [first.Error!, second.Error!];
        Assert.Null(SharedRules.Permits(Level.Safe, second, first, both, static e => e));
        Assert.Equal($"expected {first}, got {second}", SharedRules.Permits(Level.All, second, first, both, e => e));
        Assert.Equal($"expected one of {first.Error}, {second.Error}, got {Unit.Value}",
            SharedRules.Permits(Level.Safe, Unit.Value, first, both, static e => e));
        Assert.Null(SharedRules.Permits<Unit, IReadOnlyList<MmError>?>(Level.All, first, first, null,
            static _ => throw new InvalidOperationException("not asked when the results are equal")));
    }

    [Fact]
    public void A_step_shrinks_one_argument_at_a_time_numbers_toward_0_flags_to_false_options_to_none()
    {
        var step = new MmapStep(Mm: 2, Pages: -4, Prot: Model.Paging.VmProt.Read, File: null, PgOff: 0, Shared: true,
            Boundary: 3, Slot: 0, Back: 1);
        var simpler = Shrink.ArgumentsOf<PagingStep>(step).ToList();
        Assert.Contains(step with { Mm = 0 }, simpler);
        Assert.Contains(step with { Mm = 1 }, simpler);
        Assert.Contains(step with { Pages = -2 }, simpler);
        Assert.Contains(step with { Pages = -3 }, simpler);
        Assert.Contains(step with { Shared = false }, simpler);
        Assert.Contains(step with { Boundary = null }, simpler);
        Assert.Contains(step with { Boundary = 1 }, simpler);
        Assert.Contains(step with { Back = 0 }, simpler);
        Assert.DoesNotContain(step, simpler);
        Assert.All(simpler, s => Assert.Equal(step.Prot, ((MmapStep)s).Prot));
        Assert.Equal(11, simpler.Count);
    }

    [Fact]
    public void A_layout_shrinks_its_reserved_ranges_its_frames_and_its_zone_boundaries()
    {
        var layout = new MemoryLayout(64, new Pfn(16), new Pfn(32), [new PfnRange(new Pfn(0), new Pfn(1))]);
        var simpler = Shrink.Layout(layout, 2).ToList();
        Assert.Contains(simpler, l => l.Reserved.IsEmpty && l.FrameCount == 64);
        Assert.Contains(simpler, l => l.FrameCount == 32);
        Assert.Contains(simpler, l => l.Dma32Start == new Pfn(0) && l.NormalStart == new Pfn(32));
        Assert.Contains(simpler, l => l.Dma32Start == new Pfn(16) && l.NormalStart == new Pfn(16));
        Assert.All(simpler, l => Assert.True(l.FrameCount >= 2));
    }

    [Fact]
    public void Dropping_steps_tries_none_then_ever_smaller_chunks()
    {
        ImmutableArray<int> steps = [1, 2, 3, 4];
        var shorter = Shrink.DropSteps(steps).Select(s => string.Join(",", s)).ToList();
        Assert.Equal(["", "1,2", "3,4", "1,2,3", "1,2,4", "1,3,4", "2,3,4"], shorter);
    }

    [Fact]
    public void Shrinking_stops_when_its_budget_of_candidate_steps_runs_out_and_is_unbounded_outside_a_run()
    {
        var candidates = Enumerable.Range(0, 10).Select(i => (Index: i, Steps: (int)(ShrinkBudget.Steps / 4))).ToList();
        ShrinkBudget.Arm();
        try
        {
            Assert.Equal(4, ShrinkBudget.Take(candidates, c => c.Steps).Count());
            Assert.True(ShrinkBudget.Spent);
            Assert.Empty(ShrinkBudget.Take(candidates, c => c.Steps));
        }
        finally
        {
            ShrinkBudget.Disarm();
        }

        Assert.Equal(10, ShrinkBudget.Take(candidates, c => c.Steps).Count());
        ShrinkBudget.Arm();
        Assert.False(ShrinkBudget.Spent);
        ShrinkBudget.Disarm();
    }
}
