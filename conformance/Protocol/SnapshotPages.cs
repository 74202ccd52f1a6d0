using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Conformance.Protocol;

/// <summary>
/// The page allocator under a process's slab allocator or paging system: its blocks are those of the component's
/// snapshot; a call on it is the buddy request of the same name, sent to the process (the slab and paging checks
/// make none).
/// </summary>
internal sealed class SnapshotPages(MemoryLayout layout, Func<BuddySnapshot> snapshot, ProtocolSession session)
    : IBuddyAllocator
{
    public MemoryLayout Layout { get; } = layout;

    public Result<Pfn> AllocPages(Order order, ZoneType highestZone) =>
        session.Call<Pfn>(MmJson.Serialize<BuddyOp>(new AllocPages(order, highestZone)));

    public Result<Unit> FreePages(Pfn pfn, Order order) =>
        session.Call<Unit>(MmJson.Serialize<BuddyOp>(new FreePages(pfn, order)));

    public BuddySnapshot Snapshot() => snapshot();
}
