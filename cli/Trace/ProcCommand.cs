using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using MMSpec.Impl.Buddy;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Cli.Trace;

/// <summary>
/// `mmspec proc buddyinfo &lt;trace.jsonl&gt;`: runs a trace's requests (as `mmspec trace` prints them) on MMSpec's
/// implementation and prints the /proc view of the state they leave, as Linux 6.18 formats it.
/// </summary>
public static class ProcCommand
{
    public static Command Create()
    {
        var view = new Argument<string>("view") { Description = "buddyinfo" };
        var trace = new Argument<FileInfo>("trace") { Description = "JSON lines: hello, reset, then calls" };
        var command = new Command("proc", "print the /proc view of the state a trace leaves") { view, trace };
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(view) != "buddyinfo")
            {
                Console.Error.WriteLine("mmspec proc: the views are: buddyinfo");
                return 2;
            }

            try
            {
                Console.Out.Write(BuddyInfo.Render(Replay(File.ReadLines(parsed.GetValue(trace)!.FullName))));
                return 0;
            }
            catch (Exception e) when (e is JsonException or IOException or InvalidDataException)
            {
                Console.Error.WriteLine($"mmspec proc: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    /// <summary>The implementation's state after the trace's requests; a reset starts it afresh.</summary>
    public static BuddySnapshot Replay(IEnumerable<string> lines)
    {
        IBuddyAllocator? buddy = null;
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            var op = JsonNode.Parse(line)?["op"]?.GetValue<string>()
                ?? throw new InvalidDataException($"line {number}: a request needs \"op\"");
            switch (op)
            {
                case "hello" or "snapshot":
                    break;
                case "reset":
                    buddy = new BuddyAllocator(MmJson.Deserialize<ResetLine>(line).Layout);
                    break;
                default:
                    Apply(buddy ?? throw new InvalidDataException($"line {number}: {op} before any reset"),
                        MmJson.Deserialize<BuddyOp>(line));
                    break;
            }
        }

        return (buddy ?? throw new InvalidDataException("the trace has no reset")).Snapshot();
    }

    private static void Apply(IBuddyAllocator buddy, BuddyOp op)
    {
        _ = op switch
        {
            AllocPages a => buddy.AllocPages(a.Order, a.HighestZone).IsOk,
            FreePages f => buddy.FreePages(f.Pfn, f.Order).IsOk,
            _ => throw new InvalidDataException($"not a buddy call: {op}"),
        };
    }

    private sealed record ResetLine(string Op, MemoryLayout Layout);
}
