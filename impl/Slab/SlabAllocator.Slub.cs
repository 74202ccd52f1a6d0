using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;

namespace MMSpec.Impl.Slab;

/// <summary>
/// The slabs themselves (mm/slub.c): ___slab_alloc, __slab_free, new_slab, discard_slab, and virt_to_slab.
/// </summary>
public sealed partial class SlabAllocator
{
    /// <summary>
    /// ___slab_alloc: the first partial slab, else the first empty one, else new_slab; then pop its freelist.
    /// </summary>
    private Result<VirtAddr> SlabAlloc(KmemCache cache)
    {
        var slab = cache.Head(SlabList.Partial) ?? cache.Head(SlabList.Empty) ?? NewSlab(cache);
        if (slab is null)
        {
            return new SlabOutOfMemory(cache.Name, cache.Geometry.Order);
        }

        var index = slab.FreeHead;
        slab.FreeHead = slab.FreeNext[index];
        slab.FreeNext[index] = SlabDescriptor.Allocated;
        slab.InUse++;
        cache.InUse++;
        cache.Move(slab, slab.InUse == cache.Geometry.ObjectsPerSlab ? SlabList.Full : SlabList.Partial);
        return DirectMap.Of(new Pfn((ulong)slab.Pfn), cache.Geometry.OffsetOf(index));
    }

    /// <summary>
    /// __slab_free: push on the slab's freelist; full -> partial, and to empty when nothing is left in use.
    /// </summary>
    private static Result<Unit> SlabFree(VirtAddr obj, SlabDescriptor slab, int index)
    {
        if (slab.FreeNext[index] != SlabDescriptor.Allocated)
        {
            return new ObjectAlreadyFree(obj, slab.Cache.Name);
        }

        slab.FreeNext[index] = slab.FreeHead;
        slab.FreeHead = index;
        slab.InUse--;
        slab.Cache.InUse--;
        slab.Cache.Move(slab, slab.InUse == 0 ? SlabList.Empty : SlabList.Partial);
        return Unit.Value;
    }

    /// <summary>
    /// new_slab / allocate_slab: pages from the buddy allocator, every frame pointing at the slab, objects constructed.
    /// </summary>
    private SlabDescriptor? NewSlab(KmemCache cache)
    {
        var pages = Pages.AllocPages(cache.Geometry.Order, ZoneType.Normal);
        if (!pages.IsOk)
        {
            return null;
        }

        var slab = cache.Descriptor();
        var pfn = (int)pages.Value.Value;
        slab.Init(pfn);
        Array.Fill(_slabOf, slab, pfn, 1 << cache.Geometry.Order.Value);
        if (cache.Ctor is not null)
        {
            cache.CtorCalls += cache.Geometry.ObjectsPerSlab;
        }

        return slab;
    }

    /// <summary>
    /// discard_slab: unlink, clear the frames' slab pointers, give the block back, keep the descriptor.
    /// </summary>
    private void DiscardSlab(SlabDescriptor slab)
    {
        slab.Cache.Unlink(slab);
        Array.Fill(_slabOf, null, slab.Pfn, 1 << slab.Order.Value);
        GiveBack(slab.Pfn, slab.Order);
        slab.Cache.Retire(slab);
    }

    /// <summary>
    /// virt_to_slab, made total: (slab, object index) for a slab object, (null, 0, head) for a large kmalloc.
    /// </summary>
    private Result<(SlabDescriptor? Slab, int Index, int Pfn)> VirtToSlab(VirtAddr addr)
    {
        if (!DirectMap.TryPfn(addr, Pages.Layout.FrameCount, out var frame, out _))
        {
            return new AddressOutsideDirectMap(addr);
        }

        var pfn = (int)frame.Value;
        if (_slabOf[pfn] is { } slab)
        {
            var offset = addr.Value - DirectMap.Of(new Pfn((ulong)slab.Pfn)).Value;
            var size = slab.Cache.Geometry.Size;
            return offset % size != 0 || offset / size >= (ulong)slab.FreeNext.Length
                ? new NotObjectStart(addr, slab.Cache.Name)
                : (slab, (int)(offset / size), slab.Pfn);
        }

        var head = _largeHead[pfn];
        if (head == NoLarge)
        {
            return new NotSlabPage(addr, frame);
        }

        return addr == DirectMap.Of(new Pfn((ulong)head)) ? (null, 0, head) : new NotObjectStart(addr, "large kmalloc");
    }

    private Result<(SlabDescriptor? Slab, int Index, int Pfn)> LiveObject(VirtAddr addr)
    {
        var place = VirtToSlab(addr);
        return place.IsOk && place.Value.Slab is { } slab
            && slab.FreeNext[place.Value.Index] != SlabDescriptor.Allocated
            ? new ObjectAlreadyFree(addr, slab.Cache.Name)
            : place;
    }
}
