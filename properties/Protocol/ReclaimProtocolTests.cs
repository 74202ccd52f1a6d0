using MMSpec.Conformance.Protocol;
using MMSpec.Conformance.Reclaim;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Protocol;

/// <summary>
/// Reclaim through the protocol (docs/protocol.md, "Reclaim requests"): MMSpec's own reclaim system behind
/// `mmspec serve reclaim` passes the live specification, every typed error crossing the pipe with its fields, and
/// a request it does not know is answered UnknownOp.
/// </summary>
public sealed class ReclaimProtocolTests(ITestOutputHelper output)
{
    /// <summary>`mmspec serve reclaim`, the built-in reclaim system behind the protocol.</summary>
    public static string ServedReclaim => $"{ProtocolTests.Served[..^"buddy".Length]}reclaim";

    [Fact]
    public void The_built_in_reclaim_system_served_over_the_protocol_passes_the_live_specification()
    {
        using var session = Served();
        PropertyRunner.CheckFrom(output,
            ReclaimSafeSpecification.Lockstepped(config => new ProcessReclaim(session, config),
                Level.Safe | Level.Live),
            MutationProfile.Active ? 2 : 4, BrokenVariant.Seed);
        Assert.True(session.Channel.Requests > 100);
        Assert.Null(session.Fault);
    }

    [Fact]
    public void Typed_errors_cross_the_protocol_with_their_fields()
    {
        using var session = Served();
        var system = new ProcessReclaim(session, new ReclaimConfig(256, 1, 1, 8));
        Assert.Equal(new SwappinessOutOfRange(201), system.SetSwappiness(201).Error);
        Assert.Equal(new BadSwapEntry(new SwapEntry(new SwapType(3), 1), "no such area"),
            system.ReadSwapSlot(new SwapEntry(new SwapType(3), 1)).Error);
        Assert.Equal(new SwapType(0), system.Swapon(9, null).Value);
        Assert.Equal(new BadSwapEntry(new SwapEntry(new SwapType(0), 1), "a free slot"),
            system.ReadSwapSlot(new SwapEntry(new SwapType(0), 1)).Error);
        Assert.Equal(0x100000001UL, system.ReadFile(0, 0).Value);
        Assert.Equal(0x100000001UL, system.Snapshot().Folios.Single().Content);
        Assert.Equal("""{"error":"UnknownOp","op":"no_such_op"}""", session.Channel.Send("""{"op":"no_such_op"}"""));
    }

    private static ProtocolSession Served()
    {
        var session = new ProtocolSession(new ProcessChannel(ServedReclaim, TimeSpan.FromSeconds(30)));
        Assert.Equal("reclaim", session.Hello("reclaim").Component);
        return session;
    }
}
