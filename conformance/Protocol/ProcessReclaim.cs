using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;

namespace MMSpec.Conformance.Protocol;

/// <summary>
/// A reclaim system that is a process speaking the protocol (docs/protocol.md, "Reclaim requests"): each call one
/// request line (the <see cref="ReclaimOp"/> records in their JSON form), each snapshot one too, the whole state.
/// Made fresh for each case by a reset over its machine: the process starts an empty reclaim system of that many
/// frames, CPUs and files, every frame free, no swap, swappiness 60.
/// </summary>
public sealed class ProcessReclaim : IReclaimSystem
{
    private readonly ProtocolSession _session;

    public ProcessReclaim(ProtocolSession session, ReclaimConfig config)
    {
        _session = session;
        Config = config;
        session.Value<Unit>(MmJson.Serialize(new ReclaimResetRequest("reset", config)));
    }

    public ReclaimConfig Config { get; }

    public Result<AsId> CreateMm() => Call<AsId>(new ReclaimOp.CreateMm());

    public Result<AsId> Fork(AsId parent) => Call<AsId>(new ReclaimOp.Fork(parent));

    public Result<Unit> ExitMm(AsId mm) => Call<Unit>(new ReclaimOp.ExitMm(mm));

    public Result<VirtAddr> Mmap(AsId mm, MapKind kind, int file, ulong pages) =>
        Call<VirtAddr>(new ReclaimOp.Mmap(mm, kind, file, pages));

    public Result<Unit> Munmap(AsId mm, VirtAddr start) => Call<Unit>(new ReclaimOp.Munmap(mm, start));

    public Result<ulong> Access(AsId mm, CpuId cpu, VirtAddr addr, bool write, ulong value) =>
        Call<ulong>(new ReclaimOp.Access(mm, cpu, addr, write, value));

    public Result<ulong> ReadFile(int file, ulong pgoff) => Call<ulong>(new ReclaimOp.ReadFile(file, pgoff));

    public Result<Unit> WriteFile(int file, ulong pgoff, ulong value) =>
        Call<Unit>(new ReclaimOp.WriteFile(file, pgoff, value));

    public Result<Unit> Pin(AsId mm, VirtAddr addr) => Call<Unit>(new ReclaimOp.Pin(mm, addr));

    public Result<Unit> Unpin(AsId mm, VirtAddr addr) => Call<Unit>(new ReclaimOp.Unpin(mm, addr));

    public Result<Unit> SetSwappiness(int value) => Call<Unit>(new ReclaimOp.SetSwappiness(value));

    public Result<SwapType> Swapon(ulong slots, int? priority) =>
        Call<SwapType>(new ReclaimOp.Swapon(slots, priority));

    public Result<Unit> Swapoff(SwapType type) => Call<Unit>(new ReclaimOp.Swapoff(type));

    public Result<ulong> TryToFreePages() => Call<ulong>(new ReclaimOp.TryToFreePages());

    public Result<ulong> PageOut(AsId mm, VirtAddr addr) => Call<ulong>(new ReclaimOp.PageOut(mm, addr));

    public Result<ulong> StartWriteback() => Call<ulong>(new ReclaimOp.StartWriteback());

    public Result<ulong> EndWriteback() => Call<ulong>(new ReclaimOp.EndWriteback());

    public Result<CompactionRun> Compact(ZoneType zone, int order) =>
        Call<CompactionRun>(new ReclaimOp.Compact(zone, order));

    public Result<Pfn> KernelAlloc(Order order) => Call<Pfn>(new ReclaimOp.KernelAlloc(order));

    public Result<Unit> KernelFree(Pfn pfn) => Call<Unit>(new ReclaimOp.KernelFree(pfn));

    public Result<SwapSlot> ReadSwapSlot(SwapEntry entry) => Call<SwapSlot>(new ReclaimOp.ReadSwapSlot(entry));

    public Result<Unit> SetWatermark(ulong pages) => Call<Unit>(new ReclaimOp.SetWatermark(pages));

    /// <summary>Read off the process's snapshot: the protocol has no request of its own for the counters.</summary>
    public ZoneCounters Counters() => ZoneCounters.Of(Snapshot());

    public ReclaimSnapshot Snapshot() => _session.Value<ReclaimSnapshot>(ProtocolSession.SnapshotRequest);

    private Result<T> Call<T>(ReclaimOp op) => _session.Call<T>(MmJson.Serialize(op));
}

/// <summary>The reclaim reset: a fresh, empty reclaim system of the machine <see cref="Config"/> describes.</summary>
public sealed record ReclaimResetRequest(string Op, ReclaimConfig Config);
