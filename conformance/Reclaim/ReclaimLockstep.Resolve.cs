using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;

namespace MMSpec.Conformance.Reclaim;

public sealed partial class ReclaimLockstep
{
    /// <summary>
    /// The call a step names in <paramref name="state"/>: handles taken modulo what exists; null when the step names
    /// something there is none of (no address space, no mapping, no kernel allocation).
    /// </summary>
    private static ReclaimOp? Resolve(ReclaimStep step, ReclaimSnapshot state) => step switch
    {
        NewMm => new ReclaimOp.CreateMm(),
        ForkMm f => MmAt(state, f.Mm) is { } mm ? new ReclaimOp.Fork(mm.Id) : null,
        ExitMm e => MmAt(state, e.Mm) is { } mm ? new ReclaimOp.ExitMm(mm.Id) : null,
        MapStep m => MmAt(state, m.Mm) is { } mm ? Map(state.Config, mm, m) : null,
        UnmapStep u => MappingAt(state, u.Mm, u.Mapping) is var (mm, mapping)
            ? new ReclaimOp.Munmap(mm.Id, mapping.Start) : null,
        TouchStep t => PageAt(state, t.Mm, t.Mapping, t.Page) is var (mm, addr)
            ? new ReclaimOp.Access(mm, new CpuId(t.Cpu % state.Config.Cpus), addr, t.Write, t.Write ? t.Value : 0)
            : null,
        FileIoStep f when state.Config.Files > 0 => FileIo(state.Config, f),
        PinStep p => PageAt(state, p.Mm, p.Mapping, p.Page) is var (mm, addr)
            ? p.Unpin ? new ReclaimOp.Unpin(mm, addr) : new ReclaimOp.Pin(mm, addr) : null,
        PageOutStep p => PageAt(state, p.Mm, p.Mapping, p.Page) is var (mm, addr)
            ? new ReclaimOp.PageOut(mm, addr) : null,
        SwappinessStep s => new ReclaimOp.SetSwappiness(s.Value),
        SwaponStep s => new ReclaimOp.Swapon((ulong)Math.Max(0, s.Slots), s.Priority),
        SwapoffStep s => new ReclaimOp.Swapoff(AreaAt(state, s.Area)),
        ReclaimNow => new ReclaimOp.TryToFreePages(),
        WritebackStep w => w.End ? new ReclaimOp.EndWriteback() : new ReclaimOp.StartWriteback(),
        CompactStep c => new ReclaimOp.Compact(c.OtherZone ? ZoneType.Dma : ZoneType.Normal, c.Order),
        KernelAllocStep k => new ReclaimOp.KernelAlloc(new Order(k.Order)),
        KernelFreeStep k => KernelFree(state, k),
        SwapSlotStep s => SwapSlot(state, s),
        BadAccessStep b => BadAccess(state, b),
        _ => null,
    };

    private static MmState? MmAt(ReclaimSnapshot state, int handle) =>
        state.Mms.IsEmpty ? null : state.Mms[Math.Abs(handle % state.Mms.Length)];

    /// <summary>
    /// Mapping #<paramref name="mapping"/> of an address space; a negative handle counts from the last (-1).
    /// </summary>
    private static (MmState Mm, MappingState Mapping)? MappingAt(ReclaimSnapshot state, int mm, int mapping)
    {
        if (MmAt(state, mm) is not { Mappings.IsEmpty: false } space)
        {
            return null;
        }

        var count = space.Mappings.Length;
        var index = mapping >= 0 ? mapping % count : count - 1 - ((-(long)mapping - 1) % count);
        return (space, space.Mappings[(int)index]);
    }

    private static (AsId Mm, VirtAddr Addr)? PageAt(ReclaimSnapshot state, int mm, int mapping, int page) =>
        MappingAt(state, mm, mapping) is var (space, map)
            ? (space.Id, new VirtAddr(map.Start.Value + ((ulong)Math.Abs(page) % map.Pages * Pfn.PageSize)))
            : null;

    private static ReclaimOp.Mmap Map(ReclaimConfig config, MmState mm, MapStep m)
    {
        var file = m.Kind is MapKind.File or MapKind.FileExec;
        if (file && config.Files == 0)
        {
            return new ReclaimOp.Mmap(mm.Id, MapKind.Anon, 0, (ulong)Math.Max(1, m.Pages));
        }

        var pages = file ? 1 + ((ulong)Math.Abs(m.Pages) % config.FilePages) : (ulong)Math.Max(1, m.Pages);
        return new ReclaimOp.Mmap(mm.Id, m.Kind, file ? Math.Abs(m.File) % config.Files : 0, pages);
    }

    private static ReclaimOp FileIo(ReclaimConfig config, FileIoStep f)
    {
        var file = Math.Abs(f.File) % config.Files;
        var pgoff = (ulong)Math.Abs(f.PgOff) % config.FilePages;
        return f.Write ? new ReclaimOp.WriteFile(file, pgoff, f.Value) : new ReclaimOp.ReadFile(file, pgoff);
    }

    /// <summary>Area #handle of those that are on; a handle past SwapType.Max names a type no area can have.</summary>
    private static SwapType AreaAt(ReclaimSnapshot state, int handle) =>
        handle >= SwapType.Max || state.Swap.IsEmpty ? new SwapType(Math.Max(handle, SwapType.Max))
            : state.Swap[Math.Abs(handle % state.Swap.Length)].Type;

    private static ReclaimOp.KernelFree? KernelFree(ReclaimSnapshot state, KernelFreeStep k)
    {
        if (!k.Bogus)
        {
            return state.KernelPages.IsEmpty ? null
                : new ReclaimOp.KernelFree(state.KernelPages[Math.Abs(k.Handle % state.KernelPages.Length)].Pfn);
        }

        var starts = state.KernelPages.Select(b => b.Pfn.Value).ToHashSet();
        var pfn = (ulong)Math.Abs(k.Handle) % (state.Config.Frames + 2);
        while (starts.Contains(pfn))
        {
            pfn++;
        }

        return new ReclaimOp.KernelFree(new Pfn(pfn));
    }

    /// <summary>
    /// Slot #offset of an area, up to one past its end (slot 0, the end and unused slots are bad entries).
    /// </summary>
    private static ReclaimOp.ReadSwapSlot SwapSlot(ReclaimSnapshot state, SwapSlotStep s)
    {
        var type = AreaAt(state, s.Area);
        var area = state.Swap.FirstOrDefault(a => a.Type == type);
        var offset = area is null ? (ulong)Math.Abs(s.Offset) : (ulong)Math.Abs(s.Offset) % (area.Slots + 1);
        return new ReclaimOp.ReadSwapSlot(new SwapEntry(type, offset));
    }

    private static ReclaimOp? BadAccess(ReclaimSnapshot state, BadAccessStep b)
    {
        var any = PageAt(state, b.Value, b.Value, b.Value);
        var text = state.Mms.SelectMany(m => m.Mappings.Where(x => x.Kind == MapKind.FileExec).Select(x => (m, x)))
            .FirstOrDefault();
        return b.Kind switch
        {
            BadAccessKind.ExitedMm => new ReclaimOp.Access(new AsId(1_000_000 + Math.Abs(b.Value)), new CpuId(0),
                new VirtAddr(ReclaimModel.FirstMapping), false),
            BadAccessKind.NoSuchCpu when any is var (mm, addr) =>
                new ReclaimOp.Access(mm, new CpuId(state.Config.Cpus + (Math.Abs(b.Value) % 3)), addr, false),
            BadAccessKind.Unmapped when MmAt(state, b.Value) is { } space =>
                new ReclaimOp.Access(space.Id, new CpuId(0),
                    new VirtAddr(Pfn.PageSize * (ulong)(Math.Abs(b.Value) % 16)), true, 1),
            BadAccessKind.WriteToText when text.m is not null =>
                new ReclaimOp.Access(text.m.Id, new CpuId(0), text.x.Start, true, 7),
            BadAccessKind.NoSuchFilePage => new ReclaimOp.ReadFile(state.Config.Files + (Math.Abs(b.Value) % 2),
                (ulong)Math.Abs(b.Value)),
            _ => null,
        };
    }
}
