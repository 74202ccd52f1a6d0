using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Tlb;

/// <summary>The steps resolved against the state to the calls they make (MachineOp).</summary>
public sealed partial class TlbLockstep
{
    /// <summary>The step's handles resolved against the state: the call it makes, as data, or none.</summary>
    private MachineOp? Resolve(TlbStep step, MachineSnapshot state)
    {
        var cpus = state.Cpus.Length;
        AsId? Mm(int handle) => _spaces.TryPick(handle, out var mm) ? mm : null;
        AddressSpaceState? SpaceOf(int cpu) => state.Cpus[cpu % cpus].Mm is { } mm
            ? state.Paging.Spaces.FirstOrDefault(s => s.Id == mm)
            : null;
        VirtAddr? Page(int cpu, bool vmalloc, int index, int offset) =>
            Address(state, SpaceOf(cpu), vmalloc, index, offset);
        CpuId On(int cpu) => new(cpu % cpus);

        return step switch
        {
            CreateMm => new MachineOp.CreateAddressSpace(),
            DestroyMmStep d when Mm(d.Mm) is { } mm => new MachineOp.DestroyAddressSpace(mm),
            SwitchStep s when Mm(s.Mm) is { } mm => new MachineOp.SwitchMm(On(s.Cpu), mm),
            TouchStep t when Page(t.Cpu, t.Vmalloc, t.Index, t.Offset) is { } at =>
                new MachineOp.Access(On(t.Cpu), at, t.Access, t.Privilege, t.Value),
            MapStep m => new MachineOp.Mmap(On(m.Cpu), new MmapRequest((ulong)m.Pages, m.Prot, m.File, 0, m.Shared)),
            UnmapStep u when Page(u.Cpu, false, u.Vma, u.Offset * 4096) is { } at =>
                new MachineOp.Munmap(On(u.Cpu), at, (ulong)u.Pages),
            ProtectStep p when Page(p.Cpu, false, p.Vma, p.Offset * 4096) is { } at =>
                new MachineOp.Mprotect(On(p.Cpu), at, (ulong)p.Pages, p.Prot),
            MigratePageStep g when Mm(g.Mm) is { } mm
                && state.Paging.Spaces.FirstOrDefault(s => s.Id == mm) is { Vmas.IsEmpty: false } space =>
                new MachineOp.MigratePage(On(g.Cpu), mm,
                    new VirtAddr(space.Vmas[g.Vma % space.Vmas.Length].Start + ((ulong)g.Offset << Pfn.PageShift))),
            HeapStep h when SpaceOf(h.Cpu) is { } space => new MachineOp.Brk(On(h.Cpu),
                new VirtAddr((ulong)Math.Max(0, (long)space.Brk + (h.DeltaPages * 4096L)))),
            VmallocAreaStep v => new MachineOp.Vmalloc((ulong)v.Pages),
            VfreeAreaStep v when !state.Paging.Vmalloc.IsEmpty => new MachineOp.Vfree(On(v.Cpu),
                new VirtAddr(state.Paging.Vmalloc[v.Area % state.Paging.Vmalloc.Length].Start)),
            InvlpgStep i when Page(i.Cpu, i.Vmalloc, i.Index, i.Offset) is { } at =>
                new MachineOp.Invlpg(On(i.Cpu), at),
            Cr3Step c => new MachineOp.WriteCr3(On(c.Cpu), c.NoFlush),
            PgeStep p => new MachineOp.TogglePge(On(p.Cpu)),
            InvpcidStep i => new MachineOp.Invpcid(On(i.Cpu), i.Type, new Pcid(i.Pcid),
                Page(i.Cpu, i.Vmalloc, i.Index, i.Offset) ?? default),
            NoSuchCpuStep n => new MachineOp.Invlpg(new CpuId(cpus + n.Cpu), default),
            _ => null,
        };
    }

    /// <summary>Offset bytes into vmalloc area #index, or into VMA #index of the CPU's address space.</summary>
    private static VirtAddr? Address(MachineSnapshot state, AddressSpaceState? space, bool vmalloc, int index,
        int offset)
    {
        var areas = state.Paging.Vmalloc;
        ulong? start = vmalloc ? (areas.IsEmpty ? null : areas[index % areas.Length].Start)
            : space is { Vmas.IsEmpty: false } ? space.Vmas[index % space.Vmas.Length].Start : null;
        return start is { } at ? new VirtAddr(at + (ulong)offset) : null;
    }

    /// <summary>The CPU a call runs on and the page it names, which the instruction checks read.</summary>
    private static (int? Cpu, ulong? Vpn) Target(MachineOp call) => call switch
    {
        MachineOp.Access a => (a.Cpu.Value, a.Addr.Vpn),
        MachineOp.Invlpg i => (i.Cpu.Value, i.Addr.Vpn),
        MachineOp.Invpcid i => (i.Cpu.Value, i.Addr.Vpn),
        MachineOp.MigratePage g => (g.Cpu.Value, g.Addr.Vpn),
        MachineOp.SwitchMm c => (c.Cpu.Value, null),
        MachineOp.WriteCr3 c => (c.Cpu.Value, null),
        MachineOp.TogglePge c => (c.Cpu.Value, null),
        MachineOp.Mmap c => (c.Cpu.Value, null),
        MachineOp.Munmap c => (c.Cpu.Value, null),
        MachineOp.Mprotect c => (c.Cpu.Value, null),
        MachineOp.Brk c => (c.Cpu.Value, null),
        MachineOp.Vfree c => (c.Cpu.Value, null),
        _ => (null, null),
    };
}
