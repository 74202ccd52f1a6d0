using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// Why the MMU refused an access (the x86 page-fault error code, plus #GP for a non-canonical address).
/// </summary>
public enum FaultKind
{
    NonCanonical,
    NotPresent,
    WriteToReadOnly,
    UserToSupervisor,
    FetchFromNx,
}

/// <summary>The kind of access: data read, data write, or instruction fetch.</summary>
public enum Access
{
    Read,
    Write,
    Fetch,
}

/// <summary>Who accesses: user mode (CPL 3) or the kernel (CPL 0).</summary>
public enum Privilege
{
    User,
    Supervisor,
}

/// <summary>
/// The hardware fault of a walk: the kind, and the level whose entry stopped it (null for #GP before any walk).
/// </summary>
public sealed record PageFault(VirtAddr Addr, FaultKind Kind, PageLevel? Level) : MmError
{
    public override string Message =>
        $"{Kind} at {Addr}{(Level is { } level ? $" ({PageLevelText.Of(level)} entry)" : string.Empty)}";
}

/// <summary>A fault the kernel does not resolve: SIGSEGV for a user access, an oops for a kernel one.</summary>
public sealed record SegmentationFault(VirtAddr Addr, Access Access, Privilege Privilege, PageFault Fault) : MmError
{
    public override string Message => $"{Privilege} {Access} at {Addr}: {Fault.Message}";
}

/// <summary>
/// A page fault that needed a frame (data or page table) when none was free: VM_FAULT_OOM, nothing changed.
/// </summary>
public sealed record FaultOutOfMemory(VirtAddr Addr, int FramesNeeded) : MmError
{
    public override string Message =>
        $"page fault at {Addr} needs {FramesNeeded} free frames and the buddy allocator has fewer";
}

/// <summary>
/// A walk started at a page table that is not the address's page table any more (freed, or replaced): what the
/// MMU does when a paging-structure cache kept a pointer the kernel should have flushed.
/// </summary>
public sealed record StaleTableWalk(VirtAddr Addr, Pfn PageTable) : MmError
{
    public override string Message => $"walk of {Addr} from {PageTable}, which is not its page table any more";
}
