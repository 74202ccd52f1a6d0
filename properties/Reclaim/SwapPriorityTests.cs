using MMSpec.Model.Reclaim;
using Xunit;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// swapon's default priorities and swapoff closing them up (mm/swapfile.c: least_priority, and in swapoff every
/// area after the removed one gets prio++ and least_priority++ when the removed one had a default priority), on
/// both sides.
/// </summary>
public sealed class SwapPriorityTests
{
    private static readonly ReclaimConfig Machine = new(64, 1, 1, 4);

    private static int[] Priorities(IReclaimSystem system) =>
        [.. system.Snapshot().Swap.OrderBy(a => a.Type.Value).Select(a => a.Priority)];

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Swapoff_of_a_default_priority_area_moves_the_lower_ones_up_and_frees_its_priority(string side)
    {
        var system = ReclaimSides.Create(side, Machine);
        var first = system.Swapon(8, null).Value;
        Assert.True(system.Swapon(8, null).IsOk);
        Assert.True(system.Swapon(8, 5).IsOk);
        Assert.True(system.Swapon(8, null).IsOk);
        Assert.Equal([-2, -3, 5, -4], Priorities(system));

        Assert.True(system.Swapoff(first).IsOk);
        Assert.Equal([-2, 5, -3], Priorities(system));
        var next = system.Swapon(8, null).Value;
        Assert.Equal(first, next);
        Assert.Equal([-4, -2, 5, -3], Priorities(system));
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Swapoff_of_an_explicit_priority_area_moves_nothing(string side)
    {
        var system = ReclaimSides.Create(side, Machine);
        Assert.True(system.Swapon(8, null).IsOk);
        var explicitly = system.Swapon(8, 7).Value;
        Assert.True(system.Swapon(8, null).IsOk);
        Assert.True(system.Swapoff(explicitly).IsOk);
        Assert.Equal([-2, -3], Priorities(system));
        Assert.True(system.Swapon(8, null).IsOk);
        Assert.Equal([-2, -4, -3], Priorities(system));
    }
}
