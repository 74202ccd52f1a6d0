using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Conformance.Protocol;

/// <summary>
/// A buddy allocator that is a process speaking the protocol (docs/protocol.md, "Buddy requests"): each call one
/// request line, each snapshot one too. Made fresh for each case by a reset over its layout, so one process serves
/// a whole campaign.
/// </summary>
public sealed class ProcessBuddy : IBuddyAllocator
{
    private readonly ProtocolSession _session;

    public ProcessBuddy(ProtocolSession session, MemoryLayout layout)
    {
        _session = session;
        Layout = layout;
        session.Reset(layout);
    }

    public MemoryLayout Layout { get; }

    public Result<Pfn> AllocPages(Order order, ZoneType highestZone) =>
        _session.Call<Pfn>(MmJson.Serialize<BuddyOp>(new AllocPages(order, highestZone)));

    public Result<Unit> FreePages(Pfn pfn, Order order) =>
        _session.Call<Unit>(MmJson.Serialize<BuddyOp>(new FreePages(pfn, order)));

    public BuddySnapshot Snapshot() => _session.Value<BuddySnapshot>(ProtocolSession.SnapshotRequest);
}
