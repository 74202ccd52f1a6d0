using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Buddy;
using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.Paging;
using MMSpec.Conformance.Protocol;
using MMSpec.Conformance.Reclaim;
using MMSpec.Conformance.Slab;
using MMSpec.Conformance.Tlb;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Impl.Reclaim;
using MMSpec.Impl.Slab;
using MMSpec.Impl.Tlb;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Slab;
using MMSpec.Model.Tlb;

namespace MMSpec.Cli.Trace;

/// <summary>
/// The generated case of a seed as the protocol's request lines, per component: hello, the reset, then each call the
/// lockstep made, its handles resolved against MMSpec's own implementation (4-level paging for paging and the TLB
/// machine, PCIDs on; the reclaim system for reclaim).
/// </summary>
public static class Traces
{
    /// <summary>The components with a trace.</summary>
    public static IReadOnlyList<string> Components { get; } = ["buddy", "slab", "paging", "tlb", "reclaim"];

    /// <summary>The request lines of <paramref name="component"/>'s case of <paramref name="seed"/>.</summary>
    public static IReadOnlyList<string> Of(string component, ulong seed, int size)
    {
        var random = new Rnd(seed, PropertyRunner.Gamma);
        var (reset, run) = component switch
        {
            "buddy" => Buddy(BuddyGen.Scenario().Sample(1, random, size).Single()),
            "slab" => Slab(SlabGen.Scenario().Sample(1, random, size).Single()),
            "paging" => Paging(PagingGen.Scenario(PagingFormat.FourLevel).Sample(1, random, size).Single()),
            "tlb" => Tlb(TlbGen.Scenario(PagingFormat.FourLevel, pcid: true).Sample(1, random, size).Single()),
            "reclaim" => Reclaim(ReclaimGen.Scenario().Sample(1, random, size).Single()),
            _ => throw new ArgumentOutOfRangeException(nameof(component), component, "no trace for it"),
        };
        if (run.Failure is { } failure)
        {
            throw new InvalidOperationException(
                $"MMSpec's own {component} broke a rule tracing seed {seed}: {failure}");
        }

        return
        [
            MmJson.Serialize(new HelloRequest("hello", ProtocolSession.Version, component)),
            reset,
            .. run.Operations.Select(Request),
        ];
    }

    private static (string, LockstepRun) Buddy(BuddyScenario s) =>
        (MmJson.Serialize(new ResetRequest("reset", s.Layout)), LockstepRunner.Run(
            new BuddyLockstep(new BuddyAllocator(s.Layout), new BuddyModel(s.Layout), Level.Safe), s.Steps));

    private static (string, LockstepRun) Slab(SlabScenario s) =>
        (MmJson.Serialize(new ResetRequest("reset", s.Layout)), LockstepRunner.Run(
            new SlabLockstep(new SlabAllocator(new BuddyAllocator(s.Layout)), new SlabModel(new BuddyModel(s.Layout)),
                Level.Safe), s.Steps));

    private static (string, LockstepRun) Paging(PagingScenario s) =>
        (MmJson.Serialize(new PagingResetRequest("reset", s.Format, s.Layout)), LockstepRunner.Run(
            new PagingLockstep(new PagingSystem(s.Format, new BuddyAllocator(s.Layout)),
                new PagingModel(s.Format, new BuddyModel(s.Layout)), Level.Safe), s.Steps));

    private static (string, LockstepRun) Tlb(TlbScenario s)
    {
        var (format, layout, config) = (PagingFormat.FourLevel, s.Layout(), s.Config);
        var machine = new Machine(new PagingSystem(format, new BuddyAllocator(layout)), config,
            _ => new SetAssociativeTlb(config.Sets, config.Ways, config.PdeEntries));
        var model = new Machine(new PagingModel(format, new BuddyModel(layout)), config, _ => new AllowedEntries());
        return (MmJson.Serialize(new MachineResetRequest("reset", format, layout, config)),
            LockstepRunner.Run(new TlbLockstep(machine, model, Level.Safe), s.Steps));
    }

    private static (string, LockstepRun) Reclaim(ReclaimScenario s) =>
        (MmJson.Serialize(new ReclaimResetRequest("reset", s.Config)),
            LockstepRunner.Run(new ReclaimLockstep(new ReclaimSystem(s.Config), null, Level.Safe), s.Steps));

    /// <summary>An operation record as its request line: its contract's JSON form, "op" naming the call.</summary>
    private static string Request(object operation) => operation switch
    {
        BuddyOp op => MmJson.Serialize(op),
        SlabOp op => MmJson.Serialize(op),
        PagingOp op => MmJson.Serialize(op),
        MachineOp op => MmJson.Serialize(op),
        ReclaimOp op => MmJson.Serialize(op),
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "not an operation record"),
    };
}
