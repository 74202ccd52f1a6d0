using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>What a failure prints: errors, entries, VMAs and requests read as a kernel developer would write
/// them.</summary>
public sealed class PagingTextTests
{
    private static readonly VirtAddr At = new(0x40_1000);

    [Fact]
    public void Errors_name_the_offending_values()
    {
        var fault = new PageFault(At, FaultKind.WriteToReadOnly, PageLevel.Pte);
        Assert.Equal("PageFault: WriteToReadOnly at 0x401000 (PTE entry)", fault.ToString());
        Assert.Equal("PageFault: NonCanonical at 0x401000", new PageFault(At, FaultKind.NonCanonical, null).ToString());
        Assert.Equal("SegmentationFault: User Write at 0x401000: WriteToReadOnly at 0x401000 (PTE entry)",
            new SegmentationFault(At, Access.Write, Privilege.User, fault).ToString());
        Assert.Equal("FaultOutOfMemory: page fault at 0x401000 needs 3 free frames and the buddy allocator has fewer",
            new FaultOutOfMemory(At, 3).ToString());
        Assert.Equal("UnknownAddressSpace: no address space mm4 (never created, or destroyed)",
            new UnknownAddressSpace(new AsId(4)).ToString());
        Assert.Equal("InvalidRange: [0x401000, +2 pages): address not page-aligned",
            new InvalidRange(At, 2, "address not page-aligned").ToString());
        Assert.Equal("RangeInUse: [0x401000, +2 pages) overlaps an existing mapping", new RangeInUse(At, 2).ToString());
        Assert.Equal("NoVirtualSpace: no free range of 9 pages in the address space", new NoVirtualSpace(9).ToString());
        Assert.Equal("RangeNotMapped: [0x401000, +1 pages) is not entirely mapped",
            new RangeNotMapped(At, 1).ToString());
        Assert.Equal("BrkRefused: brk(0x401000) refused, break stays at 0x400000: below start_brk",
            new BrkRefused(At, new VirtAddr(0x40_0000), "below start_brk").ToString());
        Assert.Equal("PagingOutOfMemory: pgd_alloc needs 1 free frames and the buddy allocator has fewer",
            new PagingOutOfMemory("pgd_alloc", 1).ToString());
        Assert.Equal("NotVmallocArea: 0x401000 does not start a vmalloc area", new NotVmallocArea(At).ToString());
    }

    [Fact]
    public void Entries_vmas_and_requests_print_like_proc_maps()
    {
        var vma = new Vma(0x40_0000, 0x40_2000, VmProt.Read | VmProt.Exec, new MappedObject(false, 0), 3, false);
        Assert.Equal("400000-402000 r-xp file0@3", vma.ToString());
        Assert.Equal("400000-402000 rw-s shmem2@0",
            (vma with { Prot = VmProt.Read | VmProt.Write, Backing = new MappedObject(true, 2), PgOff = 0,
            Shared = true }).ToString());
        Assert.Equal("400000-402000 ---p anon", (vma with { Prot = VmProt.None, Backing = null }).ToString());
        Assert.Equal("-w-", VmProtText.Of(VmProt.Write));
        Assert.Equal("PWUADGX",
            PteFlagsText.Of(PteFlags.Present | PteFlags.ReadWrite | PteFlags.User | PteFlags.Accessed | PteFlags.Dirty
            | PteFlags.Global));
        Assert.Equal("-------", PteFlagsText.Of(PteFlags.NoExecute));
        Assert.Equal("401000 file1@7 [P-U---X] -> 0x2a",
            new PageState(0x40_1000, new Pfn(42), PteFlags.Present | PteFlags.User,
            new PageOwner(new MappedObject(false, 1), 7)).ToString());
        Assert.Equal("anon", new PageOwner(null, 0).ToString());
        Assert.Equal("0x10000000, 2 pages, rw-, MAP_SHARED, file1@4",
            new MmapRequest(2, VmProt.Read | VmProt.Write, 1, 4, true, new VirtAddr(0x1000_0000)).ToString());
        Assert.Equal("1 pages, r--, MAP_PRIVATE|MAP_ANONYMOUS",
            new MmapRequest(1, VmProt.Read, null, 0, false).ToString());
        Assert.Equal("4-level 48-bit", PagingFormat.FourLevel.ToString());
        Assert.Equal("mm3", new AsId(3).ToString());
    }
}
