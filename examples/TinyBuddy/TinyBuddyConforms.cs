using MMSpec.Conformance.Buddy;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Buddy;
using Xunit;
using Xunit.Abstractions;

namespace MyMemory;

/// <summary>The three-line adoption: every property of the exact level, as xunit tests.</summary>
public sealed class TinyBuddyConforms(ITestOutputHelper output) : BuddyExactSpecification(output)
{
    protected override IBuddyAllocator Create(MemoryLayout layout) => new TinyBuddy(layout);
}

/// <summary>
/// The merge without the zone check that page_is_buddy makes (mm/page_alloc.c: a buddy must be in the same zone,
/// because zones need not be aligned to MAX_PAGE_ORDER): a free block merges with its buddy across a zone boundary.
/// </summary>
public sealed class MergesAcrossZones(MemoryLayout layout) : TinyBuddy(layout)
{
    protected override bool IsFreeBuddy(Zone zone, ulong buddy, int order) => IsFree(buddy, order);
}

/// <summary>The same specification from the framework-free runner, as NUnit, MSTest or a console program do.</summary>
public sealed class RunnerTests(ITestOutputHelper output)
{
    [Fact]
    public void The_runner_passes_the_allocator_at_level_one()
    {
        var text = new StringWriter();
        var exit = ConformanceRunner.Run(text, o => new TinyBuddyConforms(o), filter: "Level1");
        output.WriteLine(text.ToString());
        Assert.Equal(0, exit);
        Assert.Contains("Checks: 1 passed, 0 failed", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_runner_fails_a_broken_allocator_and_names_the_rule()
    {
        var text = new StringWriter();
        var exit = ConformanceRunner.Run(text, o => new BrokenConforms(o), filter: "Level1");
        output.WriteLine(text.ToString());
        Assert.Equal(1, exit);
        Assert.Contains("FAIL  Level1_safe_impl_agrees_with_model_and_keeps_invariants", text.ToString(),
            StringComparison.Ordinal);
        Assert.Contains("rule broken: ", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("replay: MMSPEC_REPLAY=", text.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Private, so xunit does not run it as a test class of its own: only the runner above runs it.</summary>
    private sealed class BrokenConforms(ITestOutputHelper output) : BuddySafeSpecification(output)
    {
        protected override IBuddyAllocator Create(MemoryLayout layout) => new MergesAcrossZones(layout);
    }
}
