using MMSpec.Model.Core;

namespace MMSpec.Model.Buddy;

/// <summary>
/// The buddy allocator contract (mm/page_alloc.c). Bad input returns a typed error and changes nothing.
/// </summary>
public interface IBuddyAllocator
{
    MemoryLayout Layout { get; }

    /// <summary>
    /// A free block of 2^order pages from the highest allowed zone that has one, falling back downwards.
    /// </summary>
    Result<Pfn> AllocPages(Order order, ZoneType highestZone);

    /// <summary>Gives back a block exactly as it was allocated, merging it with free buddies.</summary>
    Result<Unit> FreePages(Pfn pfn, Order order);

    /// <summary>The free and allocated blocks, canonical (sorted), for comparison and for /proc/buddyinfo.</summary>
    BuddySnapshot Snapshot();

    /// <summary>
    /// The free and allocated blocks that start in <paramref name="frames"/>, canonical: what the lockstep's
    /// incremental check compares after a step that may only have changed those frames. The default filters
    /// <see cref="Snapshot"/>; an allocator with per-frame metadata answers without walking all of memory.
    /// </summary>
    BuddySnapshot SnapshotOf(PfnRange frames) => Snapshot().Within(frames);
}
