using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Tlb;

/// <summary>
/// Generators for machine scenarios: 1 to 4 CPUs (sometimes up to 64), PCIDs on or off, small TLBs and PDE caches
/// so that capacity evictions happen, a few address spaces switched between CPUs (so several CPUs run one, CPUs
/// switch away lazily and PCIDs get reused), accesses with locality, munmap then reuse of the frames (page tables
/// included), page migration under cached entries, mprotect downgrades and upgrades, vmalloc/vfree under cached kernel
/// pages, user accesses to cached kernel pages, the invalidation instructions, and invalid ones.
/// </summary>
public static class TlbGen
{
    public static Arbitrary<TlbScenario> Scenarios(PagingFormat format, bool pcid) =>
        MutationProfile.Arbitrary(Scenario(format, pcid), ShrinkScenario);

    public static Gen<TlbScenario> Scenario(PagingFormat format, bool pcid) =>
        from frames in Gen.Choose(40, 400)
        from cpus in Gen.Frequency((6, Gen.Choose(1, 4)), (1, Gen.Choose(5, MachineConfig.MaxCpus)))
        from sets in Gen.Elements(1, 2, 4, 16)
        from ways in Gen.Elements(1, 2, 4)
        from pdeEntries in Gen.Elements(1, 2, 32)
        from steps in Steps()
        select new TlbScenario(format, (ulong)frames, new MachineConfig(cpus, pcid, sets, ways, pdeEntries), steps);

    public static Gen<ImmutableArray<TlbStep>> Steps() =>
        Gen.Sized(size =>
            from body in Gen.ListOf(Gen.Frequency((24, Step().Select(s => new[] { s })), (2, KernelPage()),
                (1, VfreedUnderCache()), (3, SharedThenUnmapped()), (2, FreedTableReused()), (2, MigratedUnderCache()),
                (1, PcidChurn())), Math.Max(8, size * 2))
            select new TlbStep[] { new CreateMm(), new SwitchStep(0, 0),
                new CreateMm() }.Concat(body.SelectMany(s => s)).ToImmutableArray());

    /// <summary>
    /// Two CPUs run one address space and cache a page; one unmaps it, the other reads there again (the shootdown's
    /// case), then the frame is reused.
    /// </summary>
    private static Gen<TlbStep[]> SharedThenUnmapped() =>
        from a in Cpu()
        from b in Cpu()
        from m in Small()
        from i in Small()
        from o in Gen.Choose(0, 4 * 4096)
        select CachedByTwo(a, b, m, i, o, 9).Concat(new TlbStep[]
        {
            new UnmapStep(a, i, o / 4096, 1), new TouchStep(b, false, i, o, Access.Read, Privilege.User, 0),
            new MapStep(a, 2, VmProt.Read | VmProt.Write, null, false),
            new TouchStep(a, false, i, o, Access.Write, Privilege.User, 5),
        }).ToArray();

    /// <summary>
    /// CPU b caches the page table of the executable's region; CPU a unmaps text, data and bss (the region's whole
    /// content while the heap is empty, so its page table is freed), grows the heap there and writes it, which hands
    /// the freed frames out again; then b reads the heap (where a PDE cache the shootdown missed walks a freed table).
    /// </summary>
    private static Gen<TlbStep[]> FreedTableReused() =>
        from a in Cpu()
        from other in Gen.Choose(1, 3)
        from m in Small()
        from o in Gen.Choose(0, 4095)
        select new TlbStep[]
        {
            new SwitchStep(a, m), new SwitchStep(a + other, m),
            new TouchStep(a + other, false, 0, o, Access.Read, Privilege.User, 0),
            new UnmapStep(a, 0, 0, (int)(UserLayout.TextPages + UserLayout.DataPages + UserLayout.BssPages)),
            new HeapStep(a, 4),
            new TouchStep(a, false, 0, o, Access.Write, Privilege.User, 3),
            new TouchStep(a, false, 0, 4096 + o, Access.Write, Privilege.User, 4),
            new TouchStep(a + other, false, 0, o, Access.Read, Privilege.User, 0),
        };

    /// <summary>
    /// Two CPUs run one address space and cache a written page; compaction on a third migrates it; both read and write
    /// it again.
    /// </summary>
    private static Gen<TlbStep[]> MigratedUnderCache() =>
        from a in Cpu()
        from b in Cpu()
        from k in Cpu()
        from m in Small()
        from i in Small()
        from o in Gen.Choose(0, 4 * 4096)
        select CachedByTwo(a, b, m, i, o, 6).Concat(new TlbStep[]
        {
            new MigratePageStep(k, m, i, o / 4096),
            new TouchStep(b, false, i, o, Access.Read, Privilege.User, 0),
            new TouchStep(a, false, i, o, Access.Write, Privilege.User, 8),
            new TouchStep(b, false, i, o, Access.Read, Privilege.User, 0),
        }).ToArray();

    /// <summary>
    /// CPUs a and b switch to address space #m; a writes <paramref name="value"/> Offset bytes into VMA #i, b reads it:
    /// both cache the page.
    /// </summary>
    private static TlbStep[] CachedByTwo(int a, int b, int m, int i, int o, byte value) =>
    [
        new SwitchStep(a, m), new SwitchStep(b, m),
        new TouchStep(a, false, i, o, Access.Write, Privilege.User, value),
        new TouchStep(b, false, i, o, Access.Read, Privilege.User, 0),
    ];

    /// <summary>
    /// More address spaces than a CPU has dynamic ASIDs, switched through on one CPU: PCIDs get reused.
    /// </summary>
    private static Gen<TlbStep[]> PcidChurn() =>
        from c in Cpu()
        select Enumerable.Range(0, Machine.DynamicAsids).Select(_ => (TlbStep)new CreateMm())
            .Concat(Enumerable.Range(0, Machine.DynamicAsids + 2).SelectMany(m =>
                new TlbStep[] { new SwitchStep(c, m), new TouchStep(c, false, 0, 0, Access.Read, Privilege.User, 0) }))
            .ToArray();

    /// <summary>
    /// A kernel page cached as a global entry by one CPU: a user access there must fault rather than hit it, a CR3
    /// write must keep it, then invlpg drops it or INVPCID type 0 (which never drops a global entry) names it.
    /// </summary>
    private static Gen<TlbStep[]> KernelPage() =>
        from c in Cpu()
        from i in Small()
        from o in Gen.Choose(0, 4095)
        from access in Gen.Elements(Access.Read, Access.Write, Access.Fetch)
        from invalidate in Gen.Elements<TlbStep>(new InvlpgStep(c, true, i, o),
            new InvpcidStep(c, InvpcidType.IndividualAddress, 0, true, i, o),
            new InvpcidStep(c, InvpcidType.IndividualAddress, 1, true, i, o))
        select new TlbStep[]
        {
            new VmallocAreaStep(1), new TouchStep(c, true, i, o, Access.Write, Privilege.Supervisor, 7),
            new TouchStep(c, true, i, o, access, Privilege.User, 9),
            new Cr3Step(c, false), new TouchStep(c, true, i, o, Access.Read, Privilege.Supervisor, 0), invalidate,
        };

    /// <summary>
    /// Two CPUs cache a vmalloc page (global entries); one vfrees the area, a new area gets its frames, both access
    /// where it was.
    /// </summary>
    private static Gen<TlbStep[]> VfreedUnderCache() =>
        from a in Cpu()
        from b in Cpu()
        from i in Small()
        from o in Gen.Choose(0, 4095)
        select new TlbStep[]
        {
            new VmallocAreaStep(1), new TouchStep(a, true, i, o, Access.Write, Privilege.Supervisor, 6),
            new TouchStep(b, true, i, o, Access.Read, Privilege.Supervisor, 0),
            new VfreeAreaStep(a, i), new VmallocAreaStep(1), new TouchStep(a, true, i, o, Access.Write,
                Privilege.Supervisor, 2), new TouchStep(b, true, i, o, Access.Read, Privilege.Supervisor, 0),
        };

    /// <summary>Simpler scenarios (<see cref="Shrink"/>): fewer steps, then simpler steps, then two CPUs.</summary>
    public static IEnumerable<TlbScenario> ShrinkScenario(TlbScenario scenario) =>
        Shrink.Sequence(scenario, scenario.Steps, static (s, steps) => s with { Steps = steps })
            .Concat(scenario.Config.Cpus > 2 ? [scenario with { Config = scenario.Config with { Cpus = 2 } }] : []);

    private static Gen<TlbStep> Step() =>
        Gen.Frequency(
            (2, Gen.Constant<TlbStep>(new CreateMm())),
            (1, Small().Select(m => (TlbStep)new DestroyMmStep(m))),
            (6, from c in Cpu() from m in Small() select (TlbStep)new SwitchStep(c, m)),
            (30, Touch(false)),
            (4, Touch(true)),
            (4, from c in Cpu() from n in Gen.Choose(1, 12) from prot in Prot() from file in Gen.Frequency((3,
                Gen.Constant<int?>(null)), (1, Gen.Choose(0, 1).Select(f => (int?)f))) from shared in Gen.Elements(true,
                false)
                select (TlbStep)new MapStep(c, n, prot, file, shared)),
            (4, from c in Cpu() from v in Small() from o in Gen.Choose(0, 4) from n in Gen.Choose(1,
                6) select (TlbStep)new UnmapStep(c, v, o, n)),
            (4, from c in Cpu() from v in Small() from o in Gen.Choose(0, 4) from n in Gen.Choose(1,
                6) from prot in Prot() select (TlbStep)new ProtectStep(c, v, o, n, prot)),
            (2, from c in Cpu() from d in Gen.Choose(-6, 8) select (TlbStep)new HeapStep(c, d)),
            (2, from c in Cpu() from m in Small() from v in Small() from o in Gen.Choose(0,
                6) select (TlbStep)new MigratePageStep(c, m, v, o)),
            (2, Gen.Choose(1, 4).Select(n => (TlbStep)new VmallocAreaStep(n))),
            (1, from c in Cpu() from a in Small() select (TlbStep)new VfreeAreaStep(c, a)),
            (3, from c in Cpu() from v in Gen.Elements(true, false) from i in Small() from o in Gen.Choose(0,
                8 * 4096) select (TlbStep)new InvlpgStep(c, v, i, o)),
            (2, from c in Cpu() from nf in Gen.Elements(true, false) select (TlbStep)new Cr3Step(c, nf)),
            (1, Cpu().Select(c => (TlbStep)new PgeStep(c))),
            (2, from c in Cpu() from t in Gen.Elements(Enum.GetValues<InvpcidType>()) from p in Gen.Frequency((6,
                Gen.Choose(0, 7)), (1, Gen.Choose(4096, 5000)),
                (3, Boundaries.Values(TlbBoundaries.Pcids).Select(v => (int)v)))
                from v in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
                from i in Small() from o in Gen.Choose(0, 4 * 4096)
                select (TlbStep)new InvpcidStep(c, t, p, v, i, o)),
            (1, Gen.Choose(0, 3).Select(n => (TlbStep)new NoSuchCpuStep(n))));

    private static Gen<TlbStep> Touch(bool vmalloc) =>
        from c in Cpu()
        from i in Small()
        from o in Gen.Frequency((5, Gen.Choose(0, 4 * 4096)), (1, Gen.Choose(0, 32 * 4096)))
        from a in Gen.Frequency((5, Gen.Constant(Access.Read)), (4, Gen.Constant(Access.Write)),
            (1, Gen.Constant(Access.Fetch)))
        from p in Gen.Frequency((8, Gen.Constant(Privilege.User)), (2, Gen.Constant(Privilege.Supervisor)))
        from v in Gen.Choose(1, 255)
        select (TlbStep)new TouchStep(c, vmalloc, i, o, a, p, (byte)v);

    private static Gen<VmProt> Prot() =>
        Gen.Elements(VmProt.Read | VmProt.Write, VmProt.Read, VmProt.None, VmProt.Read | VmProt.Exec);

    private static Gen<int> Cpu() => Gen.Frequency((4, Gen.Choose(0, 3)), (1, Gen.Choose(0, 63)));

    private static Gen<int> Small() => Gen.Choose(0, 7);
}
