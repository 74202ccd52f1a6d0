using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using MMSpec.Conformance.Protocol;
using MMSpec.Impl.Buddy;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Cli.Serve;

/// <summary>
/// `mmspec serve buddy|slab|paging|tlb|reclaim|system`: MMSpec's own implementation behind the protocol, on standard
/// input and output. What a process under test does, written in C#: the round trip's reference, and the in-process
/// figure the protocol's speed is measured against.
/// </summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var component = new Argument<string>("component")
        {
            Description = "buddy, slab, paging, tlb, reclaim or system",
        };
        var placement = new Option<Placement>("--placement")
        {
            Description = "which block alloc_pages hands out: LowestAddress (the model's choice, announced as "
                + "lowest_pfn) or HeadOfList (Linux's)",
            DefaultValueFactory = _ => Placement.LowestAddress,
        };
        var command = new Command("serve", "serve MMSpec's own implementation over the protocol (stdin/stdout)")
        {
            component,
            placement,
        };
        command.SetAction(parsed =>
        {
            var name = parsed.GetValue(component);
            if (name is not ("buddy" or "slab" or "paging" or "tlb" or "reclaim" or "system"))
            {
                Console.Error.WriteLine(
                    "mmspec serve: protocol version 1 defines buddy, slab, paging, tlb, reclaim and system");
                return 2;
            }

            using var input = new StreamReader(Console.OpenStandardInput());
            using var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false, NewLine = "\n" };
            try
            {
                switch (name)
                {
                    case "slab":
                        SlabServer.Serve(input, output);
                        break;
                    case "paging":
                        PagingServer.Serve(input, output);
                        break;
                    case "tlb":
                        TlbServer.Serve(input, output);
                        break;
                    case "reclaim":
                        ReclaimServer.Serve(input, output);
                        break;
                    case "system":
                        SystemServer.Serve(input, output);
                        break;
                    default:
                        Serve(input, output, parsed.GetValue(placement));
                        break;
                }
            }
            catch (JsonException e)
            {
                // The protocol's way to refuse a line it cannot read: say why on standard error, exit non-zero.
                Console.Error.WriteLine($"mmspec serve: a request it cannot read: {e.Message}");
                return 1;
            }

            return 0;
        });
        return command;
    }

    /// <summary>Answers each buddy request line until the input ends.</summary>
    public static void Serve(TextReader input, TextWriter output, Placement placement)
    {
        IBuddyAllocator? buddy = null;
        Loop(input, output, line => Answer(line, placement, ref buddy));
    }

    /// <summary>Writes <paramref name="answer"/>'s answer to each request line, flushed, until the input
    /// ends.</summary>
    internal static void Loop(TextReader input, TextWriter output, Func<string, string> answer)
    {
        while (input.ReadLine() is { } line)
        {
            output.WriteLine(answer(line));
            output.Flush();
        }
    }

    private static string Answer(string line, Placement placement, ref IBuddyAllocator? buddy)
    {
        var op = JsonNode.Parse(line)?["op"]?.GetValue<string>();
        switch (op)
        {
            case "hello":
                return MmJson.Serialize(Result<HelloAnswer>.Ok(new HelloAnswer(ProtocolSession.Version, "buddy",
                    placement == Placement.LowestAddress
                        ? [ProcessBuddy.SnapshotRange, ProtocolSession.Pipeline, ProcessBuddy.LowestPfn]
                        : [ProcessBuddy.SnapshotRange, ProtocolSession.Pipeline])));
            case "reset":
                buddy = new BuddyAllocator(MmJson.Deserialize<ResetRequest>(line).Layout, placement);
                return MmJson.Serialize(Result<Unit>.Ok(Unit.Value));
            case "snapshot" when buddy is not null && (JsonNode.Parse(line)?["frames"] is not null):
                var frames = MmJson.Deserialize<SnapshotRangeRequest>(line).Frames;
                return MmJson.Serialize(Result<BuddySnapshot>.Ok(buddy.SnapshotOf(frames)));
            case "snapshot" when buddy is not null:
                return MmJson.Serialize(Result<BuddySnapshot>.Ok(buddy.Snapshot()));
            case "alloc_pages" or "free_pages" when buddy is not null:
                return Call(buddy, MmJson.Deserialize<BuddyOp>(line));
            default:
                return JsonSerializer.Serialize(new { error = "UnknownOp", op });
        }
    }

    /// <summary>A buddy call's answer.</summary>
    internal static string Call(IBuddyAllocator buddy, BuddyOp op) => op switch
    {
        AllocPages a => MmJson.Serialize(buddy.AllocPages(a.Order, a.HighestZone)),
        FreePages f => MmJson.Serialize(buddy.FreePages(f.Pfn, f.Order)),
        _ => throw new InvalidDataException($"not a buddy call: {op}"),
    };
}
