using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Impl.Paging;

/// <summary>The mapping syscalls as mm/mmap.c and mm/mprotect.c have them: mmap, munmap, mprotect and brk.</summary>
public sealed partial class PagingSystem
{
    /// <summary>do_mmap: checks in the model's order, then get_unmapped_area top-down or MAP_FIXED_NOREPLACE.</summary>
    public Result<VirtAddr> Mmap(AsId mm, MmapRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        var at = request.Fixed ?? new VirtAddr(0);
        if (request.Pages == 0 || request.Pages > Format.UserTop / Pfn.PageSize)
        {
            return new InvalidRange(at, request.Pages, "length is 0 or larger than user space");
        }

        if (request.File is < 0)
        {
            return new InvalidRange(at, request.Pages, $"no file {request.File}");
        }

        var length = request.Pages << Pfn.PageShift;
        ulong start;
        if (request.Fixed is { } fixedAt)
        {
            if (CheckUserRange(fixedAt, request.Pages) is { } bad)
            {
                return bad;
            }

            if (fixedAt.Value < UserLayout.MmapMinAddr)
            {
                return new InvalidRange(fixedAt, request.Pages, "below mmap_min_addr");
            }

            if (!m.Vmas.IsFree(fixedAt.Value, fixedAt.Value + length))
            {
                return new RangeInUse(fixedAt, request.Pages);
            }

            start = fixedAt.Value;
        }
        else if (m.Vmas.FindGapTopDown(length, UserLayout.MmapMinAddr, UserLayout.MmapBase(Format)) is { } gap)
        {
            start = gap;
        }
        else
        {
            return new NoVirtualSpace(request.Pages);
        }

        MappedObject? backing = null;
        if (request.File is { } file)
        {
            backing = new MappedObject(false, file);
        }
        else if (request.Shared)
        {
            // shmem_zero_setup: a new shmem object behind this mapping alone.
            backing = new MappedObject(true, _nextShmem++);
            _shmemOwner.Add(backing.Value.Id, mm);
        }

        m.Vmas = m.Vmas.Insert(new Vma(start, start + length, request.Prot, backing,
            request.File is null ? 0 : request.PgOff, request.Shared));
        return new VirtAddr(start);
    }

    public Result<Unit> Munmap(AsId mm, VirtAddr addr, ulong pages)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        if (CheckUserRange(addr, pages) is { } bad)
        {
            return bad;
        }

        Unmap(m, addr.Value, addr.Value + (pages << Pfn.PageShift));
        ReleaseUnusedShmem();
        return Unit.Value;
    }

    /// <summary>
    /// mprotect_fixup, then change_protection over the tables of the range: new rights, A and D kept.
    /// </summary>
    public Result<Unit> Mprotect(AsId mm, VirtAddr addr, ulong pages, VmProt prot)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        if (CheckUserRange(addr, pages) is { } bad)
        {
            return bad;
        }

        var end = addr.Value + (pages << Pfn.PageShift);
        if (!m.Vmas.Covers(addr.Value, end))
        {
            return new RangeNotMapped(addr, pages);
        }

        m.Vmas = m.Vmas.Protect(addr.Value, end, prot);
        VisitLeaves(m, m.Pgd, 0, 0, addr.Value, end - 1, LeafAction.Protect);
        return Unit.Value;
    }

    public Result<VirtAddr> Brk(AsId mm, VirtAddr newBrk)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        var current = new VirtAddr(m.Brk);
        if (newBrk.Value < UserLayout.StartBrk(Format))
        {
            return new BrkRefused(newBrk, current, "below start_brk");
        }

        var oldEnd = PageMath.Up(m.Brk);
        var newEnd = PageMath.Up(newBrk.Value);
        if (newEnd < oldEnd)
        {
            Unmap(m, newEnd, oldEnd);
            ReleaseUnusedShmem();
        }
        else if (newEnd > oldEnd)
        {
            // do_brk_flags: the heap may not run into the next mapping, with a page to spare.
            if (newEnd > Format.UserTop || !m.Vmas.IsFree(oldEnd, newEnd + Pfn.PageSize))
            {
                return new BrkRefused(newBrk, current, "the heap would run into a mapping");
            }

            m.Vmas = m.Vmas.Insert(new Vma(oldEnd, newEnd, VmProt.Read | VmProt.Write, null, 0, false));
        }

        m.Brk = newBrk.Value;
        return newBrk;
    }
}
