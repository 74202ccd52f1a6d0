using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Conformance.Tlb;

/// <summary>
/// A machine's paging system, seen through its interface: notes whether a step called anything that can change the
/// paging state (a walk sets A and D, a write may land in a page table, the allocator is the frames' owner). A step
/// that called nothing of the kind left the paging state as it was, so the lockstep need not snapshot it again.
/// </summary>
public sealed class WatchedPaging(IPagingSystem paging) : IPagingSystem
{
    /// <summary>Whether a call that can change the state was made since this was last cleared.</summary>
    public bool Called { get; set; }

    public PagingFormat Format => paging.Format;

    public IBuddyAllocator Pages => Changing(paging.Pages);

    public Result<AsId> CreateAddressSpace() => Changing(paging.CreateAddressSpace());

    public Result<Unit> DestroyAddressSpace(AsId mm) => Changing(paging.DestroyAddressSpace(mm));

    public Result<VirtAddr> Mmap(AsId mm, MmapRequest request) => Changing(paging.Mmap(mm, request));

    public Result<Unit> Munmap(AsId mm, VirtAddr addr, ulong pages) => Changing(paging.Munmap(mm, addr, pages));

    public Result<Unit> Mprotect(AsId mm, VirtAddr addr, ulong pages, VmProt prot) =>
        Changing(paging.Mprotect(mm, addr, pages, prot));

    public Result<VirtAddr> Brk(AsId mm, VirtAddr newBrk) => Changing(paging.Brk(mm, newBrk));

    public Result<Unit> MigratePage(AsId mm, VirtAddr addr) => Changing(paging.MigratePage(mm, addr));

    public Result<byte> Access(AsId mm, VirtAddr addr, Access access, Privilege privilege, byte value) =>
        Changing(paging.Access(mm, addr, access, privilege, value));

    public Result<PageWalk> Translate(AsId mm, VirtAddr addr, Access access, Privilege privilege) =>
        Changing(paging.Translate(mm, addr, access, privilege));

    public Result<PageWalk> TranslateFrom(AsId mm, Pfn pageTable, VirtAddr addr, Access access, Privilege privilege) =>
        Changing(paging.TranslateFrom(mm, pageTable, addr, access, privilege));

    public Result<Unit> HandleFault(AsId mm, PageFault fault, Access access, Privilege privilege) =>
        Changing(paging.HandleFault(mm, fault, access, privilege));

    public byte ReadFrame(Pfn frame, ulong offset) => paging.ReadFrame(frame, offset);

    public void WriteFrame(Pfn frame, ulong offset, byte value)
    {
        Called = true;
        paging.WriteFrame(frame, offset, value);
    }

    public Result<VirtAddr> Vmalloc(ulong pages) => Changing(paging.Vmalloc(pages));

    public Result<Unit> Vfree(VirtAddr addr) => Changing(paging.Vfree(addr));

    public PagingSnapshot Snapshot() => paging.Snapshot();

    public PagingSnapshot SnapshotOf(IReadOnlySet<AsId> spaces) => paging.SnapshotOf(spaces);

    private T Changing<T>(T result)
    {
        Called = true;
        return result;
    }
}
