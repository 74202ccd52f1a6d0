using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>An address-space handle never created, or destroyed.</summary>
public sealed record UnknownAddressSpace(AsId Mm) : MmError
{
    public override string Message => $"no address space {Mm} (never created, or destroyed)";
}

/// <summary>EINVAL: an address that is not page-aligned, a length of 0, or a range outside user space.</summary>
public sealed record InvalidRange(VirtAddr Addr, ulong Pages, string Why) : MmError, IErrorReason
{
    public override string Message => $"[{Addr}, +{Pages} pages): {Why}";
}

/// <summary>EEXIST from MAP_FIXED_NOREPLACE: the range overlaps a VMA.</summary>
public sealed record RangeInUse(VirtAddr Addr, ulong Pages) : MmError
{
    public override string Message => $"[{Addr}, +{Pages} pages) overlaps an existing mapping";
}

/// <summary>ENOMEM from get_unmapped_area: no gap of that size below mmap_base.</summary>
public sealed record NoVirtualSpace(ulong Pages) : MmError
{
    public override string Message => $"no free range of {Pages} pages in the address space";
}

/// <summary>ENOMEM from mprotect: part of the range is not mapped.</summary>
public sealed record RangeNotMapped(VirtAddr Addr, ulong Pages) : MmError
{
    public override string Message => $"[{Addr}, +{Pages} pages) is not entirely mapped";
}

/// <summary>brk below start_brk, or into the next mapping.</summary>
public sealed record BrkRefused(VirtAddr Requested, VirtAddr Current, string Why) : MmError, IErrorReason
{
    public override string Message => $"brk({Requested}) refused, break stays at {Current}: {Why}";
}

/// <summary>No frame for a new address space's PGD, or for vmalloc's pages and tables.</summary>
public sealed record PagingOutOfMemory(string What, int FramesNeeded) : MmError
{
    public override string Message => $"{What} needs {FramesNeeded} free frames and the buddy allocator has fewer";
}

/// <summary>vfree of an address that does not start a vmalloc area.</summary>
public sealed record NotVmallocArea(VirtAddr Addr) : MmError
{
    public override string Message => $"{Addr} does not start a vmalloc area";
}

/// <summary>
/// migrate_pages refused a page: none is mapped at the address, it is the zero page, or it is a page-cache page (file
/// or shmem).
/// </summary>
public sealed record NotMigratable(VirtAddr Addr, string Why) : MmError, IErrorReason
{
    /// <summary>The reason for the shared zero page, which is no page of the address space's own.</summary>
    public const string ZeroPage = "the zero page";

    public override string Message => $"page at {Addr} cannot be migrated: {Why}";
}
