using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MMSpec.Conformance.Protocol;
using MMSpec.Impl.Reclaim;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;

namespace MMSpec.Cli.Serve;

/// <summary>
/// `mmspec serve reclaim`: MMSpec's own reclaim system (its own buddy allocator, page tables, TLBs, swap areas and
/// disk) behind the protocol (docs/protocol.md, "Reclaim requests").
/// </summary>
public static class ReclaimServer
{
    /// <summary>The "op" names of <see cref="ReclaimOp"/>'s records, read from its JSON declaration.</summary>
    public static IReadOnlySet<string> ReclaimOps { get; } = typeof(ReclaimOp)
        .GetCustomAttributes<JsonDerivedTypeAttribute>()
        .Select(a => (string)a.TypeDiscriminator!)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>Answers each request line until the input ends.</summary>
    public static void Serve(TextReader input, TextWriter output)
    {
        IReclaimSystem? system = null;
        ServeCommand.Loop(input, output, line => Answer(line, ref system));
    }

    private static string Answer(string line, ref IReclaimSystem? system)
    {
        var op = JsonNode.Parse(line)?["op"]?.GetValue<string>();
        switch (op)
        {
            case "hello":
                return MmJson.Serialize(Result<HelloAnswer>.Ok(
                    new HelloAnswer(ProtocolSession.Version, "reclaim", [])));
            case "reset":
                system = new ReclaimSystem(MmJson.Deserialize<ReclaimResetRequest>(line).Config);
                return MmJson.Serialize(Result<Unit>.Ok(Unit.Value));
            case "snapshot" when system is not null:
                return MmJson.Serialize(Result<ReclaimSnapshot>.Ok(system.Snapshot()));
            case not null when system is not null && ReclaimOps.Contains(op):
                return MmJson.Deserialize<ReclaimOp>(line).ApplyTo(system).ToJson();
            default:
                return JsonSerializer.Serialize(new { error = "UnknownOp", op });
        }
    }
}
