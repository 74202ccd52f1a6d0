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
    protected override StackRules Stack => StackRules.Linux with { GuardGap = 0 };
}

/// <summary>
/// The one-page stack guard that Stack Clash jumps over (CVE-2017-1000364): growth stops a page above the mapping
/// below, not 256 (commit 1be7107fbe18 "mm: larger stack guard gap, between vmas"). Caught by the stack-neighbour
/// phase (PagingGen.StackNeighbour), which maps a page below, at and above the 256-page gap.
/// </summary>
public sealed class StackGuardGapOnePage(PagingFormat format, IBuddyAllocator pages) : PagingModel(format, pages)
{
    protected override StackRules Stack => StackRules.Linux with { GuardGap = Pfn.PageSize };
}

/// <summary>
/// The guard gap kept from a PROT_NONE mapping below the stack too: the regression of commit 1be7107fbe18 that broke
/// the Java and Rust runtimes which punch their own PROT_NONE guard below the stack, fixed by commit 561b5e0709e4
/// "mm/mmap.c: do not blow on PROT_NONE MAP_FIXED holes in the stack". The stack-neighbour phase
/// (PagingGen.StackNeighbour) maps a PROT_NONE neighbour a page below, at and above the gap: caught after 6 cases
/// at the seed, 299 without the issue-13 phases.
/// </summary>
public sealed class StackGuardGapBelowProtNone(PagingFormat format, IBuddyAllocator pages)
    : PagingModel(format, pages)
{
    protected override StackRules Stack => StackRules.Linux with { GapBelowInaccessible = true };
}

/// <summary>
/// The guard page counted towards RLIMIT_STACK: the stack stops a page short of its limit, the regression of
/// fee7e49d4514 that "mm: Don't count the stack guard page towards RLIMIT_STACK" fixed (Linux 3.19; in 3.18.3 as
/// f2f5d44). Caught at the seed by a write at the stack-limit boundary target (PagingGen.AtBoundary) after 57
/// cases; the older stack-growth phase finds it too (15 cases without the issue-13 phases), so it earns no phase its
/// place and is kept as a real bug.
/// </summary>
public sealed class StackLimitCountsGuardPage(PagingFormat format, IBuddyAllocator pages)
    : PagingModel(format, pages)
{
    protected override StackRules Stack => StackRules.Linux with { Limit = UserLayout.StackLimit - Pfn.PageSize };
}

/// <summary>
/// brk's lower bound taken as the end of the text (mm->end_code), not start_brk: the break goes below start_brk and
/// brk unmaps the data and bss above the text, the bound that commit a5b4592cf77b "brk: make sys_brk() honor
/// COMPAT_BRK when computing lower bound" set and "brk: fix min_brk lower bound computation for COMPAT_BRK" (Jiri
/// Kosina, 2011) corrected. The brk-reuse phase (PagingGen.BrkReuse) shrinks the heap to a page below start_brk:
/// caught after 36 cases at the seed, 113 without the issue-13 phases (a random brk shrink of the mixed phase).
/// </summary>
public sealed class BrkBelowStartBrk(PagingFormat format, IBuddyAllocator pages) : PagingModel(format, pages)
{
    protected override ulong MinBrk => UserLayout.DataStart(Format);
}

/// <summary>
/// MAP_FIXED_NOREPLACE that only checks whether its start is mapped: a VMA further inside the range is clobbered
/// (unmapped, then replaced), the bug commit 7aa867dd8966 "mm/mmap.c: don't clobber partially overlapping VMA with
/// MAP_FIXED_NOREPLACE" fixed. The sparse phase's mappings at table boundaries (PagingGen.Sparse) overlap so: caught
/// after 3 cases with or without the issue-13 phases; kept as a real bug, not as a phase's reason.
/// </summary>
internal sealed class FixedNoReplaceClobbers(IPagingSystem inner) : ForwardingPaging(inner)
{
    public override Result<VirtAddr> Mmap(AsId mm, MmapRequest request)
    {
        if (request.Fixed is { } at && request.Pages > 0 && request.Pages <= Format.UserTop / Pfn.PageSize
            && Snapshot().Spaces.FirstOrDefault(s => s.Id == mm) is { } space
            && !space.Vmas.Any(v => v.Contains(at.Value)))
        {
            Munmap(mm, at, request.Pages);
        }

        return base.Mmap(mm, request);
    }
}
