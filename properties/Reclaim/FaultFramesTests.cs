using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// What an access needs before it faults, at the edge of free memory, on both sides: the frames its faults take (a
/// new page for a miss, a copy for copy-on-write, both for a write to a swapped page other references share), and
/// ReclaimOutOfMemory (VM_FAULT_OOM) with one frame fewer, nothing changed.
/// </summary>
public sealed class FaultFramesTests
{
    private static readonly ReclaimConfig Machine = new(128, 1, 1, 4);

    private static readonly CpuId Cpu0 = new(0);

    /// <summary>Every free frame taken by kernel allocations but <paramref name="left"/>.</summary>
    private static void LeaveFree(IReclaimSystem system, ulong left)
    {
        foreach (var pfn in ReclaimSides.TakeEveryFreeFrame(system, Machine).Take((int)left))
        {
            Assert.True(system.KernelFree(pfn).IsOk);
        }

        Assert.Equal(left, system.Snapshot().Pages.FreePages);
    }

    /// <summary>The access, with one frame fewer than it needs and then with enough.</summary>
    private static void AtTheEdge(IReclaimSystem system, AsId mm, VirtAddr addr, bool write, ulong needed)
    {
        LeaveFree(system, needed - 1);
        var before = system.Snapshot();
        Assert.Equal(new ReclaimOutOfMemory(needed, needed - 1), system.Access(mm, Cpu0, addr, write, 9).Error);
        Assert.True(system.Snapshot().SameAs(before), system.Snapshot().DiffFrom(before));
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void A_write_to_a_swapped_page_another_reference_shares_takes_two_frames(string side)
    {
        var system = ReclaimSides.Create(side, Machine);
        Assert.True(system.Swapon(16, null).IsOk);
        var parent = system.CreateMm().Value;
        var page = system.Mmap(parent, MapKind.Anon, 0, 1).Value;
        Assert.True(system.Access(parent, Cpu0, page, true, 5).IsOk);
        Assert.Equal(1UL, system.PageOut(parent, page).Value);
        Assert.True(system.Fork(parent).IsOk);
        AtTheEdge(system, parent, page, write: true, needed: 2);
        Assert.True(system.KernelFree(system.Snapshot().KernelPages[0].Pfn).IsOk);
        Assert.Equal(5UL, system.Access(parent, Cpu0, page, true, 6).Value);
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void A_write_to_a_swapped_page_only_its_entry_holds_takes_one_frame(string side)
    {
        var system = ReclaimSides.Create(side, Machine);
        Assert.True(system.Swapon(16, null).IsOk);
        var mm = system.CreateMm().Value;
        var page = system.Mmap(mm, MapKind.Anon, 0, 1).Value;
        Assert.True(system.Access(mm, Cpu0, page, true, 5).IsOk);
        Assert.Equal(1UL, system.PageOut(mm, page).Value);
        AtTheEdge(system, mm, page, write: true, needed: 1);
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void A_copy_on_write_takes_one_frame_and_a_read_of_untouched_anonymous_memory_none(string side)
    {
        var system = ReclaimSides.Create(side, Machine);
        var parent = system.CreateMm().Value;
        var pages = system.Mmap(parent, MapKind.Anon, 0, 2).Value;
        Assert.True(system.Access(parent, Cpu0, pages, true, 5).IsOk);
        Assert.True(system.Fork(parent).IsOk);
        AtTheEdge(system, parent, pages, write: true, needed: 1);
        Assert.True(system.KernelFree(system.Snapshot().KernelPages[0].Pfn).IsOk);
        Assert.Equal(5UL, system.Access(parent, Cpu0, pages, true, 6).Value);
        var copied = system.Snapshot().Mms.Single(m => m.Id == parent).PteAt(pages)!.Value;
        Assert.Equal((true, true, true), (copied.Writable, copied.Young, copied.Dirty));
        var untouched = new VirtAddr(pages.Value + Pfn.PageSize);
        Assert.Equal(0UL, system.Access(parent, Cpu0, untouched, false, 0).Value);
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void A_shmem_or_file_page_takes_a_frame_unless_it_is_already_cached(string side)
    {
        var system = ReclaimSides.Create(side, Machine);
        var mm = system.CreateMm().Value;
        var shmem = system.Mmap(mm, MapKind.Shmem, 0, 2).Value;
        var file = system.Mmap(mm, MapKind.File, 0, 2).Value;
        Assert.True(system.Access(mm, Cpu0, shmem, true, 1).IsOk);
        Assert.True(system.ReadFile(0, 0).IsOk);
        AtTheEdge(system, mm, new VirtAddr(shmem.Value + Pfn.PageSize), write: false, needed: 1);
        AtTheEdge(system, mm, new VirtAddr(file.Value + Pfn.PageSize), write: false, needed: 1);

        // With no frame free, a page already in the page cache still maps.
        Assert.Equal(0UL, system.Snapshot().Pages.FreePages);
        Assert.True(system.Access(mm, Cpu0, file, false, 0).IsOk);
    }
}
