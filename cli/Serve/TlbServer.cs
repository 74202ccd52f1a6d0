using System.Text.Json;
using System.Text.Json.Nodes;
using MMSpec.Conformance.Protocol;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Impl.Tlb;
using MMSpec.Model.Core;
using MMSpec.Model.Tlb;

namespace MMSpec.Cli.Serve;

/// <summary>
/// `mmspec serve tlb`: MMSpec's own machine (set-associative TLBs and PDE caches on its paging system and buddy
/// allocator) behind the protocol (docs/protocol.md, "TLB machine requests").
/// </summary>
public static class TlbServer
{
    /// <summary>Answers each request line until the input ends.</summary>
    public static void Serve(TextReader input, TextWriter output)
    {
        IMachine? machine = null;
        ServeCommand.Loop(input, output, line => Answer(line, ref machine));
    }

    private static string Answer(string line, ref IMachine? machine)
    {
        var op = JsonNode.Parse(line)?["op"]?.GetValue<string>();
        switch (op)
        {
            case "hello":
                return MmJson.Serialize(Result<HelloAnswer>.Ok(new HelloAnswer(ProtocolSession.Version, "tlb", [])));
            case "reset":
                var reset = MmJson.Deserialize<MachineResetRequest>(line);
                var config = reset.Config;
                machine = new Machine(new PagingSystem(reset.Format, new BuddyAllocator(reset.Layout)), config,
                    _ => new SetAssociativeTlb(config.Sets, config.Ways, config.PdeEntries));
                return MmJson.Serialize(Result<Unit>.Ok(Unit.Value));
            case "snapshot" when machine is not null:
                return MmJson.Serialize(Result<MachineSnapshot>.Ok(machine.Snapshot()));
            case not null when machine is not null && op != "snapshot":
                return MmJson.Deserialize<MachineOp>(line).ApplyTo(machine).ToJson();
            default:
                return JsonSerializer.Serialize(new { error = "UnknownOp", op });
        }
    }
}
