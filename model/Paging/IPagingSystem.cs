using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// Address spaces, page tables, demand paging and vmalloc on top of a buddy allocator: the paging contract
/// (docs/paging.md). Every frame (user page, page-table page, page-cache page, vmalloc page) is an order-0
/// buddy allocation. Bad input returns a typed error and changes nothing.
/// </summary>
public interface IPagingSystem
{
    PagingFormat Format { get; }

    IBuddyAllocator Pages { get; }

    /// <summary>
    /// fork+exec of the standard program: text, data, bss, an empty heap and a stack (<see cref="UserLayout"/>).
    /// </summary>
    Result<AsId> CreateAddressSpace();

    /// <summary>exit_mmap: every VMA unmapped, every frame and page-table page freed.</summary>
    Result<Unit> DestroyAddressSpace(AsId mm);

    /// <summary>mmap: at <see cref="MmapRequest.Fixed"/> (MAP_FIXED_NOREPLACE) or top-down below mmap_base.</summary>
    Result<VirtAddr> Mmap(AsId mm, MmapRequest request);

    Result<Unit> Munmap(AsId mm, VirtAddr addr, ulong pages);

    Result<Unit> Mprotect(AsId mm, VirtAddr addr, ulong pages, VmProt prot);

    /// <summary>brk: moves the end of the heap; returns the new break.</summary>
    Result<VirtAddr> Brk(AsId mm, VirtAddr newBrk);

    /// <summary>
    /// migrate_pages for one anonymous page (what compaction and NUMA balancing move): its bytes copied to a newly
    /// allocated frame, its PTE pointed there with the same flags, the old frame freed. A page-cache page, or an
    /// address where no page is mapped, is <see cref="NotMigratable"/>; with no free frame, nothing changes.
    /// The caller must flush the old translation everywhere before the old frame can be reused.
    /// </summary>
    Result<Unit> MigratePage(AsId mm, VirtAddr addr);

    /// <summary>
    /// One byte accessed through the page tables of <paramref name="mm"/>, faulting pages in as the kernel would:
    /// the byte read (or written, for a write), or the fault the kernel does not resolve.
    /// </summary>
    Result<byte> Access(AsId mm, VirtAddr addr, Access access, Privilege privilege, byte value);

    /// <summary>
    /// The MMU's page walk for one access, without the kernel: the leaf's frame and flags (A, and D for a write,
    /// set in the entry now) and the page table holding the leaf, or the hardware <see cref="PageFault"/>.
    /// <see cref="Access"/> is this walk, then <see cref="HandleFault"/> and a retry while the kernel resolves
    /// the fault; a TLB calls it on a miss.
    /// </summary>
    Result<PageWalk> Translate(AsId mm, VirtAddr addr, Access access, Privilege privilege);

    /// <summary>
    /// The walk a paging-structure-cache hit makes (SDM 4.10.3.2): the upper levels skipped, the leaf entry read
    /// from <paramref name="pageTable"/> and checked as the last step of <see cref="Translate"/> checks it. Hardware
    /// reads the frame whatever it holds now; a side that keeps no table bytes returns <see cref="StaleTableWalk"/>
    /// when <paramref name="pageTable"/> is no longer the address's page table, which a correct kernel never lets
    /// happen.
    /// </summary>
    Result<PageWalk> TranslateFrom(AsId mm, Pfn pageTable, VirtAddr addr, Access access, Privilege privilege);

    /// <summary>
    /// The kernel's page-fault handler (do_user_addr_fault): Ok when the faulting access can be retried,
    /// otherwise the <see cref="SegmentationFault"/> (or <see cref="FaultOutOfMemory"/>, with nothing changed).
    /// </summary>
    Result<Unit> HandleFault(AsId mm, PageFault fault, Access access, Privilege privilege);

    /// <summary>
    /// A byte of physical memory, as a translation's frame gives it. A frame past the end of memory (a walk through
    /// a freed page table can name one) reads as 0xFF and ignores writes, as an address no RAM decodes on a PC.
    /// </summary>
    byte ReadFrame(Pfn frame, ulong offset);

    void WriteFrame(Pfn frame, ulong offset, byte value);

    /// <summary>
    /// vmalloc: order-0 pages mapped one by one into the shared kernel tables, a guard page after the area.
    /// </summary>
    Result<VirtAddr> Vmalloc(ulong pages);

    Result<Unit> Vfree(VirtAddr addr);

    PagingSnapshot Snapshot();

    /// <summary>
    /// The snapshot with only the live address spaces among <paramref name="spaces"/>, the page cache, vmalloc, the
    /// kernel tables and the frames whole: what a step run in those address spaces can have changed. This default
    /// filters <see cref="Snapshot"/>; a side may build just that part.
    /// </summary>
    PagingSnapshot SnapshotOf(IReadOnlySet<AsId> spaces)
    {
        var all = Snapshot();
        return all with { Spaces = [.. all.Spaces.Where(s => spaces.Contains(s.Id))] };
    }
}

/// <summary>What a TLB entry caches: the frame and the leaf's flags.</summary>
public readonly record struct Translation(Pfn Frame, PteFlags Flags)
{
    public override string ToString() => $"{Frame} [{PteFlagsText.Of(Flags)}]";
}

/// <summary>
/// What a successful walk yields: the translation, and the page table whose entry gave it (what a PDE cache keeps).
/// </summary>
public readonly record struct PageWalk(Translation Translation, Pfn PageTable);

/// <summary>
/// One mmap call: length in pages, protection, anonymous or a file at a page offset, shared or private.
/// </summary>
public sealed record MmapRequest(ulong Pages, VmProt Prot, int? File, ulong PgOff, bool Shared, VirtAddr? Fixed = null)
{
    public override string ToString() =>
        $"{(Fixed is { } at ? $"{at}, " : string.Empty)}{Pages} pages, {VmProtText.Of(Prot)}, "
            + $"{(Shared ? "MAP_SHARED" : "MAP_PRIVATE")}{(File is { } f ? $", file{f}@{PgOff}" : "|MAP_ANONYMOUS")}";
}
