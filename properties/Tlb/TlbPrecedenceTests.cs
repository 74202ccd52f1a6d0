using MMSpec.Impl.Tlb;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using MMSpec.Properties.Paging;
using Xunit;

namespace MMSpec.Properties.Tlb;

/// <summary>
/// The TLB check's levels mean what they say for errors: a machine whose refused mmap names an error that applies,
/// but not Linux's first, passes the safe level and fails the exact one.
/// </summary>
public sealed class TlbPrecedenceTests
{
    /// <summary>A missing file and a length of 0: Linux reports the file (ksys_mmap_pgoff's fget runs first).</summary>
    [Theory]
    [InlineData(Level.Safe, null)]
    [InlineData(Level.Safe | Level.Exact, TlbLockstep.SameResult)]
    public void A_machine_reporting_the_last_applicable_mmap_error_fails_only_the_exact_level(Level level,
        string? rule)
    {
        var (format, layout, config) = (PagingFormat.FourLevel, MemoryLayout.Flat(256), new MachineConfig(2, true));
        var impl = new Machine(PagingPrecedenceTests.LastMmapError.Create(format, layout), config,
            _ => new SetAssociativeTlb(config.Sets, config.Ways, config.PdeEntries));
        var model = new Machine(new PagingModel(format, new BuddyModel(layout)), config, _ => new AllowedEntries());
        TlbStep[] steps = [new CreateMm(), new SwitchStep(0, 0), new MapStep(0, 0, VmProt.Read, -1, false)];

        var run = LockstepRunner.Run(new TlbLockstep(impl, model, level), steps);

        Assert.Equal(rule, run.Failure?.Violation.Rule);
    }

    [Fact]
    public void The_errors_that_apply_to_a_machine_call_are_its_cpus_then_the_paging_models_none_off_the_model()
    {
        var layout = MemoryLayout.Flat(64);
        var machine = new Machine(new PagingModel(PagingFormat.FourLevel, new BuddyModel(layout)),
            new MachineConfig(2, true), _ => new AllowedEntries());
        var cpu = new CpuId(0);
        Assert.True(machine.SwitchMm(cpu, machine.CreateAddressSpace().Value).IsOk);
        var missing = new MmapRequest(0, VmProt.Read, -1, 0, false);
        var errors = machine.ErrorsOf(new MachineOp.Mmap(cpu, missing));
        Assert.Equal([VmaPlan.NoFile, VmaPlan.BadLength], errors!.Select(e => ((InvalidRange)e).Why));
        var noCpu = machine.ErrorsOf(new MachineOp.Munmap(new CpuId(99), default, 1));
        Assert.IsType<InvalidInstruction>(Assert.Single(noCpu!));
        Assert.Null(machine.ErrorsOf(new MachineOp.TogglePge(cpu)));
        var unaligned = new VirtAddr(0x10001);
        Assert.Equal([VmaPlan.Unaligned, VmaPlan.OutsideUserSpace],
            machine.ErrorsOf(new MachineOp.Munmap(cpu, unaligned, 0))!.Select(e => ((InvalidRange)e).Why));
        Assert.Equal([VmaPlan.Unaligned, VmaPlan.OutsideUserSpace], machine.ErrorsOf(
            new MachineOp.Mprotect(cpu, unaligned, ulong.MaxValue, VmProt.Read))!.Select(e => ((InvalidRange)e).Why));
        Assert.IsType<NoAddressSpace>(Assert.Single(machine.ErrorsOf(new MachineOp.Mmap(new CpuId(1), missing))!));
        Assert.Null(TlbExamples.Boot(true).Machine.ErrorsOf(new MachineOp.Mmap(cpu, missing)));
    }
}
