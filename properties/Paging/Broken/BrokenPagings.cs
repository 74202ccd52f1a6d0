using MMSpec.Model.Buddy;
using MMSpec.Model.Paging;

namespace MMSpec.Properties.Paging.Broken;

/// <summary>The walk forgets the NX bit: data and stack become executable (what NX exists to prevent).</summary>
public sealed class MissingNxCheck(PagingFormat format, IBuddyAllocator pages) : PagingModel(format, pages)
{
    protected override PageFault? Walk(ModelMm m, ulong addr, Access access, Privilege privilege) =>
        base.Walk(m, addr, access == Model.Paging.Access.Fetch ? Model.Paging.Access.Read : access, privilege);
}

/// <summary>munmap leaves empty page tables behind: free_pgtables never runs, VmPTE only grows.</summary>
public sealed class PteTableNotFreed(PagingFormat format, IBuddyAllocator pages) : PagingModel(format, pages)
{
    protected override bool FreesEmptyTables => false;
}

/// <summary>vmalloc maps kernel pages with _PAGE_USER: user code could read kernel memory (a Meltdown-class leak by
/// design).</summary>
public sealed class UserAccessibleKernelMapping(PagingFormat format, IBuddyAllocator pages) : PagingModel(format, pages)
{
    protected override PteFlags KernelPageFlags => base.KernelPageFlags | PteFlags.User;
}

/// <summary>do_anonymous_page without clear_page: a new page shows whatever the frame's last owner left
/// there.</summary>
public sealed class UnzeroedAnonPage(PagingFormat format, IBuddyAllocator pages) : PagingModel(format, pages)
{
    protected override bool ClearsNewAnonPages => false;
}

/// <summary>The lower tables are indexed one level too low (the shift of the level below): a table per smaller
/// range.</summary>
public sealed class TableAtWrongLevel(PagingFormat format, IBuddyAllocator pages) : PagingModel(format, pages)
{
    protected override (int Depth, ulong Index) TableKey(ulong addr, int depth) => (depth, addr >> Format.Shift(depth));
}
