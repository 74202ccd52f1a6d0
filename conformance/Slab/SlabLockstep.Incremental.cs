using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;

namespace MMSpec.Conformance.Slab;

/// <summary>
/// The incremental check: which caches and frames a step names (its focus), the frames around an object or a
/// new allocation, and the comparison of that part of both sides' state.
/// </summary>
public sealed partial class SlabLockstep
{
    /// <summary>
    /// The incremental check's comparison: the same part of the model's state. Its invariants need no pass of their
    /// own: the implementation's part passed them, and a different part is flagged here.
    /// </summary>
    private Violation? CheckFocus(SlabSnapshot actual, Focus focus)
    {
        var expected = model.SnapshotOf(focus.Caches, focus.Frames);
        return !actual.SameAs(expected) && actual.DiffFrom(expected) is { } diff
            ? new Violation(SlabRules.SnapshotsEqual, $"implementation vs model in {focus.Frames}: {diff}")
            : null;
    }

    /// <summary>
    /// What a step that gets the incremental check names: its cache (an allocation's kmalloc cache by size) and the
    /// frames of the object whose address it passes. Null for the steps that always get the full check.
    /// </summary>
    private Focus? FocusOf(SlabOp op) => op switch
    {
        KmemCacheAlloc a => new Focus([a.Cache], NoFrames),
        Kmalloc { Size: > 0 and <= KmallocSizes.MaxCacheSize } k =>
            new Focus([new CacheId(KmallocSizes.IndexOf(k.Size))], NoFrames),
        Kmalloc => new Focus([], NoFrames),
        KmemCacheFree f => new Focus([f.Cache], FramesAround(f.Obj)),
        Kfree f => new Focus([], FramesAround(f.Addr)),
        Ksize k => new Focus([], FramesAround(k.Addr)),
        ReadWord r => new Focus([], FramesAround(r.Obj)),
        WriteWord w => new Focus([], FramesAround(w.Obj)),
        _ => null,
    };

    /// <summary>The block of the live object an address lies in, else its page; none outside the direct map.</summary>
    private PfnRange FramesAround(VirtAddr addr)
    {
        if (!DirectMap.TryPfn(addr, impl.Pages.Layout.FrameCount, out var pfn, out _))
        {
            return NoFrames;
        }

        var block = _objects.Live.FirstOrDefault(o => o.Block.Contains(pfn))?.Block ?? new Block(pfn, new Order(0));
        return new PfnRange(block.Pfn, new Pfn(block.End));
    }

    /// <summary>
    /// The block an allocated object lies in: a large kmalloc's, or a slab of the cache's order (MAX_PAGE_ORDER for a
    /// cache the run has not seen yet), aligned as the buddy allocator aligns it.
    /// </summary>
    private PfnRange AllocatedFrames(SlabOp op, Focus focus, VirtAddr addr)
    {
        var frameCount = impl.Pages.Layout.FrameCount;
        if (!DirectMap.TryPfn(addr, frameCount, out var pfn, out _))
        {
            return NoFrames;
        }

        var order = op is Kmalloc { Size: > KmallocSizes.MaxCacheSize } large ? KmallocSizes.LargeOrder(large.Size)
            : focus.Caches is [var cache] && _known.TryGetValue(cache, out var known) ? known.SlabOrder
            : new Order(Order.Max);
        var start = pfn.Value & ~(order.Pages - 1);
        return new PfnRange(new Pfn(start), new Pfn(Math.Min(start + order.Pages, frameCount)));
    }

    /// <summary>The caches a step names and the frames it addresses, as SnapshotOf takes them.</summary>
    private readonly record struct Focus(CacheId[] Caches, PfnRange Frames);
}
