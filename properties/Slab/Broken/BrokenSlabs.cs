using MMSpec.Model.Buddy;
using MMSpec.Model.Slab;

namespace MMSpec.Properties.Slab.Broken;

/// <summary>__slab_free forgets the move to the empty list: a slab whose last object is freed stays on
/// partial.</summary>
public sealed class FreeToWrongList(IBuddyAllocator pages) : SlabModel(pages)
{
    protected override SlabList ListAfterFree(ModelSlab slab) => slab.InUse == 0 ? SlabList.Partial : slab.ListByInUse;
}

/// <summary>___slab_alloc skips get_partial: a new (or empty) slab while a partial one has room.</summary>
public sealed class NewSlabWhilePartialHasRoom(IBuddyAllocator pages) : SlabModel(pages)
{
    protected override ModelSlab? ChooseSlab(ModelCache cache) => cache.On(SlabList.Empty).FirstOrDefault();
}

/// <summary>kmalloc_slab with "&lt;" for "&lt;=" at the ends of the 96 and 192 classes: 96 goes to kmalloc-128, 192 to
/// kmalloc-256.</summary>
public sealed class KmallocOffByOne(IBuddyAllocator pages) : SlabModel(pages)
{
    protected override int KmallocIndex(ulong size) =>
        size is 96 or 192 ? base.KmallocIndex(size) + 1 : base.KmallocIndex(size);
}

/// <summary>The constructor runs on every allocation (the SLAB-era misunderstanding), wiping the state a user
/// left.</summary>
public sealed class ConstructorOnEveryAlloc(IBuddyAllocator pages) : SlabModel(pages)
{
    protected override bool ConstructsOnAllocation => true;
}

/// <summary>Freeing a free object succeeds silently (no SLUB debug checks): the double free goes unnoticed.</summary>
public sealed class DoubleFreeUndetected(IBuddyAllocator pages) : SlabModel(pages)
{
    protected override bool DetectsDoubleFree => false;
}

/// <summary>
/// kmalloc of a size that went through kmalloc_size_roundup first, which returned 0 above KMALLOC_MAX_SIZE: the
/// caller gets ZERO_SIZE_PTR, not NULL, and takes it for memory (commit 8446a4deb6b6 "slab: kmalloc_size_roundup()
/// must not return 0 for non-zero size", fixing 05a940656e1e). Caught after 9 cases at the seed by one of the
/// oversized requests the generator drew before issue 13; the size boundary target (SlabBoundaries.Sizes) adds
/// KMALLOC_MAX_SIZE + 1 byte exactly, so it earns that target no place and is kept as a real bug.
/// </summary>
public sealed class RoundupAboveMaxSizeToZero(IBuddyAllocator pages) : SlabModel(pages)
{
    protected override ulong Requested(ulong size) => size > KmallocSizes.MaxSize ? 0 : size;
}
