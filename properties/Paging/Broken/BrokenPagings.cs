using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
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

/// <summary>
/// No gap at all between a growing stack and the mapping below it: the stack grows right up to an X server's shared
/// memory (CVE-2010-2240, fixed by commit 320b2b8de126 "mm: keep a guard page below a grow-down stack segment"). Only
/// the stack-neighbour phase (PagingGen.StackNeighbour) maps next to the stack; the other phases never come near it.
/// </summary>
public sealed class NoStackGuardGap(PagingFormat format, IBuddyAllocator pages) : PagingModel(format, pages)
{
    protected override ulong StackGuardGap => 0;
}

/// <summary>
/// The one-page stack guard that Stack Clash jumps over (CVE-2017-1000364): growth stops a page above the mapping
/// below, not 256 (commit 1be7107fbe18 "mm: larger stack guard gap, between vmas"). Caught by the stack-neighbour
/// phase (PagingGen.StackNeighbour), which maps a page below, at and above the 256-page gap.
/// </summary>
public sealed class StackGuardGapOnePage(PagingFormat format, IBuddyAllocator pages) : PagingModel(format, pages)
{
    protected override ulong StackGuardGap => Pfn.PageSize;
}
