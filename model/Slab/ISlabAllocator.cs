using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Slab;

/// <summary>
/// The object allocator contract (mm/slub.c, mm/slab_common.c): caches of equal-sized objects on slabs taken
/// from a buddy allocator, and kmalloc on top. Objects are direct-map addresses. Bad input returns a typed error
/// and changes nothing. Every object has one word of contents, which the constructor sets when its slab is
/// created (0 without one) and which only a user's write changes: a freed object keeps it for the next user.
/// The slab layer owns its buddy allocator: every allocated block is a slab or a large kmalloc.
/// </summary>
public interface ISlabAllocator
{
    /// <summary>The buddy allocator slabs and large kmallocs come from.</summary>
    IBuddyAllocator Pages { get; }

    Result<CacheId> KmemCacheCreate(string name, ulong size, ulong align, CacheCtor? ctor);

    /// <summary>
    /// A free object: from a partial slab, else an empty slab, else a new slab from the buddy allocator.
    /// </summary>
    Result<VirtAddr> KmemCacheAlloc(CacheId cache);

    Result<Unit> KmemCacheFree(CacheId cache, VirtAddr obj);

    /// <summary>Gives every empty slab of the cache back to the buddy allocator.</summary>
    Result<Unit> KmemCacheShrink(CacheId cache);

    /// <summary>Frees the cache's slabs and the cache; fails while it has live objects.</summary>
    Result<Unit> KmemCacheDestroy(CacheId cache);

    /// <summary>ZERO_SIZE_PTR for 0, a kmalloc cache object up to 8 KiB, buddy pages up to 4 MiB.</summary>
    Result<VirtAddr> Kmalloc(ulong size);

    /// <summary>Frees a slab object (of any cache) or a large kmalloc, found from the address (virt_to_slab).</summary>
    Result<Unit> Kfree(VirtAddr addr);

    /// <summary>
    /// The usable size of a live object: its cache's slot size, or the whole block of a large kmalloc.
    /// </summary>
    Result<ulong> Ksize(VirtAddr addr);

    /// <summary>The first word of a live slab object.</summary>
    Result<ulong> ReadWord(VirtAddr obj);

    Result<Unit> WriteWord(VirtAddr obj, ulong value);

    /// <summary>
    /// Caches, slabs, large kmallocs and the buddy allocator's blocks, canonical, for comparison and /proc/slabinfo.
    /// </summary>
    SlabSnapshot Snapshot();

    /// <summary>
    /// The named caches, the caches with a slab that starts in <paramref name="frames"/>, and the large kmallocs and
    /// buddy blocks that start there (<see cref="SlabSnapshot.Within"/>): what the lockstep's incremental check
    /// compares after a step that used those caches and addressed those frames. The default filters
    /// <see cref="Snapshot"/>; an allocator with per-frame metadata answers without walking every cache.
    /// </summary>
    SlabSnapshot SnapshotOf(IReadOnlyCollection<CacheId> caches, PfnRange frames) => Snapshot().Within(caches, frames);
}
