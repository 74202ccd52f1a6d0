using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;

namespace MMSpec.Conformance.Protocol;

/// <summary>
/// A machine (CPUs with TLBs and PDE caches in front of a paging system) that is a process speaking the protocol
/// (docs/protocol.md, "TLB machine requests"): each call one request line (the <see cref="MachineOp"/> records in
/// their JSON form), each snapshot one too. Made fresh for each case by a reset over its format, layout and
/// configuration.
/// </summary>
public sealed class ProcessMachine : IMachine
{
    private readonly ProtocolSession _session;

    public ProcessMachine(ProtocolSession session, PagingFormat format, MemoryLayout layout, MachineConfig config)
    {
        _session = session;
        Config = config;
        session.Value<Unit>(MmJson.Serialize(new MachineResetRequest("reset", format, layout, config)));
    }

    public MachineConfig Config { get; }

    public Result<byte> Access(CpuId cpu, VirtAddr addr, Access access, Privilege privilege, byte value) =>
        Call<byte>(new MachineOp.Access(cpu, addr, access, privilege, value));

    public Result<AsId> CreateAddressSpace() => Call<AsId>(new MachineOp.CreateAddressSpace());

    public Result<Unit> DestroyAddressSpace(AsId mm) => Call<Unit>(new MachineOp.DestroyAddressSpace(mm));

    public Result<Unit> SwitchMm(CpuId cpu, AsId mm) => Call<Unit>(new MachineOp.SwitchMm(cpu, mm));

    public Result<Unit> Invlpg(CpuId cpu, VirtAddr addr) => Call<Unit>(new MachineOp.Invlpg(cpu, addr));

    public Result<Unit> WriteCr3(CpuId cpu, bool noFlush) => Call<Unit>(new MachineOp.WriteCr3(cpu, noFlush));

    public Result<Unit> TogglePge(CpuId cpu) => Call<Unit>(new MachineOp.TogglePge(cpu));

    public Result<Unit> Invpcid(CpuId cpu, InvpcidType type, Pcid pcid, VirtAddr addr) =>
        Call<Unit>(new MachineOp.Invpcid(cpu, type, pcid, addr));

    public Result<VirtAddr> Mmap(CpuId cpu, MmapRequest request) => Call<VirtAddr>(new MachineOp.Mmap(cpu, request));

    public Result<Unit> Munmap(CpuId cpu, VirtAddr addr, ulong pages) =>
        Call<Unit>(new MachineOp.Munmap(cpu, addr, pages));

    public Result<Unit> Mprotect(CpuId cpu, VirtAddr addr, ulong pages, VmProt prot) =>
        Call<Unit>(new MachineOp.Mprotect(cpu, addr, pages, prot));

    public Result<VirtAddr> Brk(CpuId cpu, VirtAddr newBrk) => Call<VirtAddr>(new MachineOp.Brk(cpu, newBrk));

    public Result<Unit> MigratePage(CpuId cpu, AsId mm, VirtAddr addr) =>
        Call<Unit>(new MachineOp.MigratePage(cpu, mm, addr));

    public Result<VirtAddr> Vmalloc(ulong pages) => Call<VirtAddr>(new MachineOp.Vmalloc(pages));

    public Result<Unit> Vfree(CpuId cpu, VirtAddr addr) => Call<Unit>(new MachineOp.Vfree(cpu, addr));

    public MachineSnapshot Snapshot() => _session.Value<MachineSnapshot>(ProtocolSession.SnapshotRequest);

    private Result<T> Call<T>(MachineOp op) => _session.Call<T>(MmJson.Serialize(op));
}

/// <summary>The machine reset: a fresh machine of the configuration on a paging system of the format, on a fresh buddy
/// allocator over the layout.</summary>
public sealed record MachineResetRequest(string Op, PagingFormat Format, MemoryLayout Layout, MachineConfig Config);
