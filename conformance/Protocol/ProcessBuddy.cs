using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Conformance.Protocol;

/// <summary>
/// A buddy allocator that is a process speaking the protocol (docs/protocol.md, "Buddy requests"): each call one
/// request line, each snapshot one too. Made fresh for each case by a reset over its layout, so one process serves
/// a whole campaign. A process with the capability <see cref="SnapshotRange"/> answers the incremental check's
/// snapshots of a frame range with those blocks only.
/// </summary>
public sealed class ProcessBuddy : IBuddyAllocator
{
    /// <summary>The capability of a snapshot request limited to the blocks that start in a frame range.</summary>
    public const string SnapshotRange = "snapshot_range";

    private readonly ProtocolSession _session;
    private readonly bool _ranges;

    public ProcessBuddy(ProtocolSession session, MemoryLayout layout)
    {
        _session = session;
        _ranges = session.Capabilities.Contains(SnapshotRange);
        Layout = layout;
        session.Reset(layout);
    }

    public MemoryLayout Layout { get; }

    public Result<Pfn> AllocPages(Order order, ZoneType highestZone) =>
        _session.Call<Pfn>(MmJson.Serialize<BuddyOp>(new AllocPages(order, highestZone)));

    public Result<Unit> FreePages(Pfn pfn, Order order) =>
        _session.Call<Unit>(MmJson.Serialize<BuddyOp>(new FreePages(pfn, order)));

    public BuddySnapshot Snapshot() => _session.Value<BuddySnapshot>(ProtocolSession.SnapshotRequest);

    public BuddySnapshot SnapshotOf(PfnRange frames) =>
        _ranges
            ? _session.Value<BuddySnapshot>(MmJson.Serialize(new SnapshotRangeRequest("snapshot", frames)))
            : Snapshot().Within(frames);
}

/// <summary>A snapshot of the blocks that start in <see cref="Frames"/> (the capability "snapshot_range").</summary>
public sealed record SnapshotRangeRequest(string Op, PfnRange Frames);
