using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;

namespace MMSpec.Model.Reclaim;

/// <summary>vm.swappiness written outside 0..200: proc_dointvec_minmax refuses it with EINVAL.</summary>
public sealed record SwappinessOutOfRange(int Value) : MmError
{
    public override string Message => $"swappiness {Value} is outside {Swappiness.Min}..{Swappiness.Max}";
}

/// <summary>
/// swapon of an area with no usable slot (slot 0 is the header: EINVAL from setup_swap_map), or larger than MMSpec
/// simulates.
/// </summary>
public sealed record InvalidSwapAreaSize(ulong Slots, ulong Max) : MmError
{
    public override string Message => $"a swap area has 2..{Max} slots (slot 0 is the header), not {Slots}";
}

/// <summary>swapon with a priority outside 0..32767 (SWAP_FLAG_PRIO_MASK).</summary>
public sealed record InvalidSwapPriority(int Priority) : MmError
{
    public override string Message => $"swap priority {Priority} is outside 0..32767";
}

/// <summary>swapon when MAX_SWAPFILES areas are already on: EPERM from alloc_swap_info.</summary>
public sealed record TooManySwapAreas(int Max) : MmError
{
    public override string Message => $"{Max} swap areas are already on";
}

/// <summary>swapoff of an area that is not on: EINVAL.</summary>
public sealed record UnknownSwapArea(SwapType Type) : MmError
{
    public override string Message => $"{Type} is not a swap area that is on";
}

/// <summary>
/// swapoff of an area when try_to_unuse cannot bring its pages back: fewer free frames than slots to read (in use,
/// no swap-cache folio) (ENOMEM). The area stays on and nothing moves.
/// </summary>
public sealed record SwapAreaBusy(SwapType Type, ulong SlotsToRead, ulong FreeFrames) : MmError
{
    public override string Message =>
        $"{Type} holds {SlotsToRead} pages on swap and only {FreeFrames} frames are free to bring them back";
}

/// <summary>A CPU number outside the machine.</summary>
public sealed record NoSuchCpu(CpuId Cpu, int Cpus) : MmError
{
    public override string Message => $"{Cpu} is not one of the machine's {Cpus} CPUs";
}

/// <summary>A file number outside the machine's files, or a page past the end of the file.</summary>
public sealed record NoSuchFilePage(int File, ulong PgOff) : MmError
{
    public override string Message => $"file{File} has no page {PgOff}";
}

/// <summary>
/// An access or madvise at an address no mapping of the address space covers: SIGSEGV, EFAULT/ENOMEM.
/// </summary>
public sealed record NotMapped(AsId Mm, VirtAddr Addr) : MmError
{
    public override string Message => $"no mapping of {Mm} covers {Addr}";
}

/// <summary>A write to a read-only (executable text) mapping: SIGSEGV with SEGV_ACCERR.</summary>
public sealed record WriteToReadOnly(AsId Mm, VirtAddr Addr) : MmError
{
    public override string Message => $"{Addr} of {Mm} is mapped read-only";
}

/// <summary>
/// MADV_PAGEOUT of a page that is not on an LRU list: not faulted in (or swapped out already), or pinned (a
/// FOLL_PIN reference the kernel may not drop: folio_maybe_dma_pinned).
/// </summary>
public sealed record NotReclaimable(AsId Mm, VirtAddr Addr, string Why) : MmError, IErrorReason
{
    public override string Message => $"the page at {Addr} of {Mm} cannot be reclaimed: {Why}";
}

/// <summary>unpin_user_page of a page that holds no pin.</summary>
public sealed record NotPinned(AsId Mm, VirtAddr Addr) : MmError
{
    public override string Message => $"the page at {Addr} of {Mm} holds no pin";
}

/// <summary>Compaction of a zone the machine does not have.</summary>
public sealed record NoSuchZone(Buddy.ZoneType Zone) : MmError
{
    public override string Message => $"the machine has no {Buddy.ZoneNames.Of(Zone)} zone";
}

/// <summary>Compaction for an order outside 0..MAX_PAGE_ORDER.</summary>
public sealed record InvalidCompactOrder(int Order) : MmError
{
    public override string Message => $"order {Order} is outside 0..{Buddy.Order.Max}";
}

/// <summary>
/// A swap entry that names a slot no PTE or swap cache holds, or past the end of its area (what a corrupted PTE
/// would make swap_duplicate or free_swap_and_cache report as "Bad swap offset entry" / "Unused swap offset entry").
/// </summary>
public sealed record BadSwapEntry(SwapEntry Entry, string Why) : MmError, IErrorReason
{
    public override string Message => $"bad swap entry {Entry}: {Why}";
}

/// <summary>
/// Fewer free frames than the step needs (a fault, a copy-on-write copy, a swap-in, fork's copies of pinned pages),
/// counting only the frames above the watermark (<see cref="IReclaimSystem.SetWatermark"/>): VM_FAULT_OOM or -ENOMEM,
/// with nothing changed.
/// </summary>
public sealed record ReclaimOutOfMemory(ulong FramesNeeded, ulong FramesFree) : MmError
{
    public override string Message => $"{FramesNeeded} free frames needed, {FramesFree} free";
}

/// <summary>A watermark above the machine's frames.</summary>
public sealed record InvalidWatermark(ulong Pages, ulong Frames) : MmError
{
    public override string Message => $"a watermark of {Pages} pages is above the machine's {Frames} frames";
}

/// <summary>A kernel page freed that is not a kernel allocation of this system.</summary>
public sealed record NotKernelPage(Pfn Pfn) : MmError
{
    public override string Message => $"pfn {Pfn} is not a kernel allocation";
}
