using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>
/// The fault handler's VMA half, which the model and the implementation share (<see cref="FaultPlan"/>), checked
/// against Linux's answers (lock_mm_and_find_vma, expand_downwards, access_error): the lockstep cannot see a mistake
/// both sides make alike.
/// </summary>
public sealed class FaultPlanExamples
{
    private const ulong Page = Pfn.PageSize;
    private static readonly PagingFormat Format = VmaPlanExamples.Format;
    private static readonly VmaSet Initial = VmaPlanExamples.Initial;
    private static readonly ulong Top = UserLayout.StackTop(Format);
    private static readonly ulong StackStart = Top - (UserLayout.InitialStackPages * Page);
    private static readonly Vma Stack = Initial.Find(StackStart)!;

    [Fact]
    public void A_fault_in_a_vma_is_resolved_there_and_leaves_the_vmas_as_they_are()
    {
        var text = UserLayout.TextStart(Format) + Page + 5;
        var target = Plan(Initial, text, Access.Fetch)!;
        Assert.Equal(Initial.Find(text), target.Vma);
        Assert.Same(Initial, target.Vmas);
        Assert.Same(Initial, Plan(Initial, StackStart, Access.Write)!.Vmas);
    }

    [Fact]
    public void A_fault_below_the_stack_grows_it_down_to_the_page_of_the_address()
    {
        var addr = StackStart - (3 * Page) + 7;
        var target = Plan(Initial, addr, Access.Write)!;
        var grown = Stack with { Start = StackStart - (3 * Page) };
        Assert.Equal(grown, target.Vma);
        Assert.Equal(grown, target.Vmas.All[^1]);
        Assert.Equal(Initial.All.Length, target.Vmas.All.Length);
        Assert.Equal(Stack, Initial.All[^1]);
    }

    /// <summary>acct_stack_growth: the stack may span RLIMIT_STACK (8 MiB) from its end, not a page more.</summary>
    [Fact]
    public void The_stack_grows_to_8_mib_and_not_a_page_further()
    {
        var deepest = Top - UserLayout.StackLimit;
        Assert.Equal(deepest, Plan(Initial, deepest, Access.Read)!.Vma.Start);
        Assert.Null(Plan(Initial, deepest - 1, Access.Read));
    }

    /// <summary>
    /// expand_downwards enforces stack_guard_gap only against an accessible VMA below: a PROT_NONE mapping, even
    /// right below the new start, does not stop the stack.
    /// </summary>
    [Fact]
    public void The_stack_grows_right_up_to_a_prot_none_vma_below_it()
    {
        var below = StackStart - (4 * Page);
        var vmas = Initial.Insert(Anon(below - Page, below, VmProt.None));
        Assert.Equal(below, Plan(vmas, below, Access.Write)!.Vma.Start);
    }

    [Fact]
    public void The_stack_keeps_the_guard_gap_above_an_accessible_vma_below_it()
    {
        var page = StackStart - (16 * Page);
        var atGap = Initial.Insert(Anon(page - UserLayout.StackGuardGap - Page, page - UserLayout.StackGuardGap,
            VmProt.Read));
        Assert.Equal(page, Plan(atGap, page, Access.Write)!.Vma.Start);
        var withinGap = Initial.Insert(Anon(page - UserLayout.StackGuardGap, page - UserLayout.StackGuardGap + Page,
            VmProt.Read));
        Assert.Null(Plan(withinGap, page, Access.Write));
        Assert.Null(Plan(Initial.Insert(Anon(page - Page, page, VmProt.Read | VmProt.Write)), page, Access.Read));
    }

    /// <summary>
    /// expand_downwards checks the gap against vma_prev alone: an accessible VMA within the gap but below a PROT_NONE
    /// one does not count.
    /// </summary>
    [Fact]
    public void Only_the_vma_just_below_the_stack_counts_for_the_guard_gap()
    {
        var page = StackStart - (2 * Page);
        var vmas = Initial
            .Insert(Anon(page - (3 * Page), page - (2 * Page), VmProt.Read | VmProt.Write))
            .Insert(Anon(page - (2 * Page), page - Page, VmProt.None));
        Assert.Equal(page, Plan(vmas, page, Access.Read)!.Vma.Start);
    }

    /// <summary>
    /// A VMA that ends above the address is what find_vma finds, not the stack: no growth over it, PROT_NONE or not,
    /// and a fault inside it is that VMA's (PROT_NONE: refused by access_error).
    /// </summary>
    [Fact]
    public void The_stack_never_grows_over_the_vma_below_it()
    {
        var below = StackStart - (4 * Page);
        var vmas = Initial.Insert(Anon(below - Page, below, VmProt.None));
        Assert.Null(Plan(vmas, below - Page - 1, Access.Write));
        Assert.Null(Plan(vmas, below - Page, Access.Read));
        Assert.Null(Plan(Initial.Remove(StackStart, Top), Top - Page, Access.Write));
    }

    /// <summary>access_error: a write needs VM_WRITE, a read or fetch any access; a read-only page is no bar.</summary>
    [Fact]
    public void A_write_needs_prot_write_and_a_read_of_prot_none_is_refused()
    {
        var text = UserLayout.TextStart(Format);
        Assert.Null(Plan(Initial, text, Access.Write));
        Assert.NotNull(Plan(Initial, text, Access.Read));
        var none = UserLayout.MmapBase(Format) - Page;
        var vmas = Initial.Insert(Anon(none, none + Page, VmProt.None));
        Assert.Null(Plan(vmas, none, Access.Read));
        Assert.Null(Plan(vmas, none, Access.Fetch));
        Assert.Null(Plan(vmas, none, Access.Write));
        var writeOnly = Initial.Insert(Anon(none, none + Page, VmProt.Write));
        Assert.NotNull(Plan(writeOnly, none, Access.Read));
    }

    /// <summary>
    /// access_error on a protection fault: a write to a writable VMA is copy-on-write; any other protection fault
    /// is refused (the page is there, and the VMA does not allow the access).
    /// </summary>
    [Fact]
    public void A_protection_fault_is_resolved_only_for_a_write_to_a_writable_vma()
    {
        var data = new VirtAddr(UserLayout.DataStart(Format));
        var cow = new PageFault(data, FaultKind.WriteToReadOnly, PageLevel.Pte);
        Assert.Equal(Initial.Find(data.Value), FaultPlan.Plan(Format, Initial, data, Access.Write, cow)!.Vma);
        var nx = new PageFault(data, FaultKind.FetchFromNx, PageLevel.Pte);
        Assert.Null(FaultPlan.Plan(Format, Initial, data, Access.Fetch, nx));
        var kernel = new PageFault(data, FaultKind.UserToSupervisor, PageLevel.Pgd);
        Assert.Null(FaultPlan.Plan(Format, Initial, data, Access.Read, kernel));
    }

    /// <summary>
    /// fault_in_kernel_space: no user fault at or above TASK_SIZE_MAX; and a non-canonical address (#GP) is refused
    /// even where the fault names a writable user page.
    /// </summary>
    [Fact]
    public void A_kernel_or_non_canonical_address_is_refused()
    {
        Assert.Null(Plan(Initial, Top, Access.Read));
        Assert.Null(Plan(Initial, Format.VmallocStart, Access.Read));
        var bss = new VirtAddr(UserLayout.BssStart(Format));
        var fault = new PageFault(bss, FaultKind.NonCanonical, null);
        Assert.Null(FaultPlan.Plan(Format, Initial, bss, Access.Write, fault));
    }

    private static FaultTarget? Plan(VmaSet vmas, ulong addr, Access access) =>
        FaultPlan.Plan(Format, vmas, new VirtAddr(addr), access,
            new PageFault(new VirtAddr(addr), FaultKind.NotPresent, PageLevel.Pte));

    private static Vma Anon(ulong start, ulong end, VmProt prot) => new(start, end, prot, null, 0, false);
}
