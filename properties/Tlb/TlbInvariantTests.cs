using System.Collections.Immutable;
using System.Globalization;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Tlb;

/// <summary>
/// The coherence rules on hand-made TLB and PDE-cache contents: each way an entry can be stale, named, and the
/// fresh or less permissive ones accepted.
/// </summary>
public sealed class TlbInvariantTests
{
    private readonly MachineSnapshot _state;
    private readonly PageState _bss;

    public TlbInvariantTests()
    {
        var config = new MachineConfig(1, true);
        var machine = new Machine(new PagingModel(PagingFormat.FourLevel, new BuddyModel(MemoryLayout.Flat(64))),
            config, _ => new AllowedEntries());
        var mm = machine.CreateAddressSpace().Value;
        Assert.True(machine.SwitchMm(new CpuId(0), mm).IsOk);
        Assert.True(machine.Access(new CpuId(0), new VirtAddr(UserLayout.BssStart(PagingFormat.FourLevel)),
            Access.Write, Privilege.User, 1).IsOk);
        _state = machine.Snapshot();
        _bss = _state.Paging.Spaces.Single().Pages.Single();
    }

    [Fact]
    public void Fresh_and_less_permissive_entries_are_coherent()
    {
        Assert.Single(_state.Cpus[0].Entries);
        Assert.Empty(TlbInvariants.CheckCoherence(_state));
        Assert.Empty(TlbInvariants.CheckCoherence(With(Entry(_bss.Flags & ~(PteFlags.ReadWrite | PteFlags.User)))));
    }

    [Theory]
    [InlineData("gone", "its page is no longer mapped")]
    [InlineData("not present", "its page is no longer mapped")]
    [InlineData("supervisor", "it grants U that the PTE [PW-AD--] does not")]
    [InlineData("moved", "the page now maps 0x3f")]
    [InlineData("writable", "it grants W that the PTE [P-UAD--] does not")]
    [InlineData("executable", "it grants X that the PTE [P-UAD--] does not")]
    [InlineData("foreign", "its pcid5 belongs to no live address space on cpu0")]
    public void Stale_entries_are_named(string how, string why)
    {
        var readOnly = _bss with { Flags = _bss.Flags & ~PteFlags.ReadWrite };
        var (entry, state) = how switch
        {
            "gone" => (Entry(_bss.Flags), WithPages([])),
            "not present" => (Entry(_bss.Flags), WithPages([_bss with { Flags = _bss.Flags & ~PteFlags.Present }])),
            "supervisor" => (Entry(_bss.Flags), WithPages([_bss with { Flags = _bss.Flags & ~PteFlags.User }])),
            "moved" => (Entry(_bss.Flags), WithPages([_bss with { Frame = new Pfn(63) }])),
            "writable" => (Entry(_bss.Flags), WithPages([readOnly])),
            "executable" => (Entry(readOnly.Flags & ~PteFlags.NoExecute), WithPages([readOnly])),
            _ => (Entry(_bss.Flags) with { Pcid = new Pcid(5) }, _state),
        };
        var broken = state with { Cpus = [state.Cpus[0] with { Entries = [entry] }] };
        Assert.Equal([$"cpu0: {entry} is stale: {why}"], TlbInvariants.CheckCoherence(broken).Select(v => v.Detail));
    }

    [Theory]
    [InlineData("fresh", null)]
    [InlineData("gone", "no page table maps its region any more")]
    [InlineData("moved", "the region's page table is now {0}")]
    [InlineData("foreign", "its pcid5 belongs to no live address space on cpu0")]
    public void Pde_cache_entries_name_their_region_s_current_page_table(string how, string? why)
    {
        var leaf = _state.Paging.Spaces.Single().Tables.Single(t => t.Depth == PagingFormat.FourLevel.Depth - 1);
        var fresh = new PdeCacheEntry(new Pcid(1), leaf.Index * PagingFormat.FourLevel.PageTableSpan, leaf.Frame);
        var entry = how switch
        {
            "fresh" => fresh,
            "gone" => fresh with { Region = fresh.Region + PagingFormat.FourLevel.PageTableSpan },
            "moved" => fresh with { PageTable = new Pfn(leaf.Frame.Value + 1) },
            _ => fresh with { Pcid = new Pcid(5) },
        };
        var state = _state with { Cpus = [_state.Cpus[0] with { PageTables = [entry] }] };
        var expected = why is null ? []
            : new[] { $"cpu0: PDE-cache entry {entry} is "
            + $"stale: {string.Format(CultureInfo.InvariantCulture, why, leaf.Frame)}" };
        Assert.Equal(expected, TlbInvariants.CheckPagingStructureCoherence(state).Select(v => v.Detail));
        Assert.All(TlbInvariants.CheckPagingStructureCoherence(state), v =>
            Assert.Equal(TlbInvariants.PagingStructureCoherence, v.Rule));
    }

    [Fact]
    public void A_cpu_knows_which_address_space_a_pcid_stands_for()
    {
        var cpu = _state.Cpus[0];
        Assert.Equal(new AsId(0), cpu.OwnerOf(new Pcid(1), true));
        Assert.Null(cpu.OwnerOf(new Pcid(2), true));
        Assert.Null(cpu.OwnerOf(new Pcid(0), true));
        Assert.Null(cpu.OwnerOf(new Pcid(7), true));
        Assert.Equal(new AsId(0), cpu.OwnerOf(new Pcid(0), false));
        Assert.Null(cpu.OwnerOf(new Pcid(1), false));
    }

    private TlbEntry Entry(PteFlags flags) =>
        new(new Pcid(1), _bss.Addr >> Pfn.PageShift, new Translation(_bss.Frame, flags), false);

    private MachineSnapshot With(TlbEntry entry) => _state with { Cpus = [_state.Cpus[0] with { Entries = [entry] }] };

    private MachineSnapshot WithPages(ImmutableArray<PageState> pages) =>
        _state with { Paging = _state.Paging with { Spaces = [_state.Paging.Spaces[0] with { Pages = pages }] } };
}
