using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// Address spaces, page tables, demand paging and vmalloc on top of a buddy allocator: the paging contract
/// (SPEC.md, "Paging"). Every frame (user page, page-table page, page-cache page, vmalloc page) is an order-0
/// buddy allocation. Bad input returns a typed error and changes nothing.
/// </summary>
public interface IPagingSystem
{
    PagingFormat Format { get; }

    IBuddyAllocator Pages { get; }

    /// <summary>fork+exec of the standard program: text, data, bss, an empty heap and a stack (<see cref="UserLayout"/>).</summary>
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
    /// One byte accessed through the page tables of <paramref name="mm"/>, faulting pages in as the kernel would:
    /// the byte read (or written, for a write), or the fault the kernel does not resolve.
    /// </summary>
    Result<byte> Access(AsId mm, VirtAddr addr, Access access, Privilege privilege, byte value);

    /// <summary>
    /// The MMU's page walk for one access, without the kernel: the leaf's frame and flags (A, and D for a write,
    /// set in the entry now), or the hardware <see cref="PageFault"/>. <see cref="Access"/> is this walk, then
    /// <see cref="HandleFault"/> and a retry while the kernel resolves the fault; a TLB calls it on a miss.
    /// </summary>
    Result<Translation> Translate(AsId mm, VirtAddr addr, Access access, Privilege privilege);

    /// <summary>
    /// The kernel's page-fault handler (do_user_addr_fault): Ok when the faulting access can be retried,
    /// otherwise the <see cref="SegmentationFault"/> (or <see cref="FaultOutOfMemory"/>, with nothing changed).
    /// </summary>
    Result<Unit> HandleFault(AsId mm, PageFault fault, Access access, Privilege privilege);

    /// <summary>A byte of physical memory, as a translation's frame gives it.</summary>
    byte ReadFrame(Pfn frame, ulong offset);

    void WriteFrame(Pfn frame, ulong offset, byte value);

    /// <summary>vmalloc: order-0 pages mapped one by one into the shared kernel tables, a guard page after the area.</summary>
    Result<VirtAddr> Vmalloc(ulong pages);

    Result<Unit> Vfree(VirtAddr addr);

    PagingSnapshot Snapshot();
}

/// <summary>What a successful walk yields, and what a TLB entry caches: the frame and the leaf's flags.</summary>
public readonly record struct Translation(Pfn Frame, PteFlags Flags)
{
    public override string ToString() => $"{Frame} [{PteFlagsText.Of(Flags)}]";
}

/// <summary>One mmap call: length in pages, protection, anonymous or a file at a page offset, shared or private.</summary>
public sealed record MmapRequest(ulong Pages, VmProt Prot, int? File, ulong PgOff, bool Shared, VirtAddr? Fixed = null)
{
    public override string ToString() =>
        $"{(Fixed is { } at ? $"{at}, " : string.Empty)}{Pages} pages, {VmProtText.Of(Prot)}, {(Shared ? "MAP_SHARED" : "MAP_PRIVATE")}{(File is { } f ? $", file{f}@{PgOff}" : "|MAP_ANONYMOUS")}";
}
