using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// pin_user_pages and unpin_user_page on a shmem page three address spaces map (a parent and two forks), written out
/// by hand on both sides. A pin is taken through an entry; unpin_user_page knows only the page, so an unpin through
/// an entry without pins takes one of the lowest entry holding some; the pins an entry holds go when it is zapped
/// (docs/reclaim.md: pins do not outlive the mapping).
/// </summary>
public sealed class PinTests
{
    private static readonly ReclaimConfig Machine = new(64, 1, 1, 4);

    private static readonly CpuId Cpu0 = new(0);

    /// <summary>(system, parent, first child, second child, the shared page).</summary>
    private static (IReclaimSystem System, AsId Parent, AsId First, AsId Second, VirtAddr Page) Shared(string side)
    {
        var system = ReclaimSides.Create(side, Machine);
        var parent = system.CreateMm().Value;
        var page = system.Mmap(parent, MapKind.Shmem, 0, 1).Value;
        Assert.True(system.Access(parent, Cpu0, page, true, 0x9).IsOk);
        var first = system.Fork(parent).Value;
        var second = system.Fork(parent).Value;
        Assert.Equal(0x9UL, system.Access(first, Cpu0, page, false, 0).Value);
        Assert.Equal(0x9UL, system.Access(second, Cpu0, page, false, 0).Value);
        return (system, parent, first, second, page);
    }

    private static int Pins(IReclaimSystem system) => Assert.Single(system.Snapshot().Folios).Pins;

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void The_pins_an_entry_still_holds_go_with_its_mapping(string side)
    {
        var (system, parent, _, _, page) = Shared(side);
        Assert.True(system.Pin(parent, page).IsOk);
        Assert.True(system.Pin(parent, page).IsOk);
        Assert.True(system.Unpin(parent, page).IsOk);
        Assert.Equal(1, Pins(system));
        Assert.True(system.Munmap(parent, page).IsOk);
        Assert.Equal(0, Pins(system));
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void An_unpin_through_an_entry_without_pins_takes_one_of_the_lowest_entry_holding_some(string side)
    {
        var (system, parent, first, second, page) = Shared(side);
        Assert.True(system.Pin(parent, page).IsOk);
        Assert.True(system.Pin(first, page).IsOk);
        Assert.True(system.Unpin(second, page).IsOk);
        Assert.Equal(1, Pins(system));

        // The parent's pin went with the unpin: its unmap leaves the first child's.
        Assert.True(system.Munmap(parent, page).IsOk);
        Assert.Equal(1, Pins(system));
        Assert.True(system.Munmap(first, page).IsOk);
        Assert.Equal(0, Pins(system));
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void An_entry_whose_pins_are_all_given_back_holds_none(string side)
    {
        var (system, parent, first, second, page) = Shared(side);
        Assert.True(system.Pin(parent, page).IsOk);
        Assert.True(system.Unpin(parent, page).IsOk);
        Assert.True(system.Pin(first, page).IsOk);
        Assert.True(system.Unpin(second, page).IsOk);
        Assert.Equal(0, Pins(system));
        Assert.True(system.Munmap(first, page).IsOk);
        Assert.Equal(0, Pins(system));
        Assert.Equal(new NotPinned(parent, page), system.Unpin(parent, page).Error);
    }
}
