using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Tlb.Broken;

/// <summary>
/// Each broken machine skips one obligation and keeps the rest: the bug, shown on two CPUs that cached the same
/// page. Without the shootdown the caller still flushes its own TLB; without the paging-structure flush the
/// other CPU still loses its TLB entries, and the caller its PDE cache.
/// </summary>
public sealed class BrokenMachineExamples
{
    private static readonly PagingFormat Format = PagingFormat.FourLevel;
    private static readonly VirtAddr Text = new(UserLayout.TextStart(Format));
    private static readonly CpuId Caller = new(0);
    private static readonly CpuId Other = new(1);

    [Fact]
    public void Without_the_shootdown_munmap_flushes_the_caller_only()
    {
        var machine = TwoCpusCaching((paging, config, tlb) => new NoShootdown(paging, config, tlb));

        Assert.True(machine.Munmap(Caller, Text, 1).IsOk);

        Assert.Empty(machine.TlbOf(Caller).Entries());
        Assert.Equal([Text.Vpn], machine.TlbOf(Other).Entries().Select(e => e.Vpn));
    }

    [Fact]
    public void Without_the_shootdown_vfree_flushes_the_caller_only()
    {
        var machine = TwoCpusCaching((paging, config, tlb) => new NoShootdown(paging, config, tlb));
        var area = machine.Vmalloc(1).Value;
        Assert.True(machine.Access(Caller, area, Access.Read, Privilege.Supervisor, 0).IsOk);
        Assert.True(machine.Access(Other, area, Access.Read, Privilege.Supervisor, 0).IsOk);

        Assert.True(machine.Vfree(Caller, area).IsOk);

        Assert.DoesNotContain(area.Vpn, machine.TlbOf(Caller).Entries().Select(e => e.Vpn));
        Assert.Contains(area.Vpn, machine.TlbOf(Other).Entries().Select(e => e.Vpn));
    }

    [Fact]
    public void Without_the_paging_structure_flush_the_other_cpu_keeps_its_pde_cache_only()
    {
        var machine = TwoCpusCaching((paging, config, tlb) => new FreesTableBeforeFlush(paging, config, tlb));

        Assert.True(machine.Munmap(Caller, Text, 1).IsOk);

        Assert.Empty(machine.TlbOf(Caller).Entries());
        Assert.Empty(machine.TlbOf(Other).Entries());
        Assert.Empty(machine.TlbOf(Caller).PageTables());
        Assert.NotEmpty(machine.TlbOf(Other).PageTables());
    }

    /// <summary>
    /// A broken machine with PCIDs whose two CPUs run one address space and have both read its first text page.
    /// </summary>
    private static Machine TwoCpusCaching(Func<IPagingSystem, MachineConfig, Func<CpuId, ITlb>, Machine> create)
    {
        var (machine, _, mm) = TlbExamples.Boot(true, create);
        Assert.True(machine.SwitchMm(Other, mm).IsOk);
        foreach (var cpu in new[] { Caller, Other })
        {
            Assert.True(machine.Access(cpu, Text, Access.Read, Privilege.User, 0).IsOk);
        }

        return machine;
    }
}
