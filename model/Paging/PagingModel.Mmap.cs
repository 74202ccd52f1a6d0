using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>The mapping syscalls as mm/mmap.c and mm/mprotect.c have them: mmap, munmap, mprotect and brk.</summary>
public partial class PagingModel
{
    public Result<VirtAddr> Mmap(AsId mm, MmapRequest request)
    {
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
        MappedObject? backing = request.File is { } file ? new MappedObject(false, file)
            : request.Shared ? new MappedObject(true, _nextShmem++)
            : null;
        m.Vmas = m.Vmas.Insert(new Vma(
            start, start + length, request.Prot, backing, request.File is null ? 0 : request.PgOff, request.Shared));
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
        return Unit.Value;
    }

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
            // mprotect(addr, 0, prot) returns 0: nothing to change.
            return Unit.Value;
        }

        m.Vmas = m.Vmas.Protect(addr.Value, end, prot);
        // change_protection: every entry in the range takes the new VMA's rights and keeps its A and D bits.
        foreach (var (page, pte) in m.Ptes.Where(p => p.Key >= addr.Value && p.Key < end).ToList())
        {
            m.Ptes[page] = pte with
            {
                Flags = PteFor(m.Vmas.Find(page)!, pte.Owner) | (pte.Flags & (PteFlags.Accessed | PteFlags.Dirty)),
            };
        }

        return Unit.Value;
    }

    /// <summary>min_brk, the lowest break brk takes: start_brk (without CONFIG_COMPAT_BRK).</summary>
    protected virtual ulong MinBrk => UserLayout.StartBrk(Format);

    public Result<VirtAddr> Brk(AsId mm, VirtAddr newBrk)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        var planned = VmaPlan.Brk(Format, m.Vmas, m.Brk, newBrk, MinBrk);
        if (!planned.IsOk)
        {
            return planned.Error!;
        }

        var (oldEnd, newEnd) = planned.Value;
        if (newEnd < oldEnd)
        {
            Unmap(m, newEnd, oldEnd);
        }
        else if (newEnd > oldEnd)
        {
            m.Vmas = m.Vmas.Insert(new Vma(oldEnd, newEnd, VmProt.Read | VmProt.Write, null, 0, false));
        }

        m.Brk = newBrk.Value;
        return newBrk;
    }

    /// <summary>
    /// Every error that applies to a munmap or mprotect, Linux's first (what the call returns), for the levels that
    /// accept any of them (<see cref="VmaPlan.MunmapPrecedence"/>, <see cref="VmaPlan.MprotectPrecedence"/>); null
    /// for the other calls, which break one check at a time.
    /// </summary>
    public IReadOnlyList<MmError>? ErrorsOf(PagingOp op) => op switch
    {
        Munmap u => _mms.ContainsKey(u.Mm.Value)
            ? VmaPlan.UserRangeErrors(Format, u.Addr, u.Pages) : [new UnknownAddressSpace(u.Mm)],
        Mmap a => _mms.TryGetValue(a.Mm.Value, out var space)
            ? VmaPlan.MmapErrors(Format, space.Vmas, a.Request) : [new UnknownAddressSpace(a.Mm)],
        Mprotect p => _mms.TryGetValue(p.Mm.Value, out var m)
            ? VmaPlan.MprotectErrors(Format, m.Vmas, p.Addr, p.Pages) : [new UnknownAddressSpace(p.Mm)],
        _ => null,
    };
}
