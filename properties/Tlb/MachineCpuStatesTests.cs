using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Tlb;

/// <summary>
/// <see cref="Machine.CpuStates(System.Collections.Immutable.ImmutableArray{CpuState}, Func{ITlb, bool})"/>, the
/// lockstep's shortcut: a CPU whose caches saw no call and whose mm, PCID and ASID slots are as they were keeps its
/// previous state (the same object, not read again); every other CPU is read afresh.
/// </summary>
public sealed class MachineCpuStatesTests
{
    [Fact]
    public void An_unchanged_cpu_keeps_its_previous_state_object()
    {
        var (machine, _, _) = TlbExamples.Boot(pcid: true);
        var previous = machine.CpuStates();
        var kept = machine.CpuStates(previous, _ => true);
        Assert.All(Enumerable.Range(0, previous.Length), i => Assert.Same(previous[i], kept[i]));
    }

    [Fact]
    public void A_cpu_whose_caches_saw_a_call_is_read_again()
    {
        var (machine, cpu, _) = TlbExamples.Boot(pcid: true);
        var previous = machine.CpuStates();
        Assert.True(machine.Access(cpu, new VirtAddr(UserLayout.BssStart(PagingFormat.FourLevel)), Access.Read,
            Privilege.User, 0).IsOk);
        var states = machine.CpuStates(previous, _ => false);
        Assert.Equal(machine.CpuStates().Select(Text), states.Select(Text));
        Assert.NotSame(previous[cpu.Value], states[cpu.Value]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_cpu_that_switched_address_space_is_read_again_even_if_its_caches_look_unchanged(bool pcid)
    {
        var (machine, _, mm) = TlbExamples.Boot(pcid);
        var other = new CpuId(1);
        var previous = machine.CpuStates();
        Assert.True(machine.SwitchMm(other, mm).IsOk);
        var states = machine.CpuStates(previous, _ => true);
        Assert.Equal(mm, states[other.Value].Mm);
        Assert.Equal(Text(machine.CpuStates()[other.Value]), Text(states[other.Value]));
        Assert.Same(previous[0], states[0]);
    }

    [Fact]
    public void Without_previous_states_every_cpu_is_read()
    {
        var (machine, _, _) = TlbExamples.Boot(pcid: false);
        Assert.Equal(machine.CpuStates().Select(Text), machine.CpuStates([], _ => true).Select(Text));
    }

    /// <summary>A state with its arrays spelled out (records compare arrays by reference).</summary>
    private static string Text(CpuState s) =>
        $"{s.Id} {s.Mm} {s.Pcid} [{string.Join(", ", s.Asids)}] [{string.Join(", ", s.Entries)}] "
        + $"[{string.Join(", ", s.PageTables)}] {s.Hits} {s.Misses}";
}
