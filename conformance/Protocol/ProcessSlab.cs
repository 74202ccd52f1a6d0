using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;

namespace MMSpec.Conformance.Protocol;

/// <summary>
/// A slab allocator that is a process speaking the protocol (docs/protocol.md, "Slab requests"): each call one
/// request line (the <see cref="SlabOp"/> records in their JSON form), each snapshot one too, the whole state or, with
/// the capability <see cref="ProcessBuddy.SnapshotRange"/>, the caches and frames a step touched. Made fresh for each
/// case by a reset over its layout: the process starts a slab allocator, with its kmalloc caches, on a fresh buddy
/// allocator over the layout.
/// </summary>
public sealed class ProcessSlab : ISlabAllocator
{
    private readonly ProtocolSession _session;
    private readonly bool _ranges;

    public ProcessSlab(ProtocolSession session, MemoryLayout layout)
    {
        _session = session;
        _ranges = session.Capabilities.Contains(ProcessBuddy.SnapshotRange);
        Pages = new SnapshotPages(layout, () => Snapshot().Pages, session);
        session.Reset(layout);
    }

    /// <summary>The process's page allocator, seen through the slab snapshot's blocks.</summary>
    public IBuddyAllocator Pages { get; }

    public Result<CacheId> KmemCacheCreate(string name, ulong size, ulong align, CacheCtor? ctor) =>
        Call<CacheId>(new KmemCacheCreate(name, size, align, ctor));

    public Result<VirtAddr> KmemCacheAlloc(CacheId cache) => Call<VirtAddr>(new KmemCacheAlloc(cache));

    public Result<Unit> KmemCacheFree(CacheId cache, VirtAddr obj) => Call<Unit>(new KmemCacheFree(cache, obj));

    public Result<Unit> KmemCacheShrink(CacheId cache) => Call<Unit>(new KmemCacheShrink(cache));

    public Result<Unit> KmemCacheDestroy(CacheId cache) => Call<Unit>(new KmemCacheDestroy(cache));

    public Result<VirtAddr> Kmalloc(ulong size) => Call<VirtAddr>(new Kmalloc(size));

    public Result<Unit> Kfree(VirtAddr addr) => Call<Unit>(new Kfree(addr));

    public Result<ulong> Ksize(VirtAddr addr) => Call<ulong>(new Ksize(addr));

    public Result<ulong> ReadWord(VirtAddr obj) => Call<ulong>(new ReadWord(obj));

    public Result<Unit> WriteWord(VirtAddr obj, ulong value) => Call<Unit>(new WriteWord(obj, value));

    public SlabSnapshot Snapshot() => _session.Value<SlabSnapshot>(ProtocolSession.SnapshotRequest);

    public SlabSnapshot SnapshotOf(IReadOnlyCollection<CacheId> caches, PfnRange frames) =>
        _ranges
            ? _session.Value<SlabSnapshot>(MmJson.Serialize(new SlabSnapshotRequest("snapshot", [.. caches], frames)))
            : Snapshot().Within(caches, frames);

    private Result<T> Call<T>(SlabOp op) => _session.Call<T>(MmJson.Serialize(op));
}

/// <summary>
/// A slab snapshot of the caches <see cref="Caches"/> and the slabs, large kmallocs and buddy blocks that start in
/// <see cref="Frames"/> (the capability "snapshot_range").
/// </summary>
public sealed record SlabSnapshotRequest(string Op, IReadOnlyList<CacheId> Caches, PfnRange Frames);
