using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Model.Paging;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Paging;

/// <summary>
/// Generators for paging scenarios. Machines are small (12..600 frames) so that faults run out of frames while
/// allocating a page-table page; steps come in phases: mixed operations, dense runs of accesses over a few
/// mappings, sparse mappings at and across table boundaries, page migration, stack growth to its limit, and teardown;
/// invalid operations (unaligned ranges, dead address spaces, non-canonical and kernel addresses, bad vfree) are
/// mixed in.
/// </summary>
public static class PagingGen
{
    public static Arbitrary<PagingScenario> Scenarios(PagingFormat format) =>
        MutationProfile.Arbitrary(Scenario(format), ShrinkScenario);

    public static Gen<PagingScenario> Scenario(PagingFormat format) =>
        from frames in Gen.Frequency((2, Gen.Choose(12, 40)), (3, Gen.Choose(41, 200)), (2, Gen.Choose(201, 600)))
        from steps in Steps()
        select new PagingScenario(format, (ulong)frames, steps);

    public static Gen<ImmutableArray<PagingStep>> Steps() =>
        Gen.Sized(size =>
            from phases in Gen.ListOf(Phase(Math.Max(4, size)), Math.Max(1, size / 20) + 1)
            select new PagingStep[] { new NewMm() }.Concat(phases.SelectMany(p => p)).ToImmutableArray());

    /// <summary>Simpler scenarios (<see cref="Shrink"/>): fewer steps, then simpler steps, then fewer frames.</summary>
    public static IEnumerable<PagingScenario> ShrinkScenario(PagingScenario scenario) =>
        Shrink.Sequence(scenario, scenario.Steps, static (s, steps) => s with { Steps = steps })
            .Concat(Shrink.Toward0(scenario.Frames).Where(f => f >= 8).Select(f => scenario with { Frames = f }));

    private static Gen<IEnumerable<PagingStep>> Phase(int length) =>
        Gen.Frequency(
            (4, Gen.ListOf(MixedStep(), length).Select(l => l.AsEnumerable())),
            (3, Dense(length)),
            (2, Sparse(length)),
            (1, StackGrowth(length)),
            (2, Reuse()),
            (1, Migration()),
            (1, Gen.ListOf(AtBoundary(), Math.Max(2, length / 2)).Select(l => l.AsEnumerable())),
            (1, BrkReuse()),
            (1, FixedReuse()),
            (1, StackReuse()),
            (1, StackNeighbour(length)),
            (1, Gen.ListOf(Gen.Frequency((3, Handle().Select(h => (PagingStep)new DestroyMm(h))),
                (2, Gen.Constant<PagingStep>(new NewMm())), (1, Invalid())), 4).Select(l => l.AsEnumerable())));

    /// <summary>One mapping, then many accesses into it and its neighbours: dense tables, COW, exhaustion.</summary>
    private static Gen<IEnumerable<PagingStep>> Dense(int length) =>
        from map in MmapGen(Gen.Constant<int?>(null))
        from accesses in Gen.ListOf(Gen.Frequency((10, AccessInVma(Gen.Choose(0, 64 * 4096))), (2, Invalid()),
            (1, MprotectGen()), (2, MigrateGen())), length * 2)
        select accesses.Prepend(map);

    /// <summary>Mappings at table boundaries (straddling them), each touched at both ends, then some
    /// unmapped.</summary>
    private static Gen<IEnumerable<PagingStep>> Sparse(int length) =>
        from maps in Gen.ListOf(MmapGen(Gen.Elements<int?>(1, 2)), Math.Max(2, length / 4))
        from touches in Gen.ListOf(AccessInVma(Gen.Choose(0, 8 * 4096)), length)
        from unmaps in Gen.ListOf(MunmapGen(), Math.Max(1, length / 4))
        select maps.Concat(touches).Concat(unmaps);

    /// <summary>Write every page of a new anonymous mapping, unmap it, map again, write each page elsewhere and read:
    /// the write faults take the freed frames back, which must read as zero (a read fault alone would map the zero
    /// page).</summary>
    private static Gen<IEnumerable<PagingStep>> Reuse() => WriteThenRead(Anonymous(6), Remapped);

    /// <summary>The same at a fixed place by a boundary: map, write, unmap, map there again, write elsewhere in each
    /// page, read back 0.</summary>
    private static Gen<IEnumerable<PagingStep>> FixedReuse() =>
        WriteThenRead(
            from mm in Handle()
            from target in Target()
            from pages in Gen.Choose(1, 4)
            from ends in Gen.Elements(true, false)
            select (mm, pages, (PagingStep)new MmapAtStep(mm, target.Index, target.Delta, pages,
                VmProt.Read | VmProt.Write, ends)),
            Remapped);

    /// <summary>munmap the mapping, map it again and write each page at another offset: new frames, zeroed.</summary>
    private static IEnumerable<PagingStep> Remapped(PagingStep map, int pages)
    {
        var mm = map switch
        {
            MmapStep m => m.Mm,
            MmapAtStep a => a.Mm,
            _ => throw new ArgumentOutOfRangeException(nameof(map), map, "not a mapping step"),
        };
        return new PagingStep[] { new MunmapRecent(), map }.Concat(EachPage(mm, pages, Access.Write, 1, 16));
    }

    /// <summary>Write every page of a new anonymous mapping, migrate each (and the page past its end), read them:
    /// contents move with the page.</summary>
    private static Gen<IEnumerable<PagingStep>> Migration() =>
        WriteThenRead(Anonymous(4),
            (_, pages) => Enumerable.Range(0, pages + 1).Select(i => (PagingStep)new MigrateRecent(i)));

    private static Gen<(int Mm, int Pages, PagingStep Map)> Anonymous(int maxPages) =>
        from mm in Handle()
        from pages in Gen.Choose(1, maxPages)
        select (mm, pages, (PagingStep)new MmapStep(mm, pages, VmProt.Read | VmProt.Write, null, 0, false, null, 0, 0));

    /// <summary>A new mapping with every page written, then <paramref name="between"/>, then every page
    /// read.</summary>
    private static Gen<IEnumerable<PagingStep>> WriteThenRead(Gen<(int Mm, int Pages, PagingStep Map)> mapping,
        Func<PagingStep, int, IEnumerable<PagingStep>> between) =>
        from m in mapping
        from value in Gen.Choose(1, 255)
        select new[] { m.Map }.Concat(EachPage(m.Mm, m.Pages, Access.Write, (byte)value))
            .Concat(between(m.Map, m.Pages)).Concat(EachPage(m.Mm, m.Pages, Access.Read, 0));

    /// <summary>The heap grown from start_brk, every page written, shrunk to a page below, at or above start_brk,
    /// grown again and read: a page brk gave back must come back zeroed.</summary>
    private static Gen<IEnumerable<PagingStep>> BrkReuse() =>
        from mm in Handle()
        from pages in Gen.Choose(1, 4)
        from shrink in Gen.Choose(-1, 1)
        from value in Gen.Choose(1, 255)
        let brk = PagingBoundaries.StartBrk
        let offsets = Enumerable.Range(0, pages).Select(i => (i * 4096) + 8).ToList()
        select new PagingStep[] { new BrkToStep(mm, brk, 0, pages) }.Concat(At(mm, brk, offsets, (byte)value))
            .Concat([new BrkToStep(mm, brk, shrink, 0), new BrkToStep(mm, brk, 0, pages)])
            .Concat(At(mm, brk, offsets, null));

    /// <summary>The stack grown by writes a few pages below its initial start (or near its limit), then read
    /// back.</summary>
    private static Gen<IEnumerable<PagingStep>> StackReuse() =>
        from mm in Handle()
        from depth in Gen.Frequency((3, Gen.Choose(0, 64)), (1, Gen.Choose(2030, 2040)))
        from pages in Gen.Choose(1, 6)
        from value in Gen.Choose(1, 255)
        let offsets = Enumerable.Range(depth, pages).Select(i => -((i + 1) * 4096) + 8).ToList()
        select At(mm, PagingBoundaries.StackStart, offsets, (byte)value)
            .Concat(At(mm, PagingBoundaries.StackStart, offsets, null));

    /// <summary>A write of <paramref name="value"/> (a read when null) at each offset from a boundary.</summary>
    private static IEnumerable<PagingStep> At(int mm, int boundary, IEnumerable<int> offsets, byte? value) =>
        offsets.Select(o => (PagingStep)new AccessAtStep(mm, boundary, 0, o,
            value is null ? Access.Read : Access.Write, Privilege.User, value ?? 0));

    /// <summary>
    /// A mapping (accessible or PROT_NONE) ending a page below, at or above the stack guard gap under the initial
    /// stack, then accesses ever further below the stack: growth toward it stops stack_guard_gap above an accessible
    /// one (expand_downwards).
    /// </summary>
    private static Gen<IEnumerable<PagingStep>> StackNeighbour(int length) =>
        from mm in Handle()
        from delta in Gen.Choose(-1, 1)
        from pages in Gen.Choose(1, 4)
        from prot in Gen.Frequency((3, Gen.Constant(VmProt.Read | VmProt.Write)), (1, Gen.Constant(VmProt.None)))
        from offsets in Gen.ListOf(Gen.Frequency((2, Gen.Choose(0, 4 * 4096)), (1, Gen.Choose(250 * 4096, 262 * 4096))),
            Math.Max(2, length / 4))
        select new PagingStep[] { new MmapAtStep(mm, PagingBoundaries.BelowStackGap, delta, pages, prot, true) }
            .Concat(offsets.Prepend(0).Select(o =>
                (PagingStep)new AccessStep(mm, AccessTarget.BelowStack, 0, o, Access.Write, Privilege.User, 1)));

    private static IEnumerable<PagingStep> EachPage(int mm, int pages, Access access, byte value, int offset = 8) =>
        Enumerable.Range(0, pages)
            .Select(i => (PagingStep)new AccessStep(mm, AccessTarget.Recent, 0, (i * 4096) + offset, access,
                Privilege.User, value));

    /// <summary>Accesses ever further below the stack, past the 8 MiB limit.</summary>
    private static Gen<IEnumerable<PagingStep>> StackGrowth(int length) =>
        from accesses in Gen.ListOf(
            from mm in Handle()
            from offset in Gen.Frequency((4, Gen.Choose(0, 64 * 4096)), (2, Gen.Choose(64 * 4096, 2 << 20)),
                (1, Gen.Choose(7 << 20, 9 << 20)))
            from access in Gen.Elements(Access.Read, Access.Write)
            select (PagingStep)new AccessStep(mm, AccessTarget.BelowStack, 0, offset, access, Privilege.User, 1),
                length)
        select accesses.AsEnumerable();

    private static Gen<PagingStep> MixedStep() =>
        Gen.Frequency(
            (2, Gen.Constant<PagingStep>(new NewMm())),
            (1, Handle().Select(h => (PagingStep)new DestroyMm(h))),
            (6, MmapGen(Gen.Frequency((3, Gen.Constant<int?>(null)), (1, Gen.Elements<int?>(1, 2))))),
            (3, MunmapGen()),
            (3, MprotectGen()),
            (2, MigrateGen()),
            (3, from mm in Handle()
                from delta in Gen.Frequency((3, Gen.Choose(1, 40 * 4096)), (2, Gen.Choose(-40 * 4096, -1)),
                (1, Gen.Choose(-(1 << 30), -(1 << 24)))) select (PagingStep)new BrkStep(mm, delta)),
            (20, AccessInVma(Gen.Choose(0, 16 * 4096))),
            (2, from mm in Handle() from i in Handle() from off in Gen.Choose(0, 6 * 4096)
                from acc in Gen.Elements(Enum.GetValues<Access>())
                from priv in Gen.Elements(Enum.GetValues<Privilege>())
                select (PagingStep)new AccessStep(mm, AccessTarget.Vmalloc, i, off, acc, priv, 3)),
            (2, Gen.Choose(1, 6).Select(n => (PagingStep)new VmallocStep(n))),
            (1, Handle().Select(h => (PagingStep)new VfreeStep(h))),
            (6, Invalid()));

    /// <summary>One operation at a boundary of <see cref="PagingBoundaries"/>, a page below, at or above it.</summary>
    private static Gen<PagingStep> AtBoundary() =>
        from mm in Handle()
        from t in Target()
        from pages in Gen.Frequency((3, Gen.Choose(1, 4)), (1, Gen.Choose(5, 16)))
        from ends in Gen.Elements(true, false)
        from step in Gen.Frequency(
            (3, Gen.Elements(VmProt.Read | VmProt.Write, VmProt.Read, VmProt.None)
                .Select(p => (PagingStep)new MmapAtStep(mm, t.Index, t.Delta, pages, p, ends))),
            (2, Gen.Constant<PagingStep>(new MunmapAtStep(mm, t.Index, t.Delta, pages, ends))),
            (4, from off in Gen.Elements(-1, 0, 8) from acc in Gen.Elements(Enum.GetValues<Access>())
                from priv in Gen.Frequency((3, Gen.Constant(Privilege.User)), (1, Gen.Constant(Privilege.Supervisor)))
                select (PagingStep)new AccessAtStep(mm, t.Index, t.Delta, off, acc, priv, 7)),
            (1, Gen.Constant<PagingStep>(new BrkToStep(mm, t.Index, t.Delta, 0))),
            (1, Gen.Elements(-1, 0, 1).Select(d => (PagingStep)new MmapTaskSizeStep(mm, d))))
        select step;

    private static Gen<(int Index, int Delta)> Target() => Boundaries.Target(PagingBoundaries.Names.Length);

    private static Gen<PagingStep> MmapGen(Gen<int?> boundary) =>
        from mm in Handle()
        from pages in Gen.Frequency((4, Gen.Choose(1, 8)), (2, Gen.Choose(9, 64)), (1, Gen.Choose(65, 1200)))
        from prot in Gen.Elements(VmProt.Read | VmProt.Write, VmProt.Read, VmProt.Read | VmProt.Exec,
            VmProt.Read | VmProt.Write | VmProt.Exec, VmProt.None, VmProt.Write)
        from file in Gen.Frequency((3, Gen.Constant<int?>(null)), (2, Gen.Choose(0, 2).Select(f => (int?)f)))
        from pgoff in Gen.Choose(0, 16)
        from shared in Gen.Elements(true, false)
        from b in boundary
        from slot in Gen.Choose(0, 3)
        from back in Gen.Choose(0, 4)
        select (PagingStep)new MmapStep(mm, pages, prot, file, pgoff, shared, b, slot, back);

    private static Gen<PagingStep> MunmapGen() =>
        from mm in Handle() from vma in Handle() from offset in Gen.Choose(0, 8) from pages in Gen.Choose(1, 16)
        select (PagingStep)new MunmapStep(mm, vma, offset, pages);

    private static Gen<PagingStep> MprotectGen() =>
        from mm in Handle() from vma in Handle() from offset in Gen.Choose(0, 4) from pages in Gen.Choose(1, 8)
        from prot in Gen.Elements(VmProt.Read, VmProt.Read | VmProt.Write, VmProt.None, VmProt.Read | VmProt.Exec,
            VmProt.Read | VmProt.Write | VmProt.Exec)
        select (PagingStep)new MprotectStep(mm, vma, offset, pages, prot);

    private static Gen<PagingStep> MigrateGen() =>
        from mm in Handle() from vma in Handle()
            from offset in Gen.Frequency((3, Gen.Choose(0, 4)), (1, Gen.Choose(5, 64)))
        select (PagingStep)new MigrateStep(mm, vma, offset);

    private static Gen<PagingStep> AccessInVma(Gen<int> offset) =>
        from mm in Handle()
        from vma in Handle()
        from off in offset
        from access in Gen.Frequency((4, Gen.Constant(Access.Read)), (5, Gen.Constant(Access.Write)),
            (1, Gen.Constant(Access.Fetch)))
        from privilege in Gen.Frequency((9, Gen.Constant(Privilege.User)), (1, Gen.Constant(Privilege.Supervisor)))
        from value in Gen.Choose(1, 255)
        select (PagingStep)new AccessStep(mm, AccessTarget.Vma, vma, off, access, privilege, (byte)value);

    private static Gen<PagingStep> Invalid() =>
        Gen.OneOf(
            from mm in Handle() from vma in Handle() select (PagingStep)new MunmapStep(mm, vma, 0, 1, true),
            from mm in Handle() from vma in Handle() select (PagingStep)new MunmapStep(mm, vma, 0, 0, true),
            from mm in Handle() from n in Gen.Choose(-2, 0)
                select (PagingStep)new MmapStep(mm, n, VmProt.Read, null, 0, false, null, 0, 0),
            Gen.Choose(0, 3).Select(w => (PagingStep)new DeadMmStep(w)),
            from mm in Handle() from off in Gen.Choose(0, 1 << 20) from acc in Gen.Elements(Enum.GetValues<Access>())
            select (PagingStep)new AccessStep(mm, AccessTarget.NonCanonical, 0, off, acc, Privilege.User, 1),
            from mm in Handle() from which in Gen.Choose(0, 1) from off in Gen.Choose(0, 1 << 20)
                from priv in Gen.Elements(Enum.GetValues<Privilege>())
            select (PagingStep)new AccessStep(mm, AccessTarget.Unmapped, which, off, Access.Read, priv, 1),
            Handle().Select(h => (PagingStep)new VfreeStep(h, true)),
            from mm in Handle() from vma in Handle() select (PagingStep)new MigrateStep(mm, vma, 0, true),
            Gen.Constant<PagingStep>(new VmallocStep(0)));

    private static Gen<int> Handle() => Gen.Choose(0, 16);
}
