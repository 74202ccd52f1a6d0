using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Conformance.Protocol;

/// <summary>
/// A paging system that is a process speaking the protocol (docs/protocol.md, "Paging requests"): each call one
/// request line (the <see cref="PagingOp"/> records in their JSON form, and the translate, fault and frame requests
/// the TLB machine makes), each snapshot one too, the whole state or, with the capability
/// <see cref="ProcessBuddy.SnapshotRange"/>, the address spaces a step can change. Made fresh for each case by a
/// reset over its format and layout.
/// </summary>
public sealed class ProcessPaging : IPagingSystem
{
    private readonly ProtocolSession _session;
    private readonly bool _ranges;

    public ProcessPaging(ProtocolSession session, PagingFormat format, MemoryLayout layout)
    {
        _session = session;
        _ranges = session.Capabilities.Contains(ProcessBuddy.SnapshotRange);
        Format = format;
        Pages = new SnapshotPages(layout, () => Snapshot().Pages, session);
        session.Value<Unit>(MmJson.Serialize(new PagingResetRequest("reset", format, layout)));
    }

    public PagingFormat Format { get; }

    /// <summary>The process's page allocator, seen through the paging snapshot's blocks.</summary>
    public IBuddyAllocator Pages { get; }

    public Result<AsId> CreateAddressSpace() => Call<AsId>(new CreateAddressSpace());

    public Result<Unit> DestroyAddressSpace(AsId mm) => Call<Unit>(new DestroyAddressSpace(mm));

    public Result<VirtAddr> Mmap(AsId mm, MmapRequest request) => Call<VirtAddr>(new Mmap(mm, request));

    public Result<Unit> Munmap(AsId mm, VirtAddr addr, ulong pages) => Call<Unit>(new Munmap(mm, addr, pages));

    public Result<Unit> Mprotect(AsId mm, VirtAddr addr, ulong pages, VmProt prot) =>
        Call<Unit>(new Mprotect(mm, addr, pages, prot));

    public Result<VirtAddr> Brk(AsId mm, VirtAddr newBrk) => Call<VirtAddr>(new Brk(mm, newBrk));

    public Result<Unit> MigratePage(AsId mm, VirtAddr addr) => Call<Unit>(new MigratePage(mm, addr));

    public Result<byte> Access(AsId mm, VirtAddr addr, Access access, Privilege privilege, byte value) =>
        Call<byte>(new AccessByte(mm, addr, access, privilege, value));

    public Result<PageWalk> Translate(AsId mm, VirtAddr addr, Access access, Privilege privilege) =>
        _session.Call<PageWalk>(MmJson.Serialize(new TranslateRequest("translate", mm, addr, access, privilege)));

    public Result<PageWalk> TranslateFrom(AsId mm, Pfn pageTable, VirtAddr addr, Access access,
        Privilege privilege) =>
        _session.Call<PageWalk>(MmJson.Serialize(
            new TranslateFromRequest("translate_from", mm, pageTable, addr, access, privilege)));

    public Result<Unit> HandleFault(AsId mm, PageFault fault, Access access, Privilege privilege) =>
        _session.Call<Unit>(MmJson.Serialize(new HandleFaultRequest("handle_fault", mm, fault, access, privilege)));

    public byte ReadFrame(Pfn frame, ulong offset) =>
        _session.Value<byte>(MmJson.Serialize(new FrameRequest("read_frame", frame, offset, 0)));

    public void WriteFrame(Pfn frame, ulong offset, byte value) =>
        _session.Value<Unit>(MmJson.Serialize(new FrameRequest("write_frame", frame, offset, value)));

    public Result<VirtAddr> Vmalloc(ulong pages) => Call<VirtAddr>(new Vmalloc(pages));

    public Result<Unit> Vfree(VirtAddr addr) => Call<Unit>(new Vfree(addr));

    public PagingSnapshot Snapshot() => _session.Value<PagingSnapshot>(ProtocolSession.SnapshotRequest);

    public PagingSnapshot SnapshotOf(IReadOnlySet<AsId> spaces)
    {
        if (!_ranges)
        {
            var all = Snapshot();
            return all with { Spaces = [.. all.Spaces.Where(s => spaces.Contains(s.Id))] };
        }

        return _session.Value<PagingSnapshot>(MmJson.Serialize(new PagingSnapshotRequest("snapshot", [.. spaces])));
    }

    private Result<T> Call<T>(PagingOp op) => _session.Call<T>(MmJson.Serialize(op));
}

/// <summary>The paging reset: a fresh paging system of the format on a fresh buddy allocator over the layout.</summary>
public sealed record PagingResetRequest(string Op, PagingFormat Format, MemoryLayout Layout);

/// <summary>A paging snapshot with only the live address spaces among <see cref="Spaces"/>
/// ("snapshot_range").</summary>
public sealed record PagingSnapshotRequest(string Op, IReadOnlyList<AsId> Spaces);

/// <summary>translate: the walk an access makes, without faulting anything in.</summary>
public sealed record TranslateRequest(string Op, AsId Mm, VirtAddr Addr, Access Access, Privilege Privilege);

/// <summary>translate_from: the walk from a page table a paging-structure cache holds.</summary>
public sealed record TranslateFromRequest(string Op, AsId Mm, Pfn PageTable, VirtAddr Addr, Access Access,
    Privilege Privilege);

/// <summary>handle_fault: the page-fault handler for a fault the walk raised.</summary>
public sealed record HandleFaultRequest(string Op, AsId Mm, PageFault Fault, Access Access, Privilege Privilege);

/// <summary>read_frame (its value ignored) and write_frame: a byte of physical memory.</summary>
public sealed record FrameRequest(string Op, Pfn Frame, ulong Offset, byte Value);
