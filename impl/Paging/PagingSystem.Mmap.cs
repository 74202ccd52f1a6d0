using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Impl.Paging;

/// <summary>The mapping syscalls as mm/mmap.c and mm/mprotect.c have them: mmap, munmap, mprotect and brk.</summary>
public sealed partial class PagingSystem
{
    /// <summary>
    /// do_mmap: planned by the model's <see cref="VmaPlan.Mmap"/> (the checks, then the place), then the VMA goes
    /// in.
    /// </summary>
    public Result<VirtAddr> Mmap(AsId mm, MmapRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        var planned = VmaPlan.Mmap(Format, m.Vmas, request);
        if (!planned.IsOk)
        {
            return planned.Error!;
        }

        var (start, length) = (planned.Value, request.Pages << Pfn.PageShift);
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

        if (VmaPlan.UserRange(Format, addr, pages) is { } bad)
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

        var planned = VmaPlan.Mprotect(Format, m.Vmas, addr, pages);
        if (!planned.IsOk)
        {
            return planned.Error!;
        }

        var end = planned.Value;
        if (end == addr.Value)
        {
            return Unit.Value;
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

        var planned = VmaPlan.Brk(Format, m.Vmas, m.Brk, newBrk);
        if (!planned.IsOk)
        {
            return planned.Error!;
        }

        var (oldEnd, newEnd) = planned.Value;
        if (newEnd < oldEnd)
        {
            Unmap(m, newEnd, oldEnd);
            ReleaseUnusedShmem();
        }
        else if (newEnd > oldEnd)
        {
            m.Vmas = m.Vmas.Insert(new Vma(oldEnd, newEnd, VmProt.Read | VmProt.Write, null, 0, false));
        }

        m.Brk = newBrk.Value;
        return newBrk;
    }
}
