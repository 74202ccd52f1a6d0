using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.MemorySystem;
using MMSpec.Conformance.Protocol;
using MMSpec.Impl.MemorySystem;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;
using MMSpec.Model.Reclaim;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Protocol;

/// <summary>
/// The whole system through the protocol (docs/protocol.md, "System requests"): MMSpec's implementations composed
/// behind `mmspec serve system` pass the live specification, its snapshot crosses the pipe whole, and every typed
/// error crosses with its fields.
/// </summary>
public sealed class SystemProtocolTests(ITestOutputHelper output)
{
    /// <summary>`mmspec serve system`, the implementations composed behind the protocol.</summary>
    public static string ServedSystem => $"{ProtocolTests.Served[..^"buddy".Length]}system";

    [Fact]
    public void The_built_in_whole_system_served_over_the_protocol_passes_the_live_specification()
    {
        using var session = Served();
        PropertyRunner.CheckFrom(output,
            SystemSafeSpecification.Lockstepped(config => new ProcessSystem(session, config), Level.Safe | Level.Live),
            2, BrokenVariant.Seed);
        Assert.True(session.Channel.Requests > 100);
        Assert.Null(session.Fault);
    }

    [Fact]
    public void The_snapshot_and_typed_errors_cross_the_protocol_whole()
    {
        using var session = Served();
        var config = new SystemConfig(256, 1, 1, 8);
        var served = new ProcessSystem(session, config);
        var local = ImplSystem.Create(config);
        foreach (var system in new IMemorySystem[] { served, local })
        {
            var child = system.Fork(Pid.Init).Value;
            var map = system.Mmap(child, MapKind.Anon, 0, 400).Value;
            for (var page = 0UL; page < 300; page++)
            {
                system.Access(child, new Model.Tlb.CpuId(0), new VirtAddr(map.Value + (page * 4096)),
                    true, page);
            }
        }

        var snapshot = served.Snapshot();
        Assert.True(snapshot.SameAs(local.Snapshot()), snapshot.DiffFrom(local.Snapshot()));
        Assert.Equal(1, snapshot.OomKills);
        Assert.Equal(new NoSuchProcess(new Pid(77)), served.DoExit(new Pid(77)).Error);
        Assert.Equal(new ContradictoryGfp(Gfp.Kernel | Gfp.Dma | Gfp.Dma32,
                "its zone modifiers name no zone (GFP_ZONE_BAD)"),
            served.AllocPages(Gfp.Kernel | Gfp.Dma | Gfp.Dma32, new Order(0)).Error);
        // The victim's own fault, its ALLOC_OOM reserves used up, gives up rather than loop.
        Assert.Equal(new AllocationFailed(Gfp.HighUserMovable, 0),
            served.Access(new Pid(2), new Model.Tlb.CpuId(0), new VirtAddr(0x10000 + (350 * 4096)),
                true, 1).Error);
        Assert.Equal("""{"error":"UnknownOp","op":"no_such_op"}""", session.Channel.Send("""{"op":"no_such_op"}"""));
    }

    private static ProtocolSession Served()
    {
        var session = new ProtocolSession(new ProcessChannel(ServedSystem, TimeSpan.FromSeconds(30)));
        Assert.Equal("system", session.Hello("system").Component);
        return session;
    }
}
