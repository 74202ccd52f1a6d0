using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Paging;

/// <summary>The steps resolved against the state to the calls they make (PagingOp).</summary>
public sealed partial class PagingLockstep
{
    private static int? HandleOf(PagingStep step) => step switch
    {
        DestroyMm d => d.Mm,
        MmapStep m => m.Mm,
        MunmapStep m => m.Mm,
        MprotectStep m => m.Mm,
        MigrateStep m => m.Mm,
        BrkStep b => b.Mm,
        AccessStep a => a.Mm,
        MmapAtStep m => m.Mm,
        MunmapAtStep m => m.Mm,
        AccessAtStep a => a.Mm,
        BrkToStep b => b.Mm,
        MmapTaskSizeStep m => m.Mm,
        _ => null,
    };

    /// <summary>The step's handles resolved against the state: the call it makes, as data, or none.</summary>
    private PagingOp? Resolve(PagingStep step, PagingSnapshot state)
    {
        var mm = HandleOf(step) is { } handle ? Pick(handle) : null;
        var space = mm is { } picked ? state.Spaces.FirstOrDefault(s => s.Id == picked) : null;
        return step switch
        {
            NewMm => new CreateAddressSpace(),
            DestroyMm when mm is { } id => new DestroyAddressSpace(id),
            MmapStep m when mm is { } id => Mmap(id, m),
            MunmapRecent when _recent is { } r => new Munmap(r.Mm, r.Start, r.Pages),
            MunmapStep m when space is { Vmas.IsEmpty: false } =>
                InVma(space, m.Vma, m.Offset, m.Pages, m.Unaligned, (at, n) => new Munmap(space.Id, at, n)),
            MprotectStep m when space is { Vmas.IsEmpty: false } =>
                InVma(space, m.Vma, m.Offset, m.Pages, false, (at, n) => new Mprotect(space.Id, at, n, m.Prot)),
            MigrateStep m when space is { Vmas.IsEmpty: false } =>
                InVma(space, m.Vma, m.Offset, 1, m.Unaligned, (at, _) => new MigratePage(space.Id, at)),
            MigrateRecent m when _recent is { } r =>
                new MigratePage(r.Mm, new VirtAddr(r.Start.Value + ((ulong)m.Page << Pfn.PageShift))),
            BrkStep b when space is not null => Brk(space, b.Delta),
            AccessStep { Target: AccessTarget.Recent } a when _recent is { } r =>
                Access(r.Mm, r.Start.Value + (ulong)a.Offset, a),
            AccessStep a when space is not null => Access(space.Id, AddressOf(space, state, a), a),
            MmapAtStep m when mm is { } id => new Mmap(id, new MmapRequest((ulong)Math.Max(0, m.Pages), m.Prot, null,
                0, false, Place(m.Boundary, m.Delta, m.Pages, m.EndsThere))),
            MunmapAtStep m when mm is { } id =>
                new Munmap(id, Place(m.Boundary, m.Delta, m.Pages, m.EndsThere), (ulong)Math.Max(0, m.Pages)),
            AccessAtStep a when mm is { } id => new AccessByte(id,
                new VirtAddr(At(a.Boundary, a.Delta) + (ulong)(long)a.Offset), a.Access, a.Privilege, a.Value),
            MmapTaskSizeStep m when mm is { } id => new Mmap(id, new MmapRequest(
                (ulong)((long)(Format.UserTop >> Pfn.PageShift) + m.Delta), VmProt.Read | VmProt.Write, null, 0,
                false)),
            BrkToStep b when mm is { } id =>
                new Brk(id, new VirtAddr(At(b.Boundary, b.Delta) + ((ulong)Math.Max(0, b.Pages) << Pfn.PageShift))),
            VmallocStep v => new Vmalloc((ulong)Math.Max(0, v.Pages)),
            VfreeStep v when !state.Vmalloc.IsEmpty => Vfree(state, v),
            DeadMmStep d => Dead(d.Which),
            _ => null,
        };
    }

    private ulong At(int boundary, int delta) => Boundaries.Resolve(_boundaries, boundary, delta);

    /// <summary>The start of a range of <paramref name="pages"/> pages that starts or ends at a boundary.</summary>
    private VirtAddr Place(int boundary, int delta, int pages, bool endsThere)
    {
        var at = At(boundary, delta);
        var length = (ulong)Math.Max(0, pages) << Pfn.PageShift;
        return new VirtAddr(!endsThere ? at : at < length ? 0 : at - length);
    }

    private AsId? Pick(int handle) => _spaces.TryPick(handle, out var mm) ? mm : null;

    private Mmap Mmap(AsId mm, MmapStep m)
    {
        VirtAddr? at = null;
        if (m.Boundary is { } boundary)
        {
            // The span one table maps at this depth above the leaf; 2-level has only the PTE tables' 4 MiB.
            var span = Format.SpanOf(Math.Max(0, Format.Depth - 1 - Math.Clamp(boundary, 1, Format.Depth - 1)));
            at = new VirtAddr(0x4000_0000UL + ((ulong)(m.Slot + 1) * span) - ((ulong)m.Back << Pfn.PageShift));
        }

        var request = new MmapRequest((ulong)Math.Max(0, m.Pages), m.Prot, m.File, (ulong)m.PgOff, m.Shared, at);
        return new Mmap(mm, request);
    }

    /// <summary>The call on offset pages into VMA #vma (a byte more when unaligned), pages never negative.</summary>
    private static PagingOp InVma(AddressSpaceState space, int vma, int offset, int pages, bool unaligned,
        Func<VirtAddr, ulong, PagingOp> call)
    {
        var v = space.Vmas[vma % space.Vmas.Length];
        var at = new VirtAddr(v.Start + ((ulong)offset << Pfn.PageShift) + (unaligned ? 1UL : 0));
        return call(at, (ulong)Math.Max(0, pages));
    }

    private static Brk Brk(AddressSpaceState space, long delta)
    {
        var target = new VirtAddr(delta < 0 && (ulong)-delta > space.Brk ? 0 : (ulong)((long)space.Brk + delta));
        return new Brk(space.Id, target);
    }

    private ulong AddressOf(AddressSpaceState space, PagingSnapshot state, AccessStep a)
    {
        var offset = (ulong)a.Offset;
        return a.Target switch
        {
            AccessTarget.Vma when !space.Vmas.IsEmpty => space.Vmas[a.Index % space.Vmas.Length].Start + offset,
            AccessTarget.BelowStack when !space.Vmas.IsEmpty => space.Vmas[^1].Start - 1 - offset,
            AccessTarget.Vmalloc => (state.Vmalloc.IsEmpty ? Format.VmallocStart
                : state.Vmalloc[a.Index % state.Vmalloc.Length].Start) + offset,
            AccessTarget.NonCanonical => (Format.VirtualBits == 32 ? 1UL << 32 : 1UL << (Format.VirtualBits - 1))
                + offset,
            AccessTarget.Unmapped => a.Index % 2 == 0 ? offset % Pfn.PageSize : Format.KernelBase + offset,
            _ => offset,
        };
    }

    private static AccessByte Access(AsId mm, ulong addr, AccessStep a) =>
        new(mm, new VirtAddr(addr), a.Access, a.Privilege, a.Value);

    private static Vfree Vfree(PagingSnapshot state, VfreeStep v)
    {
        var area = state.Vmalloc[v.Area % state.Vmalloc.Length];
        return new Vfree(new VirtAddr(area.Start + (v.Interior ? Pfn.PageSize : 0)));
    }

    private Munmap Dead(int which)
    {
        var mm = _spaces.TryPickGone(which, out var dead) ? dead : new AsId(1000 + which);
        return new Munmap(mm, new VirtAddr(0x10000), 1);
    }
}
