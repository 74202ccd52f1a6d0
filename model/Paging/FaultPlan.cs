using System.Diagnostics;
using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// Where a fault is resolved: the VMA that holds the address, and the address space's VMAs with it (the set the
/// fault came with, or that set with the stack grown down to the address).
/// </summary>
public sealed record FaultTarget(Vma Vma, VmaSet Vmas);

/// <summary>
/// The rules a growing stack keeps (expand_downwards and acct_stack_growth): <see cref="GuardGap"/> is
/// stack_guard_gap, <see cref="Limit"/> RLIMIT_STACK, and <see cref="GapBelowInaccessible"/> whether the gap is kept
/// from a PROT_NONE VMA below too. <see cref="Linux"/> holds Linux 6.18's; a broken variant passes an older kernel's.
/// </summary>
public sealed record StackRules(ulong GuardGap, ulong Limit, bool GapBelowInaccessible)
{
    public static StackRules Linux { get; } = new(UserLayout.StackGuardGap, UserLayout.StackLimit, false);
}

/// <summary>
/// The VMA half of the page-fault handler (do_user_addr_fault, arch/x86/mm/fault.c): from an address space's VMAs
/// and a fault, the VMA the fault is resolved in, the stack grown down to it if need be, or a refusal (SIGSEGV). The
/// model and the implementation then fault the page in, each in its own tables; as with <see cref="VmaPlan"/>, the
/// planning is written once, so that neither side is a pasted copy of the other, and its rules are checked against
/// Linux's answers by examples instead (properties/Paging/FaultPlanExamples.cs).
/// </summary>
public static class FaultPlan
{
    /// <summary>
    /// do_user_addr_fault up to handle_mm_fault: fault_in_kernel_space, lock_mm_and_find_vma (find_vma, or
    /// expand_stack_locked when the next VMA up is the stack), then access_error. Null is bad_area or
    /// bad_area_access_error: the fault is refused and the caller keeps <paramref name="vmas"/>, as it does when
    /// the fault-in then runs out of frames. <paramref name="stack"/> is the growth rules, Linux's unless a broken
    /// variant passes an older kernel's.
    /// </summary>
    public static FaultTarget? Plan(PagingFormat format, VmaSet vmas, VirtAddr addr, Access access, PageFault fault,
        StackRules? stack = null)
    {
        // fault_in_kernel_space: no VMA lies at or above TASK_SIZE_MAX, so a fault there is no user fault to
        // resolve. A non-canonical address raises #GP, not #PF: nothing to resolve either, whatever it names.
        if (fault.Kind == FaultKind.NonCanonical || addr.Value >= format.UserTop)
        {
            return null;
        }

        var target = vmas.Find(addr.Value) is { } vma
            ? new FaultTarget(vma, vmas)
            : ExpandDownwards(format, vmas, addr.Value, stack ?? StackRules.Linux);
        return target is { } found && !AccessError(fault, access, found.Vma) ? found : null;
    }

    /// <summary>
    /// access_error (arch/x86/mm/fault.c): a write needs VM_WRITE; any other protection fault is an error; a read
    /// or fetch that finds no page needs the VMA accessible (vma_is_accessible).
    /// </summary>
    private static bool AccessError(PageFault fault, Access access, Vma vma) =>
        access == Access.Write
            ? !vma.Prot.HasFlag(VmProt.Write)
            : fault.Kind != FaultKind.NotPresent || !vma.IsAccessible;

    /// <summary>
    /// lock_mm_and_find_vma's growth for an address that no VMA holds (expand_stack_locked in mm/mmap.c, then
    /// expand_downwards in mm/vma.c): find_vma's VMA above it must be the stack, which then starts at the address's
    /// page, within RLIMIT_STACK and, when the VMA below it is accessible, stack_guard_gap above that VMA's end.
    /// </summary>
    private static FaultTarget? ExpandDownwards(PagingFormat format, VmaSet vmas, ulong addr, StackRules rules)
    {
        // The stack is the VMA that ends at STACK_TOP (setup_arg_pages), the only VM_GROWSDOWN VMA here: mmap takes
        // no MAP_GROWSDOWN, and a piece that munmap or mprotect splits off the stack, VM_GROWSDOWN in Linux
        // (split_vma copies vm_flags), is an ordinary VMA here (docs/paging.md, "Known differences").
        if (vmas.Find(UserLayout.StackTop(format) - 1) is not { } stack)
        {
            return null;
        }

        Debug.Assert(addr < stack.Start, "no VMA holds the address, and the stack holds its start up to TASK_SIZE");
        var page = PageMath.Down(addr);
        var prev = vmas.Prev(stack);
        if (prev is not null && prev.End > addr)
        {
            // find_vma(addr) is not the stack but a VMA below it, which is no VM_GROWSDOWN: bad_area.
            return null;
        }

        // expand_downwards: vma_prev only, exempt when it is not accessible (PROT_NONE) or VM_GROWSDOWN (no such
        // VMA here). The distance cannot wrap: prev ends at or below the page.
        if (prev is not null && (prev.IsAccessible || rules.GapBelowInaccessible) && page - prev.End < rules.GuardGap)
        {
            return null;
        }

        // acct_stack_growth: the size from the stack's end down to the new start within RLIMIT_STACK.
        if (stack.End - page > rules.Limit)
        {
            return null;
        }

        // expand_downwards' first check, -EPERM below mmap_min_addr, cannot fail after that one: 8 MiB below every
        // format's TASK_SIZE (3 GiB at least) is far above mmap_min_addr.
        Debug.Assert(page >= UserLayout.MmapMinAddr, "RLIMIT_STACK keeps the stack above mmap_min_addr");
        var grown = stack with { Start = page };
        return new FaultTarget(grown, vmas.Resize(stack, page, stack.End));
    }
}
