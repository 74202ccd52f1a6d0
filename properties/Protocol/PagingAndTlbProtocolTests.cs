using MMSpec.Conformance.Protocol;
using MMSpec.Model.Paging;
using MMSpec.Properties.Lockstep;
using MMSpec.Properties.Tlb;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Protocol;

/// <summary>
/// Paging and the TLB machine through the protocol (docs/protocol.md, "Paging requests", "TLB machine requests"):
/// MMSpec's own paging system behind `mmspec serve paging` conforms at every level, a machine whose paging system is
/// that process passes the TLB check (which makes the translate, fault and frame requests too), and MMSpec's own
/// machine behind `mmspec serve tlb` passes it at the exact level.
/// </summary>
public sealed class PagingAndTlbProtocolTests(ITestOutputHelper output)
{
    /// <summary>`mmspec serve paging`, the built-in paging system behind the protocol.</summary>
    public static string ServedPaging => $"{ProtocolTests.Served[..^"buddy".Length]}paging";

    [Fact]
    public void The_built_in_paging_system_served_over_the_protocol_conforms_at_the_exact_level()
    {
        using var session = Served();
        PropertyRunner.CheckFrom(output,
            PagingSafeSpecification.Lockstepped(PagingFormat.FourLevel,
                (format, layout) => new ProcessPaging(session, format, layout), Level.All),
            MutationProfile.Active ? 2 : 6, BrokenVariant.Seed);
        Assert.True(session.Channel.Requests > 100);
        Assert.Null(session.Fault);
    }

    [Fact]
    public void A_machine_on_a_paging_process_passes_the_tlb_check()
    {
        using var session = Served();
        PropertyRunner.CheckFrom(output,
            TlbSpecification.Lockstepped(PagingFormat.FourLevel, pcid: true, (format, layout, config) =>
                TlbImplProperties.Watched(new ProcessPaging(session, format, layout), config)),
            MutationProfile.Active ? 2 : 4, BrokenVariant.Seed);
        Assert.True(session.Channel.Requests > 100);
        Assert.Null(session.Fault);
    }

    [Fact]
    public void The_built_in_machine_served_over_the_protocol_passes_the_exact_tlb_check()
    {
        using var session = Served("tlb");
        PropertyRunner.CheckFrom(output,
            TlbSpecification.Lockstepped(PagingFormat.FourLevel, pcid: true,
                (format, layout, config) => new ProcessMachine(session, format, layout, config), checks: Level.Exact),
            MutationProfile.Active ? 2 : 4, BrokenVariant.Seed);
        Assert.True(session.Channel.Requests > 100);
        Assert.Null(session.Fault);
    }

    private static ProtocolSession Served(string component = "paging")
    {
        var session = new ProtocolSession(new ProcessChannel(
            $"{ProtocolTests.Served[..^"buddy".Length]}{component}",
            TimeSpan.FromSeconds(30)));
        Assert.Equal(component, session.Hello(component).Component);
        return session;
    }
}
