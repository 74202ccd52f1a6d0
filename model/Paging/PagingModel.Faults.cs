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
    /// write cannot reach a page that is not this mapping's own (a private mapping's page-cache page and the zero page
    /// stay read-only until they are copied), NX unless PROT_EXEC.
    /// </summary>
    protected virtual PteFlags PteFor(Vma vma, PageOwner owner)
    {
        var present = vma.Prot != VmProt.None ? PteFlags.Present : PteFlags.None;
        var writable = vma.Prot.HasFlag(VmProt.Write) && (owner.IsAnon || (owner.Backing is not null && vma.Shared))
            ? PteFlags.ReadWrite
            : PteFlags.None;
        var noExecute = Format.HasNx && !vma.Prot.HasFlag(VmProt.Exec) ? PteFlags.NoExecute : PteFlags.None;
        return PteFlags.User | present | writable | noExecute;
    }

    /// <summary>
    /// Whether a new anonymous page is cleared before it is mapped (clear_page in do_anonymous_page).
    /// </summary>
    protected virtual bool ClearsNewAnonPages => true;

    /// <summary>How the stack grows: stack_guard_gap from an accessible VMA below it, within RLIMIT_STACK.</summary>
    protected virtual StackRules Stack => StackRules.Linux;

    /// <summary>
    /// do_user_addr_fault: the VMA from <see cref="FaultPlan"/> (the stack grown if need be), then fault the page in
    /// or break copy-on-write. Null means SIGSEGV (or an oops).
    /// </summary>
    private Result<Unit>? HandleFault(ModelMm m, ulong addr, Access access, PageFault fault)
    {
        if (FaultPlan.Plan(Format, m.Vmas, new VirtAddr(addr), access, fault, Stack) is not { } target)
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

    /// <summary>What a not-present fault maps: handle_pte_fault's cases, named after their kernel functions.</summary>
    private enum FaultSource
    {
        /// <summary>do_anonymous_page, a read or fetch: the shared zero page, read-only; no frame, no RSS.</summary>
        ZeroPage,

        /// <summary>do_anonymous_page, a write: a new cleared anonymous page.</summary>
        NewAnon,

        /// <summary>do_cow_fault: a write to a private file mapping copies the file page to a new anon page.</summary>
        PrivateCopy,

        /// <summary>do_read_fault or do_shared_fault on a page the page cache holds: that page, shared.</summary>
        Cached,

        /// <summary>The same on a page it lacks: a new page-cache page, read in from the file's store.</summary>
        ReadIn,
    }

    /// <summary>
    /// handle_pte_fault for a page that is not present: allocate the missing tables (top-down), then the page
    /// (<see cref="FaultSource"/>). Out of frames: nothing changes.
    /// </summary>
    private Result<Unit> FaultIn(ModelMm m, Vma vma, ulong page, Access access)
    {
        var tables = MissingTables(m.Tables, [page]).ToList();
        var key = vma.Backing is { } obj ? (obj, vma.PgOffOf(page)) : default;
        var source = vma.Backing is null
            ? access == Paging.Access.Write ? FaultSource.NewAnon : FaultSource.ZeroPage
            : !vma.Backing.Value.Shmem && !vma.Shared && access == Paging.Access.Write ? FaultSource.PrivateCopy
            : _cache.ContainsKey(key) ? FaultSource.Cached
            : FaultSource.ReadIn;
        var needed = tables.Count + (source is FaultSource.ZeroPage or FaultSource.Cached ? 0 : 1);
        var frames = AllocFrames(needed);
        if (frames is null)
        {
            return new FaultOutOfMemory(new VirtAddr(page), needed);
        }

        for (var i = 0; i < tables.Count; i++)
        {
            m.Tables.Add(tables[i], frames[i]);
        }

        var (frame, owner) = Fill(source, key, frames.Count > tables.Count ? frames[^1] : default);
        m.Ptes.Add(page, new PageState(page, frame, PteFor(vma, owner), owner));
        return Unit.Value;
    }

    /// <summary>The frame and owner a fault maps, its bytes filled in (in <paramref name="fresh"/> if new).</summary>
    private (Pfn Frame, PageOwner Owner) Fill(FaultSource source, (MappedObject, ulong) key, Pfn fresh)
    {
        switch (source)
        {
            case FaultSource.ZeroPage:
                return (_zeroPage, PageOwner.ZeroPage);
            case FaultSource.NewAnon:
                if (ClearsNewAnonPages)
                {
                    Memory.Clear(fresh);
                }

                return (fresh, PageOwner.Anon);
            case FaultSource.PrivateCopy:
                var from = _cache.TryGetValue(key, out var cached) ? Memory.Save(cached) : _disk.GetValueOrDefault(key);
                Memory.Load(fresh, from);
                return (fresh, PageOwner.Anon);
            case FaultSource.Cached:
                return (_cache[key], new PageOwner(key.Item1, key.Item2));
            default:
                Memory.Load(fresh, _disk.GetValueOrDefault(key));
                _cache.Add(key, fresh);
                return (fresh, new PageOwner(key.Item1, key.Item2));
        }
    }

    /// <summary>
    /// do_wp_page, wp_page_copy: a write to the zero page gets a new cleared anonymous page
    /// (vma_alloc_zeroed_movable_folio), one to a private mapping's page-cache page a copy of it; writable either way.
    /// </summary>
    private Result<Unit> BreakCow(ModelMm m, Vma vma, ulong page)
    {
        var old = m.Ptes[page];
        var frames = AllocFrames(1);
        if (frames is null)
        {
            return new FaultOutOfMemory(new VirtAddr(page), 1);
        }

        if (!old.Owner.Zero)
        {
            Memory.Copy(old.Frame, frames[0]);
        }
        else if (ClearsNewAnonPages)
        {
            Memory.Clear(frames[0]);
        }

        m.Ptes[page] = new PageState(page, frames[0], PteFor(vma, PageOwner.Anon), PageOwner.Anon);
        if (old.Owner.Backing is { } backing)
        {
            EvictUnmapped([(backing, old.Owner.PgOff)]);
        }

        return Unit.Value;
    }
}
