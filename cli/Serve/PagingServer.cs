using System.Text.Json;
using System.Text.Json.Nodes;
using MMSpec.Conformance.Protocol;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Cli.Serve;

/// <summary>
/// `mmspec serve paging`: MMSpec's own paging system, on its own buddy allocator, behind the protocol
/// (docs/protocol.md, "Paging requests").
/// </summary>
public static class PagingServer
{
    /// <summary>The "op" names of <see cref="PagingOp"/>'s records.</summary>
    private static readonly HashSet<string> PagingOps =
    [
        "create_address_space", "destroy_address_space", "mmap", "munmap", "mprotect", "brk", "migrate_page",
        "access_byte", "vmalloc", "vfree",
    ];

    /// <summary>Answers each request line until the input ends.</summary>
    public static void Serve(TextReader input, TextWriter output)
    {
        IPagingSystem? paging = null;
        ServeCommand.Loop(input, output, line => Answer(line, ref paging));
    }

    private static string Answer(string line, ref IPagingSystem? paging)
    {
        var request = JsonNode.Parse(line);
        var op = request?["op"]?.GetValue<string>();
        switch (op)
        {
            case "hello":
                return MmJson.Serialize(Result<HelloAnswer>.Ok(
                    new HelloAnswer(ProtocolSession.Version, "paging", [ProcessBuddy.SnapshotRange])));
            case "reset":
                var reset = MmJson.Deserialize<PagingResetRequest>(line);
                paging = new PagingSystem(reset.Format, new BuddyAllocator(reset.Layout));
                return MmJson.Serialize(Result<Unit>.Ok(Unit.Value));
            case "snapshot" when paging is not null && (request?["spaces"] is not null):
                var spaces = MmJson.Deserialize<PagingSnapshotRequest>(line).Spaces;
                return MmJson.Serialize(Result<PagingSnapshot>.Ok(paging.SnapshotOf(spaces.ToHashSet())));
            case "snapshot" when paging is not null:
                return MmJson.Serialize(Result<PagingSnapshot>.Ok(paging.Snapshot()));
            case not null when paging is not null && PagingOps.Contains(op):
                return MmJson.Deserialize<PagingOp>(line).ApplyTo(paging).ToJson();
            case not null when paging is not null:
                return Machine(paging, op, line);
            default:
                return JsonSerializer.Serialize(new { error = "UnknownOp", op });
        }
    }

    /// <summary>The requests the TLB machine makes of its paging system, and the buddy requests.</summary>
    private static string Machine(IPagingSystem paging, string op, string line)
    {
        switch (op)
        {
            case "translate":
                var t = MmJson.Deserialize<TranslateRequest>(line);
                return MmJson.Serialize(paging.Translate(t.Mm, t.Addr, t.Access, t.Privilege));
            case "translate_from":
                var f = MmJson.Deserialize<TranslateFromRequest>(line);
                return MmJson.Serialize(paging.TranslateFrom(f.Mm, f.PageTable, f.Addr, f.Access, f.Privilege));
            case "handle_fault":
                var h = MmJson.Deserialize<HandleFaultRequest>(line);
                return MmJson.Serialize(paging.HandleFault(h.Mm, h.Fault, h.Access, h.Privilege));
            case "read_frame":
                var r = MmJson.Deserialize<FrameRequest>(line);
                return MmJson.Serialize(Result<byte>.Ok(paging.ReadFrame(r.Frame, r.Offset)));
            case "write_frame":
                var w = MmJson.Deserialize<FrameRequest>(line);
                paging.WriteFrame(w.Frame, w.Offset, w.Value);
                return MmJson.Serialize(Result<Unit>.Ok(Unit.Value));
            case "alloc_pages" or "free_pages":
                return ServeCommand.Call(paging.Pages, MmJson.Deserialize<BuddyOp>(line));
            default:
                return JsonSerializer.Serialize(new { error = "UnknownOp", op });
        }
    }
}
