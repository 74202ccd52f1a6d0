using MMSpec.Impl.Tlb;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Tlb;

/// <summary>
/// Worked examples of the machine's own rules that a lockstep run against the walking reference cannot see, because
/// both sides obey them alike: which cached rights a hit may use, that a flush drops the pages it names and no more,
/// what exit and vfree leave behind, the snapshot's order, and the bound on fault retries.
/// </summary>
public sealed class MachineExamples
{
    private const byte Forged = 0x5A;
    private static readonly PagingFormat Format = PagingFormat.FourLevel;
    private static readonly VirtAddr Bss = new(UserLayout.BssStart(Format));
    private static readonly CpuId Other = new(1);

    public static TheoryData<PteFlags, Access, Privilege, bool> Rights => new()
    {
        { PteFlags.User, Access.Read, Privilege.User, true },
        { PteFlags.User, Access.Fetch, Privilege.User, true },
        { PteFlags.None, Access.Read, Privilege.Supervisor, true },
        { PteFlags.User | PteFlags.ReadWrite | PteFlags.Dirty, Access.Write, Privilege.User, true },
        { PteFlags.None, Access.Read, Privilege.User, false },
        { PteFlags.User | PteFlags.ReadWrite, Access.Write, Privilege.User, false },
        { PteFlags.User | PteFlags.Dirty, Access.Write, Privilege.User, false },
        { PteFlags.User | PteFlags.NoExecute, Access.Fetch, Privilege.User, false },
    };

    /// <summary>
    /// A TLB entry (here forged to map another frame, so a hit shows) serves the access when it grants it: U/S for
    /// a user access, R/W and D for a write, NX clear for a fetch. Otherwise the CPU drops it and walks, and the
    /// access gets what the walk gives, as on a machine with an empty TLB.
    /// </summary>
    [Theory]
    [MemberData(nameof(Rights))]
    public void A_hit_serves_the_access_from_the_cached_frame_only_when_the_entry_grants_it(PteFlags rights,
        Access access, Privilege privilege, bool hit)
    {
        var (machine, cpu, _) = TlbExamples.Boot(true);
        var frame = machine.Paging.Pages.AllocPages(new Order(0), ZoneType.Normal).Value;
        machine.Paging.WriteFrame(frame, 0, Forged);
        machine.TlbOf(cpu).Fill(new TlbEntry(new Pcid(1), Bss.Vpn, new Translation(frame,
            PteFlags.Present | PteFlags.Accessed | rights), false));
        var (walking, other, _) = TlbExamples.Boot(true);

        var result = machine.Access(cpu, Bss, access, privilege, 9);

        var written = access == Access.Write ? (byte)9 : Forged;
        Assert.Equal(hit ? written : walking.Access(other, Bss, access, privilege, 9), result);
        Assert.Equal(hit ? written : Forged, machine.Paging.ReadFrame(frame, 0));
        Assert.Equal(hit, machine.TlbOf(cpu).Entries().Any(e => e.Translation.Frame == frame));
    }

    /// <summary>
    /// munmap, mprotect and migration flush exactly their pages, on the caller and on the other CPU
    /// (flush_tlb_mm_range's start and end).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_flush_drops_the_pages_it_names_and_no_more(bool pcid)
    {
        var (machine, cpu, mm) = TlbExamples.Boot(pcid);
        Assert.True(machine.SwitchMm(Other, mm).IsOk);
        var area = machine.Mmap(cpu, new MmapRequest(4, VmProt.Read | VmProt.Write, null, 0, false)).Value;
        var pages = Enumerable.Range(0, 4).Select(i => new VirtAddr(area.Value + ((ulong)i * Pfn.PageSize))).ToArray();
        CacheOnBoth(machine, pages);

        Assert.True(machine.MigratePage(cpu, mm, pages[0]).IsOk);
        Assert.Equal([pages[1].Vpn, pages[2].Vpn, pages[3].Vpn], CachedPages(machine, cpu, pages));
        Assert.True(machine.Munmap(cpu, pages[1], 1).IsOk);
        Assert.Equal([pages[2].Vpn, pages[3].Vpn], CachedPages(machine, cpu, pages));
        Assert.True(machine.Mprotect(cpu, pages[2], 1, VmProt.Read).IsOk);
        Assert.Equal([pages[3].Vpn], CachedPages(machine, cpu, pages));
    }

    /// <summary>
    /// A brk shrink flushes the heap pages it gives back, not the mapping right above the old break; a brk that gives
    /// nothing back flushes nothing, PDE caches included.
    /// </summary>
    [Fact]
    public void A_brk_shrink_flushes_the_pages_it_gives_back_and_no_more()
    {
        var (machine, cpu, mm) = TlbExamples.Boot(true);
        Assert.True(machine.SwitchMm(Other, mm).IsOk);
        var start = UserLayout.StartBrk(Format);
        Assert.True(machine.Brk(cpu, new VirtAddr(start + (3 * Pfn.PageSize))).IsOk);
        var above = machine.Mmap(cpu, new MmapRequest(1, VmProt.Read | VmProt.Write, null, 0, false,
            new VirtAddr(start + (3 * Pfn.PageSize)))).Value;
        var pages = new[] { new VirtAddr(start), new VirtAddr(start + Pfn.PageSize),
            new VirtAddr(start + (2 * Pfn.PageSize)), above };
        CacheOnBoth(machine, pages);

        Assert.True(machine.Brk(cpu, new VirtAddr(start + Pfn.PageSize)).IsOk);
        Assert.Equal([pages[0].Vpn, above.Vpn], CachedPages(machine, cpu, pages));

        foreach (var c in new[] { cpu, Other })
        {
            Assert.True(machine.Invlpg(c, pages[0]).IsOk);
            Assert.True(machine.Access(c, pages[0], Access.Read, Privilege.User, 0).IsOk);
        }

        var tables = machine.Snapshot().Cpus.Select(c => c.PageTables).ToArray();
        Assert.All(tables, t => Assert.NotEmpty(t));
        Assert.True(machine.Brk(cpu, new VirtAddr(start + Pfn.PageSize)).IsOk);
        Assert.Equal(tables, machine.Snapshot().Cpus.Select(c => c.PageTables));
    }

    /// <summary>
    /// Without PCIDs, a CPU that switched away from an address space keeps its new one's entries when the old one is
    /// flushed.
    /// </summary>
    [Fact]
    public void A_cpu_that_switched_away_without_pcid_keeps_its_current_address_space_s_entries()
    {
        var (machine, cpu, mm) = TlbExamples.Boot(false);
        var text = new VirtAddr(UserLayout.TextStart(Format));
        Assert.True(machine.SwitchMm(Other, mm).IsOk);
        Assert.True(machine.SwitchMm(Other, machine.CreateAddressSpace().Value).IsOk);
        Assert.True(machine.Access(Other, text, Access.Read, Privilege.User, 0).IsOk);

        Assert.True(machine.Munmap(cpu, text, 1).IsOk);

        Assert.Equal([text.Vpn], machine.TlbOf(Other).Entries().Select(e => e.Vpn));
        Assert.NotEmpty(machine.TlbOf(Other).PageTables());
    }

    /// <summary>
    /// exit_mmap: every CPU that ran the address space goes idle and forgets its PCID; it cannot be destroyed twice.
    /// </summary>
    [Fact]
    public void Exit_forgets_the_address_space_on_every_cpu_and_a_second_exit_is_refused()
    {
        var (machine, cpu, mm) = TlbExamples.Boot(true);
        var next = machine.CreateAddressSpace().Value;
        Assert.True(machine.SwitchMm(Other, mm).IsOk);
        Assert.True(machine.SwitchMm(Other, next).IsOk);

        Assert.True(machine.DestroyAddressSpace(mm).IsOk);

        var state = machine.Snapshot();
        Assert.All(state.Cpus, c => Assert.DoesNotContain(mm, c.Asids));
        Assert.Equal([null, next], state.Cpus.Select(c => c.Mm));
        Assert.Equal(new UnknownAddressSpace(mm), machine.DestroyAddressSpace(mm).Error);
        Assert.Equal(new UnknownAddressSpace(mm), machine.SwitchMm(cpu, mm).Error);
        Assert.True(machine.SwitchMm(cpu, next).IsOk);
        Assert.Equal(new Pcid(2), machine.Snapshot().Cpus[0].Pcid);
    }

    /// <summary>
    /// vfree flushes the area's global entries on every CPU, whatever it runs, and no other area's; a CPU the machine
    /// lacks is refused with nothing freed.
    /// </summary>
    [Fact]
    public void Vfree_flushes_the_area_on_every_cpu_and_no_more()
    {
        var (machine, cpu, mm) = TlbExamples.Boot(true);
        Assert.True(machine.SwitchMm(Other, mm).IsOk);
        var freed = machine.Vmalloc(2).Value;
        var kept = machine.Vmalloc(1).Value;
        var pages = new[] { freed, new VirtAddr(freed.Value + Pfn.PageSize), kept };
        foreach (var c in new[] { cpu, Other })
        {
            Assert.All(pages, page => Assert.True(machine.Access(c, page, Access.Read, Privilege.Supervisor, 0).IsOk));
        }

        Assert.Equal(new InvalidInstruction(new CpuId(2), "no such CPU"), machine.Vfree(new CpuId(2), freed).Error);
        Assert.Equal(2, machine.Paging.Snapshot().Vmalloc.Length);
        Assert.True(machine.Vfree(Other, freed).IsOk);

        Assert.Equal([kept.Vpn], machine.TlbOf(cpu).Entries().Select(e => e.Vpn));
        Assert.Equal([kept.Vpn], machine.TlbOf(Other).Entries().Select(e => e.Vpn));
    }

    /// <summary>
    /// A global entry belongs to every address space: the incremental check, which skips the non-global entries of the
    /// spaces a step cannot change, still finds a stale one whatever PCID it was filled under (here a vfree that
    /// bypassed the machine, so no CPU flushed the area). Without PCIDs the entry's tag 0 is also that of the space
    /// the CPU runs.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_stale_global_entry_is_found_when_only_other_spaces_are_checked(bool pcid)
    {
        var (machine, cpu, _) = TlbExamples.Boot(pcid);
        var area = machine.Vmalloc(1).Value;
        Assert.True(machine.Access(cpu, area, Access.Read, Privilege.Supervisor, 0).IsOk);
        Assert.True(machine.Paging.Vfree(area).IsOk);

        var none = new HashSet<AsId>();
        var stale = TlbInvariants.CheckCoherence(machine.SnapshotOf(none), none).Single();

        Assert.Equal(TlbInvariants.Coherence, stale.Rule);
        Assert.Contains("its page is no longer mapped", stale.Detail, StringComparison.Ordinal);
    }

    private static void CacheOnBoth(Machine machine, VirtAddr[] pages)
    {
        foreach (var cpu in new[] { new CpuId(0), Other })
        {
            Assert.All(pages, page => Assert.True(machine.Access(cpu, page, Access.Write, Privilege.User, 1).IsOk));
        }
    }

    /// <summary>Which of <paramref name="pages"/> both CPUs still cache (they must agree).</summary>
    private static ulong[] CachedPages(Machine machine, CpuId cpu, VirtAddr[] pages)
    {
        var vpns = pages.Select(p => p.Vpn).ToHashSet();
        var mine = machine.TlbOf(cpu).Entries().Select(e => e.Vpn).Where(vpns.Contains).Order().ToArray();
        Assert.Equal(mine, machine.TlbOf(Other).Entries().Select(e => e.Vpn).Where(vpns.Contains).Order());
        return mine;
    }
}
