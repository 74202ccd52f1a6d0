using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
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

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void A_page_goes_out_to_the_highest_priority_area_with_a_free_slot_and_at_a_tie_to_the_earlier_swapon(
        string side)
    {
        // Two slots an area (slot 0 is the header). Type 0 is swapped off and on again, so of the three areas at
        // priority 5 the latest swapon has the lowest type: folio_alloc_swap takes them in swapon order, not in type
        // order (either way round), and the priority 1 area last.
        var system = ReclaimSides.Create(side, Machine);
        var gone = system.Swapon(3, 5).Value;
        var first = system.Swapon(3, 5).Value;
        var second = system.Swapon(3, 5).Value;
        Assert.True(system.Swapoff(gone).IsOk);
        var third = system.Swapon(3, 5).Value;
        var lowest = system.Swapon(3, 1).Value;
        Assert.Equal(gone, third);
        var mm = system.CreateMm().Value;
        var start = system.Mmap(mm, MapKind.Anon, 0, 8).Value;
        var types = Enumerable.Range(0, 8).Select(i =>
        {
            var page = new VirtAddr(start.Value + ((ulong)i * Pfn.PageSize));
            Assert.True(system.Access(mm, new CpuId(0), page, true, (ulong)i + 1).IsOk);
            Assert.Equal(1UL, system.PageOut(mm, page).Value);
            return system.Snapshot().Mms.Single(m => m.Id == mm).PteAt(page)!.Value.Swap!.Value.Type;
        });
        Assert.Equal([first, first, second, second, third, third, lowest, lowest], types);
    }
}
