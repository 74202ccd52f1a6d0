using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MMSpec.Conformance.Protocol;
using MMSpec.Impl.MemorySystem;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;

namespace MMSpec.Cli.Serve;

/// <summary>
/// `mmspec serve system`: MMSpec's implementations composed into a whole system behind the protocol
/// (docs/protocol.md, "System requests").
/// </summary>
public static class SystemServer
{
    /// <summary>The "op" names of <see cref="SystemOp"/>'s records, read from its JSON declaration.</summary>
    public static IReadOnlySet<string> SystemOps { get; } = typeof(SystemOp)
        .GetCustomAttributes<JsonDerivedTypeAttribute>()
        .Select(a => (string)a.TypeDiscriminator!)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>Answers each request line until the input ends.</summary>
    public static void Serve(TextReader input, TextWriter output)
    {
        IMemorySystem? system = null;
        ServeCommand.Loop(input, output, line => Answer(line, ref system));
    }

    private static string Answer(string line, ref IMemorySystem? system)
    {
        var op = JsonNode.Parse(line)?["op"]?.GetValue<string>();
        switch (op)
        {
            case "hello":
                return MmJson.Serialize(Result<HelloAnswer>.Ok(new HelloAnswer(ProtocolSession.Version, "system", [])));
            case "reset":
                system = ImplSystem.Create(MmJson.Deserialize<SystemResetRequest>(line).Config);
                return MmJson.Serialize(Result<Unit>.Ok(Unit.Value));
            case "snapshot" when system is not null:
                return MmJson.Serialize(Result<SystemSnapshot>.Ok(system.Snapshot()));
            case not null when system is not null && SystemOps.Contains(op):
                return MmJson.Deserialize<SystemOp>(line).ApplyTo(system).ToJson();
            default:
                return JsonSerializer.Serialize(new { error = "UnknownOp", op });
        }
    }
}
