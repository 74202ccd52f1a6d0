using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// Bad input the generators do not make, on both sides: a machine outside the limits is refused when it is made; a
/// mapping, a call on an exited address space, a 33rd swap area, a swap entry naming the header or a slot past the
/// end, and a swapoff with too few free frames each return their typed error and change nothing.
/// </summary>
public sealed class ReclaimErrorTests
{
    private static readonly ReclaimConfig Machine = new(256, 2, 2, 16);

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void A_machine_outside_the_limits_is_refused(string side)
    {
        ReclaimConfig[] bad =
        [
            Machine with { Frames = 0 }, Machine with { Frames = (1UL << 20) + 1 }, Machine with { Cpus = 0 },
            Machine with { Cpus = ReclaimConfig.MaxCpus + 1 }, Machine with { Files = -1 },
            Machine with { FilePages = 0 }, Machine with { FilePages = (ulong)(long.MaxValue / 2) + 1 },
        ];
        Assert.All(bad, config =>
            Assert.Throws<ArgumentOutOfRangeException>(() => ReclaimSides.Create(side, config)));
        var largest = Machine with { Frames = 1UL << 20, Cpus = ReclaimConfig.MaxCpus };
        Assert.Equal(1UL << 20, ReclaimSides.Create(side, largest).Snapshot().Pages.FreePages);
        var noFiles = Machine with { Files = 0, FilePages = 0 };
        Assert.Equal(Machine.Frames, ReclaimSides.Create(side, noFiles).Snapshot().Pages.FreePages);
        var mostFilePages = Machine with { Files = 2, FilePages = (ulong)(long.MaxValue / 2) };
        Assert.Equal(Machine.Frames, ReclaimSides.Create(side, mostFilePages).Snapshot().Pages.FreePages);
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void A_mapping_that_cannot_be_made_returns_its_error_and_changes_nothing(string side)
    {
        var system = ReclaimSides.Create(side, Machine);
        var mm = system.CreateMm().Value;
        var before = system.Snapshot();
        var empty = Assert.IsType<InvalidRange>(system.Mmap(mm, MapKind.Anon, 0, 0).Error);
        Assert.IsType<InvalidRange>(system.Mmap(mm, MapKind.Anon, 0, ReclaimModel.MaxMappingPages + 1).Error);
        Assert.Equal(new NoSuchFilePage(-1, 0), system.Mmap(mm, MapKind.File, -1, 1).Error);
        Assert.Equal(new NoSuchFilePage(2, 0), system.Mmap(mm, MapKind.FileExec, 2, 1).Error);
        Assert.Equal(new NoSuchFilePage(1, 16), system.Mmap(mm, MapKind.File, 1, 17).Error);
        Assert.True(system.Snapshot().SameAs(before), system.Snapshot().DiffFrom(before));
        Assert.Equal(new InvalidRange(system.Mmap(mm, MapKind.File, 1, 16).Value, 0,
            $"a mapping has 1..{ReclaimModel.MaxMappingPages} pages"), empty);
        Assert.True(system.Mmap(mm, MapKind.Anon, 0, ReclaimModel.MaxMappingPages).IsOk, "the longest mapping");
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Calls_at_an_address_no_mapping_covers_are_not_mapped_and_change_nothing(string side)
    {
        var system = ReclaimSides.Create(side, Machine);
        var mm = system.CreateMm().Value;
        var start = system.Mmap(mm, MapKind.Anon, 0, 4).Value;
        Assert.True(system.Access(mm, new CpuId(0), start, true, 7).IsOk);
        var past = new VirtAddr(start.Value + (4 * Pfn.PageSize));
        var inside = new VirtAddr(start.Value + 8);
        var before = system.Snapshot();
        Assert.Equal(new NotMapped(mm, past), system.Pin(mm, past).Error);
        Assert.Equal(new NotMapped(mm, past), system.Unpin(mm, past).Error);
        Assert.Equal(new NotMapped(mm, past), system.PageOut(mm, past).Error);
        Assert.Equal(new NotMapped(mm, past), system.Munmap(mm, past).Error);
        Assert.Equal(new NotMapped(mm, inside), system.Munmap(mm, inside).Error);
        Assert.True(system.Snapshot().SameAs(before), system.Snapshot().DiffFrom(before));
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Paging_out_a_pinned_page_or_forking_more_pinned_pages_than_frames_free_fails_and_changes_nothing(
        string side)
    {
        var system = ReclaimSides.Create(side, Machine);
        var mm = system.CreateMm().Value;
        var start = system.Mmap(mm, MapKind.Anon, 0, 200).Value;
        for (var page = 0UL; page < 200; page++)
        {
            Assert.True(system.Pin(mm, new VirtAddr(start.Value + (page * Pfn.PageSize))).IsOk);
        }

        // copy_present_page: a pinned anonymous page is copied for the child at fork, so 200 pinned pages need 200
        // free frames where 56 are left.
        var before = system.Snapshot();
        Assert.Equal(new NotReclaimable(mm, start, "pinned"), system.PageOut(mm, start).Error);
        Assert.Equal(new ReclaimOutOfMemory(200, 56), system.Fork(mm).Error);
        Assert.True(system.Snapshot().SameAs(before), system.Snapshot().DiffFrom(before));
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void A_call_on_an_address_space_that_exited_returns_unknown_address_space(string side)
    {
        var system = ReclaimSides.Create(side, Machine);
        var mm = system.CreateMm().Value;
        var start = system.Mmap(mm, MapKind.Anon, 0, 4).Value;
        Assert.True(system.ExitMm(mm).IsOk);
        var before = system.Snapshot();
        var gone = new UnknownAddressSpace(mm);
        Assert.Equal(gone, system.ExitMm(mm).Error);
        Assert.Equal(gone, system.Fork(mm).Error);
        Assert.Equal(gone, system.Mmap(mm, MapKind.Anon, 0, 1).Error);
        Assert.Equal(gone, system.Munmap(mm, start).Error);
        Assert.Equal(gone, system.Pin(mm, start).Error);
        Assert.Equal(gone, system.Unpin(mm, start).Error);
        Assert.Equal(gone, system.PageOut(mm, start).Error);
        Assert.Equal(gone, system.Access(mm, new CpuId(0), start, true, 1).Error);
        Assert.True(system.Snapshot().SameAs(before), system.Snapshot().DiffFrom(before));
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Swap_areas_past_the_limit_and_bad_swap_entries_return_their_errors_and_change_nothing(string side)
    {
        var system = ReclaimSides.Create(side, Machine);
        var types = Enumerable.Range(0, SwapType.Max).Select(_ => system.Swapon(2, null).Value).ToList();
        var before = system.Snapshot();
        Assert.Equal(new TooManySwapAreas(SwapType.Max), system.Swapon(2, null).Error);
        var header = new SwapEntry(types[0], 0);
        Assert.Equal(new BadSwapEntry(header, "the header"), system.ReadSwapSlot(header).Error);
        var past = new SwapEntry(types[0], 2);
        Assert.Equal(new BadSwapEntry(past, "past the end"), system.ReadSwapSlot(past).Error);
        Assert.True(system.Snapshot().SameAs(before), system.Snapshot().DiffFrom(before));
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Swapoff_with_fewer_free_frames_than_slots_to_read_is_busy_and_changes_nothing(string side)
    {
        var system = ReclaimSides.Create(side, Machine);
        var type = system.Swapon(64, null).Value;
        var mm = system.CreateMm().Value;
        var start = system.Mmap(mm, MapKind.Anon, 0, 20).Value;
        for (var page = 0UL; page < 20; page++)
        {
            var addr = new VirtAddr(start.Value + (page * Pfn.PageSize));
            Assert.True(system.Access(mm, new CpuId(0), addr, true, page + 1).IsOk);
            Assert.Equal(1UL, system.PageOut(mm, addr).Value);
        }

        // A fork shares every slot; the parent's reads bring two pages back through the swap cache (the first to
        // pfn 0), whose slots swapoff need not read.
        Assert.True(system.Fork(mm).IsOk);
        Assert.Equal(1UL, system.Access(mm, new CpuId(0), start, false, 0).Value);
        Assert.Equal(2UL, system.Access(mm, new CpuId(0), new VirtAddr(start.Value + Pfn.PageSize), false, 0).Value);
        Assert.Contains(system.Snapshot().Folios, f => f.Pfn == new Pfn(0) && f.Flags.HasFlag(FolioFlags.SwapCache));
        ReclaimSides.TakeEveryFreeFrame(system, Machine);

        var before = system.Snapshot();
        Assert.Equal(new SwapAreaBusy(type, 18, before.Pages.FreePages), system.Swapoff(type).Error);
        Assert.True(system.Snapshot().SameAs(before), system.Snapshot().DiffFrom(before));
    }

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Kernel_frees_and_compactions_the_machine_cannot_do_return_their_errors_and_change_nothing(string side)
    {
        var system = ReclaimSides.Create(side, Machine);
        var pair = system.KernelAlloc(new Order(1)).Value;
        var before = system.Snapshot();
        Assert.Throws<ArgumentNullException>(() => ReclaimSides.Create(side, null!));
        foreach (var pfn in new[] { new Pfn(Machine.Frames), new Pfn(Machine.Frames - 1), new Pfn(pair.Value + 1) })
        {
            Assert.Equal(new NotKernelPage(pfn), system.KernelFree(pfn).Error);
        }

        Assert.Equal(new InvalidCompactOrder(-1), system.Compact(ZoneType.Normal, -1).Error);
        Assert.Equal(new InvalidCompactOrder(Order.Max + 1), system.Compact(ZoneType.Normal, Order.Max + 1).Error);
        Assert.Equal(new NoSuchZone(ZoneType.Dma), system.Compact(ZoneType.Dma, 0).Error);
        Assert.True(system.Snapshot().SameAs(before), system.Snapshot().DiffFrom(before));
        Assert.True(system.Compact(ZoneType.Normal, Order.Max).IsOk, "compaction for the largest order runs");
        Assert.True(system.KernelFree(pair).IsOk);
    }
}
