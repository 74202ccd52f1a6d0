using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using Xunit;
using Op = MMSpec.Model.Reclaim.ReclaimOp;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// The rmap walk's order, seen through swapoff: try_to_unmap visits the PTEs of a shared page in (address space,
/// page) order, each address space joining the head of the mmlist, and try_to_unuse reads pages back in the
/// mmlist's order. The implementation once removed an rmap entry by moving the last one into its place, so after a
/// copy-on-write its walk visited mm3 before mm2 and swapoff read the pages into other frames than the model.
/// Found by the exact reclaim property (seed 8787232789920379778,16636210360772309617), shrunk to this.
/// </summary>
public sealed class RmapOrderTests
{
    private static readonly CpuId Cpu = new(0);

    [Theory]
    [MemberData(nameof(ReclaimSides.All), MemberType = typeof(ReclaimSides))]
    public void Swapoff_reads_back_in_the_order_the_rmap_walk_put_address_spaces_on_the_mmlist(string side)
    {
        var system = ReclaimSides.Create(side, new ReclaimConfig(64, 1, 1, 35));
        var (parent, first, second) = (new AsId(1), new AsId(2), new AsId(3));
        Op[] setup =
        [
            new Op.CreateMm(), new Op.Mmap(parent, MapKind.FileExec, 0, 1), new Op.Mmap(parent, MapKind.Anon, 0, 1),
            new Op.Mmap(parent, MapKind.Anon, 0, 1), new Op.Mmap(parent, MapKind.Anon, 0, 23),
            Write(parent, 0x1a000, 0), Write(parent, 0x19000, 0), new Op.Munmap(parent, new VirtAddr(0x11000)),
            new Op.Mmap(parent, MapKind.File, 0, 31), new Op.Fork(parent), new Op.Fork(parent), new Op.CreateMm(),
            new Op.Mmap(first, MapKind.FileExec, 0, 5), Write(parent, 0x19000, 1), Write(first, 0x19000, 2),
            Write(parent, 0x1a000, 3), new Op.Swapon(17),
        ];
        Assert.All(setup, op => Assert.True(op.ApplyTo(system).IsOk, $"{op}"));
        Assert.Equal(2UL, system.TryToFreePages().Value);
        var swapped = system.Snapshot().Mms.Single(m => m.Id == second).Ptes;
        Assert.All(swapped, pte => Assert.NotNull(pte.Swap));

        Assert.True(system.Swapoff(new SwapType(0)).IsOk);

        // mm3 came on the mmlist last, so first off it: its page at 0x19000 takes the free order-0 frame 5, and the
        // page mm2 and mm3 share is read next, into frame 0 of the order-1 block split for it.
        var back = system.Snapshot().Mms.Single(m => m.Id == second).Ptes;
        Assert.Equal([new Pfn(5), new Pfn(0)], back.Select(p => p.Frame!.Value));
        Assert.Equal(new Pfn(0), system.Snapshot().Mms.Single(m => m.Id == first).Ptes[1].Frame);
    }

    private static Op.Access Write(AsId mm, ulong addr, ulong value) => new(mm, Cpu, new VirtAddr(addr), true, value);
}
