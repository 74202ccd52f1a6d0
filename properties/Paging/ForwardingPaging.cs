using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Properties.Paging;

/// <summary>
/// A paging system that passes every call on: the base of the test doubles that change one call of another paging
/// system and leave the rest alone.
/// </summary>
internal abstract class ForwardingPaging(IPagingSystem inner) : IPagingSystem
{
    public PagingFormat Format => inner.Format;

    public IBuddyAllocator Pages => inner.Pages;

    public virtual Result<AsId> CreateAddressSpace() => inner.CreateAddressSpace();

    public virtual Result<Unit> DestroyAddressSpace(AsId mm) => inner.DestroyAddressSpace(mm);

    public virtual Result<VirtAddr> Mmap(AsId mm, MmapRequest request) => inner.Mmap(mm, request);

    public virtual Result<Unit> Munmap(AsId mm, VirtAddr addr, ulong pages) => inner.Munmap(mm, addr, pages);

    public virtual Result<Unit> Mprotect(AsId mm, VirtAddr addr, ulong pages, VmProt prot) =>
        inner.Mprotect(mm, addr, pages, prot);

    public virtual Result<VirtAddr> Brk(AsId mm, VirtAddr newBrk) => inner.Brk(mm, newBrk);

    public virtual Result<Unit> MigratePage(AsId mm, VirtAddr addr) => inner.MigratePage(mm, addr);

    public virtual Result<byte> Access(AsId mm, VirtAddr addr, Access access, Privilege privilege, byte value) =>
        inner.Access(mm, addr, access, privilege, value);

    public virtual Result<PageWalk> Translate(AsId mm, VirtAddr addr, Access access, Privilege privilege) =>
        inner.Translate(mm, addr, access, privilege);

    public virtual Result<PageWalk> TranslateFrom(AsId mm, Pfn pageTable, VirtAddr addr, Access access,
        Privilege privilege) => inner.TranslateFrom(mm, pageTable, addr, access, privilege);

    public virtual Result<Unit> HandleFault(AsId mm, PageFault fault, Access access, Privilege privilege) =>
        inner.HandleFault(mm, fault, access, privilege);

    public byte ReadFrame(Pfn frame, ulong offset) => inner.ReadFrame(frame, offset);

    public void WriteFrame(Pfn frame, ulong offset, byte value) => inner.WriteFrame(frame, offset, value);

    public virtual Result<VirtAddr> Vmalloc(ulong pages) => inner.Vmalloc(pages);

    public virtual Result<Unit> Vfree(VirtAddr addr) => inner.Vfree(addr);

    public PagingSnapshot Snapshot() => inner.Snapshot();

    public PagingSnapshot SnapshotOf(IReadOnlySet<AsId> spaces) => inner.SnapshotOf(spaces);
}
