using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Slab;
using MMSpec.Model.Tlb;

namespace MMSpec.Conformance.Protocol;

/// <summary>
/// A whole memory manager that is a process speaking the protocol (docs/protocol.md, "System requests"): each call
/// one request line (the <see cref="SystemOp"/> records in their JSON form), each snapshot one too. Made fresh for
/// each case by a reset over its machine: init with an empty address space, every frame free, no swap.
/// </summary>
public sealed class ProcessSystem : IMemorySystem
{
    private readonly ProtocolSession _session;

    public ProcessSystem(ProtocolSession session, SystemConfig config)
    {
        _session = session;
        Config = config;
        session.Value<Unit>(MmJson.Serialize(new SystemResetRequest("reset", config)));
    }

    public SystemConfig Config { get; }

    public Result<Pid> Fork(Pid parent) => Call<Pid>(new SystemOp.Fork(parent));

    public Result<Unit> DoExit(Pid pid) => Call<Unit>(new SystemOp.DoExit(pid));

    public Result<Unit> SetComm(Pid pid, string comm) => Call<Unit>(new SystemOp.SetComm(pid, comm));

    public Result<Unit> WriteOomScoreAdj(Pid pid, int value, bool capSysResource) =>
        Call<Unit>(new SystemOp.WriteOomScoreAdj(pid, value, capSysResource));

    public Result<Unit> WriteOomAdj(Pid pid, int value, bool capSysResource) =>
        Call<Unit>(new SystemOp.WriteOomAdj(pid, value, capSysResource));

    public Result<VirtAddr> Mmap(Pid pid, MapKind kind, int file, ulong pages) =>
        Call<VirtAddr>(new SystemOp.Mmap(pid, kind, file, pages));

    public Result<Unit> Munmap(Pid pid, VirtAddr start) => Call<Unit>(new SystemOp.Munmap(pid, start));

    public Result<ulong> Access(Pid pid, CpuId cpu, VirtAddr addr, bool write, ulong value) =>
        Call<ulong>(new SystemOp.Access(pid, cpu, addr, write, value));

    public Result<Pfn> AllocPages(Gfp gfp, Order order) => Call<Pfn>(new SystemOp.AllocPages(gfp, order));

    public Result<Unit> FreePages(Pfn pfn) => Call<Unit>(new SystemOp.FreePages(pfn));

    public Result<CacheId> KmemCacheCreate(string name, ulong size, ulong align) =>
        Call<CacheId>(new SystemOp.KmemCacheCreate(name, size, align));

    public Result<VirtAddr> KmemCacheAlloc(CacheId cache, Gfp gfp) =>
        Call<VirtAddr>(new SystemOp.KmemCacheAlloc(cache, gfp));

    public Result<Unit> KmemCacheFree(CacheId cache, VirtAddr obj) =>
        Call<Unit>(new SystemOp.KmemCacheFree(cache, obj));

    public Result<VirtAddr> Kmalloc(ulong size, Gfp gfp) => Call<VirtAddr>(new SystemOp.Kmalloc(size, gfp));

    public Result<Unit> Kfree(VirtAddr addr) => Call<Unit>(new SystemOp.Kfree(addr));

    public Result<VirtAddr> Vmalloc(ulong pages) => Call<VirtAddr>(new SystemOp.Vmalloc(pages));

    public Result<Unit> Vfree(VirtAddr addr) => Call<Unit>(new SystemOp.Vfree(addr));

    public Result<SwapType> Swapon(ulong slots, int? priority) => Call<SwapType>(new SystemOp.Swapon(slots, priority));

    public Result<Unit> Swapoff(SwapType type) => Call<Unit>(new SystemOp.Swapoff(type));

    public Result<ulong> Kswapd() => Call<ulong>(new SystemOp.Kswapd());

    public Result<Unit> OomReap(Pid pid) => Call<Unit>(new SystemOp.OomReap(pid));

    public Result<ulong> StartWriteback() => Call<ulong>(new SystemOp.StartWriteback());

    public Result<ulong> EndWriteback() => Call<ulong>(new SystemOp.EndWriteback());

    public SystemSnapshot Snapshot() => _session.Value<SystemSnapshot>(ProtocolSession.SnapshotRequest);

    private Result<T> Call<T>(SystemOp op) => _session.Call<T>(MmJson.Serialize(op));
}

/// <summary>The system reset: a fresh whole system of the machine <see cref="Config"/> describes.</summary>
public sealed record SystemResetRequest(string Op, SystemConfig Config);
