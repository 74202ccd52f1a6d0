using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Slab;

/// <summary>
/// The slabs themselves (mm/slub.c): choosing a slab (___slab_alloc), a new slab and its constructed objects
/// (allocate_slab), taking and freeing an object (__slab_free), discarding a slab; and the protected virtual
/// rules a broken variant changes.
/// </summary>
public partial class SlabModel
{
    /// <summary>
    /// Whether the constructor runs on every allocation instead of once per object when its slab is created.
    /// </summary>
    protected virtual bool ConstructsOnAllocation => false;

    /// <summary>Whether freeing a free object is refused.</summary>
    protected virtual bool DetectsDoubleFree => true;

    /// <summary>
    /// get_partial, then an empty slab; null means allocate a new one. The default takes the lowest address.
    /// </summary>
    protected virtual ModelSlab? ChooseSlab(ModelCache cache) =>
        cache.On(SlabList.Partial).FirstOrDefault() ?? cache.On(SlabList.Empty).FirstOrDefault();

    /// <summary>__slab_free: the list a slab moves to once an object is back (full -> partial -> empty).</summary>
    protected virtual SlabList ListAfterFree(ModelSlab slab) => slab.ListByInUse;

    /// <summary>___slab_alloc: an object of the chosen slab, or of a new slab from the buddy allocator.</summary>
    private Result<VirtAddr> Allocate(ModelCache cache)
    {
        var slab = ChooseSlab(cache);
        if (slab is null)
        {
            var pages = Pages.AllocPages(cache.Geometry.Order, ZoneType.Normal);
            if (!pages.IsOk)
            {
                return new SlabOutOfMemory(cache.Name, cache.Geometry.Order);
            }

            slab = NewSlab(cache, pages.Value);
        }

        return Take(cache, slab, slab.Free.Min);
    }

    /// <summary>allocate_slab: every object constructed once, here (setup_object).</summary>
    private static ModelSlab NewSlab(ModelCache cache, Pfn pfn)
    {
        var slab = new ModelSlab(pfn, cache.Geometry.Order, cache.Geometry.ObjectsPerSlab, cache.Ctor?.Pattern ?? 0);
        if (cache.Ctor is not null)
        {
            cache.CtorCalls += slab.Objects;
        }

        cache.Slabs.Add(pfn, slab);
        return slab;
    }

    private VirtAddr Take(ModelCache cache, ModelSlab slab, int index)
    {
        slab.Free.Remove(index);
        if (ConstructsOnAllocation && cache.Ctor is { } ctor)
        {
            cache.CtorCalls++;
            slab.Words[index] = ctor.Pattern;
        }

        slab.List = slab.ListByInUse;
        return DirectMap.Of(slab.Pfn, cache.Geometry.OffsetOf(index));
    }

    private Result<Unit> FreeObject(VirtAddr obj, ModelCache cache, ModelSlab slab, int index)
    {
        if (DetectsDoubleFree && slab.Free.Contains(index))
        {
            return new ObjectAlreadyFree(obj, cache.Name);
        }

        slab.Free.Add(index);
        slab.List = ListAfterFree(slab);
        return Unit.Value;
    }

    /// <summary>discard_slab: the slab's block goes back to the buddy allocator.</summary>
    private void DiscardSlab(ModelCache cache, ModelSlab slab)
    {
        GiveBack(slab.Pfn, slab.Order);
        cache.Slabs.Remove(slab.Pfn);
    }
}
