using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using AccessKind = MMSpec.Model.Paging.Access;

namespace MMSpec.Impl.Paging;

/// <summary>
/// The page-fault handler: fault-in and copy-on-write in the VMA that <see cref="FaultPlan"/> finds (the VMA lookup,
/// stack growth and access_error).
/// </summary>
public sealed partial class PagingSystem
{
    /// <summary>
    /// do_user_addr_fault: the VMA from <see cref="FaultPlan"/> (the stack grown if need be), then fault in or break
    /// COW. Null means SIGSEGV.
    /// </summary>
    private Result<Unit>? HandleFault(ImplMm m, ulong addr, AccessKind access, PageFault fault)
    {
        if (FaultPlan.Plan(Format, m.Vmas, new VirtAddr(addr), access, fault) is not { } target)
        {
            return null;
        }

        var page = PageMath.Down(addr);
        var handled = fault.Kind == FaultKind.NotPresent
            ? FaultIn(m, target.Vma, page, access)
            : BreakCow(m, target.Vma, page);
        if (handled.IsOk)
        {
            // Only with the page in: out of frames, the stack does not stay grown either.
            m.Vmas = target.Vmas;
        }

        return handled;
    }

    /// <summary>
    /// handle_pte_fault for a page that is not present: every frame needed (missing tables, then the page)
    /// allocated first, so running out changes nothing; then __pte_alloc down the walk and do_anonymous_page (a write:
    /// a cleared page; a read or fetch: the zero page, no frame), do_read_fault / do_shared_fault (the page-cache page)
    /// or do_cow_fault (a private copy).
    /// </summary>
    private Result<Unit> FaultIn(ImplMm m, Vma vma, ulong page, AccessKind access)
    {
        var table = m.Pgd;
        var depth = 0;
        for (; depth < Format.Depth - 1
            && Entry(table, Format.IndexOf(page, depth)) is var entry && entry != 0; depth++)
        {
            table = PagingFormat.FrameOf(entry);
        }

        var tables = Format.Depth - 1 - depth;
        var zero = vma.Backing is null && access != AccessKind.Write;
        var cow = vma.Backing is { Shmem: false } && !vma.Shared && access == AccessKind.Write;
        var key = vma.Backing is { } obj ? (obj, vma.PgOffOf(page)) : default;
        var cached = default(Pfn);
        var newPage = !zero && (vma.Backing is null || cow || !_cache.TryGet(key, out cached));
        var needed = tables + (newPage ? 1 : 0);
        if (!AllocFrames(needed, _frames))
        {
            return new FaultOutOfMemory(new VirtAddr(page), needed);
        }

        var next = 0;
        for (; depth < Format.Depth - 1; depth++)
        {
            table = ChildOrNew(m, table, depth, page, _frames, ref next);
        }

        var frame = zero ? _zeroPage : newPage ? _frames[next] : cached;
        var anonymous = !zero && (vma.Backing is null || cow);
        if (anonymous)
        {
            if (cow)
            {
                _memory.Load(frame, _cache.TryGet(key, out var source) ? _memory.Save(source) : _cache.OnDisk(key));
            }
            else
            {
                _memory.Clear(frame);
            }

            m.CountPage(null, 1);
        }
        else if (!zero)
        {
            if (newPage)
            {
                _memory.Load(frame, _cache.OnDisk(key));
                _cache.Add(key, frame);
            }

            _cache.Map(key, 1);
            m.CountPage(key.obj, 1);
        }

        SetEntry(table, Format.IndexOf(page, Format.Depth - 1), PagingFormat.MakeEntry(frame, PteFor(vma, anonymous)));
        return Unit.Value;
    }

    /// <summary>
    /// do_wp_page, wp_page_copy: the zero page (is_zero_pfn) is replaced by a new cleared page, a private file
    /// mapping's page-cache page by a copy; the new anonymous page is writable and counted in MM_ANONPAGES.
    /// </summary>
    private Result<Unit> BreakCow(ImplMm m, Vma vma, ulong page)
    {
        var table = LeafTable(m, page)!.Value;
        var index = Format.IndexOf(page, Format.Depth - 1);
        var old = Entry(table, index);
        var oldFrame = PagingFormat.FrameOf(old);
        var owner = _cache.OwnerOf(oldFrame);
        if ((owner is null && oldFrame != _zeroPage) || vma.Shared)
        {
            throw new InvalidOperationException(
                $"write fault on {page:x} in {vma}, which is writable: the entry should have been");
        }

        if (!AllocFrames(1, _frames))
        {
            return new FaultOutOfMemory(new VirtAddr(page), 1);
        }

        if (owner is null)
        {
            // vma_alloc_zeroed_movable_folio: a new page of zeroes, not a copy of the zero page's frame.
            _memory.Clear(_frames[0]);
        }
        else
        {
            _memory.Copy(oldFrame, _frames[0]);
        }

        SetEntry(table, index,
            PagingFormat.MakeEntry(_frames[0], PteFor(vma, true) | (Format.FlagsOf(old) & PteFlags.Accessed)));
        m.CountPage(null, 1);
        if (owner is { } key)
        {
            m.CountPage(key.Backing, -1);
            _cache.Map(key, -1);
            if (_cache.EvictIfUnmapped(key, _memory) is { } evicted)
            {
                Free(evicted);
            }
        }

        return Unit.Value;
    }

    /// <summary>
    /// vm_get_page_prot plus the copy-on-write rule: user, present unless PROT_NONE, writable only where the
    /// page is the mapping's own (anonymous) or the mapping is shared, NX unless PROT_EXEC.
    /// </summary>
    private PteFlags PteFor(Vma vma, bool anonymous)
    {
        var flags = PteFlags.User;
        if (vma.Prot != VmProt.None)
        {
            flags |= PteFlags.Present;
        }

        if (vma.Prot.HasFlag(VmProt.Write) && (anonymous || vma.Shared))
        {
            flags |= PteFlags.ReadWrite;
        }

        if (Format.HasNx && !vma.Prot.HasFlag(VmProt.Exec))
        {
            flags |= PteFlags.NoExecute;
        }

        return flags;
    }
}
