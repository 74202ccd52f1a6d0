using MMSpec.Impl.Buddy;
using MMSpec.Model.Buddy;
using MMSpec.Properties.Buddy.Broken;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Lockstep;

/// <summary>
/// The framework-free runner runs a specification's tests as xunit would (inherited ones included, a fresh instance
/// each), reports a failure with its rule and replay command, and says so in its exit code.
/// </summary>
public sealed class ConformanceRunnerTests(ITestOutputHelper output)
{
    [Fact]
    public void A_specification_has_the_tests_of_its_level_and_the_levels_below()
    {
        Assert.Equal(["Level1_safe_impl_agrees_with_model_and_keeps_invariants"],
            ConformanceRunner.TestsOf(typeof(BuddySafeSpecification)).Select(m => m.Name));
        Assert.Equal(
            [
                "Level1_safe_impl_agrees_with_model_and_keeps_invariants",
                "Level2_live_freeing_everything_restores_the_initial_free_areas",
                "Level2_live_request_succeeds_iff_a_free_aligned_block_exists",
                "Level3_exact_free_area_counts_follow_linux_step_for_step",
            ],
            ConformanceRunner.TestsOf(typeof(BuddyExactSpecification)).Select(m => m.Name));
    }

    [Fact]
    public void A_conforming_allocator_passes_with_exit_code_0()
    {
        var (exit, text) = Run(o => new Conforming(o), "Level2_live_freeing");
        Assert.Equal(0, exit);
        Assert.Contains("  pass  Level2_live_freeing_everything_restores_the_initial_free_areas (", text,
            StringComparison.Ordinal);
        Assert.EndsWith($"Checks: 1 passed, 0 failed{Environment.NewLine}", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_allocator_fails_with_exit_code_1_its_rule_and_a_replay_command_for_its_class()
    {
        var (exit, text) = Run(o => new Broken(o), null);
        Assert.Equal(1, exit);
        Assert.Contains("  FAIL  Level1_safe_impl_agrees_with_model_and_keeps_invariants (", text,
            StringComparison.Ordinal);
        Assert.Contains($"rule broken: {BuddyInvariants.ZoneContainment}", text, StringComparison.Ordinal);
        Assert.Contains(
            "--filter \"FullyQualifiedName~Broken.Level1_safe_impl_agrees_with_model_and_keeps_invariants\"", text,
            StringComparison.Ordinal);
        Assert.Contains("Checks: 0 passed, 1 failed", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_to_run_is_exit_code_2()
    {
        var (exit, text) = Run(o => new Conforming(o), "no-such-test");
        Assert.Equal(2, exit);
        Assert.Contains("Checks: 0 passed, 0 failed", text, StringComparison.Ordinal);
    }

    private (int Exit, string Text) Run(Func<ITestOutputHelper, Specification> create, string? filter)
    {
        var writer = new StringWriter();
        var exit = ConformanceRunner.Run(writer, create, filter);
        output.WriteLine(writer.ToString());
        return (exit, writer.ToString());
    }

    /// <summary>Private: run by the runner above only, not by xunit as a class of its own.</summary>
    private sealed class Conforming(ITestOutputHelper output) : BuddyExactSpecification(output)
    {
        protected override int Cases => 10;

        protected override IBuddyAllocator Create(MemoryLayout layout) => new BuddyAllocator(layout);
    }

    /// <summary>The broken variant BrokenBuddyTests catches first: merges across a zone boundary.</summary>
    private sealed class Broken(ITestOutputHelper output) : BuddySafeSpecification(output)
    {
        protected override IBuddyAllocator Create(MemoryLayout layout) => new MergeAcrossZones(layout);
    }
}
