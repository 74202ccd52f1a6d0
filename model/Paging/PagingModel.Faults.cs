using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// The page-fault handler: fault-in (anonymous, page cache or a private copy) and copy-on-write in the VMA that
/// <see cref="FaultPlan"/> finds (the VMA lookup, stack growth and access_error), and the PTE flags a VMA gives its
/// pages.
/// </summary>
public partial class PagingModel
{
    /// <summary>
    /// vm_get_page_prot plus the copy-on-write rule: user, present unless PROT_NONE, writable only where a
    /// write cannot reach a page that is not this mapping's own (a private mapping's page-cache page stays
    /// read-only until it is copied), NX unless PROT_EXEC.
    /// </summary>
    protected virtual PteFlags PteFor(Vma vma, PageOwner owner)
    {
        var present = vma.Prot != VmProt.None ? PteFlags.Present : PteFlags.None;
        var writable = vma.Prot.HasFlag(VmProt.Write) && (owner.Backing is null || vma.Shared)
            ? PteFlags.ReadWrite
            : PteFlags.None;
        var noExecute = Format.HasNx && !vma.Prot.HasFlag(VmProt.Exec) ? PteFlags.NoExecute : PteFlags.None;
        return PteFlags.User | present | writable | noExecute;
    }

    /// <summary>
    /// Whether a new anonymous page is cleared before it is mapped (clear_page in do_anonymous_page).
    /// </summary>
    protected virtual bool ClearsNewAnonPages => true;

    /// <summary>stack_guard_gap: how far a growing stack keeps from an accessible VMA below it.</summary>
    protected virtual ulong StackGuardGap => UserLayout.StackGuardGap;

    /// <summary>
    /// do_user_addr_fault: the VMA from <see cref="FaultPlan"/> (the stack grown if need be), then fault the page in
    /// or break copy-on-write. Null means SIGSEGV (or an oops).
    /// </summary>
    private Result<Unit>? HandleFault(ModelMm m, ulong addr, Access access, PageFault fault)
    {
        if (FaultPlan.Plan(Format, m.Vmas, new VirtAddr(addr), access, fault, StackGuardGap) is not { } target)
        {
            return null;
        }

        var page = PageMath.Down(addr);
        var handled = fault.Kind == FaultKind.NotPresent
            ? FaultIn(m, target.Vma, page, access)
            : BreakCow(m, target.Vma, page);
        if (handled.IsOk)
        {
            // Only with the page in: out of frames, the stack does not stay grown either, so nothing changes.
            m.Vmas = target.Vmas;
        }

        return handled;
    }

    /// <summary>
    /// handle_pte_fault for a page that is not present: allocate the missing tables (top-down), then the page:
    /// anonymous (cleared), a page-cache page (file or shmem, shared by every mapping of it), or for a write
    /// to a private file mapping a private copy (do_cow_fault). Out of frames: nothing changes.
    /// </summary>
    private Result<Unit> FaultIn(ModelMm m, Vma vma, ulong page, Access access)
    {
        var tables = MissingTables(m.Tables, [page]).ToList();
        var cow = vma.Backing is { Shmem: false } && !vma.Shared && access == Paging.Access.Write;
        var key = vma.Backing is { } obj ? (obj, vma.PgOffOf(page)) : default;
        var newPage = vma.Backing is null || cow || !_cache.ContainsKey(key);
        var frames = AllocFrames(tables.Count + (newPage ? 1 : 0));
        if (frames is null)
        {
            return new FaultOutOfMemory(new VirtAddr(page), tables.Count + (newPage ? 1 : 0));
        }

        for (var i = 0; i < tables.Count; i++)
        {
            m.Tables.Add(tables[i], frames[i]);
        }

        PageOwner owner;
        Pfn frame;
        if (vma.Backing is null || cow)
        {
            owner = new PageOwner(null, 0);
            frame = frames[^1];
            if (cow)
            {
                Memory.Load(
                    frame,
                    _cache.TryGetValue(key, out var cached) ? Memory.Save(cached) : _disk.GetValueOrDefault(key));
            }
            else if (ClearsNewAnonPages)
            {
                Memory.Clear(frame);
            }
        }
        else
        {
            owner = new PageOwner(key.obj, key.Item2);
            if (newPage)
            {
                frame = frames[^1];
                Memory.Load(frame, _disk.GetValueOrDefault(key));
                _cache.Add(key, frame);
            }
            else
            {
                frame = _cache[key];
            }
        }

        m.Ptes.Add(page, new PageState(page, frame, PteFor(vma, owner), owner));
        return Unit.Value;
    }

    /// <summary>
    /// do_wp_page on a private file mapping's page-cache page: copy it to a new anonymous page, writable.
    /// </summary>
    private Result<Unit> BreakCow(ModelMm m, Vma vma, ulong page)
    {
        var old = m.Ptes[page];
        var frames = AllocFrames(1);
        if (frames is null)
        {
            return new FaultOutOfMemory(new VirtAddr(page), 1);
        }

        Memory.Copy(old.Frame, frames[0]);
        var owner = new PageOwner(null, 0);
        m.Ptes[page] = new PageState(page, frames[0], PteFor(vma, owner), owner);
        EvictUnmapped([(old.Owner.Backing!.Value, old.Owner.PgOff)]);
        return Unit.Value;
    }
}
