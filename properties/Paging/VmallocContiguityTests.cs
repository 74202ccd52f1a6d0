using FsCheck;
using FsCheck.Fluent;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Impl.Slab;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Slab;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Paging;

/// <summary>
/// kmalloc memory is physically contiguous, vmalloc memory only virtually: on fragmented memory a large
/// kmalloc needs one free buddy block of its order, while vmalloc needs only enough free frames.
/// </summary>
public sealed class VmallocContiguityTests(ITestOutputHelper output)
{
    [Fact]
    public void On_fragmented_memory_vmalloc_succeeds_with_scattered_frames_where_kmalloc_fails()
    {
        var (paging, slab, mm) = Fragmented(PagingFormat.FourLevel, 64, i => i % 2 == 0);
        Assert.IsType<LargeKmallocOutOfMemory>(slab.Kmalloc(4 * Pfn.PageSize).Error);
        var area = paging.Vmalloc(4).Value;
        var frames = paging.Snapshot().Vmalloc.Single().Frames;
        Assert.Contains(frames.Zip(frames.Skip(1)), pair => pair.Second.Value != pair.First.Value + 1);
        for (var page = 0UL; page < 4; page++)
        {
            var at = new VirtAddr(area.Value + (page * Pfn.PageSize));
            Assert.Equal((byte)(page + 1),
                paging.Access(mm, at, Access.Write, Privilege.Supervisor, (byte)(page + 1)).Value);
        }
    }

    [Fact]
    public void Vmalloc_needs_free_frames_and_kmalloc_a_free_block_whatever_the_fragmentation() =>
        PropertyRunner.Check(output, Prop.ForAll(
            Arb.From(from format in Gen.Elements(PagingFormat.All.ToArray())
                     from frames in Gen.Choose(24, 96)
                     from density in Gen.Choose(0, 10)
                     from kept in Gen.ArrayOf(Gen.Choose(0, 9).Select(x => x < density), frames)
                     from pages in Gen.Choose(3, 8)
                     select (format, frames, kept, pages)),
            c =>
            {
                var (paging, slab, _) = Fragmented(c.format, (ulong)c.frames, i => c.kept[i]);
                var free = paging.Pages.Snapshot().Free;
                var order = KmallocSizes.LargeOrder((ulong)c.pages * Pfn.PageSize);
                var kmalloc = slab.Kmalloc((ulong)c.pages * Pfn.PageSize);
                var blockExists = free.Any(b => b.Order.Value >= order.Value);
                var needed = (ulong)c.pages + (ulong)(c.format.Depth - 2);
                var vmalloc = paging.Vmalloc((ulong)c.pages);
                var scattered = vmalloc.IsOk && paging.Snapshot().Vmalloc.Single().Frames is var frames
                    && frames.Zip(frames.Skip(1)).Any(p => p.Second.Value != p.First.Value + 1);
                return (kmalloc.IsOk == blockExists
                    && vmalloc.IsOk == (free.Sum(b => (long)b.Order.Pages)
                    - (blockExists && kmalloc.IsOk ? (long)order.Pages : 0) >= (long)needed))
                    .Label($"{c.format}, {c.frames} frames, {c.pages} pages: kmalloc {kmalloc}, block of order {order} "
                        + $"free: {blockExists}; vmalloc {vmalloc}, frames needed {needed}")
                    .Classify(scattered, "vmalloc area physically scattered")
                    .Classify(vmalloc.IsOk && !kmalloc.IsOk, "vmalloc succeeded where kmalloc failed")
                    .Classify(kmalloc.IsOk, "kmalloc found a block")
                    .Classify(!vmalloc.IsOk, "vmalloc out of frames");
            }), 200);

    /// <summary>A machine whose frames are all allocated, then those <paramref name="freed"/> picks given
    /// back.</summary>
    private static (PagingSystem Paging, SlabAllocator Slab, AsId Mm) Fragmented(PagingFormat format, ulong frames,
        Func<int, bool> freed)
    {
        var buddy = new BuddyAllocator(MemoryLayout.Flat(frames), Placement.LowestAddress);
        var paging = new PagingSystem(format, buddy);
        var mm = paging.CreateAddressSpace().Value;
        var taken = new List<Pfn>();
        while (buddy.AllocPages(new Order(0), ZoneType.Normal) is { IsOk: true } frame)
        {
            taken.Add(frame.Value);
        }

        foreach (var frame in taken.Where((_, i) => freed(i)))
        {
            Assert.True(buddy.FreePages(frame, new Order(0)).IsOk);
        }

        return (paging, new SlabAllocator(buddy), mm);
    }
}
